// Backtracking one instruction (the kernel's backtrack_insn): given the
// registers and stack slots whose exact value matters *after* an
// instruction, which ones matter *before* it. `r1 = r2` passes the need from
// r1 to r2; `r1 = 5` satisfies it; a fill from the stack passes it to the
// slot, a spill back to the register; calls and exits move it between
// frames. precision.ts drives this over whole paths.
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_CALL,
  BPF_END,
  BPF_EXIT,
  BPF_HELPER_CALL,
  BPF_IND,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_ST,
  BPF_STX,
  BPF_X,
  MAX_CALL_FRAMES,
  opAlu,
  opClass,
  opJmp,
  opMode,
  opSource,
} from "../isa/opcodes.ts";
import type { Env } from "./env.ts";
import {
  INSN_F_DST_REG_STACK,
  INSN_F_SRC_REG_STACK,
  INSN_F_STACK_ACCESS,
  stackAccessFrameno,
  stackAccessSpi,
} from "./history.ts";
import { BPF_LOG_LEVEL2 } from "./log.ts";

/** R1-R5: arguments, clobbered by calls. */
export const BPF_REGMASK_ARGS = 0x3e;
const BPF_REG_FP = 10;
/** backtrack_insn() gave up: fall back to marking every scalar precise. */
export const ENOTSUPP = 1;

/** Helpers that call a program callback synchronously (is_sync_callback_calling_function). */
const SYNC_CALLBACK_HELPERS = new Set([164 /* for_each_map_elem */, 180, 181, 209]);

/**
 * The registers and stack slots still looking for the instruction that set
 * them, per frame (struct backtrack_state). Stack masks are 64 bits (a 512
 * byte frame has 64 slots), kept as two 32-bit halves.
 */
export class BacktrackState {
  frame = 0;
  readonly regMasks = new Int32Array(MAX_CALL_FRAMES);
  readonly stackLo = new Int32Array(MAX_CALL_FRAMES);
  readonly stackHi = new Int32Array(MAX_CALL_FRAMES);

  init(frame: number): void {
    this.frame = frame;
    this.regMasks.fill(0);
    this.stackLo.fill(0);
    this.stackHi.fill(0);
  }

  empty(): boolean {
    for (let i = 0; i <= this.frame; i++) {
      if (this.regMasks[i] || this.stackLo[i] || this.stackHi[i]) return false;
    }
    return true;
  }

  setFrameReg(frame: number, reg: number): void {
    this.regMasks[frame]! |= 1 << reg;
  }
  clearFrameReg(frame: number, reg: number): void {
    this.regMasks[frame]! &= ~(1 << reg);
  }
  isFrameRegSet(frame: number, reg: number): boolean {
    return (this.regMasks[frame]! & (1 << reg)) !== 0;
  }
  setReg(reg: number): void {
    this.setFrameReg(this.frame, reg);
  }
  clearReg(reg: number): void {
    this.clearFrameReg(this.frame, reg);
  }
  isRegSet(reg: number): boolean {
    return this.isFrameRegSet(this.frame, reg);
  }
  regMask(): number {
    return this.regMasks[this.frame]!;
  }

  setFrameSlot(frame: number, spi: number): void {
    if (spi < 32) this.stackLo[frame]! |= 1 << spi;
    else this.stackHi[frame]! |= 1 << (spi - 32);
  }
  clearFrameSlot(frame: number, spi: number): void {
    if (spi < 32) this.stackLo[frame]! &= ~(1 << spi);
    else this.stackHi[frame]! &= ~(1 << (spi - 32));
  }
  isFrameSlotSet(frame: number, spi: number): boolean {
    return spi < 32
      ? (this.stackLo[frame]! & (1 << spi)) !== 0
      : (this.stackHi[frame]! & (1 << (spi - 32))) !== 0;
  }
  stackEmpty(frame = this.frame): boolean {
    return !this.stackLo[frame] && !this.stackHi[frame];
  }
  /** Slot numbers set in `frame`, lowest first. */
  slots(frame: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < 64; i++) if (this.isFrameSlotSet(frame, i)) out.push(i);
    return out;
  }
  regs(frame: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < 32; i++) if (this.regMasks[frame]! & (1 << i)) out.push(i);
    return out;
  }

  /** bt_subprog_enter(): walking backwards over an exit enters the callee. */
  enterSubprog(env: Env): void {
    if (this.frame === MAX_CALL_FRAMES - 1)
      backtrackBug(env, `subprog enter from frame ${this.frame}`);
    this.frame++;
  }
  /** bt_subprog_exit(): walking backwards over a call returns to the caller. */
  exitSubprog(env: Env): void {
    if (this.frame === 0) backtrackBug(env, "subprog exit from frame 0");
    this.frame--;
  }

  /** fmt_reg_mask(): `r1,r6`. */
  regText(frame = this.frame): string {
    return this.regs(frame)
      .map((r) => `r${r}`)
      .join(",");
  }
  /** fmt_stack_mask(): `-8,-24`. */
  stackText(frame = this.frame): string {
    return this.slots(frame)
      .map((s) => `${-(s + 1) * 8}`)
      .join(",");
  }
}

/** The kernel's WARN + -EFAULT: an inconsistency in the verifier itself. */
export function backtrackBug(env: Env, what: string): never {
  env.fail(`verifier backtracking bug: ${what}`);
}

/** bt_sync_linked_regs(): if one of a jump's linked scalars is needed, all are. */
function syncLinkedRegs(env: Env, bt: BacktrackState, hist: number): void {
  if (hist < 0) return;
  const linked = env.hist.linked[hist];
  if (!linked) return;
  let some = false;
  for (const e of linked) {
    if (e.isReg ? bt.isFrameRegSet(e.frameno, e.idx) : bt.isFrameSlotSet(e.frameno, e.idx)) {
      some = true;
      break;
    }
  }
  if (!some) return;
  for (const e of linked) {
    if (e.isReg) bt.setFrameReg(e.frameno, e.idx);
    else bt.setFrameSlot(e.frameno, e.idx);
  }
}

/** The subprogram starting at `start` is global (verified on its own, its result unknown). */
function isGlobalSubprog(env: Env, start: number): boolean | undefined {
  const sub = env.subprogs.find((s) => s.start === start) as { isGlobal?: boolean } | undefined;
  if (!sub) return undefined;
  return sub.isGlobal === true;
}

const isSyncCallbackCall = (env: Env, idx: number): boolean => {
  const x = env.insns[idx]!;
  return (
    x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_HELPER_CALL && SYNC_CALLBACK_HELPERS.has(x.imm)
  );
};

const isPseudoCall = (env: Env, idx: number): boolean => {
  const x = env.insns[idx];
  return !!x && x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_CALL;
};

/**
 * backtrack_insn(): update `bt` from "needed after insn idx" to "needed
 * before it". `subseqIdx` is the instruction executed after it on this path
 * (-1 if none), `hist` its history entry or -1. Returns 0, or ENOTSUPP when
 * the dependency cannot be followed.
 */
export function backtrackInsn(
  env: Env,
  idx: number,
  subseqIdx: number,
  hist: number,
  bt: BacktrackState,
): number {
  const insn = env.insns[idx]!;
  const code = insn.code;
  if (code === 0) return 0; // the second half of an lddw
  const cls = opClass(code);
  const dreg = insn.dst;
  const sreg = insn.src;
  if (env.log.level & BPF_LOG_LEVEL2) {
    env.verbose(
      `mark_precise: frame${bt.frame}: regs=${bt.regText()} stack=${bt.stackText()} before ${idx}: ${env.printInsn(env.insns, idx)}\n`,
    );
  }
  // Scalars that gained a range together at this jump share the need.
  syncLinkedRegs(env, bt, hist);

  if (cls === BPF_ALU || cls === BPF_ALU64) {
    if (!bt.isRegSet(dreg)) return 0;
    const op = opAlu(code);
    if (op === BPF_END || op === BPF_NEG) return 0; // dreg still needed before
    if (op === BPF_MOV) {
      bt.clearReg(dreg);
      // dreg = sreg: the need moves to sreg; dreg = K: satisfied here.
      if (opSource(code) === BPF_X && sreg !== BPF_REG_FP) bt.setReg(sreg);
    } else if (opSource(code) === BPF_X && sreg !== BPF_REG_FP) {
      // dreg op= sreg: both operands determine the result.
      bt.setReg(sreg);
    }
  } else if (cls === BPF_LDX) {
    if (!bt.isRegSet(dreg)) return 0;
    bt.clearReg(dreg);
    // Only stack fills keep a scalar exactly; other loads start a new value.
    if (hist < 0 || !(env.hist.flags[hist]! & INSN_F_STACK_ACCESS)) return 0;
    const flags = env.hist.flags[hist]!;
    bt.setFrameSlot(stackAccessFrameno(flags), stackAccessSpi(flags));
  } else if (cls === BPF_STX || cls === BPF_ST) {
    // A scalar used as the base address: pointer arithmetic we cannot follow.
    if (bt.isRegSet(dreg)) return ENOTSUPP;
    if (hist < 0 || !(env.hist.flags[hist]! & INSN_F_STACK_ACCESS)) return 0;
    const flags = env.hist.flags[hist]!;
    const fr = stackAccessFrameno(flags);
    const spi = stackAccessSpi(flags);
    if (!bt.isFrameSlotSet(fr, spi)) return 0;
    bt.clearFrameSlot(fr, spi);
    if (cls === BPF_STX) bt.setReg(sreg);
  } else if (cls === BPF_JMP || cls === BPF_JMP32) {
    const op = opJmp(code);
    if (code === (BPF_JMP | BPF_CALL) && sreg === BPF_PSEUDO_CALL) {
      const global = isGlobalSubprog(env, idx + insn.imm + 1);
      if (global === undefined) backtrackBug(env, `call at ${idx} to no subprogram`);
      if (global) {
        // The callee was verified separately: it only sets R0 and clobbers R1-R5.
        if (bt.regMask() & BPF_REGMASK_ARGS) backtrackBug(env, `regs ${hex(bt.regMask())}`);
        bt.clearReg(0);
        return 0;
      }
      // Walking out of a static callee: only its arguments can still be needed.
      if (bt.regMask() & ~BPF_REGMASK_ARGS) backtrackBug(env, `regs ${hex(bt.regMask())}`);
      if (!bt.stackEmpty()) backtrackBug(env, `stack slots ${bt.stackText()}`);
      for (let i = 1; i <= 5; i++) {
        if (bt.isRegSet(i)) {
          bt.clearReg(i);
          bt.setFrameReg(bt.frame - 1, i);
        }
      }
      bt.exitSubprog(env);
      return 0;
    }
    if (isSyncCallbackCall(env, idx) && idx !== subseqIdx - 1) {
      // Back from the callback to the helper that called it: R1-R5 of the
      // callback were set by the helper, not passed by this code.
      if (bt.regMask() & ~BPF_REGMASK_ARGS) backtrackBug(env, `regs ${hex(bt.regMask())}`);
      if (!bt.stackEmpty()) backtrackBug(env, `stack slots ${bt.stackText()}`);
      for (let i = 1; i <= 5; i++) bt.clearReg(i);
      bt.exitSubprog(env);
      return 0;
    }
    if (op === BPF_CALL) {
      if (sreg === BPF_PSEUDO_KFUNC_CALL && insn.imm === 0) return ENOTSUPP;
      // A helper or kfunc sets R0 and clobbers R1-R5.
      bt.clearReg(0);
      if (bt.regMask() & BPF_REGMASK_ARGS) backtrackBug(env, `regs ${hex(bt.regMask())}`);
    } else if (op === BPF_EXIT) {
      // Walking backwards into a callee through its exit. A callback's exit
      // (the next insn is not after a pseudo call) passes no R0 precision.
      const r0Precise = subseqIdx - 1 >= 0 && isPseudoCall(env, subseqIdx - 1) && bt.isRegSet(0);
      if (subseqIdx >= 0 && isSyncCallbackCall(env, subseqIdx)) {
        for (let i = 1; i <= 5; i++) bt.clearReg(i);
      }
      if (bt.regMask() & BPF_REGMASK_ARGS) backtrackBug(env, `regs ${hex(bt.regMask())}`);
      bt.clearReg(0);
      bt.enterSubprog(env);
      if (r0Precise) bt.setReg(0);
      return 0;
    } else if (opSource(code) === BPF_X) {
      // dreg <cond> sreg: what is known of one came from the other.
      if (!bt.isRegSet(dreg) && !bt.isRegSet(sreg)) return 0;
      const flags = hist < 0 ? 0 : env.hist.flags[hist]!;
      if (!(flags & INSN_F_SRC_REG_STACK)) bt.setReg(sreg);
      if (!(flags & INSN_F_DST_REG_STACK)) bt.setReg(dreg);
    }
  } else if (cls === BPF_LD) {
    if (!bt.isRegSet(dreg)) return 0;
    bt.clearReg(dreg);
    // ld_imm64 sets a known value; ld_abs/ld_ind results are not followed.
    const mode = opMode(code);
    if (mode === BPF_IND || mode === BPF_ABS) return ENOTSUPP;
  }
  syncLinkedRegs(env, bt, hist);
  return 0;
}

const hex = (n: number): string => (n >>> 0).toString(16);
