// Tracked numbers ("tnums"): per-bit knowledge of a 64-bit value, as in the
// kernel's kernel/bpf/tnum.c. A bit is known 0 (value 0, mask 0), known 1
// (value 1, mask 0) or unknown (mask 1, value 0). Every operation returns a
// tnum containing all results of the operation applied to members of the
// inputs; `value & mask` is always 0. Tnums are immutable: operations return
// fresh objects, so a Tnum may be shared between register states.
import { ScalarDomainError } from "./errors.ts";
import * as int from "./int.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const { U32_MAX, U64_MAX, fls64, hex, s32, s64, u32 } = int;

export interface Tnum {
  /** Known-1 bits, unsigned 64-bit in [0, 2^64). */
  readonly value: bigint;
  /** Unknown bits, unsigned 64-bit in [0, 2^64). */
  readonly mask: bigint;
}

const tnum = (value: bigint, mask: bigint): Tnum => ({ value, mask });

/** The completely unknown value (0; 0xffffffffffffffff). */
export const TNUM_UNKNOWN: Tnum = Object.freeze(tnum(0n, U64_MAX));
/** The 32-bit subregister of an unknown value: (0; 0xffffffff). */
export const TNUM_UNKNOWN32: Tnum = Object.freeze(tnum(0n, U32_MAX));
export const TNUM_ZERO: Tnum = Object.freeze(tnum(0n, 0n));

export const tnumUnknown = (): Tnum => TNUM_UNKNOWN;
export const tnumConst = (value: bigint): Tnum => tnum(value & U64_MAX, 0n);

/**
 * The smallest tnum holding every value in [min, max] (unsigned); it may hold
 * more: tnumRange(0, 2) also contains 3.
 */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const delta = tnumRangeMask(min, max);
  if (delta === U64_MAX) return TNUM_UNKNOWN;
  return tnum(min & ~delta, delta);
}

/** (1 << n) - 1 for n = 0..64, so tnumRange needs no shift per call. */
const LOW_ONES: readonly bigint[] = Array.from({ length: 65 }, (_, n) => (1n << BigInt(n)) - 1n);

/** The unknown bits of tnumRange(min, max): all bits from the highest one where they differ down. */
export const tnumRangeMask = (min: bigint, max: bigint): bigint => LOW_ONES[fls64(min ^ max)]!;

export const tnumLshift = (a: Tnum, shift: number): Tnum =>
  tnum((a.value << BigInt(shift)) & U64_MAX, (a.mask << BigInt(shift)) & U64_MAX);

export const tnumRshift = (a: Tnum, shift: number): Tnum =>
  tnum(a.value >> BigInt(shift), a.mask >> BigInt(shift));

/**
 * Arithmetic right shift by the minimum shift. `bits` is the instruction
 * width: a 32-bit shift works on the low 32 bits and yields a 32-bit tnum.
 */
export function tnumArshift(a: Tnum, shift: number, bits: 32 | 64): Tnum {
  const sh = BigInt(shift);
  if (bits === 32) return tnum(u32(s32(a.value) >> sh), u32(s32(a.mask) >> sh));
  return tnum((s64(a.value) >> sh) & U64_MAX, (s64(a.mask) >> sh) & U64_MAX);
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = (a.mask + b.mask) & U64_MAX;
  const sv = (a.value + b.value) & U64_MAX;
  const sigma = (sm + sv) & U64_MAX;
  const mu = (sigma ^ sv) | a.mask | b.mask;
  return tnum(sv & ~mu, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = (a.value - b.value) & U64_MAX;
  const alpha = (dv + a.mask) & U64_MAX;
  const beta = (dv - b.mask) & U64_MAX;
  const mu = (alpha ^ beta) | a.mask | b.mask;
  return tnum(dv & ~mu, mu);
}

export const tnumNeg = (a: Tnum): Tnum => tnumSub(TNUM_ZERO, a);

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  return tnum(v, (a.value | a.mask) & (b.value | b.mask) & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  return tnum(v, (a.mask | b.mask) & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const mu = a.mask | b.mask;
  return tnum((a.value ^ b.value) & ~mu, mu);
}

/**
 * Long multiplication over the trits of `a`. A certain 1 adds `b`; an
 * uncertain bit adds either nothing or `b` with all its possibly-set bits
 * unknown, and keeps the union of both partial sums (the kernel's
 * Harishankar-et-al. variant). Locals instead of Tnum objects: this loop
 * runs up to 64 times per multiply.
 */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let av = a.value;
  let am = a.mask;
  let bv = b.value;
  let bm = b.mask;
  let accV = 0n;
  let accM = 0n;
  while (av !== 0n || am !== 0n) {
    if (av & 1n) {
      // acc = acc + b
      const sm = (accM + bm) & U64_MAX;
      const sv = (accV + bv) & U64_MAX;
      const mu = (((sm + sv) & U64_MAX) ^ sv) | accM | bm;
      accV = sv & ~mu;
      accM = mu;
    } else if (am & 1n) {
      // acc1 = acc + (0; bv|bm), then acc = union(acc, acc1)
      const im = bv | bm;
      const sm = (accM + im) & U64_MAX;
      const sv = accV;
      const mu = (((sm + sv) & U64_MAX) ^ sv) | accM | im;
      const v1 = sv & ~mu;
      const unionMask = (accV ^ v1) | accM | mu;
      accV = accV & v1 & ~unionMask;
      accM = unionMask;
    }
    av >>= 1n;
    am >>= 1n;
    bv = (bv << 1n) & U64_MAX;
    bm = (bm << 1n) & U64_MAX;
  }
  return tnum(accV, accM);
}

/**
 * Values in both `a` and `b`. Where they disagree (a known 1 against a known
 * 0) the result says known 1, as in the kernel: callers only intersect tnums
 * that describe the same value.
 */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const mu = a.mask & b.mask;
  return tnum((a.value | b.value) & ~mu, mu);
}

/** Values in `a` or in `b`. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return tnum(a.value & b.value & ~mu, mu);
}

/** True when some value is in both (their known bits agree). */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const mu = ~a.mask & ~b.mask;
  return (a.value & mu) === (b.value & mu);
}

const CAST_MASKS = new Map<number, bigint>([
  [1, 0xffn],
  [2, 0xffffn],
  [4, U32_MAX],
  [8, U64_MAX],
]);

/** Keep the low `sizeBytes` bytes (1, 2, 4 or 8). */
export function tnumCast(a: Tnum, sizeBytes: number): Tnum {
  const m = CAST_MASKS.get(sizeBytes);
  if (m === undefined)
    throw new ScalarDomainError(`tnumCast: size ${sizeBytes} is not 1, 2, 4 or 8`);
  return tnum(a.value & m, a.mask & m);
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumEqualsConst = (a: Tnum, v: bigint): boolean => a.mask === 0n && a.value === v;
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64_MAX;
export const tnumEquals = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;

/** True when every member of `a` is a multiple of `size` (a power of two; 0 means any). */
export function tnumIsAligned(a: Tnum, size: bigint): boolean {
  if (size === 0n) return true;
  return ((a.value | a.mask) & (size - 1n)) === 0n;
}

/** True when `inner` is a subset of `outer`. */
export function tnumIn(outer: Tnum, inner: Tnum): boolean {
  if (inner.mask & ~outer.mask) return false;
  return (inner.value & ~outer.mask) === outer.value;
}

/** True when the concrete value `x` (u64) is a member of `a`. */
export const tnumContains = (a: Tnum, x: bigint): boolean => (x & ~a.mask) === a.value;

export const tnumSubreg = (a: Tnum): Tnum => tnum(a.value & U32_MAX, a.mask & U32_MAX);
const HI = U64_MAX ^ U32_MAX;
export const tnumClearSubreg = (a: Tnum): Tnum => tnum(a.value & HI, a.mask & HI);
/** The upper 32 bits of `reg` with the low 32 bits of `subreg`. */
export const tnumWithSubreg = (reg: Tnum, subreg: Tnum): Tnum =>
  tnum((reg.value & HI) | (subreg.value & U32_MAX), (reg.mask & HI) | (subreg.mask & U32_MAX));
export const tnumConstSubreg = (a: Tnum, value: bigint): Tnum =>
  tnum((a.value & HI) | (value & U32_MAX), a.mask & HI);
export const tnumSubregIsConst = (a: Tnum): boolean => (a.mask & U32_MAX) === 0n;

/**
 * The smallest member of `t` greater than `z`, for `t.value <= z < tmax`;
 * returns tmax when z >= tmax and t.value when z < t.value.
 */
export function tnumStep(t: Tnum, z: bigint): bigint {
  const tmax = t.value | t.mask;
  if (z >= tmax) return tmax;
  if (z < t.value) return t.value;
  // Members are t.value + s for submasks s of t.mask; find the smallest
  // submask above d by carrying through the non-mask positions.
  const d = z - t.value;
  const carryMask = (1n << BigInt(fls64(d & ~t.mask))) - 1n;
  const filled = (d | carryMask | (~t.mask & U64_MAX)) & U64_MAX;
  const inc = (filled + 1n) & t.mask;
  return t.value | inc;
}

function swapBytes(x: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r = (r << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return r;
}

/** Byte swaps of the low 2, 4 or 8 bytes; the result has the upper bytes cleared. */
export const tnumBswap16 = (a: Tnum): Tnum => tnum(swapBytes(a.value, 2), swapBytes(a.mask, 2));
export const tnumBswap32 = (a: Tnum): Tnum => tnum(swapBytes(a.value, 4), swapBytes(a.mask, 4));
export const tnumBswap64 = (a: Tnum): Tnum => tnum(swapBytes(a.value, 8), swapBytes(a.mask, 8));

/** The kernel's `tnum_strn` text: `(0x0; 0xff)`. */
export const tnumStr = (a: Tnum): string => `(${hex(a.value)}; ${hex(a.mask)})`;

/** The kernel's `tnum_sbin` text: 64 characters of 0, 1 and x, most significant first. */
export function tnumSbin(a: Tnum): string {
  let s = "";
  for (let i = 63; i >= 0; i--) {
    const bit = 1n << BigInt(i);
    s += a.mask & bit ? "x" : a.value & bit ? "1" : "0";
  }
  return s;
}
