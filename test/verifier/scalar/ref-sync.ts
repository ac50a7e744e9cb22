// A straight, unoptimised transcription of the kernel's reg_bounds_sync steps
// (as first written for src/verifier/scalar/sync.ts), kept as an oracle: the
// optimised sync must give exactly the same records.
import {
  markKnown,
  newLane,
  readLane,
  writeLane,
  tnumClearSubreg,
  tnumIntersect,
  tnumOr,
  tnumRange,
  tnumStep,
  tnumSubreg,
  type Lane,
  type ScalarBounds,
} from "../../../src/verifier/bounds.ts";

const U32_MAX = 0xffffffffn;
const U64_MAX = (1n << 64n) - 1n;
const S32_MIN = -(1n << 31n);
const S32_MAX = (1n << 31n) - 1n;
const S64_MAX = (1n << 63n) - 1n;
const HI32_MASK = U64_MAX ^ U32_MAX;
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
interface Width {
  smax: bigint;
  toU: (x: bigint) => bigint;
  toS: (x: bigint) => bigint;
}
const W64: Width = { smax: S64_MAX, toU: u64, toS: s64 };
const W32: Width = { smax: S32_MAX, toU: u32, toS: s32 };
const SIGN32 = 1n << 31n;
const SIGN64 = 1n << 63n;

/** Tighten the 32-bit ranges from the low half of var_off (__update_reg32_bounds). */
function updateReg32Bounds(b: ScalarBounds): void {
  const v = b.varOff.value & U32_MAX;
  const m = b.varOff.mask & U32_MAX;
  // min signed: sign bit set if it may be, other bits at their minimum
  b.s32min = maxBig(b.s32min, s32(v | (m & SIGN32)));
  // max signed: sign bit clear if it may be, other bits at their maximum
  b.s32max = minBig(b.s32max, s32(v | (m & S32_MAX)));
  b.u32min = maxBig(b.u32min, v);
  b.u32max = minBig(b.u32max, v | m);
}

/**
 * Tighten the 64-bit ranges from var_off (__update_reg64_bounds), then, when
 * the u64 range and the tnum share exactly one value, make it a constant.
 */
function updateReg64Bounds(b: ScalarBounds): void {
  const t = b.varOff;
  b.smin = maxBig(b.smin, s64(t.value | (t.mask & SIGN64)));
  b.smax = minBig(b.smax, s64(t.value | (t.mask & S64_MAX)));
  b.umin = maxBig(b.umin, t.value);
  const tmax = t.value | t.mask;
  b.umax = minBig(b.umax, tmax);

  const next = tnumStep(t, b.umin);
  const uminInTnum = (b.umin & ~t.mask) === t.value;
  if (uminInTnum && next > b.umax) {
    // u64:  ---[xxxxxx]-----   tnum: --xx----------x-  (only umin is shared)
    markKnown(b, b.umin);
  } else if (!uminInTnum && next === tmax) {
    // only tmax, the largest tnum member, can be in range
    markKnown(b, tmax);
  } else if (!uminInTnum && next <= b.umax && tnumStep(t, next) > b.umax) {
    // exactly one member strictly between umin and umax
    markKnown(b, next);
  }
}

function updateRegBounds(b: ScalarBounds): void {
  updateReg32Bounds(b);
  updateReg64Bounds(b);
}

/** Scratch for the one-width rules below. */
const lane = newLane();

/** Learn 32-bit bounds from the 64-bit ones and s32 from u32 and back (__reg32_deduce_bounds). */
function deduce32(b: ScalarBounds): void {
  // Upper halves of a u64 range equal: the low halves form a range too.
  if (b.umin >> 32n === b.umax >> 32n) {
    b.u32min = maxBig(b.u32min, u32(b.umin));
    b.u32max = minBig(b.u32max, u32(b.umax));
    if (s32(b.umin) <= s32(b.umax)) {
      b.s32min = maxBig(b.s32min, s32(b.umin));
      b.s32max = minBig(b.s32max, s32(b.umax));
    }
  }
  if (b.smin >> 32n === b.smax >> 32n) {
    if (u32(b.smin) <= u32(b.smax)) {
      b.u32min = maxBig(b.u32min, u32(b.smin));
      b.u32max = minBig(b.u32max, u32(b.smax));
    }
    if (s32(b.smin) <= s32(b.smax)) {
      b.s32min = maxBig(b.s32min, s32(b.smin));
      b.s32max = minBig(b.s32max, s32(b.smax));
    }
  }
  // Upper halves are two consecutive numbers (mod 2^32) and the low halves go
  // from negative to non-negative: the low halves still form an s32 range.
  if (u32((b.umin >> 32n) + 1n) === u32(b.umax >> 32n) && s32(b.umin) < 0n && s32(b.umax) >= 0n) {
    b.s32min = maxBig(b.s32min, s32(b.umin));
    b.s32max = minBig(b.s32max, s32(b.umax));
  }
  if (u32((b.smin >> 32n) + 1n) === u32(b.smax >> 32n) && s32(b.smin) < 0n && s32(b.smax) >= 0n) {
    b.s32min = maxBig(b.s32min, s32(b.smin));
    b.s32max = minBig(b.s32max, s32(b.smax));
  }
  signedUnsigned(readLane(b, false, lane), W32);
  writeLane(b, false, lane);
}

/**
 * Learn the signed range from the unsigned one and back, within one width.
 * A range that stays on one side of the sign boundary is both; a signed
 * range that wraps meets the unsigned one in one piece or two, and only the
 * one-piece case teaches something.
 */
function signedUnsigned(d: Lane, w: Width): void {
  if (w.toS(d.umin) <= w.toS(d.umax)) {
    d.smin = maxBig(d.smin, w.toS(d.umin));
    d.smax = minBig(d.smax, w.toS(d.umax));
  }
  if (w.toU(d.smin) <= w.toU(d.smax)) {
    d.umin = maxBig(w.toU(d.smin), d.umin);
    d.umax = minBig(w.toU(d.smax), d.umax);
  } else if (d.umax < w.toU(d.smin)) {
    // only the non-negative part of the signed range is in the unsigned one
    d.smin = w.toS(d.umin);
    d.umax = minBig(d.umax, w.toU(d.smax));
  } else if (w.toU(d.smax) < d.umin) {
    // only the negative part
    d.smax = w.toS(d.umax);
    d.umin = maxBig(d.umin, w.toU(d.smin));
  }
}

/** Learn s64 from u64 and back (__reg64_deduce_bounds). */
function deduce64(b: ScalarBounds): void {
  signedUnsigned(readLane(b, true, lane), W64);
  writeLane(b, true, lane);
}

/** Tighten 64-bit bounds from 32-bit knowledge (__reg_deduce_mixed_bounds). */
function deduceMixed(b: ScalarBounds): void {
  // Substitute the u32 bounds as the low halves of the 64-bit ends.
  b.umin = maxBig(b.umin, (b.umin & HI32_MASK) | b.u32min);
  b.umax = minBig(b.umax, (b.umax & HI32_MASK) | b.u32max);
  b.smin = maxBig(b.smin, s64((u64(b.smin) & HI32_MASK) | b.u32min));
  b.smax = minBig(b.smax, s64((u64(b.smax) & HI32_MASK) | b.u32max));
  // After a sign-extending load: a 64-bit range within [S32_MIN, S32_MAX]
  // whose low half is non-negative cannot have all-ones upper bits.
  if (b.s32min >= 0n && b.smin >= S32_MIN && b.smax <= S32_MAX) {
    b.smin = b.umin = b.s32min;
    b.smax = b.umax = b.s32max;
    b.varOff = tnumIntersect(b.varOff, tnumRange(b.smin, b.smax));
  }
}

function deduceBounds(b: ScalarBounds): void {
  deduce32(b);
  deduce64(b);
  deduceMixed(b);
}

/** Learn var_off bits from the unsigned ranges (__reg_bound_offset). */
function boundOffset(b: ScalarBounds): void {
  const var64 = tnumIntersect(b.varOff, tnumRange(b.umin, b.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(b.u32min, b.u32max));
  b.varOff = tnumOr(tnumClearSubreg(var64), var32);
}

/** Make all views agree (reg_bounds_sync). */
export function refBoundsSync(b: ScalarBounds): void {
  updateRegBounds(b);
  deduceBounds(b);
  deduceBounds(b);
  deduceBounds(b);
  boundOffset(b);
  updateRegBounds(b);
}
