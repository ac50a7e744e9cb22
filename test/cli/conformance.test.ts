import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPlugin } from "../../src/cli/commands/conformance-plugin.ts";
import { cli, tempFiles } from "../support/cli.ts";

const GOOD = "-- asm\nmov %r0, %r2\nexit\n-- mem\n00 01 02\n-- result\n0x3\n";
const BAD = "-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n";

describe("tsbpf conformance", () => {
  it("prints PASS per file and the count; exit 0 when all pass", async () => {
    const dir = tempFiles({ "a.data": GOOD, "b.data": GOOD, "notes.txt": "x" });
    const r = await cli("conformance", dir, "--engine", "interp");
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `PASS ${join(dir, "a.data")}\nPASS ${join(dir, "b.data")}\n2 passed, 0 failed\n`,
    );
  });

  it("prints FAIL with the reason and exits 1 when one fails", async () => {
    const dir = tempFiles({ "a.data": GOOD, "bad.data": BAD });
    for (const engine of ["interp", "jit"]) {
      const r = await cli(
        "conformance",
        join(dir, "bad.data"),
        join(dir, "a.data"),
        "--engine",
        engine,
      );
      expect(r.code).toBe(1);
      expect(r.out).toBe(
        `FAIL ${join(dir, "bad.data")}: r0 = 0x1, expected 0x2\nPASS ${join(dir, "a.data")}\n1 passed, 1 failed\n`,
      );
    }
  });

  it("shows r0 of passing tests with --verbose", async () => {
    const dir = tempFiles({ "a.data": GOOD });
    expect((await cli("conformance", dir, "--verbose")).out).toMatch(
      /^PASS .*a\.data \(r0 = 0x3; [\d.]+ ms\)\n/,
    );
  });

  it("exits 2 on usage errors", async () => {
    expect((await cli("conformance")).code).toBe(2);
    expect((await cli("conformance", "/nonexistent")).code).toBe(2);
    expect((await cli("conformance", tempFiles({}))).code).toBe(2);
    expect((await cli("conformance", tempFiles({ "a.data": GOOD }), "--engine", "nope")).code).toBe(
      2,
    );
  });
});

describe("tsbpf conformance-plugin", () => {
  const PROG = "b7 00 00 00 05 00 00 00 0f 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00";

  it("prints r0 in hex without 0x; memory is the first argument", async () => {
    expect(await cli("conformance-plugin", "aa  bb  cc  ", "--program", PROG)).toEqual({
      code: 0,
      out: "8\n",
      err: "",
    });
    expect((await cli("conformance-plugin", "--program", PROG, "--interpret")).out).toBe("5\n");
    expect((await cli("conformance-plugin", "--program", PROG, "--jit")).out).toBe("5\n");
  });

  it("runs the uBPF helpers: callx to the unwind helper", async () => {
    // mov %r1, 0; mov %r2, 5; call %r2; mov %r0, 2; exit -> unwind(0) stops with r0 = 0
    const prog =
      "b7010000 00000000 b7020000 05000000 8d020000 00000000 b7000000 02000000 95000000 00000000";
    expect((await cli("conformance-plugin", "--program", prog)).out).toBe("0\n");
  });

  it("exits 1 with the reason on stderr when the program is rejected or faults", async () => {
    const rejected = await cli(
      "conformance-plugin",
      "--program",
      "07 10 00 00 05 00 00 00 95 00 00 00 00 00 00 00",
    );
    expect(rejected).toEqual({
      code: 1,
      out: "",
      err: "Failed to load program: BPF_ALU uses reserved fields (insn 0)\n",
    });
    const fault = await cli(
      "conformance-plugin",
      "--program",
      "71 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00",
    );
    expect(fault.code).toBe(1);
    expect(fault.err).toMatch(/^Failed to execute program: /);
  });

  it("exits 2 on malformed input and unsupported flags", async () => {
    expect((await cli("conformance-plugin", "--program", "b7 00")).code).toBe(2);
    expect((await cli("conformance-plugin", "zz", "--program", PROG)).code).toBe(2);
    expect((await cli("conformance-plugin", "--program", PROG, "--elf")).code).toBe(2);
    expect((await cli("conformance-plugin", "--program", PROG, "--jit", "--interpret")).code).toBe(
      2,
    );
  });
});

describe("conformance plugin protocol", () => {
  it("reads the program from the first line of stdin when --program is absent", () => {
    let out = "";
    const ctx = { out: (s: string) => (out += s), err: () => {}, exitCode: 0 };
    runPlugin("01 02", {}, ctx, () => "b7 00 00 00 07 00 00 00 95 00 00 00 00 00 00 00\nignored\n");
    expect(out).toBe("7\n");
    expect(ctx.exitCode).toBe(0);
  });
});
