// Soundness of every ALU transfer function: for bounds records containing
// concrete values x (dst) and y (src), the record scalarAlu produces contains
// the concrete result, and is internally consistent (no kernel invariant
// violation).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_END,
  BPF_LSH,
  BPF_K,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_X,
  BPF_XOR,
} from "../../../src/isa/opcodes.ts";
import {
  boundsContain,
  boundsSync,
  boundsViolation,
  cloneBounds,
  coerceToSize,
  formatScalar,
  knownScalar,
  scalarAlu,
  scalarAluInsn,
  scalarMov,
  type AluExtra,
  type ScalarBounds,
} from "../../../src/verifier/bounds.ts";
import { aluRef, movsxRef, M64 } from "./ref.ts";
import { refBoundsSync } from "./ref-sync.ts";
import { sampleArb, u64Arb } from "./gen.ts";

const RUNS = 150;

function check(after: ScalarBounds, before: ScalarBounds, expected: bigint, what: string): void {
  if (!boundsContain(after, expected))
    throw new Error(
      `${what}: result ${expected} not in ${formatScalar(after)} (input ${formatScalar(before)})`,
    );
  // A consistent input must give a consistent output (kernel selftests run
  // with reg invariant checks that turn a violation into an error).
  const v = boundsViolation(after);
  if (v !== null && boundsViolation(before) === null)
    throw new Error(`${what}: ${v} in ${formatScalar(after)}`);
}

const OPS: [string, number, AluExtra?][] = [
  ["add", BPF_ADD],
  ["sub", BPF_SUB],
  ["mul", BPF_MUL],
  ["div", BPF_DIV, { signed: false }],
  ["sdiv", BPF_DIV, { signed: true }],
  ["mod", BPF_MOD, { signed: false }],
  ["smod", BPF_MOD, { signed: true }],
  ["or", BPF_OR],
  ["and", BPF_AND],
  ["xor", BPF_XOR],
  ["lsh", BPF_LSH],
  ["rsh", BPF_RSH],
  ["arsh", BPF_ARSH],
];

/** Shift counts and divisors are mostly small constants in real programs. */
const immArb = fc.oneof(
  fc.integer({ min: 0, max: 63 }),
  fc.integer({ min: -5, max: 5 }),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);

describe.each([
  ["ALU64", true],
  ["ALU32", false],
] as const)("%s soundness", (_name, is64) => {
  for (const [name, op, extra] of OPS) {
    it(`${name} with a register source`, () => {
      fc.assert(
        fc.property(sampleArb, sampleArb, fc.nat(), fc.nat(), (d, s, i, j) => {
          const x = d.members[i % d.members.length];
          const y = s.members[j % s.members.length];
          const dst = cloneBounds(d.b);
          scalarAlu(op, dst, cloneBounds(s.b), is64, extra);
          check(dst, d.b, aluRef(op, x, y, is64, extra), `${name} ${x} ${y}`);
        }),
        { numRuns: RUNS },
      );
    });

    it(`${name} with an immediate source`, () => {
      fc.assert(
        fc.property(sampleArb, immArb, fc.nat(), (d, imm, i) => {
          const x = d.members[i % d.members.length];
          // BPF_K: the kernel sign-extends imm to 64 bits for both widths.
          const y = BigInt(imm) & M64;
          const dst = cloneBounds(d.b);
          scalarAlu(op, dst, knownScalar(BigInt(imm)), is64, extra);
          check(dst, d.b, aluRef(op, x, y, is64, extra), `${name} ${x} imm ${imm}`);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("neg", () => {
    fc.assert(
      fc.property(sampleArb, fc.nat(), (d, i) => {
        const x = d.members[i % d.members.length];
        const dst = cloneBounds(d.b);
        scalarAlu(BPF_NEG, dst, null, is64);
        check(dst, d.b, aluRef(BPF_NEG, x, 0n, is64), `neg ${x}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("end / bswap", () => {
    fc.assert(
      fc.property(
        sampleArb,
        fc.nat(),
        fc.constantFrom(16, 32, 64),
        fc.constantFrom(BPF_TO_LE, BPF_TO_BE),
        (d, i, bits, source) => {
          const x = d.members[i % d.members.length];
          const extra = { endBits: bits, endSource: source };
          const dst = cloneBounds(d.b);
          scalarAlu(BPF_END, dst, null, is64, extra);
          check(dst, d.b, aluRef(BPF_END, x, 0n, is64, extra), `end${bits} ${x}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("mov and movsx", () => {
    fc.assert(
      fc.property(sampleArb, fc.nat(), fc.constantFrom(0, 8, 16, 32), (d, i, sx) => {
        if (!is64 && sx === 32) return;
        const x = d.members[i % d.members.length];
        const dst = knownScalar(12345n);
        scalarMov(dst, cloneBounds(d.b), is64, sx);
        const expected = sx === 0 ? (is64 ? x : x & 0xffffffffn) : movsxRef(x, sx, is64);
        check(dst, d.b, expected, `mov sx${sx} ${x}`);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("narrowing", () => {
  it("coerceToSize keeps the zero-extended low bytes", () => {
    fc.assert(
      fc.property(sampleArb, fc.nat(), fc.constantFrom(1, 2, 4), (d, i, size) => {
        const x = d.members[i % d.members.length];
        const b = cloneBounds(d.b);
        coerceToSize(b, size);
        check(b, d.b, x & ((1n << BigInt(size * 8)) - 1n), `coerce${size} ${x}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("known operands give known results", () => {
    fc.assert(
      fc.property(
        u64Arb,
        u64Arb,
        fc.constantFrom(BPF_ADD, BPF_SUB, BPF_MUL, BPF_XOR, BPF_AND, BPF_OR),
        (x, y, op) => {
          for (const is64 of [true, false]) {
            const dst = knownScalar(x);
            scalarAlu(op, dst, knownScalar(y), is64);
            expect(dst.varOff).toEqual({ value: aluRef(op, x, y, is64), mask: 0n });
            expect(dst.umin).toBe(dst.umax);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("scalarAluInsn decodes the instruction", () => {
  const CODES: [number, number][] = [];
  for (const cls of [BPF_ALU, BPF_ALU64])
    for (const op of [
      BPF_ADD,
      BPF_SUB,
      BPF_MUL,
      BPF_DIV,
      BPF_MOD,
      BPF_OR,
      BPF_AND,
      BPF_XOR,
      BPF_LSH,
      BPF_RSH,
      BPF_ARSH,
      BPF_MOV,
    ])
      for (const srcBit of [BPF_K, BPF_X]) CODES.push([cls | op | srcBit, op]);

  it("every op and width, register or immediate source, signed div/mod and movsx offsets", () => {
    fc.assert(
      fc.property(
        sampleArb,
        sampleArb,
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...CODES),
        immArb,
        fc.constantFrom(0, 1, 8, 16, 32),
        (d, s, i, j, [code, op], imm, off) => {
          const is64 = (code & 7) === BPF_ALU64;
          const isX = (code & BPF_X) !== 0;
          if (
            op === BPF_MOV &&
            (!isX || (off !== 0 && off !== 8 && off !== 16 && !(is64 && off === 32)))
          )
            off = 0;
          if (op !== BPF_MOV && op !== BPF_DIV && op !== BPF_MOD) off = 0;
          if (op === BPF_DIV || op === BPF_MOD) off = off === 1 ? 1 : 0;
          const x = d.members[i % d.members.length];
          const y = isX ? s.members[j % s.members.length] : BigInt(imm) & M64;
          const dst = cloneBounds(d.b);
          scalarAluInsn({ code, off, imm }, dst, isX ? cloneBounds(s.b) : null);
          let expected: bigint;
          if (op === BPF_MOV) {
            const v = isX ? y : BigInt(imm) & M64;
            expected = off ? movsxRef(v, off, is64) : is64 ? v : v & 0xffffffffn;
          } else expected = aluRef(op, x, y, is64, { signed: off === 1 });
          check(dst, d.b, expected, `code ${code.toString(16)} off ${off} ${x} ${y}`);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("END and NEG from the instruction", () => {
    fc.assert(
      fc.property(
        sampleArb,
        fc.nat(),
        fc.constantFrom(16, 32, 64),
        fc.constantFrom(
          BPF_ALU | BPF_END | BPF_TO_LE,
          BPF_ALU | BPF_END | BPF_TO_BE,
          BPF_ALU64 | BPF_END | BPF_TO_LE,
          BPF_ALU | BPF_NEG,
          BPF_ALU64 | BPF_NEG,
        ),
        (d, i, imm, code) => {
          const x = d.members[i % d.members.length];
          const is64 = (code & 7) === BPF_ALU64;
          const op = code & 0xf0;
          const dst = cloneBounds(d.b);
          scalarAluInsn({ code, off: 0, imm: op === BPF_NEG ? 0 : imm }, dst, null);
          const expected = aluRef(op, x, 0n, is64, { endBits: imm, endSource: code & BPF_X });
          check(dst, d.b, expected, `code ${code.toString(16)} imm ${imm} ${x}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("div/mod without signedness, or END without a width, leave the register unknown", () => {
    for (const op of [BPF_DIV, BPF_MOD, BPF_END]) {
      const dst = knownScalar(100n);
      scalarAlu(op, dst, knownScalar(7n), true);
      expect(formatScalar(dst)).toBe("scalar()");
    }
  });
});

describe("optimised sync", () => {
  it("gives the same record as a straight transcription of reg_bounds_sync", () => {
    fc.assert(
      fc.property(sampleArb, (d) => {
        const fast = cloneBounds(d.b);
        const slow = cloneBounds(d.b);
        boundsSync(fast);
        refBoundsSync(slow);
        expect(fast).toEqual(slow);
      }),
      { numRuns: 300 },
    );
  });
});
