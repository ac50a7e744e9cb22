// Small BigInt helpers for the pointer and memory checks: the kernel does this
// arithmetic on s64/u64/s32 with C conversion rules.
export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;
export const U32_MAX = (1n << 32n) - 1n;

/** C `(int)x` of a 64-bit value. */
export const toS32 = (x: bigint): number => Number(BigInt.asIntN(32, x));

/** s64 addition; undefined on overflow (check_add_overflow). */
export function addS64(a: bigint, b: bigint): bigint | undefined {
  const r = a + b;
  return r < S64_MIN || r > S64_MAX ? undefined : r;
}

/** u64 addition; undefined on overflow. */
export function addU64(a: bigint, b: bigint): bigint | undefined {
  const r = a + b;
  return r > U64_MAX ? undefined : r;
}

/** s64 subtraction; undefined on overflow (check_sub_overflow). */
export function subS64(a: bigint, b: bigint): bigint | undefined {
  const r = a - b;
  return r < S64_MIN || r > S64_MAX ? undefined : r;
}

/** fls64(): number of significant bits of an unsigned value. */
export function fls64(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}
