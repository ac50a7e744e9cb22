// Jump history (the kernel's insn_hist): for each path, the non-linear steps
// taken since its last checkpoint — "insn X was reached from insn Y" — plus
// per-insn facts precision backtracking needs: which stack slot a spill or
// fill touched, and which scalars a conditional jump linked. Backtracking
// (backtrack.ts) walks a state's instructions backwards with it.
//
// One growable table serves every state: a state owns entries
// [histStart, histEnd). Paths are explored depth first, so a state pushed
// for later never sees its entries overwritten: everything written after it
// was pushed belongs to paths that finish before it is popped.
import type { VerifierState } from "./state.ts";

/** The entry records a spill to or fill from a stack slot (INSN_F_STACK_ACCESS). */
export const INSN_F_STACK_ACCESS = 0x200;
/**
 * A conditional jump compared a stack pointer (INSN_F_DST/SRC_REG_STACK):
 * backtracking must not ask for its precision (it is no scalar, and r10 is
 * never written, so the walk would never find where it was set).
 */
export const INSN_F_DST_REG_STACK = 0x400;
export const INSN_F_SRC_REG_STACK = 0x800;
const INSN_F_FRAMENO_MASK = 0x7;
const INSN_F_SPI_SHIFT = 3;
const INSN_F_SPI_MASK = 0x3f;

/** insn_stack_access_flags(): a stack access to slot `spi` of frame `frameno`. */
export const stackAccessFlags = (frameno: number, spi: number): number =>
  INSN_F_STACK_ACCESS | (spi << INSN_F_SPI_SHIFT) | frameno;
export const stackAccessSpi = (flags: number): number =>
  (flags >> INSN_F_SPI_SHIFT) & INSN_F_SPI_MASK;
export const stackAccessFrameno = (flags: number): number => flags & INSN_F_FRAMENO_MASK;

/** A scalar sharing an id with the compared register of a jump (struct linked_reg). */
export interface LinkedReg {
  frameno: number;
  isReg: boolean;
  /** Register number or stack slot. */
  idx: number;
}

export class JmpHistory {
  idx: Int32Array<ArrayBuffer> = new Int32Array(1024);
  prev: Int32Array<ArrayBuffer> = new Int32Array(1024);
  flags: Int32Array<ArrayBuffer> = new Int32Array(1024);
  linked: (readonly LinkedReg[] | null)[] = [];
  /** Entry of the instruction being checked (env->cur_hist_ent), -1 when it has none yet. */
  curEnt = -1;
  /**
   * The instruction executed before the one being checked (the kernel's
   * env->prev_insn_idx while an insn is checked): set by the main loop.
   */
  prevIdx = -1;

  /**
   * push_insn_history(): record the current instruction. A second push for
   * the same instruction (atomics read and write the stack; a jump that is
   * also a jump target) merges into the first.
   */
  push(
    st: VerifierState,
    insnIdx: number,
    flags: number,
    linked: readonly LinkedReg[] | null,
  ): void {
    if (this.curEnt >= 0) {
      this.flags[this.curEnt]! |= flags;
      if (linked) this.linked[this.curEnt] = linked;
      return;
    }
    const i = st.histEnd;
    if (i >= this.idx.length) this.grow();
    this.idx[i] = insnIdx;
    this.prev[i] = this.prevIdx;
    this.flags[i] = flags;
    this.linked[i] = linked;
    st.histEnd = i + 1;
    this.curEnt = i;
  }

  private grow(): void {
    const n = this.idx.length * 2;
    const g = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.idx = g(this.idx);
    this.prev = g(this.prev);
    this.flags = g(this.flags);
  }

  /** get_insn_hist_entry(): the entry of `insnIdx` if it is the last one before `end`, else -1. */
  entryAt(end: number, insnIdx: number, start: number): number {
    return end > start && this.idx[end - 1] === insnIdx ? end - 1 : -1;
  }
}
