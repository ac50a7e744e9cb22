// Register values of host implementations as the C parameters they stand
// for: pointers are runtime addresses below 2^32 (anything else is no address,
// 0), u32 parameters read the low half only.
export const ptrArg = (x: bigint): number => (x > 0xffff_ffffn ? 0 : Number(x));
export const u32Arg = (x: bigint): number => Number(x & 0xffff_ffffn);
