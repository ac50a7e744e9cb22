// fast-check generators for the scalar domain: 64-bit values biased toward
// the edges that matter (0, sign bits, 32-bit boundaries), and bounds records
// built around concrete member values, so every generated record is known to
// contain the values the properties run through the operations.
import fc from "fast-check";
import {
  boundsContain,
  boundsSync,
  tnumConst,
  tnumUnion,
  unknownScalar,
  type ScalarBounds,
  type Tnum,
} from "../../../src/verifier/bounds.ts";
import { M64 } from "./ref.ts";

const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);

const EDGES = [0n, 7n, 8n, 15n, 16n, 31n, 32n, 63n];

/** A u64 drawn from small numbers, values near powers of two, small negatives and anything. */
export const u64Arb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 300n }),
  fc
    .tuple(fc.constantFrom(...EDGES), fc.bigInt({ min: -3n, max: 3n }))
    .map(([k, d]) => ((1n << k) + d) & M64),
  fc.bigInt({ min: 1n, max: 300n }).map((v) => -v & M64),
  fc.bigInt({ min: 1n, max: 0x7fffffffn }).map((v) => -v & M64),
  fc.bigInt({ min: 0n, max: M64 }),
);

export interface Sample {
  b: ScalarBounds;
  /** Concrete values the record is known to contain. */
  members: bigint[];
}

/** The tightest record containing all `vals` (min/max in every view, tnum union). */
function hull(vals: bigint[]): ScalarBounds {
  const b = unknownScalar();
  const us = vals;
  const ss = vals.map(s64);
  const u32s = vals.map((v) => v & 0xffffffffn);
  const s32s = vals.map(s32);
  const min = (xs: bigint[]): bigint => xs.reduce((a, c) => (c < a ? c : a));
  const max = (xs: bigint[]): bigint => xs.reduce((a, c) => (c > a ? c : a));
  b.umin = min(us);
  b.umax = max(us);
  b.smin = min(ss);
  b.smax = max(ss);
  b.u32min = min(u32s);
  b.u32max = max(u32s);
  b.s32min = min(s32s);
  b.s32max = max(s32s);
  b.varOff = vals.map(tnumConst).reduce((a: Tnum, t) => tnumUnion(a, t));
  return b;
}

const widenArb = fc.record({
  extra: fc.array(u64Arb, { maxLength: 2 }),
  loosen: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  maskBits: fc.bigInt({ min: 0n, max: M64 }),
  useMask: fc.boolean(),
  sync: fc.nat(9),
});

/**
 * A consistent bounds record with members: the hull of 1..4 seed values,
 * each view loosened by more points or to fully unknown at random, then
 * (usually) synced as the verifier keeps its registers.
 */
export const sampleArb: fc.Arbitrary<Sample> = fc
  .tuple(
    fc.array(u64Arb, { minLength: 1, maxLength: 4 }),
    widenArb,
    fc.array(u64Arb, { maxLength: 4 }),
  )
  .map(([seeds, w, probes]) => {
    const b = hull(seeds);
    // Loosen each view with extra points (kept out of the member list).
    if (w.extra.length) {
      const h = hull([...seeds, ...w.extra]);
      if (w.loosen[0]) [b.umin, b.umax] = [h.umin, h.umax];
      if (w.loosen[1]) [b.smin, b.smax] = [h.smin, h.smax];
      if (w.loosen[2]) [b.u32min, b.u32max] = [h.u32min, h.u32max];
      if (w.loosen[3]) [b.s32min, b.s32max] = [h.s32min, h.s32max];
      if (w.loosen[4]) b.varOff = h.varOff;
    }
    if (w.useMask) {
      const m = w.maskBits;
      b.varOff = { value: b.varOff.value & ~m, mask: (b.varOff.mask | m) & M64 };
    }
    if (w.sync > 2) boundsSync(b);
    const members = [...seeds];
    for (const p of [...probes, b.umin, b.umax, b.smin & M64, b.smax & M64])
      if (boundsContain(b, p)) members.push(p);
    return { b, members };
  });

/** A known constant as a Sample. */
export const constSampleArb: fc.Arbitrary<Sample> = u64Arb.map((v) => {
  const b = hull([v]);
  return { b, members: [v] };
});

export function cloneSample(b: ScalarBounds): ScalarBounds {
  return { ...b };
}
