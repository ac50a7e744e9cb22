// Read access to the instructions of a code section without decoding them all
// into objects: relocation classification and call scanning look at a few
// fields of a few instructions, and programs decode their own copies.
import type { Insn } from "../isa/insn.ts";

export class InsnView {
  readonly count: number;
  private readonly dv: DataView;

  constructor(data: Uint8Array) {
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.count = data.byteLength >> 3;
  }

  code(i: number): number {
    return this.dv.getUint8(i * 8);
  }

  src(i: number): number {
    return this.dv.getUint8(i * 8 + 1) >> 4;
  }

  imm(i: number): number {
    return this.dv.getInt32(i * 8 + 4, true);
  }

  /** A fresh Insn object for instruction `i`. */
  insn(i: number): Insn {
    const p = i * 8;
    const regs = this.dv.getUint8(p + 1);
    return {
      code: this.dv.getUint8(p),
      dst: regs & 0x0f,
      src: regs >> 4,
      off: this.dv.getInt16(p + 2, true),
      imm: this.dv.getInt32(p + 4, true),
    };
  }
}
