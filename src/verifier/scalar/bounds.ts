// The scalar part of a register state: a tnum plus signed and unsigned ranges
// for the full 64-bit value and for its low 32 bits, as the kernel's
// bpf_reg_state keeps them. A flat record of plain fields so the verifier's
// RegState can extend it and copy it field by field. Every function here
// mutates the record it is given; callers clone before branching.
import * as int from "./int.ts";
import * as tn from "./tnum.ts";
import type { Tnum } from "./tnum.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, s32, s64, u32, u64 } = int;
const { TNUM_UNKNOWN, tnumConst, tnumConstSubreg } = tn;

export interface ScalarBounds {
  varOff: Tnum;
  /** Signed 64-bit range, as signed BigInts. */
  smin: bigint;
  smax: bigint;
  /** Unsigned 64-bit range, in [0, 2^64). */
  umin: bigint;
  umax: bigint;
  /** Signed range of the low 32 bits, in [-2^31, 2^31). */
  s32min: bigint;
  s32max: bigint;
  /** Unsigned range of the low 32 bits, in [0, 2^32). */
  u32min: bigint;
  u32max: bigint;
}

/** A fresh, completely unknown scalar. */
export function unknownScalar(): ScalarBounds {
  return {
    varOff: TNUM_UNKNOWN,
    smin: S64_MIN,
    smax: S64_MAX,
    umin: 0n,
    umax: U64_MAX,
    s32min: S32_MIN,
    s32max: S32_MAX,
    u32min: 0n,
    u32max: U32_MAX,
  };
}

/** A fresh scalar known to hold `v` (any BigInt; wrapped to 64 bits). */
export function knownScalar(v: bigint): ScalarBounds {
  const b = unknownScalar();
  markKnown(b, v);
  return b;
}

/** Copy every scalar field of `src` into `dst` (tnums are immutable, so sharing is safe). */
export function copyBounds(dst: ScalarBounds, src: ScalarBounds): void {
  dst.varOff = src.varOff;
  dst.smin = src.smin;
  dst.smax = src.smax;
  dst.umin = src.umin;
  dst.umax = src.umax;
  dst.s32min = src.s32min;
  dst.s32max = src.s32max;
  dst.u32min = src.u32min;
  dst.u32max = src.u32max;
}

export const cloneBounds = (src: ScalarBounds): ScalarBounds => {
  const b = unknownScalar();
  copyBounds(b, src);
  return b;
};

/** The register holds exactly `v` (the kernel's ___mark_reg_known). */
export function markKnown(b: ScalarBounds, v: bigint): void {
  const u = u64(v);
  b.varOff = tnumConst(u);
  b.smin = b.smax = s64(u);
  b.umin = b.umax = u;
  b.s32min = b.s32max = s32(u);
  b.u32min = b.u32max = u32(u);
}

/** The low 32 bits are exactly `v`; the upper half of var_off is kept (__mark_reg32_known). */
export function markKnown32(b: ScalarBounds, v: bigint): void {
  b.varOff = tnumConstSubreg(b.varOff, u32(v));
  b.s32min = b.s32max = s32(v);
  b.u32min = b.u32max = u32(v);
}

/** Nothing is known (the scalar part of __mark_reg_unknown). */
export function markUnknown(b: ScalarBounds): void {
  b.varOff = TNUM_UNKNOWN;
  markUnbounded(b);
}

/** Forget all ranges but keep var_off (__mark_reg_unbounded). */
export function markUnbounded(b: ScalarBounds): void {
  markUnbounded64(b);
  markUnbounded32(b);
}

export function markUnbounded64(b: ScalarBounds): void {
  b.smin = S64_MIN;
  b.smax = S64_MAX;
  b.umin = 0n;
  b.umax = U64_MAX;
}

export function markUnbounded32(b: ScalarBounds): void {
  b.s32min = S32_MIN;
  b.s32max = S32_MAX;
  b.u32min = 0n;
  b.u32max = U32_MAX;
}

/**
 * One width's four range ends, copied out of a record so a transfer function
 * can be written once for 32 and 64 bits (the kernel writes each twice).
 */
export interface Lane {
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
}

export const newLane = (): Lane => ({ smin: 0n, smax: 0n, umin: 0n, umax: 0n });

export function readLane(b: ScalarBounds, is64: boolean, out: Lane): Lane {
  if (is64) {
    out.smin = b.smin;
    out.smax = b.smax;
    out.umin = b.umin;
    out.umax = b.umax;
  } else {
    out.smin = b.s32min;
    out.smax = b.s32max;
    out.umin = b.u32min;
    out.umax = b.u32max;
  }
  return out;
}

export function writeLane(b: ScalarBounds, is64: boolean, lane: Lane): void {
  if (is64) {
    b.smin = lane.smin;
    b.smax = lane.smax;
    b.umin = lane.umin;
    b.umax = lane.umax;
  } else {
    b.s32min = lane.smin;
    b.s32max = lane.smax;
    b.u32min = lane.umin;
    b.u32max = lane.umax;
  }
}

/** True when the concrete 64-bit value `x` is allowed by every part of `b`. */
export function boundsContain(b: ScalarBounds, x: bigint): boolean {
  const u = u64(x);
  const s = s64(u);
  const lo = u32(u);
  const slo = s32(u);
  return (
    (u & ~b.varOff.mask) === b.varOff.value &&
    u >= b.umin &&
    u <= b.umax &&
    s >= b.smin &&
    s <= b.smax &&
    lo >= b.u32min &&
    lo <= b.u32max &&
    slo >= b.s32min &&
    slo <= b.s32max
  );
}
