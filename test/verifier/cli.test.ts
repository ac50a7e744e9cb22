// `tsbpf verify`: exit codes, the printed verdict and log, --json rows, and
// usage errors, on assembly files written to a temp dir and on sample objects.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "tsbpf-verify-"));
function asmFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const good = asmFile("good.s", "r0 = 2\nexit\n");
const uninit = asmFile("uninit.s", "r0 = r2\nexit\n");
const lookup = asmFile(
  "lookup.s",
  [
    "r1 = 0",
    "*(u32 *)(r10 -4) = r1",
    "r2 = r10",
    "r2 += -4",
    "r1 = map[id:3]",
    "call 1",
    "if r0 == 0 goto +1",
    "r0 = *(u64 *)(r0 +8)",
    "r0 = 0",
    "exit",
  ].join("\n"),
);

describe("tsbpf verify --asm", () => {
  it("accepts a valid program and exits 0", async () => {
    const r = await cli(["verify", "--asm", good, "--type", "xdp"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${good}: accepted (2 insns processed)\n`);
  });

  it("rejects with the kernel message and exits 1", async () => {
    const r = await cli(["verify", "--asm", uninit, "--type", "socket_filter"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`${uninit}: rejected: R2 !read_ok\n`);
  });

  it("--log 2 prints every instruction with its state and the stats line", async () => {
    const r = await cli(["verify", "--asm", good, "--type", "xdp", "--log", "2"]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines).toContain("0: (b7) r0 = 2                        ; R0_w=2");
    expect(lines).toContain("1: (95) exit");
    expect(lines).toContain(
      "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
    );
  });

  it("--log 1 prints the error path ending in the message", async () => {
    const r = await cli(["verify", "--asm", uninit, "--type", "xdp", "--log", "1"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("0: (bf) r0 = r2\nR2 !read_ok\n");
  });

  it("--json prints one veristat-style row", async () => {
    const r = await cli(["verify", "--asm", uninit, "--type", "xdp", "--json"]);
    expect(r.code).toBe(1);
    const row = JSON.parse(r.out.trim()) as Record<string, unknown>;
    expect(row).toMatchObject({
      section: "",
      program: uninit,
      verdict: "reject",
      error: "R2 !read_ok",
      insnsProcessed: 1,
      totalStates: 0,
      peakStates: 0,
    });
    expect(typeof row.ms).toBe("number");
  });

  it("--map describes the map a lddw refers to, and its value size is enforced", async () => {
    const ok = await cli(["verify", "--asm", lookup, "--type", "xdp", "--map", "3=hash:4:16:8"]);
    expect(ok.code).toBe(0);
    const small = await cli(["verify", "--asm", lookup, "--type", "xdp", "--map", "3=hash:4:8:8"]);
    expect(small.code).toBe(1);
    expect(small.out).toContain("invalid access to map value, value_size=8 off=8 size=8");
  });

  it("--unpriv applies unprivileged rules", async () => {
    const leak = asmFile("leak.s", "r0 = r10\nexit\n");
    expect((await cli(["verify", "--asm", leak, "--type", "socket_filter"])).code).toBe(0);
    const r = await cli(["verify", "--asm", leak, "--type", "socket_filter", "--unpriv"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("R0 leaks addr as return value");
  });

  it("usage errors exit 2", async () => {
    expect((await cli(["verify", "--asm", good])).code).toBe(2);
    expect((await cli(["verify", "--asm", good, "--type", "nonsense"])).code).toBe(2);
    expect((await cli(["verify", "--asm", good, "--type", "xdp", "--log", "3"])).code).toBe(2);
    expect((await cli(["verify", "--asm", good, "--type", "xdp", "--map", "1=hash"])).code).toBe(2);
    expect((await cli(["verify", join(dir, "missing.o")])).code).toBe(2);
    const bad = asmFile("bad.s", "r0 = = 1\nexit\n");
    expect((await cli(["verify", "--asm", bad, "--type", "xdp"])).code).toBe(2);
  });

  it("has a --help", async () => {
    const r = await cli(["verify", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--section <S>");
    expect(r.out).toContain("--json");
  });
});

const BUILD = "../shared/samples/build";
describe.skipIf(!existsSync(BUILD))("tsbpf verify on objects", () => {
  it("verifies every program of an object and exits 1 when one is rejected", async () => {
    const r = await cli(["verify", `${BUILD}/tail_call.o`, "--json"]);
    expect(r.code).toBe(1);
    const rows = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { section: string; program: string; verdict: string });
    expect(rows.map((x) => [x.section, x.program, x.verdict])).toEqual([
      ["xdp_prog", "caller", "reject"],
      ["xdp_prog/0", "callee", "accept"],
    ]);
  });

  it("--section selects programs; an accepted selection exits 0", async () => {
    const r = await cli(["verify", `${BUILD}/tail_call.o`, "--section", "xdp_prog/0"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("xdp_prog/0/callee: accepted (2 insns processed)\n");
  });

  it("an unknown section is a usage error", async () => {
    const r = await cli(["verify", `${BUILD}/tail_call.o`, "--section", "nope"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("no program with section 'nope'");
  });

  it("prints the kernel message of a rejected sample", async () => {
    const r = await cli(["verify", `${BUILD}/nullmapref.o`, "--log", "1"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("R0 invalid mem access 'map_value_or_null'\n");
  });
});
