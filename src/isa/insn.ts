// The instruction as the UAPI defines it (struct bpf_insn), and its byte encoding.
import { LDDW } from "./opcodes.ts";

/**
 * One 8-byte BPF instruction. A 16-byte `lddw` is two Insns: the first holds
 * the opcode and the low 32 bits of the constant, the second has code 0 and
 * the high 32 bits in `imm` — exactly as in the kernel.
 */
export interface Insn {
  /** 8-bit opcode. */
  code: number;
  /** Destination register, 0..15 (4 bits). */
  dst: number;
  /** Source register, 0..15 (4 bits). */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
}

export const INSN_SIZE = 8;

export function insn(code: number, dst = 0, src = 0, off = 0, imm = 0): Insn {
  return { code, dst, src, off: (off << 16) >> 16, imm: imm | 0 };
}

/** Decode little-endian BPF bytecode. The length must be a multiple of 8. */
export function decode(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new RangeError(`BPF code length ${bytes.length} is not a multiple of ${INSN_SIZE}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = new Array(bytes.length / INSN_SIZE);
  for (let i = 0, p = 0; p < bytes.length; i++, p += INSN_SIZE) {
    const regs = dv.getUint8(p + 1);
    out[i] = {
      code: dv.getUint8(p),
      dst: regs & 0x0f,
      src: regs >> 4,
      off: dv.getInt16(p + 2, true),
      imm: dv.getInt32(p + 4, true),
    };
  }
  return out;
}

/** Encode instructions to little-endian bytecode (byte-exact inverse of decode). */
export function encode(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i]!;
    const p = i * INSN_SIZE;
    dv.setUint8(p, x.code & 0xff);
    dv.setUint8(p + 1, ((x.src & 0x0f) << 4) | (x.dst & 0x0f));
    dv.setInt16(p + 2, x.off, true);
    dv.setInt32(p + 4, x.imm | 0, true);
  }
  return out;
}

export const isLddw = (x: Insn): boolean => x.code === LDDW;

/** The 64-bit constant of an `lddw` pair as a BigInt (unsigned). */
export function lddwImm64(lo: Insn, hi: Insn): bigint {
  return (BigInt(hi.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0);
}

/** Split a 64-bit constant into the imm fields of an `lddw` pair. */
export function splitImm64(value: bigint): { lo: number; hi: number } {
  const v = BigInt.asUintN(64, value);
  return { lo: Number(v & 0xffffffffn) | 0, hi: Number(v >> 32n) | 0 };
}

export function cloneInsn(x: Insn): Insn {
  return { code: x.code, dst: x.dst, src: x.src, off: x.off, imm: x.imm };
}

export function insnEquals(a: Insn, b: Insn): boolean {
  return (
    a.code === b.code && a.dst === b.dst && a.src === b.src && a.off === b.off && a.imm === b.imm
  );
}
