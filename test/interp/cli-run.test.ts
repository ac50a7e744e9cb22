// `tsbpf run`: output, exit codes (0 ok, 1 fault, 2 bad input), memory options.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { encode } from "../../src/isa/index.ts";
import { asm } from "./run.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-run-"));
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("tsbpf run", () => {
  it("prints r0 in hex and exits 0", async () => {
    const r = await cli("run", file("a.asm", "mov %r0, 0x2a\nlsh %r0, 32\nexit\n"));
    expect(r).toEqual({ code: 0, out: "0x2a00000000\n", err: "" });
  });
  it("--verbose adds decimal, signed value and the instruction count", async () => {
    const r = await cli(
      "run",
      "--engine",
      "interp",
      "--verbose",
      file("b.asm", "mov %r0, -1\nexit\n"),
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("0xffffffffffffffff\n");
    expect(r.out).toContain("r0 = 18446744073709551615 (signed -1)");
    expect(r.out).toContain("executed 2 instructions");
  });
  it("reads kernel syntax too", async () => {
    const r = await cli("run", file("k.s", "r0 = 5\nr0 <<= 4\nexit\n"));
    expect(r).toEqual({ code: 0, out: "0x50\n", err: "" });
  });
  it("runs raw bytecode from a .bin file", async () => {
    const bin = encode(asm("mov32 %r0, 7\nexit"));
    expect((await cli("run", file("c.bin", bin))).out).toBe("0x7\n");
  });
  it("passes --mem as r1/r2 and --mem-file likewise", async () => {
    const prog = file("d.asm", "ldxb %r0, [%r1+2]\nlsh %r0, 8\nadd %r0, %r2\nexit\n");
    expect((await cli("run", prog, "--mem", "01 02 ff")).out).toBe("0xff03\n");
    const mf = file("d.mem", Uint8Array.from([9, 9, 0x10, 9]));
    expect((await cli("run", prog, "--mem-file", mf)).out).toBe("0x1004\n");
  });
  it("an execution fault exits 1 and names the pc", async () => {
    const prog = file("e.asm", "mov %r1, 16\nldxw %r0, [%r1]\nexit\n");
    const r = await cli("run", "--engine", "interp", prog);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/out-of-bounds load of 4 bytes at 0x10 \(pc 1\)/);
  });
  it("--budget ends a loop with exit 1", async () => {
    const r = await cli(
      "run",
      "--engine",
      "interp",
      "--budget",
      "100",
      file("f.asm", "l:\nja l\nexit\n"),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/budget of 100 exhausted/);
  });
  it.each([
    ["a missing file", ["run", join(dir, "nope.asm")]],
    ["an assembler error", ["run", file("g.asm", "bogus %r0\n")]],
    ["a bad --mem", ["run", file("h.asm", "exit\n"), "--mem", "xyz"]],
    ["a bad --budget", ["run", file("i.asm", "exit\n"), "--budget", "-3"]],
    ["an unknown engine", ["run", file("j.asm", "exit\n"), "--engine", "nope"]],
    ["a truncated .bin", ["run", file("k.bin", new Uint8Array(5))]],
    ["an invalid instruction", ["run", file("l.bin", new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0]))]],
    ["no FILE", ["run"]],
  ])("%s exits 2", async (_n, argv) => {
    expect((await cli(...argv)).code).toBe(2);
  });
});
