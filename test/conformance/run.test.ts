import { describe, expect, it } from "vitest";
import { conformanceHelpers, runConformance } from "../../src/conformance/index.ts";
import { ProgramExit } from "../../src/interp/env.ts";
import { VmMemory } from "../../src/memory/index.ts";
import { fakeEngine } from "../support/fake-engine.ts";

const run = (text: string) => runConformance(text, fakeEngine, "t.data");

describe("runConformance (on a fake engine)", () => {
  it("passes r1 = memory address and r2 = its length, and compares r0", () => {
    expect(run("-- asm\nmov %r0, %r2\nexit\n-- mem\n00 01 02\n-- result\n0x3")).toMatchObject({
      pass: true,
      r0: 3n,
    });
    expect(run("-- asm\nldxb %r0, [%r1+2]\nexit\n-- mem\n00 01 2a\n-- result\n42").pass).toBe(true);
    expect(run("-- asm\nmov %r0, %r1\nadd %r0, %r2\nexit\n-- result\n0x0").pass).toBe(true);
  });

  it("reports a result mismatch with both values", () => {
    const o = run("-- asm\nmov %r0, 1\nexit\n-- result\n0x2");
    expect(o).toMatchObject({ pass: false, r0: 1n });
    expect(o.reason).toBe("r0 = 0x1, expected 0x2");
  });

  it("fails assembler errors with line, column and reason, even when an error is expected", () => {
    const o = run("# c\n-- asm\nlock\nexit\n-- error\nInvalid number of operands for lock");
    expect(o.pass).toBe(false);
    expect(o.reason).toMatch(/^assembler error: t\.data:3:1: invalid number of operands for lock/);
  });

  it("passes an expected error when the program is rejected or faults", () => {
    expect(
      run("-- raw\n07 10 00 00 01 00 00 00\n95 00 00 00 00 00 00 00\n-- error\nbad").pass,
    ).toBe(true);
    expect(run("-- asm\nldxb %r0, [%r1]\nexit\n-- error\nout of bounds").pass).toBe(true);
  });

  it("fails a rejected program with the kernel message and the insn", () => {
    const o = run("-- raw\n07 10 00 00 01 00 00 00\n95 00 00 00 00 00 00 00\n-- error\n");
    expect(o.pass).toBe(false);
    expect(o.reason).toBe(
      "BPF_ALU uses reserved fields (insn 0); '-- error' names no expected error",
    );
    expect(
      run("-- raw\n07 10 00 00 01 00 00 00\n95 00 00 00 00 00 00 00\n-- result\n0").reason,
    ).toBe("BPF_ALU uses reserved fields (insn 0)");
  });

  it("fails when an error was expected but the program ran", () => {
    const o = run("-- asm\nmov %r0, 7\nexit\n-- error\nInvalid");
    expect(o).toMatchObject({ pass: false, reason: "expected an error ('Invalid'), got r0 = 0x7" });
  });

  it("fails files without instructions, without expectation, or with unknown directives", () => {
    expect(run("# nothing\n").reason).toMatch(/no instructions/);
    expect(run("-- result\n0x0").reason).toMatch(/no instructions/);
    expect(run("-- asm\nexit").reason).toMatch(/no expectation/);
    expect(run("-- asm\n-- Unknown directive\n-- error\nx").reason).toMatch(
      /^bad test file: t\.data:2: unknown directive/,
    );
  });

  it("runs the unwind helper: 0 ends the program, anything else is returned", () => {
    expect(run("-- asm\nmov %r1, 0\ncall 5\nmov %r0, 2\nexit\n-- result\n0x0").pass).toBe(true);
    expect(run("-- asm\nmov %r1, -1\ncall 5\nmov %r0, 2\nexit\n-- result\n0x2").pass).toBe(true);
  });
});

describe("conformance helpers (uBPF plugin)", () => {
  const mem = new VmMemory();
  const h = conformanceHelpers(mem);
  const call = (id: number, ...a: bigint[]) =>
    h.get(id)!(a[0] ?? 0n, a[1] ?? 0n, a[2] ?? 0n, a[3] ?? 0n, a[4] ?? 0n, {
      pc: 0,
      program: { insns: [] },
    });

  it("gather_bytes packs the low bytes of r1..r5", () => {
    expect(call(0, 0x1n, 0x2n, 0x3n, 0x4n, 0x105n)).toBe(0x0102030405n);
  });

  it("memfrob xors bytes with 42 in runtime memory and checks bounds", () => {
    const a = mem.alloc(3);
    mem.write(a, Uint8Array.of(0, 42, 1));
    expect(call(1, BigInt(a), 3n)).toBe(0n);
    expect([...mem.read(a, 3)]).toEqual([42, 0, 43]);
    expect(() => call(1, 16n, 4n)).toThrow(/invalid memory access/);
  });

  it("sqrti, strcmp_ext and no_op", () => {
    expect(call(3, 1000000n)).toBe(1000n);
    expect(call(3, 99n)).toBe(9n);
    const a = mem.alloc(8);
    const b = mem.alloc(8);
    mem.write(a, new TextEncoder().encode("abc\0"));
    mem.write(b, new TextEncoder().encode("abd\0"));
    expect(call(4, BigInt(a), BigInt(a))).toBe(0n);
    expect(BigInt.asIntN(64, call(4, BigInt(a), BigInt(b)))).toBe(-1n);
    expect(call(2, 5n)).toBe(0n);
  });

  it("unwind throws ProgramExit(0) for 0", () => {
    expect(() => call(5, 0n)).toThrow(ProgramExit);
    expect(call(5, 9n)).toBe(9n);
  });
});
