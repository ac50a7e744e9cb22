// Small conversions shared by helper implementations: register values to
// runtime addresses and u32/s32 numbers, and the errno values helpers return.
import { Errno } from "../maps/index.ts";

/** errno values helpers return (negated), include/uapi/asm-generic/errno*.h. */
export const E = {
  ...Errno,
  EACCES: 13,
  ERANGE: 34,
  EPROTO: 71,
  EAFNOSUPPORT: 97,
} as const;

const U32 = 0xffff_ffffn;

/** Low 32 bits as an unsigned number (a u32 argument). */
export const u32 = (x: bigint): number => Number(x & U32);

/** Low 32 bits as a signed number (an s32/int argument). */
export const s32 = (x: bigint): number => Number(BigInt.asIntN(32, x));

/**
 * A register as a runtime address: pointers are offsets below 2^32, so a value
 * with any high bit set is no address (0, which is never allocated).
 */
export const ptr = (x: bigint): number => (x > U32 ? 0 : Number(x));

/** A u64 argument as a JS number when it is exact, else Infinity (sizes, lengths). */
export const size = (x: bigint): number =>
  x > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(x);
