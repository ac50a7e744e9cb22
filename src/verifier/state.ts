// Verifier state: the frames of the call chain (registers + stack of each
// function) plus what is global to one path (acquired references). Explored
// states form a tree through `parent` (the last checkpoint), with `branches`
// counting paths from a checkpoint not yet finished: a checkpoint may prune
// other paths only once its own exploration is complete (branches == 0).
import { MAX_BPF_REG } from "../isa/opcodes.ts";
import {
  cloneReg,
  markRegKnownZero,
  markRegNotInit,
  newReg,
  REG_LIVE_NONE,
  type RegState,
} from "./regs.ts";
import { RegType } from "./reg-types.ts";
import { BPF_REG_SIZE, cloneSlot, newSlot, type StackSlot } from "./stack.ts";
import type { CallbackFrame } from "./callbacks.ts";

export const BPF_REG_FP = 10;
/** callsite of the outermost frame. */
export const BPF_MAIN_FUNC = -1;

export interface FuncState {
  regs: RegState[];
  /** stack[spi]; length * 8 == allocatedStack. */
  stack: StackSlot[];
  frameno: number;
  /** Index of the call insn that created this frame (BPF_MAIN_FUNC for frame 0). */
  callsite: number;
  subprogno: number;
  /** A callback's frame (bpf_loop, bpf_for_each_map_elem, timers...): how it returns (calls.ts). */
  callback: CallbackFrame | null;
  /** Callbacks this frame's helper call has run so far on this path (callback_depth). */
  callbackDepth: number;
}

export interface RefState {
  id: number;
  /** Instruction that acquired the reference (for the leak message). */
  insnIdx: number;
  /** A bpf_spin_lock entry: the locked map (or BTF type); `id` is the pointer's id (refs.ts). */
  lock?: object;
}

export interface VerifierState {
  frames: FuncState[];
  curframe: number;
  refs: RefState[];
  /** The last checkpoint on this path (kernel `parent`). */
  parent: VerifierState | null;
  /** Unfinished paths below this state (only meaningful for checkpoints). */
  branches: number;
  /** Instruction of a checkpoint. */
  insnIdx: number;
  /** First/last instruction processed since the checkpoint (for backtracking). */
  firstInsnIdx: number;
  lastInsnIdx: number;
  /**
   * This path's jump history since the checkpoint: entries [histStart,
   * histEnd) of `env.hist` (history.ts), which every state shares.
   */
  histStart: number;
  histEnd: number;
  /**
   * The checkpoint heading the loop this state is in, if its exploration
   * was cut by a state found equal to one still being explored (callback
   * and may_goto loops): such states' marks stay incomplete until the head
   * is finished (explore.ts, get_loop_entry). Undefined: none.
   */
  loopEntry?: VerifierState | null;
  /** Checkpoints above this state on its path (dfs_depth). */
  dfsDepth?: number;
  /** may_goto iterations assumed on this path (may_goto_depth; may-goto.ts). */
  mayGotoDepth?: number;
  /** A checkpoint cleaned once all its paths were explored (liveness.ts finishState). */
  finished?: boolean;
  /** Callback bodies entered on this path (callback_unroll_depth; calls.ts). */
  callbackUnrollDepth?: number;
}

export function newFuncState(
  frameno: number,
  callsite: number,
  subprogno: number,
  bpfCapable: boolean,
): FuncState {
  const regs: RegState[] = [];
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const r = newReg();
    markRegNotInit(r, bpfCapable);
    r.live = REG_LIVE_NONE;
    regs.push(r);
  }
  const fp = regs[BPF_REG_FP]!;
  fp.type = RegType.PTR_TO_STACK;
  markRegKnownZero(fp);
  fp.frameno = frameno;
  return { regs, stack: [], frameno, callsite, subprogno, callback: null, callbackDepth: 0 };
}

export function cloneFuncState(f: FuncState): FuncState {
  return {
    regs: f.regs.map(cloneReg),
    stack: f.stack.map(cloneSlot),
    frameno: f.frameno,
    callsite: f.callsite,
    subprogno: f.subprogno,
    callback: f.callback,
    callbackDepth: f.callbackDepth,
  };
}

export function cloneState(s: VerifierState): VerifierState {
  return {
    frames: s.frames.slice(0, s.curframe + 1).map(cloneFuncState),
    curframe: s.curframe,
    refs: s.refs.map((r) => ({ ...r })),
    parent: s.parent,
    branches: s.branches,
    insnIdx: s.insnIdx,
    firstInsnIdx: s.firstInsnIdx,
    lastInsnIdx: s.lastInsnIdx,
    histStart: s.histStart,
    histEnd: s.histEnd,
    loopEntry: s.loopEntry,
    dfsDepth: s.dfsDepth,
    mayGotoDepth: s.mayGotoDepth,
    callbackUnrollDepth: s.callbackUnrollDepth,
  };
}

export const curFrame = (s: VerifierState): FuncState => s.frames[s.curframe]!;

/** Bytes of stack the frame has touched (kernel `allocated_stack`). */
export const allocatedStack = (f: FuncState): number => f.stack.length * BPF_REG_SIZE;

/** grow_stack_state(): make room for `size` bytes below the frame pointer. */
export function growStack(f: FuncState, size: number, bpfCapable: boolean): void {
  const slots = Math.ceil(size / BPF_REG_SIZE);
  while (f.stack.length < slots) f.stack.push(newSlot(bpfCapable));
}

/** Every register of every frame, and every spilled register (bpf_for_each_reg_in_vstate). */
export function forEachReg(s: VerifierState, fn: (reg: RegState, frame: FuncState) => void): void {
  for (let i = 0; i <= s.curframe; i++) {
    const f = s.frames[i]!;
    for (const r of f.regs) fn(r, f);
    for (const slot of f.stack) {
      if (slot.slotType[BPF_REG_SIZE - 1] === 1 /* SPILL */) fn(slot.spilled, f);
    }
  }
}
