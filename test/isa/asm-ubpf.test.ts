import { describe, expect, it } from "vitest";
import { AsmError } from "../../src/errors.ts";
import { assembleUbpf, encode, type Insn } from "../../src/isa/index.ts";

const hex = (insns: Insn[]): string => Buffer.from(encode(insns)).toString("hex");
const one = (line: string): string => hex(assembleUbpf(line));

function asmError(text: string): AsmError {
  try {
    assembleUbpf(text, "t.asm");
  } catch (e) {
    if (e instanceof AsmError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe("uBPF assembler: encodings", () => {
  it.each([
    ["mov32 %r0, 0", "b400000000000000"],
    ["mov %r0, -1", "b7000000ffffffff"],
    ["mov64 %r1, %r2", "bf21000000000000"],
    ["add32 %r3, 0x7fffffff", "04030000ffffff7f"],
    ["mov32 %r0, 0xffffffff", "b4000000ffffffff"],
    ["sdiv %r0, %r1", "3f10010000000000"],
    ["smod32 %r0, 3", "9400010003000000"],
    ["neg %r4", "8704000000000000"],
    ["neg32 %r4", "8404000000000000"],
    ["be16 %r0", "dc00000010000000"],
    ["le64 %r1", "d401000040000000"],
    ["swap32 %r2", "d702000020000000"],
    ["bswap64 %r2", "d702000040000000"],
    ["movsx832 %r0, %r1", "bc10080000000000"],
    ["movsx3264 %r0, %r1", "bf10200000000000"],
    ["ldxb %r0, [%r1+0x2]", "7110020000000000"],
    ["ldxdw %r0, [%r10-8]", "79a0f8ff00000000"],
    ["ldxh %r2, [%r1]", "6912000000000000"],
    ["ldxsw %r2, [%r1+4]", "8112040000000000"],
    ["stw [%r1+2], 0x11223344", "6201020044332211"],
    ["stxdw [%r10-8], %r1", "7b1af8ff00000000"],
    ["lock add [%r10-8], %r1", "db1af8ff00000000"],
    ["lock add32 [%r10-8], %r1", "c31af8ff00000000"],
    ["lock fetch or [%r1+0], %r2", "db21000041000000"],
    ["lock xchg [%r1], %r2", "db210000e1000000"],
    ["lock cmpxchg32 [%r1], %r2", "c3210000f1000000"],
    ["call 5", "8500000005000000"],
    ["call %r2", "8d02000000000000"],
    ["call runtime 7", "8520000007000000"],
    ["exit", "9500000000000000"],
    ["ja +1", "0500010000000000"],
    ["ja32 -1", "06000000ffffffff"],
    ["jne %r0, 15, +2", "550002000f000000"],
    ["jsle32 %r1, %r2, -3", "de21fdff00000000"],
    ["ldabsh 12", "280000000c000000"],
    ["ldindw %r3, 4", "4030000004000000"],
  ])("%s", (line, want) => {
    expect(one(line)).toBe(want);
  });

  it("lddw takes 64-bit hex and negative decimal constants", () => {
    expect(one("lddw %r0, 0x1122334455667788")).toBe("1800000088776655" + "0000000044332211");
    expect(one("lddw %r1, -2")).toBe("18010000feffffff" + "00000000ffffffff");
  });

  it("resolves labels forwards and backwards, counting lddw as two slots", () => {
    const insns = assembleUbpf(
      ["top:", "lddw %r0, 1", "jeq %r0, 1, done", "ja top", "done: exit"].join("\n"),
    );
    expect(insns[2]!.off).toBe(1); // 2 -> 4
    expect(insns[3]!.off).toBe(-4); // 3 -> 0
  });

  it("makes the first exit the label `exit` and call local use imm", () => {
    const insns = assembleUbpf("call local f\njeq %r0, 0, exit\nexit\nf:\nmov %r0, 1\nexit");
    expect(insns[0]).toMatchObject({ src: 1, imm: 2 });
    expect(insns[1]!.off).toBe(0);
  });

  it("ignores # comments, blank lines and extra blanks inside memory operands", () => {
    expect(hex(assembleUbpf("# c\n\n  ldxw %r0, [ %r1 + 4 ]  # load\n"))).toBe("6110040000000000");
  });
});

describe("uBPF assembler: errors name line, column and reason", () => {
  it.each([
    ["mov32 %r0, 2147483648", 1, 12, /out of 32-bit range/],
    ["mov32 %r0, 0x100000000", 1, 12, /out of 32-bit range/],
    ["mov32 %r0, -2147483649", 1, 12, /out of 32-bit range/],
    ["\nja NOT_A_LABEL", 2, 4, /undefined label 'NOT_A_LABEL'/],
    ["lock or [%r10-8]", 1, 9, /number of operands for lock/],
    ["lock", 1, 1, /number of operands for lock/],
    ["ldxq %r0, %r1", 1, 1, /invalid mnemonic 'ldxq'/],
    ["ldxb %r0, %r1", 1, 11, /memory operand/],
    ["ldxb %r0, [%r1+0x10000]", 1, 11, /16-bit range/],
    ["lddw %r0", 1, 1, /takes 2 operands, got 1/],
    ["or %r0, %r50", 1, 9, /invalid register '%r50'/],
    ["a:\na:", 2, 1, /duplicate label 'a'/],
    ["call bogus 1", 1, 6, /invalid call mode/],
    ["movsx832 %r0, 1", 1, 15, /register source/],
    ["exit %r0", 1, 6, /takes 0 operands/],
  ])("%j", (text, line, col, reason) => {
    const e = asmError(text);
    expect({ line: e.line, column: e.column }).toEqual({ line, column: col });
    expect(e.reason).toMatch(reason);
    expect(e.message).toContain(`t.asm:${line}:${col}:`);
  });

  it("rejects a jump whose label is out of the 16-bit offset range", () => {
    const body = Array.from({ length: 40000 }, () => "mov %r0, 0").join("\n");
    expect(asmError(`ja far\n${body}\nfar: exit`).reason).toMatch(/out of 16-bit offset range/);
  });
});
