// Range rules for and/or/xor and the shifts. var_off has already been (for
// and/or/xor) or is here (for shifts) computed bitwise; the ranges are then
// derived from it, as in the kernel's scalar{32,}_min_max_{and,or,xor,lsh,rsh,arsh}.
import * as bd from "./bounds.ts";
import type { ScalarBounds } from "./bounds.ts";
import * as int from "./int.ts";
import type { Width } from "./int.ts";
import * as tn from "./tnum.ts";
import * as sy from "./sync.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const { markKnown, markKnown32, markUnbounded32, markUnbounded64, readLane, writeLane, newLane } =
  bd;
const { U32_MAX, U64_MAX, W32, W64, maxBig, minBig, s32 } = int;
const { tnumArshift, tnumLshift, tnumRshift, tnumSubreg, tnumSubregIsConst, tnumIsConst } = tn;
const { updateReg32Bounds, updateRegBounds } = sy;

export type BitOp = "and" | "or" | "xor";

const scratch = newLane();

/**
 * and/or/xor for one width, after `dst.varOff` holds the bitwise result.
 * The unsigned range comes from var_off (and the operands' ends); the signed
 * range copies it when it does not cross the sign bit.
 */
export function bitwiseRange(op: BitOp, dst: ScalarBounds, src: ScalarBounds, is64: boolean): void {
  const w: Width = is64 ? W64 : W32;
  const srcKnown = is64 ? tnumIsConst(src.varOff) : tnumSubregIsConst(src.varOff);
  const dstKnown = is64 ? tnumIsConst(dst.varOff) : tnumSubregIsConst(dst.varOff);
  const v = is64 ? dst.varOff.value : dst.varOff.value & U32_MAX;
  if (srcKnown && dstKnown) {
    if (is64) markKnown(dst, v);
    else markKnown32(dst, v);
    return;
  }
  const m = is64 ? dst.varOff.mask : dst.varOff.mask & U32_MAX;
  const d = readLane(dst, is64, scratch);
  if (op === "and") {
    // minimum from var_off (inherently bitwise), maximum from the operands
    d.umin = v;
    d.umax = minBig(d.umax, is64 ? src.umax : src.u32max);
  } else if (op === "or") {
    d.umin = maxBig(d.umin, is64 ? src.umin : src.u32min);
    d.umax = v | m;
  } else {
    d.umin = v;
    d.umax = v | m;
  }
  if (w.toS(d.umin) <= w.toS(d.umax)) {
    d.smin = w.toS(d.umin);
    d.smax = w.toS(d.umax);
  } else {
    d.smin = w.smin;
    d.smax = w.smax;
  }
  writeLane(dst, is64, d);
  if (is64) updateRegBounds(dst);
}

/** Shift counts: the source is a constant below the width, so min == max. */
export function lsh64(dst: ScalarBounds, umin: bigint, umax: bigint): void {
  // `x << 32` after a 32-bit op is the compiler's sign-extension idiom; s32
  // bounds keep their sign when shifted up by exactly 32.
  if (umin === 32n && umax === 32n) {
    dst.smax = dst.s32max << 32n;
    dst.smin = dst.s32min << 32n;
  } else {
    dst.smax = W64.smax;
    dst.smin = W64.smin;
  }
  if (dst.umax > 1n << (63n - umax)) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  } else {
    dst.umin = (dst.umin << umin) & U64_MAX;
    dst.umax = (dst.umax << umax) & U64_MAX;
  }
  lsh32Range(dst, umin, umax);
  dst.varOff = tnumLshift(dst.varOff, Number(umin));
  updateRegBounds(dst);
}

function lsh32Range(dst: ScalarBounds, umin: bigint, umax: bigint): void {
  dst.s32min = W32.smin;
  dst.s32max = W32.smax;
  if (umax > 31n || dst.u32max > 1n << (31n - umax)) {
    dst.u32min = 0n;
    dst.u32max = U32_MAX;
  } else {
    dst.u32min = (dst.u32min << umin) & U32_MAX;
    dst.u32max = (dst.u32max << umax) & U32_MAX;
  }
}

export function lsh32(dst: ScalarBounds, umin: bigint, umax: bigint): void {
  const sub = tnumSubreg(dst.varOff);
  lsh32Range(dst, umin, umax);
  dst.varOff = tnumSubreg(tnumLshift(sub, Number(umin)));
  markUnbounded64(dst);
  updateReg32Bounds(dst);
}

/**
 * Logical right shift. The signed bounds are dropped and rebuilt from the
 * unsigned ones and var_off: whatever the sign of the input, that is enough.
 */
export function rsh64(dst: ScalarBounds, umin: bigint, umax: bigint): void {
  dst.smin = W64.smin;
  dst.smax = W64.smax;
  dst.varOff = tnumRshift(dst.varOff, Number(umin));
  dst.umin >>= umax;
  dst.umax >>= umin;
  // Bits shifted in from the upper half make 32-bit bounds hard; recompute them from var_off.
  markUnbounded32(dst);
  updateRegBounds(dst);
}

export function rsh32(dst: ScalarBounds, umin: bigint, umax: bigint): void {
  const sub = tnumSubreg(dst.varOff);
  dst.s32min = W32.smin;
  dst.s32max = W32.smax;
  dst.varOff = tnumRshift(sub, Number(umin));
  dst.u32min >>= umax;
  dst.u32max >>= umin;
  markUnbounded64(dst);
  updateReg32Bounds(dst);
}

/** Arithmetic right shift by a constant: signed ends shift, unsigned ones are rebuilt from var_off. */
export function arsh64(dst: ScalarBounds, shift: bigint): void {
  dst.smin >>= shift;
  dst.smax >>= shift;
  dst.varOff = tnumArshift(dst.varOff, Number(shift), 64);
  dst.umin = 0n;
  dst.umax = U64_MAX;
  markUnbounded32(dst);
  updateRegBounds(dst);
}

export function arsh32(dst: ScalarBounds, shift: bigint): void {
  dst.s32min = s32(dst.s32min >> shift);
  dst.s32max = s32(dst.s32max >> shift);
  dst.varOff = tnumArshift(tnumSubreg(dst.varOff), Number(shift), 32);
  dst.u32min = 0n;
  dst.u32max = U32_MAX;
  markUnbounded64(dst);
  updateReg32Bounds(dst);
}
