// Fixed-width integer helpers for the scalar domain. The kernel does its range
// arithmetic in C's u64/s64/u32/s32; we keep BigInts and wrap explicitly. All
// constants are precomputed once: building BigInts on hot paths costs.

export const TWO64 = 1n << 64n;
export const U64_MAX = TWO64 - 1n;
export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;

export const TWO32 = 1n << 32n;
export const U32_MAX = TWO32 - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

export const U16_MAX = 0xffffn;
export const S16_MIN = -0x8000n;
export const S16_MAX = 0x7fffn;
export const S8_MIN = -0x80n;
export const S8_MAX = 0x7fn;

/** The low 32 bits cleared: `~0xffffffffULL`. */
export const HI32_MASK = U64_MAX ^ U32_MAX;

/** Wrap to u64 (C `(u64)x`). Works for negative inputs: BigInt `&` is two's complement. */
export const u64 = (x: bigint): bigint => x & U64_MAX;

/** Wrap to s64 (C `(s64)x`). */
export const s64 = (x: bigint): bigint => {
  const u = x & U64_MAX;
  return u > S64_MAX ? u - TWO64 : u;
};

/** Wrap to u32 (C `(u32)x`). */
export const u32 = (x: bigint): bigint => x & U32_MAX;

/** Wrap to s32 (C `(s32)x`). */
export const s32 = (x: bigint): bigint => {
  const u = x & U32_MAX;
  return u > S32_MAX ? u - TWO32 : u;
};

/** Sign-extend the low `bits` bits (C `(s8)x`, `(s16)x`, `(s32)x`) to a signed BigInt. */
export const sext = (x: bigint, bits: 8 | 16 | 32 | 64): bigint => BigInt.asIntN(bits, x);

export const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * fls64: index of the highest set bit plus one, 0 for 0. Goes through two
 * 32-bit Numbers so no string or loop is needed.
 */
export function fls64(x: bigint): number {
  if (x <= U32_MAX) return x === 0n ? 0 : 32 - Math.clz32(Number(x));
  return 64 - Math.clz32(Number(x >> 32n));
}

/**
 * One integer width (the 64-bit register or its 32-bit subregister): the
 * limits a range transfer function needs, so each rule is written once and
 * applied to both widths, as the kernel's scalar32_* and scalar_* pairs do.
 */
export interface Width {
  readonly bits: 32 | 64;
  readonly umax: bigint;
  readonly smin: bigint;
  readonly smax: bigint;
  /** 2^bits: the distance between a value's signed and unsigned readings. */
  readonly span: bigint;
  /** Wrap to this width, unsigned. */
  readonly toU: (x: bigint) => bigint;
  /** Wrap to this width, signed. */
  readonly toS: (x: bigint) => bigint;
}

export const W64: Width = {
  bits: 64,
  umax: U64_MAX,
  smin: S64_MIN,
  smax: S64_MAX,
  span: TWO64,
  toU: u64,
  toS: s64,
};
export const W32: Width = {
  bits: 32,
  umax: U32_MAX,
  smin: S32_MIN,
  smax: S32_MAX,
  span: TWO32,
  toU: u32,
  toS: s32,
};

/** Hex as the kernel's `%#llx` prints it: `0x` prefix, also for zero. */
export const hex = (x: bigint): string => "0x" + x.toString(16);
