// Property tests: every ALU op (32/64, register and immediate source) and every
// conditional jump agrees with a BigInt model of RFC 9669 on random operands
// biased toward the edges (0, ±1, INT_MIN/MAX at both widths).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  build,
  BPF_ALU,
  BPF_ALU64,
  BPF_DIV,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_MOD,
  BPF_X,
  insn,
  type Insn,
} from "../../src/isa/index.ts";
import * as op from "../../src/isa/opcodes.ts";
import { runProgram } from "../../src/interp/index.ts";
import { VmMemory } from "../../src/memory/index.ts";
import { ALU_NAMES, aluRef, JMP_NAMES, jmpRef, type AluName, type JmpName } from "./reference.ts";

const ALU_OP: Record<AluName, number> = {
  add: op.BPF_ADD,
  sub: op.BPF_SUB,
  mul: op.BPF_MUL,
  div: op.BPF_DIV,
  sdiv: op.BPF_DIV,
  or: op.BPF_OR,
  and: op.BPF_AND,
  lsh: op.BPF_LSH,
  rsh: op.BPF_RSH,
  mod: op.BPF_MOD,
  smod: op.BPF_MOD,
  xor: op.BPF_XOR,
  mov: op.BPF_MOV,
  arsh: op.BPF_ARSH,
};
const JMP_OP: Record<JmpName, number> = {
  jeq: op.BPF_JEQ,
  jne: op.BPF_JNE,
  jgt: op.BPF_JGT,
  jge: op.BPF_JGE,
  jlt: op.BPF_JLT,
  jle: op.BPF_JLE,
  jset: op.BPF_JSET,
  jsgt: op.BPF_JSGT,
  jsge: op.BPF_JSGE,
  jslt: op.BPF_JSLT,
  jsle: op.BPF_JSLE,
};

const EDGES = [
  0n,
  1n,
  2n,
  3n,
  31n,
  32n,
  63n,
  64n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
  0xfffffffffffffffen,
];
const u64Arb = fc.oneof(
  fc.constantFrom(...EDGES),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: -0x80000000n, max: 0x7fffffffn }).map((v) => BigInt.asUintN(64, v)),
);
const imm32Arb = fc.oneof(
  fc.constantFrom(0, 1, -1, 31, 32, 63, 64, 0x7fffffff, -0x80000000),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);

// One memory for every run: the interpreter's stack is pooled per memory.
const mem = new VmMemory();

/** Load r1/r2 (64-bit constants), apply `body`, return r0. */
function run(a: bigint, b: bigint, body: Insn[]): bigint {
  const prog = [...build.ld64Imm(1, a), ...build.ld64Imm(2, b), ...body, build.exit()];
  return runProgram(prog, { mem }).r0;
}

const signed = (n: AluName): boolean => n === "sdiv" || n === "smod";

describe("ALU agrees with the RFC 9669 reference model", () => {
  for (const name of ALU_NAMES) {
    for (const is64 of [true, false]) {
      const cls = is64 ? BPF_ALU64 : BPF_ALU;
      const off = signed(name) ? 1 : 0;
      it(`${name}${is64 ? "64" : "32"} reg`, () => {
        fc.assert(
          fc.property(u64Arb, u64Arb, (a, b) => {
            const body = [insn(cls | ALU_OP[name] | BPF_X, 1, 2, off), build.mov64Reg(0, 1)];
            expect(run(a, b, body)).toBe(aluRef(name, is64, a, b));
          }),
          { numRuns: 150 },
        );
      });
      it(`${name}${is64 ? "64" : "32"} imm`, () => {
        fc.assert(
          fc.property(u64Arb, imm32Arb, (a, k) => {
            // The immediate is sign-extended to 64 bits before a 64-bit operation.
            const body = [insn(cls | ALU_OP[name] | BPF_K, 1, 0, off, k), build.mov64Reg(0, 1)];
            expect(run(a, 0n, body)).toBe(aluRef(name, is64, a, BigInt.asUintN(64, BigInt(k))));
          }),
          { numRuns: 150 },
        );
      });
    }
  }
  it("the model itself is sane (div/mod by zero, sdiv overflow)", () => {
    expect(aluRef("div", true, 5n, 0n)).toBe(0n);
    expect(aluRef("mod", false, 0x100000005n, 0n)).toBe(5n);
    expect(aluRef("sdiv", true, 1n << 63n, (1n << 64n) - 1n)).toBe(1n << 63n);
    expect([BPF_DIV, BPF_MOD]).toEqual([0x30, 0x90]);
  });
});

describe("conditional jumps agree with the reference model", () => {
  for (const name of JMP_NAMES) {
    for (const is64 of [true, false]) {
      const cls = is64 ? BPF_JMP : BPF_JMP32;
      // r0 = 1 when taken, 0 when not.
      const tail = [build.mov64Imm(0, 0), build.ja(1), build.mov64Imm(0, 1)];
      it(`${name}${is64 ? "" : "32"} reg`, () => {
        fc.assert(
          fc.property(u64Arb, u64Arb, (a, b) => {
            const body = [insn(cls | JMP_OP[name] | BPF_X, 1, 2, 2), ...tail];
            expect(run(a, b, body)).toBe(jmpRef(name, is64, a, b) ? 1n : 0n);
          }),
          { numRuns: 100 },
        );
      });
      it(`${name}${is64 ? "" : "32"} imm`, () => {
        fc.assert(
          fc.property(u64Arb, imm32Arb, (a, k) => {
            const body = [insn(cls | JMP_OP[name] | BPF_K, 1, 0, 2, k), ...tail];
            const want = jmpRef(name, is64, a, BigInt.asUintN(64, BigInt(k)));
            expect(run(a, 0n, body)).toBe(want ? 1n : 0n);
          }),
          { numRuns: 100 },
        );
      });
    }
  }
});
