// Path exploration: the stack of branches still to verify (push_stack /
// pop_stack), checkpoints and pruning (is_state_visited), branch counts on
// the checkpoint tree, and the per-instruction state lines of the log.
import type { Env } from "./env.ts";
import { BPF_LOG_LEVEL, padChar, scratchClean, verifierStateText, vlogAlignment } from "./log.ts";
import { connectToCheckpoint, finishState, propagateLiveness } from "./liveness.ts";
import { markAllScalarsImprecise, propagatePrecision } from "./precision.ts";
import {
  EXACT,
  NOT_EXACT,
  RANGE_WITHIN,
  statesEqual,
  statesMaybeLooping,
  type Mismatch,
} from "./prune.ts";
import { callbackLoopVerdict, notSameLoopIteration } from "./calls.ts";
import { isSyncCallbackCallingInsn } from "./callbacks.ts";
import { isMayGoto } from "./may-goto.ts";
import { cloneState, type VerifierState } from "./state.ts";
import { Reject } from "./errors.ts";

/** Most branches waiting at once (BPF_COMPLEXITY_LIMIT_JMP_SEQ). */
const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
/** Unprivileged programs stop adding checkpoints past this many at one insn. */
const BPF_COMPLEXITY_LIMIT_STATES = 64;

/** push_stack(): queue the current state to continue at `insnIdx` later; returns the copy. */
export function pushStack(env: Env, insnIdx: number, prevInsnIdx: number): VerifierState {
  const st = cloneState(env.cur);
  env.pending.push({ state: st, insnIdx, prevInsnIdx, logPos: env.log.endPos });
  if (env.pending.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ) {
    env.fail(`The sequence of ${env.pending.length} jumps is too complex.`);
  }
  if (st.parent) st.parent.branches++;
  return st;
}

/** update_branch_counts(): a path ended; checkpoints with no paths left become usable for pruning. */
export function updateBranchCounts(env: Env, st: VerifierState | null): void {
  while (st) {
    st.branches--;
    // A finished state in a loop puts its parent in that loop too.
    if (!st.branches && st.parent && st.loopEntry) updateLoopEntry(st.parent, st.loopEntry);
    if (st.branches > 0) break;
    const parent = st.parent;
    // A checkpoint with every path below it explored: liveness is final,
    // unless the loop it is in is still being explored (isStateVisited).
    if (st !== env.cur && !loopActive(st)) finishState(env, st);
    st = parent;
  }
}

/**
 * get_loop_entry(): the outermost loop head the state belongs to. A loop is
 * entered when a state is pruned against one still being explored (a
 * callback or may_goto loop converging); until its head is finished, the
 * read and precision marks of the states inside it are incomplete, so they
 * are compared with RANGE_WITHIN and not cleaned.
 */
function getLoopEntry(st: VerifierState): VerifierState | null {
  let top = st.loopEntry ?? null;
  for (let steps = 0; top?.loopEntry && top.loopEntry !== top; steps++) {
    if (steps > (st.dfsDepth ?? 0))
      throw new Reject("verifier bug: infinite loop in get_loop_entry()");
    top = top.loopEntry;
  }
  return top;
}

const loopActive = (st: VerifierState): boolean => (getLoopEntry(st)?.branches ?? 0) > 0;

/**
 * For a state whose paths are all explored: the head of the loop it is in
 * while that is still explored (compare with RANGE_WITHIN), else null — and
 * if it was left uncleaned for its loop, it is cleaned now
 * (clean_live_states).
 */
function exactLoopEntry(env: Env, st: VerifierState): VerifierState | null {
  const le = getLoopEntry(st);
  if (le?.branches) return le;
  if (!st.finished) finishState(env, st);
  return null;
}

/** update_loop_entry(): `cur` is in the loop headed by `hdr`, if that is on the current path. */
function updateLoopEntry(cur: VerifierState, hdr: VerifierState): void {
  const cur1 = getLoopEntry(cur) ?? cur;
  const hdr1 = getLoopEntry(hdr) ?? hdr;
  if (hdr1.branches && (hdr1.dfsDepth ?? 0) <= (cur1.dfsDepth ?? 0)) cur.loopEntry = hdr;
}

/** pop_stack(): resume the most recent queued branch; false when none is left. */
export function popStack(env: Env, popLog: boolean): boolean {
  const head = env.pending.pop();
  if (!head) return false;
  env.cur = head.state;
  if (popLog) env.log.reset(head.logPos);
  env.insnIdx = head.insnIdx;
  env.prevInsnIdx = head.prevInsnIdx;
  return true;
}

/** print_verifier_state() of a frame (the current one by default) into the log. */
export function printVerifierState(env: Env, printAll: boolean, frameno = env.cur.curframe): void {
  if (!env.log.enabled) return;
  env.verbose(verifierStateText(env.cur, frameno, printAll, env.scratch));
  if (!printAll) scratchClean(env.scratch);
}

/**
 * print_insn_state(): the scratched registers after an instruction, appended
 * to that instruction's line (`; R1_w=0`) when nothing else was printed since.
 */
export function printInsnState(env: Env): void {
  if (!(env.log.level & BPF_LOG_LEVEL)) return;
  if (env.prevLogPos && env.prevLogPos === env.log.endPos) {
    env.log.reset(env.prevLogPos - 1);
    env.verbose(padChar(vlogAlignment(env.prevInsnPrintPos)) + ";");
  } else {
    env.verbose(`${env.insnIdx}:`);
  }
  printVerifierState(env, false);
}

function updatePeakStates(env: Env): void {
  const cur = env.exploredStatesSize;
  if (cur > env.peakStates) env.peakStates = cur;
}

/**
 * is_state_visited(): at a prune point, stop if a finished checkpoint here
 * covers the current state (returns true), detect infinite loops, and maybe
 * add the current state as a new checkpoint.
 *
 * Checkpoints are compared after their dead registers and slots were
 * forgotten (liveness.ts) and with their imprecise scalars matching any
 * scalar (precision.ts); a pruned path passes on what the checkpoint's
 * continuation read and needed exact.
 */
export function isStateVisited(env: Env, insnIdx: number): boolean {
  const cur = env.cur;
  const force = env.aux[insnIdx]!.forceCheckpoint;
  // A long history makes backtracking slow: checkpoint to cut it.
  const forceNewState = env.testStateFreq || force || cur.histEnd - cur.histStart > 40;
  let addNewState = forceNewState;
  if (
    env.jmpsProcessed - env.prevJmpsProcessed >= 2 &&
    env.insnProcessed - env.prevInsnProcessed >= 8
  ) {
    addNewState = true;
  }
  let list = env.explored.get(insnIdx);
  if (!list) {
    list = [];
    env.explored.set(insnIdx, list);
  }
  let statesCnt = 0;
  // Decided once: a closure per compared state is costly on this hot path.
  const callsCallback = isSyncCallbackCallingInsn(env.insns[insnIdx]!);
  const mayGoto = isMayGoto(env.insns[insnIdx]!);
  // Where this state differed from a checkpoint here: a good first guess of
  // where later states will differ from it, if it becomes a checkpoint.
  let lastMismatch: Mismatch = { frame: -1, at: 0 };
  for (let i = 0; i < list.length; i++) {
    const sl = list[i]!;
    statesCnt++;
    // A helper call that runs a callback, seen again on this path: has the callback loop
    // converged (calls.ts)?
    const cbLoop =
      sl.state.branches && callsCallback
        ? callbackLoopVerdict(env, insnIdx, () => statesEqual(env, sl.state, cur, RANGE_WITHIN))
        : undefined;
    // A finished state inside a loop still being explored compares exactly.
    const le = sl.state.branches ? null : exactLoopEntry(env, sl.state);
    // A may_goto loop has converged when another iteration is within an earlier one.
    const mayGotoHit =
      sl.state.branches > 0 &&
      mayGoto &&
      (sl.state.mayGotoDepth ?? 0) !== (cur.mayGotoDepth ?? 0) &&
      statesEqual(env, sl.state, cur, RANGE_WITHIN);
    if (sl.state.branches && cbLoop !== "hit" && !mayGotoHit) {
      // A checkpoint on the current path: looping back to an identical state never ends.
      if (
        cbLoop === undefined &&
        (sl.state.mayGotoDepth ?? 0) === (cur.mayGotoDepth ?? 0) &&
        !notSameLoopIteration(sl.state, cur) &&
        statesMaybeLooping(sl.state, cur) &&
        statesEqual(env, sl.state, cur, EXACT)
      ) {
        env.errorLine(`infinite loop detected at insn ${insnIdx}`);
        env.verbose("cur state:" + verifierStateText(cur, cur.curframe, true, env.scratch));
        env.verbose("old state:" + verifierStateText(sl.state, cur.curframe, true, env.scratch));
        env.abort();
      }
      // Inside a loop, checkpoints of successive iterations rarely help pruning.
      if (
        !forceNewState &&
        env.jmpsProcessed - env.prevJmpsProcessed < 20 &&
        env.insnProcessed - env.prevInsnProcessed < 100
      ) {
        addNewState = false;
      }
    } else if (
      cbLoop === "hit" ||
      mayGotoHit ||
      statesEqual(env, sl.state, cur, le ? RANGE_WITHIN : NOT_EXACT, sl.mismatch)
    ) {
      if (cbLoop === "hit" || mayGotoHit) updateLoopEntry(cur, sl.state);
      else if (le) updateLoopEntry(cur, le);
      sl.hitCnt++;
      // What the continuation of the old state read and needed exact, this
      // path's checkpoints must keep.
      propagateLiveness(env, sl.state, cur);
      if (env.aux[insnIdx]!.jmpPoint) env.hist.push(cur, insnIdx, 0, null);
      propagatePrecision(env, sl.state);
      return true;
    }
    if (sl.mismatch.frame >= 0) lastMismatch = sl.mismatch;
    // Do not count misses of loop iterations that add no state: they would
    // evict the checkpoints from earlier iterations.
    if (addNewState) sl.missCnt++;
    // Checkpoints that keep missing are dropped to keep the search fast.
    const n = force && sl.state.branches > 0 ? 64 : 3;
    if (sl.missCnt > sl.hitCnt * n + n) {
      list.splice(i, 1);
      i--;
      env.exploredStatesSize--;
    }
  }
  if (env.maxStatesPerInsn < statesCnt) env.maxStatesPerInsn = statesCnt;
  if (!env.bpfCapable && statesCnt > BPF_COMPLEXITY_LIMIT_STATES) return false;
  if (!addNewState) return false;

  env.totalStates++;
  env.exploredStatesSize++;
  updatePeakStates(env);
  env.prevJmpsProcessed = env.jmpsProcessed;
  env.prevInsnProcessed = env.insnProcessed;
  // Precision is earned by backtracking from later uses, never inherited.
  if (env.bpfCapable) markAllScalarsImprecise(cur);
  const checkpoint = cloneState(cur);
  checkpoint.insnIdx = insnIdx;
  checkpoint.branches = 1;
  list.unshift({ state: checkpoint, hitCnt: 0, missCnt: 0, mismatch: { ...lastMismatch } });
  cur.parent = checkpoint;
  cur.firstInsnIdx = insnIdx;
  cur.histStart = cur.histEnd;
  cur.dfsDepth = (checkpoint.dfsDepth ?? 0) + 1;
  connectToCheckpoint(cur, checkpoint);
  return false;
}
