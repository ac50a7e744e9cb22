// Register and stack liveness (the kernel's read/written marks). Every
// register and stack slot of the current state points (`parent`) at the same
// register or slot of the path's last checkpoint. Reading a value the path
// has not written since the checkpoint marks it READ there, and up the chain
// of checkpoints until a write screens it. Once every path from a checkpoint
// is finished, what was never read is dead: finishState() forgets it, so a
// dead register or slot no longer stops another state from pruning.
import type { Env } from "./env.ts";
import { markInsnZext } from "./reg-access.ts";
import {
  REG_LIVE_DONE,
  REG_LIVE_NONE,
  REG_LIVE_READ,
  REG_LIVE_READ32,
  REG_LIVE_READ64,
  REG_LIVE_WRITTEN,
  type RegState,
} from "./regs.ts";
import { BPF_REG_SIZE, newSlot, type StackSlot } from "./stack.ts";
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

/** A stack slot nothing reads: what finished states keep for their dead slots. */
const DEAD_SLOT = ((): StackSlot => {
  const slot = newSlot(true);
  slot.spilled.live = REG_LIVE_DONE;
  return slot;
})();

/**
 * Two registers with every field identical (BigInts by value, objects by
 * identity). Generated from the fields a new register has, so that a field
 * added to RegState later is compared too, with plain property reads.
 */
const sameReg = new Function(
  "x",
  "y",
  "return " +
    ["type", "varOff", ...Object.keys(DEAD_SLOT.spilled)]
      .map((k) => `x.${k} === y.${k}`)
      .join(" && "),
) as (x: RegState, y: RegState) => boolean;

function sameSlot(a: StackSlot, b: StackSlot): boolean {
  for (let k = 0; k < BPF_REG_SIZE; k++) if (a.slotType[k] !== b.slotType[k]) return false;
  return sameReg(a.spilled, b.spilled);
}

/**
 * Finished states never change again, and most of their live stack slots
 * are unchanged copies of the same slots in other finished states (clones of
 * a common ancestor). Keeping one object per distinct content, found among
 * the last few finished at the same slot number, lets the copies be
 * collected while young instead of being carried through every scavenge.
 * (Registers are too few per state to pay for the comparisons.)
 */
class FinishedSlots {
  env: Env | null = null;
  slots: StackSlot[][] = [];

  /** Candidates are per verification. */
  reset(env: Env): void {
    if (this.env === env) return;
    this.env = env;
    this.slots = [];
  }

  share(spi: number, s: StackSlot): StackSlot {
    const c = (this.slots[spi] ??= []);
    for (const o of c) if (sameSlot(o, s)) return o;
    c.unshift(s);
    if (c.length > POOL_CANDIDATES) c.pop();
    return s;
  }
}

const POOL_CANDIDATES = 4;
const pool = new FinishedSlots();

/**
 * clean_live_states() for a state none of whose paths is left to explore:
 * its read marks are final (marks only travel up the current path, which it
 * is not on), so what was never read is dead. Dead registers become one
 * shared NOT_INIT register, dead stack slots one shared empty slot (trailing
 * ones are dropped);
 * REG_LIVE_DONE says nothing may mark the state again. The kernel cleans a
 * finished state when the next path reaches its instruction; cleaning it as
 * soon as it is finished gives the same state and keeps checkpoints small.
 * Its links to its parent go too: nothing walks up from it any more, and an
 * evicted checkpoint can then be collected (the kernel frees it). Slots
 * equal to ones of other finished states are shared (FinishedSlots).
 */
export function finishState(env: Env, st: VerifierState): void {
  pool.reset(env);
  st.finished = true;
  st.parent = null;
  for (let fr = 0; fr <= st.curframe; fr++) {
    const f = st.frames[fr]!;
    for (let i = 0; i < 10; i++) {
      const r = f.regs[i]!;
      if (!(r.live & REG_LIVE_READ)) {
        f.regs[i] = DEAD_SLOT.spilled;
        continue;
      }
      r.parent = null;
      r.live |= REG_LIVE_DONE;
    }
    const stack = f.stack;
    for (let i = 0; i < stack.length; i++) {
      const s = stack[i]!.spilled;
      if (s.live & REG_LIVE_READ) {
        s.parent = null;
        s.live |= REG_LIVE_DONE;
        stack[i] = pool.share(i, stack[i]!);
      } else {
        stack[i] = DEAD_SLOT;
      }
    }
    let n = stack.length;
    while (n > 0 && stack[n - 1] === DEAD_SLOT) n--;
    stack.length = n;
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
