// `tsbpf jit`: summary, --wat text, -o binary, and exit codes.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-jit-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const prog = file("calls.asm", "mov %r1, 3\ncall local f\nexit\nf:\nmov %r0, %r1\ncall 7\nexit\n");

describe("tsbpf jit", () => {
  it("summarises functions, slots and host calls", async () => {
    const r = await cli("jit", prog);
    expect(r.code).toBe(0);
    expect(r.out).toContain("6 instructions, unverified");
    expect(r.out).toContain("slot +0: main");
    expect(r.out).toContain("slot +1: function at pc 3");
    expect(r.out).toContain("calls: helper 7");
  });
  it("--wat prints the module as text with BPF register names", async () => {
    const r = await cli("jit", prog, "--wat", "--verified");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\(module/);
    expect(r.out).toContain("(func $bpf_main");
    expect(r.out).toContain("(func $bpf_func_3");
    expect(r.out).toContain("local.get $r1");
    expect(r.out).toContain("call_indirect");
    // Verified code carries no budget or bounds-check slow paths...
    expect(r.out).not.toContain("region_miss");
    expect(r.out).not.toContain("budget_exhausted");
    // ...which unverified code calls out of line.
    const u = await cli("jit", file("mem.asm", "stxdw [%r10-8], %r1\nexit\n"), "--wat");
    expect(u.out).toContain("call $region_miss");
    expect(u.out).toContain("call $budget_exhausted");
  });
  it("-o writes a valid WebAssembly binary", async () => {
    const out = join(dir, "calls.wasm");
    const r = await cli("jit", prog, "-o", out);
    expect(r.code).toBe(0);
    expect(WebAssembly.validate(readFileSync(out))).toBe(true);
  });
  it("bad input exits 2", async () => {
    expect((await cli("jit", file("bad.asm", "ja +5\nexit\n"))).code).toBe(2);
    expect((await cli("jit", join(dir, "missing.asm"))).code).toBe(2);
    expect((await cli("jit")).code).toBe(2);
  });
  it("--help describes the command", async () => {
    const r = await cli("jit", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("--wat");
  });
});
