// Range transfer functions for add, sub, mul, div and mod, written once per
// rule over a Width (the kernel has scalar32_min_max_X and scalar_min_max_X
// twins). They work on a Lane, the four range ends of one width, and leave
// var_off and the other width to the caller.
import type { Lane } from "./bounds.ts";
import * as int from "./int.ts";
import type { Width } from "./int.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const { maxBig, minBig } = int;

function unboundedSigned(d: Lane, w: Width): void {
  d.smin = w.smin;
  d.smax = w.smax;
}

function unboundedUnsigned(d: Lane, w: Width): void {
  d.umin = 0n;
  d.umax = w.umax;
}

export function laneAdd(d: Lane, s: Lane, w: Width): void {
  const smin = d.smin + s.smin;
  const smax = d.smax + s.smax;
  if (smin < w.smin || smin > w.smax || smax < w.smin || smax > w.smax) unboundedSigned(d, w);
  else {
    d.smin = smin;
    d.smax = smax;
  }
  // All additions overflow or none does: the wrapped ends still bound the
  // result. Only a partial overflow loses everything.
  const umin = d.umin + s.umin;
  const umax = d.umax + s.umax;
  if (umin <= w.umax && umax > w.umax) unboundedUnsigned(d, w);
  else {
    d.umin = w.toU(umin);
    d.umax = w.toU(umax);
  }
}

export function laneSub(d: Lane, s: Lane, w: Width): void {
  const smin = d.smin - s.smax;
  const smax = d.smax - s.smin;
  if (smin < w.smin || smin > w.smax || smax < w.smin || smax > w.smax) unboundedSigned(d, w);
  else {
    d.smin = smin;
    d.smax = smax;
  }
  // Same all-or-none rule for unsigned underflow.
  const umin = d.umin - s.umax;
  const umax = d.umax - s.umin;
  if (umin < 0n && umax >= 0n) unboundedUnsigned(d, w);
  else {
    d.umin = w.toU(umin);
    d.umax = w.toU(umax);
  }
}

export function laneMul(d: Lane, s: Lane, w: Width): void {
  const umax = d.umax * s.umax;
  const umin = d.umin * s.umin;
  if (umax > w.umax || umin > w.umax) unboundedUnsigned(d, w);
  else {
    d.umin = umin;
    d.umax = umax;
  }
  // The signed extremes are among the four corner products.
  const p0 = d.smin * s.smin;
  const p1 = d.smin * s.smax;
  const p2 = d.smax * s.smin;
  const p3 = d.smax * s.smax;
  const lo = minBig(minBig(p0, p1), minBig(p2, p3));
  const hi = maxBig(maxBig(p0, p1), maxBig(p2, p3));
  if (lo < w.smin || hi > w.smax) unboundedSigned(d, w);
  else {
    d.smin = lo;
    d.smax = hi;
  }
}

/** Division by a known non-zero constant `v` (unsigned view). */
export function laneUdiv(d: Lane, v: bigint, w: Width): void {
  d.umin = d.umin / v;
  d.umax = d.umax / v;
  unboundedSigned(d, w);
}

/** Signed division by a known non-zero constant `v`; BPF defines MIN / -1 = MIN. */
export function laneSdiv(d: Lane, v: bigint, w: Width): void {
  if (d.smin === w.smin && v === -1n) {
    // [MIN, MIN + k] / -1 = {MIN} u [MAX - k + 1, MAX]: only MIN alone stays exact.
    if (d.smax !== w.smin) unboundedSigned(d, w);
  } else {
    // x / v is monotonic in x for a fixed v: the ends map to the ends.
    // BigInt division truncates toward zero, as C and BPF do.
    const r1 = d.smin / v;
    const r2 = d.smax / v;
    d.smin = minBig(r1, r2);
    d.smax = maxBig(r1, r2);
  }
  unboundedUnsigned(d, w);
}

/**
 * Unsigned modulo by a known non-zero constant `v`. Returns false when the
 * dividend is already below `v` (the result equals it and nothing changes).
 */
export function laneUmod(d: Lane, v: bigint, w: Width): boolean {
  const resMax = v - 1n;
  if (d.umax <= resMax) return false;
  d.umin = 0n;
  d.umax = minBig(d.umax, resMax);
  unboundedSigned(d, w);
  return true;
}

/**
 * Signed modulo by a known non-zero constant `v`: the result has the sign of
 * the dividend and |result| < |v|. Returns false when nothing changes.
 */
export function laneSmod(d: Lane, v: bigint, w: Width): boolean {
  const resMaxAbs = (v > 0n ? v : -v) - 1n;
  if (d.smin >= -resMaxAbs && d.smax <= resMaxAbs) return false;
  if (d.smin >= 0n) {
    d.smin = 0n;
    d.smax = minBig(d.smax, resMaxAbs);
  } else if (d.smax <= 0n) {
    d.smax = 0n;
    d.smin = maxBig(d.smin, -resMaxAbs);
  } else {
    d.smin = -resMaxAbs;
    d.smax = resMaxAbs;
  }
  unboundedUnsigned(d, w);
  return true;
}
