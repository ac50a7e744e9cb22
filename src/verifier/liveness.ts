// Register and stack liveness (the kernel's read/written marks). Every
// register and stack slot of the current state points (`parent`) at the same
// register or slot of the path's last checkpoint. Reading a value the path
// has not written since the checkpoint marks it READ there, and up the chain
// of checkpoints until a write screens it. Once every path from a checkpoint
// is finished, what was never read is dead: clean_live_states() forgets it,
// so a dead register or slot no longer stops another state from pruning.
import type { Env, ExploredState } from "./env.ts";
import { markInsnZext } from "./reg-access.ts";
import {
  markRegNotInit,
  REG_LIVE_DONE,
  REG_LIVE_NONE,
  REG_LIVE_READ,
  REG_LIVE_READ32,
  REG_LIVE_READ64,
  REG_LIVE_WRITTEN,
  type RegState,
} from "./regs.ts";
import { BPF_REG_SIZE, StackType } from "./stack.ts";
import type { FuncState, VerifierState } from "./state.ts";

/**
 * mark_reg_read(): the value of `state` (as it was at checkpoint `parent`)
 * is used. `flag` is REG_LIVE_READ32 or REG_LIVE_READ64. The walk length
 * feeds the `mark_read` statistic.
 */
export function markRegRead(
  env: Env,
  state: RegState,
  parent: RegState | null,
  flag: number,
): void {
  let writes = parent === state.parent;
  let cnt = 0;
  while (parent) {
    // A write since the checkpoint means the checkpoint's value was not read.
    if (writes && state.live & REG_LIVE_WRITTEN) break;
    if (parent.live & REG_LIVE_DONE) {
      env.fail(
        `verifier BUG: read mark on a finished state (type ${parent.type} off ${parent.off})`,
      );
    }
    // Already marked: its own parents are marked too.
    if ((parent.live & REG_LIVE_READ) === flag || parent.live & REG_LIVE_READ64) break;
    parent.live |= flag;
    if (flag === REG_LIVE_READ64) parent.live &= ~REG_LIVE_READ32;
    state = parent;
    parent = state.parent;
    writes = true;
    cnt++;
  }
  if (env.longestMarkReadWalk < cnt) env.longestMarkReadWalk = cnt;
}

/** A read of stack slot `spi` of `frame` (always a 64-bit read mark, as in the kernel). */
export function markStackSlotRead(env: Env, frame: FuncState, spi: number): void {
  const slot = frame.stack[spi];
  if (slot) markRegRead(env, slot.spilled, slot.spilled.parent, REG_LIVE_READ64);
}

/**
 * The tail of is_state_visited() after adding checkpoint `cp` (a copy of
 * `cur`): connect cur's registers and stack slots to it and clear their marks.
 * Callers' r0-r5 are left alone: they reach the checkpoint through the
 * callee, which received r1-r5 and returns r0.
 */
export function connectToCheckpoint(cur: VerifierState, cp: VerifierState): void {
  for (let j = 0; j <= cur.curframe; j++) {
    const f = cur.frames[j]!;
    const nf = cp.frames[j]!;
    for (let i = j < cur.curframe ? 6 : 0; i < 10; i++) f.regs[i]!.parent = nf.regs[i]!;
    for (let i = 0; i < 10; i++) f.regs[i]!.live = REG_LIVE_NONE;
    for (let i = 0; i < f.stack.length; i++) {
      const s = f.stack[i]!.spilled;
      s.live = REG_LIVE_NONE;
      s.parent = nf.stack[i]!.spilled;
    }
  }
}

/**
 * A state none of whose paths is left to explore is never walked up from
 * again: read marks and precision backtracking start from the current path
 * only, which it is not part of. Dropping its links to its parent lets an
 * evicted checkpoint be collected (the kernel frees it).
 */
export function detachFinishedState(st: VerifierState): void {
  st.parent = null;
  for (let j = 0; j <= st.curframe; j++) {
    const f = st.frames[j]!;
    for (let i = 0; i < 10; i++) f.regs[i]!.parent = null;
    for (const slot of f.stack) slot.spilled.parent = null;
  }
}

/** propagate_liveness_reg(): returns the flag propagated, 0 if none was needed. */
function propagateLivenessReg(env: Env, reg: RegState, parentReg: RegState): number {
  const parentFlag = parentReg.live & REG_LIVE_READ;
  const flag = reg.live & REG_LIVE_READ;
  if (parentFlag === REG_LIVE_READ64 || !flag || parentFlag === flag) return 0;
  markRegRead(env, reg, parentReg, flag);
  return flag;
}

/**
 * propagate_liveness(): `cur` was pruned against the finished checkpoint
 * `old`. What `old`'s continuation read, `cur`'s continuation would read:
 * mark it read in cur's checkpoints.
 */
export function propagateLiveness(env: Env, old: VerifierState, cur: VerifierState): void {
  if (old.curframe !== cur.curframe) env.fail("verifier BUG: propagate_liveness frame mismatch");
  for (let fr = 0; fr <= old.curframe; fr++) {
    const parent = cur.frames[fr]!;
    const state = old.frames[fr]!;
    for (let i = fr < old.curframe ? 6 : 0; i < 10; i++) {
      const pr = parent.regs[i]!;
      if (propagateLivenessReg(env, state.regs[i]!, pr) === REG_LIVE_READ64) markInsnZext(env, pr);
    }
    const n = Math.min(state.stack.length, parent.stack.length);
    for (let i = 0; i < n; i++) {
      propagateLivenessReg(env, state.stack[i]!.spilled, parent.stack[i]!.spilled);
    }
  }
}

/** clean_func_state(): forget what was never read; nothing may mark this frame any more. */
function cleanFuncState(env: Env, f: FuncState): void {
  for (let i = 0; i < 10; i++) {
    const r = f.regs[i]!;
    const live = r.live;
    r.live |= REG_LIVE_DONE;
    if (!(live & REG_LIVE_READ)) {
      markRegNotInit(r, env.bpfCapable);
    }
  }
  for (const slot of f.stack) {
    const s = slot.spilled;
    const live = s.live;
    s.live |= REG_LIVE_DONE;
    if (!(live & REG_LIVE_READ)) {
      markRegNotInit(s, env.bpfCapable);
      slot.slotType.fill(StackType.INVALID, 0, BPF_REG_SIZE);
    }
  }
}

function sameCallsites(a: VerifierState, b: VerifierState): boolean {
  if (a.curframe !== b.curframe) return false;
  for (let fr = a.curframe; fr >= 0; fr--) {
    if (a.frames[fr]!.callsite !== b.frames[fr]!.callsite) return false;
  }
  return true;
}

/**
 * clean_live_states(): finished checkpoints at this instruction (no path
 * below them left to explore, so their read marks are complete) drop their
 * dead registers and slots before they are compared with `cur`.
 */
export function cleanLiveStates(
  env: Env,
  insnIdx: number,
  cur: VerifierState,
  list: readonly ExploredState[],
): void {
  for (const sl of list) {
    const st = sl.state;
    if (st.branches) continue;
    if (st.insnIdx !== insnIdx || !sameCallsites(st, cur)) continue;
    if (st.frames[0]!.regs[0]!.live & REG_LIVE_DONE) continue;
    for (let fr = 0; fr <= st.curframe; fr++) cleanFuncState(env, st.frames[fr]!);
  }
}
