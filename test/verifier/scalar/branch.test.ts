// Soundness of branch prediction and refinement: isBranchTaken never claims a
// direction a concrete pair contradicts, and for each branch, a pair that
// takes it stays inside both refined records.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
} from "../../../src/isa/opcodes.ts";
import {
  JSET_NOT,
  boundsContain,
  boundsViolation,
  cloneBounds,
  flipJmpOp,
  formatScalar,
  isBranchTaken,
  knownScalar,
  negateJmpOp,
  refineCondOp,
  ScalarDomainError,
} from "../../../src/verifier/bounds.ts";
import { jmpRef } from "./ref.ts";
import { constSampleArb, sampleArb, u64Arb } from "./gen.ts";

const OPS: [string, number][] = [
  ["jeq", BPF_JEQ],
  ["jne", BPF_JNE],
  ["jgt", BPF_JGT],
  ["jge", BPF_JGE],
  ["jlt", BPF_JLT],
  ["jle", BPF_JLE],
  ["jsgt", BPF_JSGT],
  ["jsge", BPF_JSGE],
  ["jslt", BPF_JSLT],
  ["jsle", BPF_JSLE],
  ["jset", BPF_JSET],
];

const RUNS = 120;

/** A source that is a constant half of the time: JNE/JSET refine only against constants. */
const srcArb = fc.oneof(sampleArb, constSampleArb);

describe("jump op algebra", () => {
  it("negate and flip agree with the concrete conditions", () => {
    fc.assert(
      fc.property(u64Arb, u64Arb, fc.boolean(), (x, y, is32) => {
        for (const [, op] of OPS) {
          expect(jmpRef(negateJmpOp(op), x, y, is32)).toBe(!jmpRef(op, x, y, is32));
          if (op !== BPF_JSET)
            expect(jmpRef(flipJmpOp(op), y, x, is32)).toBe(jmpRef(op, x, y, is32));
          expect(negateJmpOp(negateJmpOp(op))).toBe(op);
        }
      }),
      { numRuns: 200 },
    );
    expect(negateJmpOp(BPF_JSET)).toBe(JSET_NOT);
    expect(() => negateJmpOp(0x80)).toThrow(ScalarDomainError);
  });
});

describe.each([
  ["JMP", false],
  ["JMP32", true],
] as const)("%s", (_name, is32) => {
  for (const [name, op] of OPS) {
    it(`${name}: prediction and refinement of both branches are sound`, () => {
      fc.assert(
        fc.property(sampleArb, srcArb, fc.nat(), fc.nat(), (d, s, i, j) => {
          const x = d.members[i % d.members.length];
          const y = s.members[j % s.members.length];
          const taken = jmpRef(op, x, y, is32);
          const predicted = isBranchTaken(op, d.b, s.b, is32);
          if (predicted !== -1 && predicted !== (taken ? 1 : 0))
            throw new Error(
              `${name} ${x} ${y}: predicted ${predicted} but taken=${taken} for ${formatScalar(d.b)} vs ${formatScalar(s.b)}`,
            );
          const a = cloneBounds(d.b);
          const b = cloneBounds(s.b);
          refineCondOp(a, b, taken ? op : negateJmpOp(op), is32);
          if (!boundsContain(a, x) || !boundsContain(b, y))
            throw new Error(
              `${name} ${x} ${y} (taken=${taken}): refined to ${formatScalar(a)} / ${formatScalar(b)} from ${formatScalar(d.b)} / ${formatScalar(s.b)}`,
            );
          if (boundsViolation(d.b) === null && boundsViolation(s.b) === null) {
            expect(boundsViolation(a)).toBeNull();
            expect(boundsViolation(b)).toBeNull();
          }
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("a register compared with itself", () => {
    fc.assert(
      fc.property(sampleArb, fc.nat(), (d, i) => {
        const x = d.members[i % d.members.length];
        for (const [, op] of OPS) {
          const t = isBranchTaken(op, d.b, d.b, is32);
          if (t !== -1) expect(t).toBe(jmpRef(op, x, x, is32) ? 1 : 0);
          const a = cloneBounds(d.b);
          refineCondOp(a, a, op, is32);
          expect(a).toEqual(d.b);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("prediction precision", () => {
  it("decides constant comparisons", () => {
    const a = knownScalar(5n);
    const b = knownScalar(7n);
    expect(isBranchTaken(BPF_JLT, a, b, false)).toBe(1);
    expect(isBranchTaken(BPF_JGT, a, b, false)).toBe(0);
    expect(isBranchTaken(BPF_JEQ, a, b, false)).toBe(0);
    expect(isBranchTaken(BPF_JNE, a, b, false)).toBe(1);
    expect(isBranchTaken(BPF_JSET, a, b, false)).toBe(1);
    expect(isBranchTaken(BPF_JSET, knownScalar(8n), b, false)).toBe(0);
  });

  it("signed and 32-bit views differ from unsigned 64-bit ones", () => {
    const minus1 = knownScalar(-1n);
    const one = knownScalar(1n);
    expect(isBranchTaken(BPF_JGT, minus1, one, false)).toBe(1);
    expect(isBranchTaken(BPF_JSGT, minus1, one, false)).toBe(0);
    const hi = knownScalar(0x1_0000_0001n);
    expect(isBranchTaken(BPF_JEQ, hi, one, true)).toBe(1);
    expect(isBranchTaken(BPF_JEQ, hi, one, false)).toBe(0);
  });

  it("disjoint tnums never compare equal", () => {
    // even (x & 1 == 0) against an odd constant
    const even = cloneBounds(knownScalar(0n));
    even.varOff = { value: 0n, mask: 0xfen };
    even.umax = even.smax = 0xfen;
    even.u32max = even.s32max = 0xfen;
    expect(isBranchTaken(BPF_JEQ, even, knownScalar(3n), false)).toBe(0);
    expect(isBranchTaken(BPF_JNE, even, knownScalar(3n), false)).toBe(1);
    expect(isBranchTaken(BPF_JEQ, even, knownScalar(4n), false)).toBe(-1);
  });

  it("unknown against a constant is undecided", () => {
    const u = cloneBounds(knownScalar(0n));
    u.varOff = { value: 0n, mask: 0xffn };
    u.umax = u.smax = u.u32max = u.s32max = 0xffn;
    for (const op of [BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE])
      expect(isBranchTaken(op, u, knownScalar(0x80n), false)).toBe(-1);
    expect(isBranchTaken(BPF_JGT, u, knownScalar(0xffn), false)).toBe(0);
    expect(isBranchTaken(BPF_JLE, u, knownScalar(0xffn), false)).toBe(1);
  });
});
