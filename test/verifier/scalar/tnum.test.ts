import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumBswap16,
  tnumBswap32,
  tnumBswap64,
  tnumCast,
  tnumClearSubreg,
  tnumConst,
  tnumConstSubreg,
  tnumContains,
  tnumEquals,
  tnumIn,
  tnumIntersect,
  tnumIsAligned,
  tnumIsConst,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumOverlap,
  tnumRange,
  tnumRshift,
  tnumSbin,
  tnumStep,
  tnumStr,
  tnumSub,
  tnumSubreg,
  tnumUnion,
  tnumUnknown,
  tnumWithSubreg,
  tnumXor,
  type Tnum,
} from "../../../src/verifier/tnum.ts";
import { ScalarDomainError } from "../../../src/verifier/bounds.ts";
import { M32, M64 } from "./ref.ts";
import { u64Arb } from "./gen.ts";

const T = (value: bigint, mask: bigint): Tnum => ({ value, mask });

/** A tnum together with one of its members. */
const memberArb = fc
  .tuple(u64Arb, fc.bigInt({ min: 0n, max: M64 }), fc.nat(3))
  .map(([x, m, density]) => {
    // sparse, medium or dense unknown bits
    const mask = density === 0 ? 0n : density === 1 ? m & (m >> 7n) & (m >> 13n) : m;
    return { t: T(x & ~mask, mask), x: x };
  });

const sign64 = (x: bigint): bigint => BigInt.asIntN(64, x);

describe("tnum constructors and text", () => {
  it("prints like the kernel's tnum_strn", () => {
    expect(tnumStr(T(0n, 0xffn))).toBe("(0x0; 0xff)");
    expect(tnumStr(tnumUnknown())).toBe("(0x0; 0xffffffffffffffff)");
    expect(tnumStr(tnumConst(-1n))).toBe("(0xffffffffffffffff; 0x0)");
  });

  it("tnumRange covers the range with the smallest aligned block", () => {
    expect(tnumRange(0n, 2n)).toEqual(T(0n, 3n)); // also contains 3, as the kernel documents
    expect(tnumRange(5n, 5n)).toEqual(T(5n, 0n));
    expect(tnumRange(0x10n, 0x1fn)).toEqual(T(0x10n, 0xfn));
    expect(tnumRange(0n, M64)).toEqual(tnumUnknown());
    expect(tnumRange(1n << 63n, M64)).toEqual(T(1n << 63n, (1n << 63n) - 1n));
  });

  it("subregister helpers split and join the halves", () => {
    const t = T(0x1234_0000_0000_0001n, 0xf0n);
    expect(tnumSubreg(t)).toEqual(T(1n, 0xf0n));
    expect(tnumClearSubreg(t)).toEqual(T(0x1234_0000_0000_0000n, 0n));
    expect(tnumWithSubreg(t, T(0x5n, 0x2_0000_0000n))).toEqual(T(0x1234_0000_0000_0005n, 0n));
    expect(tnumConstSubreg(tnumUnknown(), 7n)).toEqual(T(7n, M64 ^ M32));
  });

  it("cast keeps only the low bytes and rejects sizes the kernel never uses", () => {
    expect(tnumCast(T(0x1234n, 0xff00n), 1)).toEqual(T(0x34n, 0n));
    expect(tnumCast(tnumUnknown(), 2)).toEqual(T(0n, 0xffffn));
    expect(() => tnumCast(tnumUnknown(), 3)).toThrow(ScalarDomainError);
  });

  it("alignment, membership and equality", () => {
    expect(tnumIsAligned(T(8n, 0xf0n), 8n)).toBe(true);
    expect(tnumIsAligned(T(8n, 0xf4n), 8n)).toBe(false);
    expect(tnumIsAligned(T(1n, 0n), 0n)).toBe(true);
    expect(tnumIn(tnumRange(0n, 2n), tnumConst(3n))).toBe(true);
    expect(tnumIn(T(0n, 0xfn), T(0x10n, 0n))).toBe(false);
    expect(tnumIn(T(0n, 0xffn), T(0x4n, 0x3n))).toBe(true);
    expect(tnumEquals(T(1n, 2n), T(1n, 2n))).toBe(true);
    expect(tnumIsConst(T(1n, 0n))).toBe(true);
  });

  it("arshift fills with the sign of the 32- or 64-bit value", () => {
    expect(tnumArshift(T(0x8000_0000n, 0n), 4, 32)).toEqual(T(0xf800_0000n, 0n));
    expect(tnumArshift(T(0x8000_0000n, 0n), 4, 64)).toEqual(T(0x0800_0000n, 0n));
    expect(tnumArshift(T(0n, 1n << 63n), 1, 64)).toEqual(T(0n, 3n << 62n));
  });

  it("multiplication keeps known low bits", () => {
    // x * 4 with x unknown: the two low bits are known zero.
    const r = tnumMul(tnumUnknown(), tnumConst(4n));
    expect(r.value).toBe(0n);
    expect(r.mask & 3n).toBe(0n);
    expect(tnumMul(tnumConst(6n), tnumConst(7n))).toEqual(tnumConst(42n));
  });

  it("byte swaps move value and mask bytes together", () => {
    expect(tnumBswap16(T(0x02_34n, 0xf0_00n))).toEqual(T(0x34_02n, 0x00_f0n));
    expect(tnumBswap32(T(0x1_0000_00ffn, 0n))).toEqual(T(0xff00_0000n, 0n));
    expect(tnumBswap64(T(0x01n, 0x0100n))).toEqual(
      T(0x0100_0000_0000_0000n, 0x0001_0000_0000_0000n),
    );
  });

  it("tnumStep finds the next member (kernel example x11100x0 after 241 is 242)", () => {
    const t = T(0b01110000n, 0b10000010n);
    expect(tnumStep(t, 241n)).toBe(242n);
    expect(tnumStep(t, 0n)).toBe(0b01110000n);
    expect(tnumStep(t, 255n)).toBe(0b11110010n);
  });

  it("sbin prints 64 trits", () => {
    const s = tnumSbin(T(2n, 1n));
    expect(s).toHaveLength(64);
    expect(s.endsWith("1x")).toBe(true);
  });
});

type Bin = (a: Tnum, b: Tnum) => Tnum;
const BINARY: [string, Bin, (x: bigint, y: bigint) => bigint][] = [
  ["add", tnumAdd, (x, y) => x + y],
  ["sub", tnumSub, (x, y) => x - y],
  ["mul", tnumMul, (x, y) => x * y],
  ["and", tnumAnd, (x, y) => x & y],
  ["or", tnumOr, (x, y) => x | y],
  ["xor", tnumXor, (x, y) => x ^ y],
  ["union (left member)", tnumUnion, (x) => x],
  ["union (right member)", tnumUnion, (_x, y) => y],
];

describe("tnum soundness: the result contains the concrete result", () => {
  for (const [name, op, ref] of BINARY) {
    it(name, () => {
      fc.assert(
        fc.property(memberArb, memberArb, (a, b) => {
          const r = op(a.t, b.t);
          expect(r.value & r.mask).toBe(0n);
          expect(tnumContains(r, ref(a.x, b.x) & M64)).toBe(true);
        }),
        { numRuns: 400 },
      );
    });
  }

  it("neg, shifts, cast, bswap, subreg", () => {
    fc.assert(
      fc.property(memberArb, fc.nat(63), ({ t, x }, sh) => {
        expect(tnumContains(tnumNeg(t), -x & M64)).toBe(true);
        expect(tnumContains(tnumLshift(t, sh), (x << BigInt(sh)) & M64)).toBe(true);
        expect(tnumContains(tnumRshift(t, sh), x >> BigInt(sh))).toBe(true);
        expect(tnumContains(tnumArshift(t, sh, 64), (sign64(x) >> BigInt(sh)) & M64)).toBe(true);
        const sh32 = sh & 31;
        const x32 = BigInt.asIntN(32, x);
        expect(tnumContains(tnumArshift(t, sh32, 32), (x32 >> BigInt(sh32)) & M32)).toBe(true);
        expect(tnumContains(tnumCast(t, 2), x & 0xffffn)).toBe(true);
        expect(tnumContains(tnumSubreg(t), x & M32)).toBe(true);
        let sw = 0n;
        for (let i = 0; i < 8; i++) sw = (sw << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
        expect(tnumContains(tnumBswap64(t), sw)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("intersect of two tnums holding the same value holds it; overlap agrees", () => {
    fc.assert(
      fc.property(memberArb, fc.bigInt({ min: 0n, max: M64 }), ({ t, x }, m) => {
        const other = T(x & ~m, m);
        expect(tnumOverlap(t, other)).toBe(true);
        expect(tnumContains(tnumIntersect(t, other), x)).toBe(true);
        expect(tnumIn(tnumUnion(t, other), t)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("tnumStep returns the smallest member above z", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 0xfffn }),
        fc.bigInt({ min: 0n, max: 0xfffn }),
        fc.bigInt({ min: 0n, max: 0x1000n }),
        (v, m, z) => {
          const t = T(v & ~m, m);
          const tmax = t.value | t.mask;
          let expected = tmax;
          if (z < t.value) expected = t.value;
          else if (z < tmax)
            for (let c = z + 1n; c <= tmax; c++)
              if (tnumContains(t, c)) {
                expected = c;
                break;
              }
          expect(tnumStep(t, z)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
