// 64-bit arithmetic on registers held as two 32-bit halves (lo[d], hi[d] in
// Int32Arrays), so the hot loop never allocates a BigInt. Each function is one
// operation group of RFC 9669; they are small enough for V8 to inline. Only
// 64-bit division of operands that do not fit 32 bits falls back to BigInt.
//
// Conventions: `d` is the destination register index, (bl, bh) the source
// operand's low and high words as int32 (an imm operand is (imm, imm >> 31)).

type Regs = Int32Array;

export function add64(lo: Regs, hi: Regs, d: number, bl: number, bh: number): void {
  const s = (lo[d]! >>> 0) + (bl >>> 0);
  lo[d] = s | 0;
  hi[d] = (hi[d]! + bh + (s > 0xffffffff ? 1 : 0)) | 0;
}

export function sub64(lo: Regs, hi: Regs, d: number, bl: number, bh: number): void {
  const a = lo[d]! >>> 0;
  const b = bl >>> 0;
  lo[d] = (a - b) | 0;
  hi[d] = (hi[d]! - bh - (a < b ? 1 : 0)) | 0;
}

/** High 32 bits of the unsigned 64-bit product of two 32-bit words (16-bit limbs, exact in doubles). */
export function mulHiU32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const m1 = a1 * b0 + ((a0 * b0) >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return a1 * b1 + (m1 >>> 16) + (m2 >>> 16);
}

export function mul64(lo: Regs, hi: Regs, d: number, bl: number, bh: number): void {
  const al = lo[d]!;
  const ah = hi[d]!;
  lo[d] = Math.imul(al, bl);
  hi[d] = (mulHiU32(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

const toU64 = (l: number, h: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);

function setBig(lo: Regs, hi: Regs, d: number, v: bigint): void {
  lo[d] = Number(BigInt.asIntN(32, v));
  hi[d] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Unsigned 64-bit division; x / 0 = 0 (RFC 9669, Linux). */
export function div64(lo: Regs, hi: Regs, d: number, bl: number, bh: number): void {
  if ((bl | bh) === 0) {
    lo[d] = 0;
    hi[d] = 0;
  } else if ((hi[d]! | bh) === 0) {
    lo[d] = ((lo[d]! >>> 0) / (bl >>> 0)) >>> 0;
  } else {
    setBig(lo, hi, d, toU64(lo[d]!, hi[d]!) / toU64(bl, bh));
  }
}

/** Unsigned 64-bit modulo; x % 0 leaves x unchanged. */
export function mod64(lo: Regs, hi: Regs, d: number, bl: number, bh: number): void {
  if ((bl | bh) === 0) return;
  if ((hi[d]! | bh) === 0) lo[d] = (lo[d]! >>> 0) % (bl >>> 0);
  else setBig(lo, hi, d, toU64(lo[d]!, hi[d]!) % toU64(bl, bh));
}

const fitsI32 = (l: number, h: number): boolean => h === l >> 31;
const toS64 = (l: number, h: number): bigint => (BigInt(h) << 32n) | BigInt(l >>> 0);

/** Signed 64-bit division, truncating; x / 0 = 0, INT64_MIN / -1 = INT64_MIN. */
export function sdiv64(lo: Regs, hi: Regs, d: number, bl: number, bh: number): void {
  const al = lo[d]!;
  const ah = hi[d]!;
  if ((bl | bh) === 0) {
    lo[d] = 0;
    hi[d] = 0;
  } else if (fitsI32(al, ah) && fitsI32(bl, bh)) {
    // |quotient| <= 2^31: exact in a double; 2^31 itself is a positive 64-bit value.
    const q = Math.trunc(al / bl);
    lo[d] = q | 0;
    hi[d] = q < 0 ? -1 : 0;
  } else {
    setBig(lo, hi, d, BigInt.asIntN(64, toS64(al, ah) / toS64(bl, bh)));
  }
}

/** Signed 64-bit modulo (sign of the dividend); x % 0 leaves x unchanged. */
export function smod64(lo: Regs, hi: Regs, d: number, bl: number, bh: number): void {
  const al = lo[d]!;
  const ah = hi[d]!;
  if ((bl | bh) === 0) return;
  if (fitsI32(al, ah) && fitsI32(bl, bh)) {
    const r = al % bl;
    lo[d] = r | 0;
    hi[d] = r < 0 ? -1 : 0;
  } else {
    setBig(lo, hi, d, toS64(al, ah) % toS64(bl, bh));
  }
}

// 32-bit division family: operands and results are 32-bit; callers zero the high word.
export const div32 = (a: number, b: number): number => (b === 0 ? 0 : (a >>> 0) / (b >>> 0)) | 0;
export const mod32 = (a: number, b: number): number => (b === 0 ? a : (a >>> 0) % (b >>> 0)) | 0;
/** (a / b) | 0 truncates toward zero and wraps INT32_MIN / -1 back to INT32_MIN. */
export const sdiv32 = (a: number, b: number): number => (b === 0 ? 0 : a / b) | 0;
export const smod32 = (a: number, b: number): number => (b === 0 ? a : a % b) | 0;

// Shifts take the amount already masked to 0..63.
export function lsh64(lo: Regs, hi: Regs, d: number, n: number): void {
  if (n === 0) return;
  const l = lo[d]!;
  if (n < 32) {
    hi[d] = (hi[d]! << n) | (l >>> (32 - n));
    lo[d] = l << n;
  } else {
    hi[d] = l << (n - 32);
    lo[d] = 0;
  }
}

export function rsh64(lo: Regs, hi: Regs, d: number, n: number): void {
  if (n === 0) return;
  const h = hi[d]!;
  if (n < 32) {
    lo[d] = (lo[d]! >>> n) | (h << (32 - n));
    hi[d] = h >>> n;
  } else {
    lo[d] = h >>> (n - 32);
    hi[d] = 0;
  }
}

export function arsh64(lo: Regs, hi: Regs, d: number, n: number): void {
  if (n === 0) return;
  const h = hi[d]!;
  if (n < 32) {
    lo[d] = (lo[d]! >>> n) | (h << (32 - n));
    hi[d] = h >> n;
  } else {
    lo[d] = h >> (n - 32);
    hi[d] = h >> 31;
  }
}

export function neg64(lo: Regs, hi: Regs, d: number): void {
  const l = lo[d]!;
  lo[d] = -l | 0;
  hi[d] = (~hi[d]! + (l === 0 ? 1 : 0)) | 0;
}

export const bswap16 = (x: number): number => ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
export const bswap32 = (x: number): number =>
  ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);

/** Byte-swap the low `width` bits of a register (BE conversion on our little-endian machine, ALU64 bswap). */
export function swap(lo: Regs, hi: Regs, d: number, width: number): void {
  if (width === 16) {
    lo[d] = bswap16(lo[d]!);
    hi[d] = 0;
  } else if (width === 32) {
    lo[d] = bswap32(lo[d]!);
    hi[d] = 0;
  } else {
    const l = lo[d]!;
    lo[d] = bswap32(hi[d]!);
    hi[d] = bswap32(l);
  }
}

/** LE conversion: a truncation to `width` bits on a little-endian machine. */
export function truncate(lo: Regs, hi: Regs, d: number, width: number): void {
  if (width === 16) {
    lo[d] = lo[d]! & 0xffff;
    hi[d] = 0;
  } else if (width === 32) {
    hi[d] = 0;
  }
}

/** The low `width` (8, 16 or 32) bits of x, sign-extended to 32 bits. */
export const signExtend = (x: number, width: number): number =>
  width === 8 ? (x << 24) >> 24 : width === 16 ? (x << 16) >> 16 : x;

/** movsx: sign-extend the low `width` bits of l to 64 bits into d. */
export function movsx64(lo: Regs, hi: Regs, d: number, l: number, width: number): void {
  const v = signExtend(l, width);
  lo[d] = v;
  hi[d] = v >> 31;
}

// 64-bit comparisons of (ah:al) with (bh:bl).
export const eq64 = (ah: number, al: number, bh: number, bl: number): boolean =>
  al === bl && ah === bh;
export const gtU64 = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? ah >>> 0 > bh >>> 0 : al >>> 0 > bl >>> 0;
export const geU64 = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? ah >>> 0 > bh >>> 0 : al >>> 0 >= bl >>> 0;
export const gtS64 = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? ah > bh : al >>> 0 > bl >>> 0;
export const geS64 = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? ah > bh : al >>> 0 >= bl >>> 0;

/** Hex text of the unsigned 64-bit value (h:l), for messages. */
export const toHex64 = (l: number, h: number): string =>
  ((BigInt(h >>> 0) << 32n) | BigInt(l >>> 0)).toString(16);
