// Integer literals of the assembly syntaxes and the ranges each instruction
// field accepts. The rules follow bpf_conformance's assembler: a hex literal is
// a bit pattern (0x0..0xffffffff for imm, 0x0..0xffff for off), a decimal one
// is a signed value that must fit the field. Nothing is silently truncated.

/** Parse `[+-]?(0x<hex>|<decimal>)`; undefined when the text is not an integer. */
export function parseInteger(text: string): { value: bigint; hex: boolean } | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|[0-9]+)$/.exec(text);
  if (!m) return undefined;
  const hex = /^0[xX]/.test(m[2]!);
  const mag = BigInt(m[2]!);
  return { value: m[1] === "-" ? -mag : mag, hex };
}

const I64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

/**
 * Value of a signed `bits`-wide field: a hex literal without sign is a bit
 * pattern up to 2^bits-1, anything else must be a signed value that fits.
 * Returns the field value, or an error reason.
 */
function fieldValue(text: string, bits: bigint, what: string): number | string {
  const n = parseInteger(text);
  if (!n) return `invalid ${what} '${text}'`;
  const max = n.hex && n.value >= 0n ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
  if (n.value > max || n.value < -(1n << (bits - 1n))) {
    return `${what} out of ${bits}-bit range: ${text}`;
  }
  return Number(BigInt.asIntN(Number(bits), n.value));
}

/** Value for a 32-bit imm field, or an error reason. */
export const imm32 = (text: string): number | string => fieldValue(text, 32n, "immediate");

/** Value for the signed 16-bit off field, or an error reason. */
export const off16 = (text: string): number | string => fieldValue(text, 16n, "offset");

/** An unsigned 32-bit value (map ids, map offsets printed with %u) as the imm bit pattern, or an error reason. */
export function u32(text: string): number | string {
  const n = parseInteger(text);
  if (!n) return `invalid value '${text}'`;
  if (n.value < 0n || n.value > 0xffffffffn) return `value out of unsigned 32-bit range: ${text}`;
  return Number(n.value) | 0;
}

/** Value for a 64-bit lddw constant (any signed or unsigned 64-bit value), or an error reason. */
export function imm64(text: string): bigint | string {
  const n = parseInteger(text);
  if (!n) return `invalid immediate '${text}'`;
  if (n.value < I64_MIN || n.value > U64_MAX) return `immediate out of 64-bit range: ${text}`;
  return BigInt.asUintN(64, n.value);
}

export const fitsI16 = (v: number): boolean => v >= -0x8000 && v <= 0x7fff;
export const fitsI32 = (v: number): boolean => v >= -0x80000000 && v <= 0x7fffffff;
