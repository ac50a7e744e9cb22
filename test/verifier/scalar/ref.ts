// Concrete reference semantics of BPF ALU and jump ops (RFC 9669), on BigInts,
// written independently of the scalar domain so the property tests can check
// that every abstract result contains the concrete one.
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_END,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_TO_BE,
  BPF_XOR,
} from "../../../src/isa/opcodes.ts";
import { JSET_NOT } from "../../../src/verifier/bounds.ts";

export const M64 = (1n << 64n) - 1n;
export const M32 = (1n << 32n) - 1n;

const mask = (bits: number): bigint => (1n << BigInt(bits)) - 1n;
const signed = (x: bigint, bits: number): bigint => BigInt.asIntN(bits, x);

function bswap(x: bigint, bits: number): bigint {
  let r = 0n;
  for (let i = 0; i < bits; i += 8) r = (r << 8n) | ((x >> BigInt(i)) & 0xffn);
  return r;
}

export interface RefExtra {
  signed?: boolean;
  endBits?: number;
  endSource?: number;
}

/**
 * Result of ALU op `op` on 64-bit register values `x` (dst) and `y` (src):
 * ALU64 when `is64`, else the 32-bit op on the low halves, zero-extended.
 */
export function aluRef(
  op: number,
  x: bigint,
  y: bigint,
  is64: boolean,
  extra: RefExtra = {},
): bigint {
  const bits = is64 ? 64 : 32;
  const m = mask(bits);
  if (op === BPF_END) {
    const n = extra.endBits ?? 64;
    if (is64 || extra.endSource === BPF_TO_BE) return bswap(x & mask(n), n);
    return x & mask(n); // to_le on a little-endian machine: truncation only
  }
  const a = x & m;
  const b = y & m;
  const sa = signed(a, bits);
  const sb = signed(b, bits);
  let r: bigint;
  switch (op) {
    case BPF_ADD:
      r = a + b;
      break;
    case BPF_SUB:
      r = a - b;
      break;
    case BPF_MUL:
      r = a * b;
      break;
    case BPF_DIV:
      if (b === 0n) r = 0n;
      else r = extra.signed ? sa / sb : a / b;
      break;
    case BPF_MOD:
      if (b === 0n) r = a;
      else r = extra.signed ? sa % sb : a % b;
      break;
    case BPF_OR:
      r = a | b;
      break;
    case BPF_AND:
      r = a & b;
      break;
    case BPF_XOR:
      r = a ^ b;
      break;
    case BPF_LSH:
      r = a << (b & BigInt(bits - 1));
      break;
    case BPF_RSH:
      r = a >> (b & BigInt(bits - 1));
      break;
    case BPF_ARSH:
      r = sa >> (b & BigInt(bits - 1));
      break;
    case BPF_NEG:
      r = -a;
      break;
    default:
      throw new Error(`aluRef: op ${op}`);
  }
  return r & m;
}

/** Whether `if x <op> y` jumps, for JMP (64-bit) or JMP32 operands. */
export function jmpRef(op: number, x: bigint, y: bigint, is32: boolean): boolean {
  const bits = is32 ? 32 : 64;
  const a = x & mask(bits);
  const b = y & mask(bits);
  const sa = signed(a, bits);
  const sb = signed(b, bits);
  switch (op) {
    case BPF_JEQ:
      return a === b;
    case BPF_JNE:
      return a !== b;
    case BPF_JGT:
      return a > b;
    case BPF_JGE:
      return a >= b;
    case BPF_JLT:
      return a < b;
    case BPF_JLE:
      return a <= b;
    case BPF_JSGT:
      return sa > sb;
    case BPF_JSGE:
      return sa >= sb;
    case BPF_JSLT:
      return sa < sb;
    case BPF_JSLE:
      return sa <= sb;
    case BPF_JSET:
      return (a & b) !== 0n;
    case JSET_NOT:
      return (a & b) === 0n;
    default:
      throw new Error(`jmpRef: op ${op}`);
  }
}

/** Sign-extending move of the low `bits` bits: to 64 bits (ALU64) or to 32 then zero-extended. */
export function movsxRef(x: bigint, bits: number, is64: boolean): bigint {
  const v = signed(x & mask(bits), bits);
  return is64 ? v & M64 : v & M32;
}
