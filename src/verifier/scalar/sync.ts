// Keeping the five views of a scalar (tnum, s64, u64, s32, u32) consistent:
// each learns from the others until they agree, as the kernel's
// reg_bounds_sync() does after every ALU op and branch. The order of the
// steps and the number of deduction rounds are the kernel's: the verdicts
// and logs we must reproduce depend on them.
import * as bd from "./bounds.ts";
import type { Lane, ScalarBounds } from "./bounds.ts";
import * as int from "./int.ts";
import type { Width } from "./int.ts";
import * as tn from "./tnum.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const { markKnown, markUnbounded, newLane, readLane, writeLane } = bd;
const {
  HI32_MASK,
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  TWO32,
  TWO64,
  U32_MAX,
  U64_MAX,
  W32,
  W64,
  hex,
  maxBig,
  minBig,
  s32,
  s64,
  u32,
  u64,
} = int;
const {
  tnumIntersect,
  tnumIsConst,
  tnumRange,
  tnumRangeMask,
  tnumStep,
  tnumSubreg,
  tnumSubregIsConst,
} = tn;

const SIGN32 = 1n << 31n;
const SIGN64 = 1n << 63n;

/** s32/s64 of a value already in [0, 2^32) / [0, 2^64): one compare instead of a mask. */
const toS32 = (x: bigint): bigint => (x > S32_MAX ? x - TWO32 : x);
const toS64 = (x: bigint): bigint => (x > S64_MAX ? x - TWO64 : x);

/** Tighten the 32-bit ranges from the low half of var_off (__update_reg32_bounds). */
export function updateReg32Bounds(b: ScalarBounds): void {
  const v = b.varOff.value & U32_MAX;
  const m = b.varOff.mask & U32_MAX;
  // min signed: sign bit set if it may be, other bits at their minimum
  b.s32min = maxBig(b.s32min, toS32(v | (m & SIGN32)));
  // max signed: sign bit clear if it may be, other bits at their maximum
  b.s32max = minBig(b.s32max, toS32(v | (m & S32_MAX)));
  b.u32min = maxBig(b.u32min, v);
  b.u32max = minBig(b.u32max, v | m);
}

/**
 * Tighten the 64-bit ranges from var_off (__update_reg64_bounds), then, when
 * the u64 range and the tnum share exactly one value, make it a constant.
 */
export function updateReg64Bounds(b: ScalarBounds): void {
  const t = b.varOff;
  b.smin = maxBig(b.smin, toS64(t.value | (t.mask & SIGN64)));
  b.smax = minBig(b.smax, toS64(t.value | (t.mask & S64_MAX)));
  b.umin = maxBig(b.umin, t.value);
  const tmax = t.value | t.mask;
  b.umax = minBig(b.umax, tmax);

  const notMask = ~t.mask;
  const uminInTnum = (b.umin & notMask) === t.value;
  // Fast path: both ends are members, so at least two values are shared
  // and none of the rules below can apply.
  if (uminInTnum && b.umin !== b.umax && (b.umax & notMask) === t.value) return;
  const next = tnumStep(t, b.umin);
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

export function updateRegBounds(b: ScalarBounds): void {
  updateReg32Bounds(b);
  updateReg64Bounds(b);
}

/** Scratch for the one-width rules below. */
const lane = newLane();

/** The low and high 32-bit halves of a u64 end, without BigInt work for values below 2^32. */
const hi32 = (x: bigint): bigint => (x <= U32_MAX ? 0n : x >> 32n);
const lo32 = (x: bigint): bigint => (x <= U32_MAX ? x : x & U32_MAX);
/** The same for an s64 end: its upper half as an unsigned 32-bit number. */
const shi32 = (x: bigint): bigint =>
  x >= 0n ? hi32(x) : x >= -TWO32 ? U32_MAX : (x >> 32n) & U32_MAX;
const slo32 = (x: bigint): bigint => (x >= 0n ? lo32(x) : x >= -TWO32 ? x + TWO32 : x & U32_MAX);

/** Learn 32-bit bounds from the 64-bit ones and s32 from u32 and back (__reg32_deduce_bounds). */
export function deduce32(b: ScalarBounds): void {
  const uminHi = hi32(b.umin);
  const umaxHi = hi32(b.umax);
  const uminLo = lo32(b.umin);
  const umaxLo = lo32(b.umax);
  const uminS = toS32(uminLo);
  const umaxS = toS32(umaxLo);
  // Upper halves of a u64 range equal: the low halves form a range too.
  if (uminHi === umaxHi) {
    b.u32min = maxBig(b.u32min, uminLo);
    b.u32max = minBig(b.u32max, umaxLo);
    if (uminS <= umaxS) {
      b.s32min = maxBig(b.s32min, uminS);
      b.s32max = minBig(b.s32max, umaxS);
    }
  }
  const sminHi = shi32(b.smin);
  const smaxHi = shi32(b.smax);
  const sminLo = slo32(b.smin);
  const smaxLo = slo32(b.smax);
  const sminS = toS32(sminLo);
  const smaxS = toS32(smaxLo);
  if (sminHi === smaxHi) {
    if (sminLo <= smaxLo) {
      b.u32min = maxBig(b.u32min, sminLo);
      b.u32max = minBig(b.u32max, smaxLo);
    }
    if (sminS <= smaxS) {
      b.s32min = maxBig(b.s32min, sminS);
      b.s32max = minBig(b.s32max, smaxS);
    }
  }
  // Upper halves are two consecutive numbers (mod 2^32) and the low halves go
  // from negative to non-negative: the low halves still form an s32 range.
  if (uminS < 0n && umaxS >= 0n && (uminHi === U32_MAX ? 0n : uminHi + 1n) === umaxHi) {
    b.s32min = maxBig(b.s32min, uminS);
    b.s32max = minBig(b.s32max, umaxS);
  }
  if (sminS < 0n && smaxS >= 0n && (sminHi === U32_MAX ? 0n : sminHi + 1n) === smaxHi) {
    b.s32min = maxBig(b.s32min, sminS);
    b.s32max = minBig(b.s32max, smaxS);
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
  // The lane's ends are in range, so reinterpreting costs at most one op.
  const uminS = d.umin > w.smax ? d.umin - w.span : d.umin;
  const umaxS = d.umax > w.smax ? d.umax - w.span : d.umax;
  if (uminS <= umaxS) {
    d.smin = maxBig(d.smin, uminS);
    d.smax = minBig(d.smax, umaxS);
  }
  const sminU = d.smin < 0n ? d.smin + w.span : d.smin;
  const smaxU = d.smax < 0n ? d.smax + w.span : d.smax;
  if (sminU <= smaxU) {
    d.umin = maxBig(sminU, d.umin);
    d.umax = minBig(smaxU, d.umax);
  } else if (d.umax < sminU) {
    // only the non-negative part of the signed range is in the unsigned one
    d.smin = d.umin > w.smax ? d.umin - w.span : d.umin;
    d.umax = minBig(d.umax, smaxU);
  } else if (smaxU < d.umin) {
    // only the negative part
    d.smax = d.umax > w.smax ? d.umax - w.span : d.umax;
    d.umin = maxBig(d.umin, sminU);
  }
}

/** Learn s64 from u64 and back (__reg64_deduce_bounds). */
export function deduce64(b: ScalarBounds): void {
  signedUnsigned(readLane(b, true, lane), W64);
  writeLane(b, true, lane);
}

/** `(x & ~0xffffffff) | lo` for a u64 end. */
const withLow = (x: bigint, lo: bigint): bigint => (x <= U32_MAX ? lo : (x & HI32_MASK) | lo);
/** `(s64)(((u64)x & ~0xffffffff) | lo)` for an s64 end. */
const withLowSigned = (x: bigint, lo: bigint): bigint =>
  x >= 0n ? withLow(x, lo) : x >= -TWO32 ? lo - TWO32 : s64((u64(x) & HI32_MASK) | lo);

/** Tighten 64-bit bounds from 32-bit knowledge (__reg_deduce_mixed_bounds). */
export function deduceMixed(b: ScalarBounds): void {
  // Substitute the u32 bounds as the low halves of the 64-bit ends.
  b.umin = maxBig(b.umin, withLow(b.umin, b.u32min));
  b.umax = minBig(b.umax, withLow(b.umax, b.u32max));
  b.smin = maxBig(b.smin, withLowSigned(b.smin, b.u32min));
  b.smax = minBig(b.smax, withLowSigned(b.smax, b.u32max));
  // After a sign-extending load: a 64-bit range within [S32_MIN, S32_MAX]
  // whose low half is non-negative cannot have all-ones upper bits.
  if (b.s32min >= 0n && b.smin >= S32_MIN && b.smax <= S32_MAX) {
    b.smin = b.umin = b.s32min;
    b.smax = b.umax = b.s32max;
    const t = tnumIntersect(b.varOff, tnumRange(b.smin, b.smax));
    if (t.value !== b.varOff.value || t.mask !== b.varOff.mask) b.varOff = t;
  }
}

export function deduceBounds(b: ScalarBounds): void {
  deduce32(b);
  deduce64(b);
  deduceMixed(b);
}

/**
 * Learn var_off bits from the unsigned ranges (__reg_bound_offset):
 * var_off & range(umin, umax), its low half & range(u32min, u32max). The
 * tnum operations are inlined on plain BigInts so only the result is
 * allocated, and only when it differs.
 */
export function boundOffset(b: ScalarBounds): void {
  const t = b.varOff;
  const d64 = tnumRangeMask(b.umin, b.umax);
  const m64 = t.mask & d64;
  const v64 = (t.value | (b.umin & ~d64)) & ~m64;
  const d32 = tnumRangeMask(b.u32min, b.u32max);
  const m32 = m64 & d32 & U32_MAX;
  const v32 = ((v64 & U32_MAX) | (b.u32min & ~d32)) & ~m32;
  const v = (v64 & HI32_MASK) | v32;
  const m = ((m64 & HI32_MASK) | m32) & ~v;
  if (v !== t.value || m !== t.mask) b.varOff = { value: v, mask: m };
}

/** A consistent constant: every view holds the tnum's value. */
function isSyncedConst(b: ScalarBounds, v: bigint): boolean {
  const s = toS64(v);
  const lo = v & U32_MAX;
  return (
    b.umin === v &&
    b.umax === v &&
    b.smin === s &&
    b.smax === s &&
    b.u32min === lo &&
    b.u32max === lo &&
    b.s32min === toS32(lo) &&
    b.s32max === toS32(lo)
  );
}

/** Completely unknown: sync has nothing to learn. */
const isUnknown = (b: ScalarBounds): boolean =>
  b.varOff.mask === U64_MAX &&
  b.umin === 0n &&
  b.umax === U64_MAX &&
  b.smin === S64_MIN &&
  b.smax === S64_MAX &&
  b.u32min === 0n &&
  b.u32max === U32_MAX &&
  b.s32min === S32_MIN &&
  b.s32max === S32_MAX;

/** Make all views agree (reg_bounds_sync). */
export function boundsSync(b: ScalarBounds): void {
  // The two most common register states are fixed points; skip the work.
  if (b.varOff.mask === 0n ? isSyncedConst(b, b.varOff.value) : isUnknown(b)) return;
  updateRegBounds(b);
  // The kernel runs three deduction rounds; a round that changes nothing
  // leaves the next ones nothing to do either.
  for (let round = 0; round < 3; round++) {
    const { smin, smax, umin, umax, s32min, s32max, u32min, u32max, varOff } = b;
    deduceBounds(b);
    if (
      b.smin === smin &&
      b.smax === smax &&
      b.umin === umin &&
      b.umax === umax &&
      b.s32min === s32min &&
      b.s32max === s32max &&
      b.u32min === u32min &&
      b.u32max === u32max &&
      b.varOff === varOff
    )
      break;
  }
  boundOffset(b);
  // Intersecting with the old var_off may have improved the bounds slightly.
  updateRegBounds(b);
}

/**
 * After a 32-bit op: the register is its zero-extended low half
 * (zext_32_to_64 with __reg_assign_32_into_64).
 */
export function zext32to64(b: ScalarBounds): void {
  b.varOff = tnumSubreg(b.varOff);
  b.umin = b.u32min;
  b.umax = b.u32max;
  if (b.s32min >= 0n && b.s32max >= 0n) {
    b.smin = b.s32min;
    b.smax = b.s32max;
  } else {
    b.smin = 0n;
    b.smax = U32_MAX;
  }
}

/** What reg_bounds_sanity_check finds wrong with `b`, or null when it is consistent. */
export function boundsViolation(b: ScalarBounds): string | null {
  if (b.umin > b.umax || b.smin > b.smax || b.u32min > b.u32max || b.s32min > b.s32max)
    return "range bounds violation";
  if (tnumIsConst(b.varOff)) {
    const u = b.varOff.value;
    const s = s64(u);
    if (b.umin !== u || b.umax !== u || b.smin !== s || b.smax !== s)
      return "const tnum out of sync with range bounds";
  }
  if (tnumSubregIsConst(b.varOff)) {
    const u = b.varOff.value & U32_MAX;
    const s = s32(u);
    if (b.u32min !== u || b.u32max !== u || b.s32min !== s || b.s32max !== s)
      return "const subreg tnum out of sync with range bounds";
  }
  return null;
}

export const boundsSane = (b: ScalarBounds): boolean => boundsViolation(b) === null;

/**
 * The kernel's log line for an invariant violation found in context `ctx`
 * ("alu", "true_reg1", ...), printed through verifier_bug().
 */
export function formatInvariantViolation(b: ScalarBounds, ctx: string, msg: string): string {
  const x32 = (v: bigint): string => hex(u32(v));
  return (
    `verifier bug: REG INVARIANTS VIOLATION (${ctx}): ${msg} ` +
    `u64=[${hex(b.umin)}, ${hex(b.umax)}] s64=[${hex(u64(b.smin))}, ${hex(u64(b.smax))}] ` +
    `u32=[${x32(b.u32min)}, ${x32(b.u32max)}] s32=[${x32(b.s32min)}, ${x32(b.s32max)}] ` +
    `var_off=(${hex(b.varOff.value)}, ${hex(b.varOff.mask)})(1)`
  );
}

/**
 * reg_bounds_sanity_check: on a violation return the log line and reset the
 * ranges (the kernel continues with an unbounded register unless it runs
 * selftests in strict mode); return null when `b` is consistent.
 */
export function boundsSanityCheck(b: ScalarBounds, ctx: string): string | null {
  const msg = boundsViolation(b);
  if (msg === null) return null;
  const line = formatInvariantViolation(b, ctx, msg);
  markUnbounded(b);
  return line;
}
