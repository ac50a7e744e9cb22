// Narrowing a scalar to 1, 2 or 4 bytes: zero-extending loads and byte swaps
// (coerce_reg_to_size), sign-extending loads and movsx (coerce_reg_to_size_sx,
// coerce_subreg_to_size_sx).
import * as bd from "./bounds.ts";
import type { ScalarBounds } from "./bounds.ts";
import { ScalarDomainError } from "./errors.ts";
import * as int from "./int.ts";
import * as tn from "./tnum.ts";
import * as sy from "./sync.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const { markUnbounded32 } = bd;
const {
  S16_MAX,
  S16_MIN,
  S32_MAX,
  S32_MIN,
  S8_MAX,
  S8_MIN,
  U32_MAX,
  U64_MAX,
  sext,
  s32,
  u32,
  u64,
} = int;
const { TNUM_UNKNOWN, TNUM_UNKNOWN32, tnumCast, tnumConst, tnumRange, tnumSubreg } = tn;
const { boundsSync } = sy;

type Narrow = 1 | 2 | 4;

function checkSize(size: number, allowed: readonly number[], what: string): asserts size is Narrow {
  if (!allowed.includes(size))
    throw new ScalarDomainError(`${what}: size ${size} is not one of ${allowed.join(", ")}`);
}

/** Keep the low `size` bytes, zero-extended (coerce_reg_to_size). */
export function coerceToSize(b: ScalarBounds, size: number): void {
  checkSize(size, [1, 2, 4], "coerceToSize");
  b.varOff = tnumCast(b.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  // The range survives truncation only when the bits cut away are the same
  // at both ends.
  if ((b.umin & ~mask) === (b.umax & ~mask)) {
    b.umin &= mask;
    b.umax &= mask;
  } else {
    b.umin = 0n;
    b.umax = mask;
  }
  b.smin = b.umin;
  b.smax = b.umax;
  if (size < 4) markUnbounded32(b);
  boundsSync(b);
}

const SEXT_LIMITS: Record<Narrow, readonly [bigint, bigint]> = {
  1: [S8_MIN, S8_MAX],
  2: [S16_MIN, S16_MAX],
  4: [S32_MIN, S32_MAX],
};

/** Sign-extend the low `size` bytes to 64 bits (coerce_reg_to_size_sx). */
export function coerceToSizeSx(b: ScalarBounds, size: number): void {
  checkSize(size, [1, 2, 4], "coerceToSizeSx");
  const bits = (size * 8) as 8 | 16 | 32;
  if (b.varOff.mask === 0n) {
    const v = u64(sext(b.varOff.value, bits));
    b.varOff = tnumConst(v);
    b.smin = b.smax = sext(v, 64);
    b.umin = b.umax = v;
    b.s32min = b.s32max = s32(v);
    b.u32min = b.u32max = u32(v);
    return;
  }
  const nb = BigInt(bits);
  // Only when the bits above the narrow part agree at both signed ends do
  // the narrowed ends bound the narrowed values.
  if (u64(b.smax) >> nb === u64(b.smin) >> nb) {
    const a = sext(b.smax, bits);
    const c = sext(b.smin, bits);
    const hi = a > c ? a : c;
    const lo = a > c ? c : a;
    if (hi >= 0n === lo >= 0n) {
      b.smin = lo;
      b.smax = hi;
      b.s32min = s32(lo);
      b.s32max = s32(hi);
      b.umin = u64(lo);
      b.umax = u64(hi);
      b.u32min = u32(lo);
      b.u32max = u32(hi);
      b.varOff = tnumRange(u64(lo), u64(hi));
      return;
    }
  }
  const [smin, smax] = SEXT_LIMITS[size];
  b.smin = b.s32min = smin;
  b.smax = b.s32max = smax;
  b.umin = b.u32min = 0n;
  b.umax = U64_MAX;
  b.u32max = U32_MAX;
  b.varOff = TNUM_UNKNOWN;
}

/** Sign-extend the low 1 or 2 bytes into the 32-bit subregister (coerce_subreg_to_size_sx). */
export function coerceSubregToSizeSx(b: ScalarBounds, size: number): void {
  checkSize(size, [1, 2], "coerceSubregToSizeSx");
  const bits = (size * 8) as 8 | 16;
  if (b.varOff.mask === 0n) {
    // The kernel builds a 64-bit constant here; only the low half matters
    // because zext32to64 follows.
    const v = u64(sext(b.varOff.value & U32_MAX, bits));
    b.varOff = tnumConst(v);
    b.s32min = b.s32max = s32(v);
    b.u32min = b.u32max = u32(v);
    return;
  }
  const nb = BigInt(bits);
  if (u32(b.s32max) >> nb === u32(b.s32min) >> nb) {
    const a = sext(b.s32max, bits);
    const c = sext(b.s32min, bits);
    const hi = a > c ? a : c;
    const lo = a > c ? c : a;
    if (lo >= 0n === hi >= 0n) {
      b.s32min = lo;
      b.s32max = hi;
      b.u32min = u32(lo);
      b.u32max = u32(hi);
      b.varOff = tnumSubreg(tnumRange(u64(lo), u64(hi)));
      return;
    }
  }
  const [smin, smax] = SEXT_LIMITS[size];
  b.s32min = smin;
  b.s32max = smax;
  b.u32min = 0n;
  b.u32max = U32_MAX;
  b.varOff = TNUM_UNKNOWN32;
}
