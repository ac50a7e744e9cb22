// Keeping the five views of a scalar (tnum, s64, u64, s32, u32) consistent:
// each learns from the others until they agree, as the kernel's
// reg_bounds_sync() does after every ALU op and branch. The order of the
// steps and the number of deduction rounds are the kernel's: the verdicts
// and logs we must reproduce depend on them.
import {
  markKnown,
  markUnbounded,
  newLane,
  readLane,
  writeLane,
  type Lane,
  type ScalarBounds,
} from "./bounds.ts";
import {
  HI32_MASK,
  S32_MAX,
  S32_MIN,
  S64_MAX,
  U32_MAX,
  W32,
  W64,
  hex,
  maxBig,
  minBig,
  s32,
  s64,
  u32,
  u64,
  type Width,
} from "./int.ts";
import {
  tnumClearSubreg,
  tnumIntersect,
  tnumIsConst,
  tnumOr,
  tnumRange,
  tnumStep,
  tnumSubreg,
  tnumSubregIsConst,
} from "./tnum.ts";

const SIGN32 = 1n << 31n;
const SIGN64 = 1n << 63n;

/** Tighten the 32-bit ranges from the low half of var_off (__update_reg32_bounds). */
export function updateReg32Bounds(b: ScalarBounds): void {
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
export function updateReg64Bounds(b: ScalarBounds): void {
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

export function updateRegBounds(b: ScalarBounds): void {
  updateReg32Bounds(b);
  updateReg64Bounds(b);
}

/** Scratch for the one-width rules below. */
const lane = newLane();

/** Learn 32-bit bounds from the 64-bit ones and s32 from u32 and back (__reg32_deduce_bounds). */
export function deduce32(b: ScalarBounds): void {
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
export function deduce64(b: ScalarBounds): void {
  signedUnsigned(readLane(b, true, lane), W64);
  writeLane(b, true, lane);
}

/** Tighten 64-bit bounds from 32-bit knowledge (__reg_deduce_mixed_bounds). */
export function deduceMixed(b: ScalarBounds): void {
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

export function deduceBounds(b: ScalarBounds): void {
  deduce32(b);
  deduce64(b);
  deduceMixed(b);
}

/** Learn var_off bits from the unsigned ranges (__reg_bound_offset). */
export function boundOffset(b: ScalarBounds): void {
  const var64 = tnumIntersect(b.varOff, tnumRange(b.umin, b.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(b.u32min, b.u32max));
  b.varOff = tnumOr(tnumClearSubreg(var64), var32);
}

/** Make all views agree (reg_bounds_sync). */
export function boundsSync(b: ScalarBounds): void {
  updateRegBounds(b);
  deduceBounds(b);
  deduceBounds(b);
  deduceBounds(b);
  boundOffset(b);
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
