// BPF-to-BPF calls and callbacks (check_func_call, setup_func_entry,
// push_callback_call, prepare_func_exit): a static function is verified in
// its caller's context in a new frame (at most MAX_CALL_FRAMES deep; it may
// use pointers into its callers' stacks, r6-r9 of the caller survive); a
// global function only has its arguments checked against its BTF
// prototype (global-func.ts) and is verified once on its own afterwards
// (doCheckSubprogs). Callbacks of bpf_loop / bpf_for_each_map_elem are
// entered as frames queued from the helper call and return to it, so the
// verifier iterates them until their states converge; timer callbacks are
// separate paths of their own. Also the combined stack depth of every call
// chain and the tail-call rules that go with it (check_max_stack_depth).
import {
  BPF_CALL,
  BPF_JMP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  LDDW,
  MAX_BPF_STACK,
  MAX_CALL_FRAMES,
} from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import { isSyncCallbackCallingInsn, type CallbackSpec } from "./callbacks.ts";
import { clearAllPktPointers } from "./check-call.ts";
import { formatRetvalError } from "./check-exit.ts";
import type { Env } from "./env.ts";
import { printVerifierState, pushStack } from "./explore.ts";
import {
  findSubprog,
  funcInfoOf,
  hasFuncInfo,
  subprogIsGlobal,
  subprogMeta,
  subprogName,
} from "./func-info.ts";
import { checkSubprogCall, prepareFuncArgs } from "./global-func.ts";
import { BPF_LOG_LEVEL, scratchAll } from "./log.ts";
import { markChainPrecision } from "./precision.ts";
import { checkRegArgIn, DST_OP_NO_MARK } from "./reg-access.ts";
import {
  assignReg,
  DEF_NOT_SUBREG,
  markRegKnownZero,
  markRegNotInit,
  markRegUnknown,
  type RegState,
} from "./regs.ts";
import { RegType, TypeFlag } from "./reg-types.ts";
import { activeLocks } from "./refs.ts";
import { BPF_MAIN_FUNC, newFuncState, type FuncState, type VerifierState } from "./state.ts";

const CALLER_SAVED = [0, 1, 2, 3, 4, 5];

/** clear_caller_saved_regs(): R0-R5 hold nothing after a call. */
function clearCallerSavedRegs(env: Env, regs: RegState[]): void {
  for (const r of CALLER_SAVED) {
    markRegNotInit(regs[r]!, env.bpfCapable);
    checkRegArgIn(env, regs, r, DST_OP_NO_MARK);
  }
}

/** set_callee_state(): a direct call passes R1-R5 (with their liveness parents). */
function copyArgs(caller: FuncState, callee: FuncState): void {
  for (let i = 1; i <= 5; i++) assignReg(callee.regs[i]!, caller.regs[i]!);
}

/**
 * setup_func_entry(): push a frame for `subprog` onto `state`, entered from
 * the call at `callsite`; `setup` fills the callee's argument registers.
 */
function setupFuncEntry(
  env: Env,
  subprog: number,
  callsite: number,
  state: VerifierState,
  setup: (caller: FuncState, callee: FuncState) => void,
  callback: FuncState["callback"],
): void {
  if (state.curframe + 1 >= MAX_CALL_FRAMES)
    env.fail(`the call stack of ${state.curframe + 2} frames is too deep`);
  const caller = state.frames[state.curframe]!;
  const callee = newFuncState(state.curframe + 1, callsite, subprog, env.bpfCapable);
  callee.callback = callback;
  setup(caller, callee);
  state.frames[state.curframe + 1] = callee;
  state.curframe++;
}

/** check_func_call(): a BPF-to-BPF call. Returns the next instruction to verify. */
export function checkFuncCall(env: Env, insn: Insn): number {
  const state = env.cur;
  const target = env.insnIdx + insn.imm + 1;
  const subprog = findSubprog(env, target);
  if (subprog < 0) env.fail(`verifier bug: target of func call at insn ${target} is not a program`);
  const caller = state.frames[state.curframe]!;
  const why: string[] = [];
  const err = checkSubprogCall(env, subprog, caller.regs, why);
  if (err === "EFAULT") env.fail(`verifier bug: func#${subprog} has broken BTF`);
  if (subprogIsGlobal(env, subprog)) {
    const name = subprogName(env, subprog);
    if (activeLocks(state)) {
      env.fail(
        "global function calls are not allowed while holding a lock,\nuse static function instead",
      );
    }
    if (err) {
      // The lines that explain the mismatch belong to the rejection.
      env.errLines.push(...why);
      env.fail(`Caller passes invalid args into func#${subprog} ('${name}')`);
    }
    if (env.log.level & BPF_LOG_LEVEL)
      env.verbose(`Func#${subprog} ('${name}') is global and assumed valid.\n`);
    const meta = subprogMeta(env, subprog);
    if (meta.changesPktData) clearAllPktPointers(env);
    meta.called = true;
    clearCallerSavedRegs(env, caller.regs);
    // Every global function returns a 64-bit scalar.
    const r0 = caller.regs[0]!;
    markRegUnknown(r0, env.bpfCapable);
    r0.subregDef = DEF_NOT_SUBREG;
    return env.insnIdx + 1;
  }
  setupFuncEntry(env, subprog, env.insnIdx, state, copyArgs, null);
  scratchAll(env.scratch);
  clearCallerSavedRegs(env, caller.regs);
  if (env.log.level & BPF_LOG_LEVEL) {
    env.verbose("caller:\n");
    printVerifierState(env, true, caller.frameno);
    env.verbose("callee:\n");
    printVerifierState(env, true, state.curframe);
  }
  return env.subprogs[subprog]!.start;
}

/** A fresh path state with one frame (do_check_common / push_async_cb). */
function freshState(env: Env, frame: FuncState, start: number): VerifierState {
  return {
    ...env.cur,
    frames: [frame],
    curframe: 0,
    refs: [],
    parent: null,
    branches: 1,
    insnIdx: start,
    firstInsnIdx: start,
    lastInsnIdx: -1,
    histStart: 0,
    histEnd: 0,
    callbackUnrollDepth: 0,
  };
}

/** Most branches waiting at once (BPF_COMPLEXITY_LIMIT_JMP_SEQ). */
const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;

/**
 * push_callback_call(): a helper that calls `subprog` back. Sync callbacks
 * are queued as a path that enters the callback from the helper call (its
 * exit returns to the call, which runs the callback again until nothing
 * new is learnt); the current path continues after the helper. An async
 * callback is a path of its own, starting fresh.
 */
export function pushCallbackCall(env: Env, subprog: number, spec: CallbackSpec): void {
  const state = env.cur;
  const callsite = env.insnIdx;
  const caller = state.frames[state.curframe]!;
  const err = checkSubprogCall(env, subprog, caller.regs);
  if (err === "EFAULT") env.fail(`verifier bug: func#${subprog} has broken BTF`);
  const meta = subprogMeta(env, subprog);
  meta.isCb = true;
  const start = env.subprogs[subprog]!.start;
  if (spec.async) {
    meta.isAsyncCb = true;
    const frame = newFuncState(0, BPF_MAIN_FUNC, subprog, env.bpfCapable);
    frame.callback = {
      async: true,
      retMin: spec.retMin,
      retMax: spec.retMax,
      asyncEntryCnt: (caller.callback?.asyncEntryCnt ?? 0) + 1,
    };
    spec.setup(env, caller, frame, callsite);
    env.pending.push({
      state: freshState(env, frame, start),
      insnIdx: start,
      prevInsnIdx: callsite,
      logPos: env.log.endPos,
    });
    if (env.pending.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ)
      env.fail(`The sequence of ${env.pending.length} jumps is too complex for async cb.`);
    return;
  }
  const cbState = pushStack(env, start, callsite);
  setupFuncEntry(
    env,
    subprog,
    callsite,
    cbState,
    (c, callee) => spec.setup(env, c, callee, callsite),
    { async: false, retMin: spec.retMin, retMax: spec.retMax, asyncEntryCnt: 0 },
  );
  cbState.callbackUnrollDepth = (cbState.callbackUnrollDepth ?? 0) + 1;
  cbState.frames[cbState.curframe - 1]!.callbackDepth++;
  caller.callbackDepth = 0;
}

/** bpf_loop(): callbacks are verified at most nr_loops times (callback_depth vs R1's maximum). */
export function pushLoopCallback(env: Env, subprog: number, spec: CallbackSpec): void {
  // Whether iterating stops depends on R1's exact value.
  markChainPrecision(env, 1);
  const frame = env.frame;
  if (BigInt(frame.callbackDepth) < env.regs[1]!.umax) {
    pushCallbackCall(env, subprog, spec);
  } else {
    frame.callbackDepth = 0;
    if (env.log.level & 2)
      env.verbose(`frame${env.cur.curframe} bpf_loop iteration limit reached\n`);
  }
}

/**
 * prepare_func_exit(): return from a subprogram (R0 to the caller) or from
 * a callback (R0 checked against its range; back to the helper call, which
 * then runs the callback again or moves on). Returns the next instruction.
 */
export function prepareFuncExit(env: Env): number {
  const state = env.cur;
  const callee = state.frames[state.curframe]!;
  const r0 = callee.regs[0]!;
  if (r0.type === RegType.PTR_TO_STACK) env.fail("cannot return stack pointer to the caller");
  const caller = state.frames[state.curframe - 1]!;
  const cb = callee.callback;
  if (cb) {
    if (r0.type !== RegType.SCALAR_VALUE) env.fail("R0 not a scalar value");
    markChainPrecision(env, 0);
    if (r0.smin < BigInt(cb.retMin) || r0.smax > BigInt(cb.retMax)) {
      env.fail(formatRetvalError(r0, "At callback return", "R0", cb.retMin, cb.retMax));
    }
  } else {
    assignReg(caller.regs[0]!, r0);
  }
  const next = cb ? callee.callsite : callee.callsite + 1;
  if (env.log.level & BPF_LOG_LEVEL) {
    env.verbose("returning from callee:\n");
    printVerifierState(env, true, callee.frameno);
    env.verbose(`to caller at ${next}:\n`);
    printVerifierState(env, true, caller.frameno);
  }
  state.frames.length = state.curframe;
  state.curframe--;
  if (cb) {
    const prev = findPrevEntry(env, state, next);
    if (prev) widenImpreciseScalars(prev, state, env.bpfCapable);
  }
  return next;
}

/** Two states are at the same place of the same call chain (same_callsites). */
function sameCallsites(a: VerifierState, b: VerifierState): boolean {
  if (a.curframe !== b.curframe) return false;
  for (let i = a.curframe; i >= 0; i--)
    if (a.frames[i]!.callsite !== b.frames[i]!.callsite) return false;
  return true;
}

/**
 * find_prev_entry(): the checkpoint at `insnIdx` on the current path (a
 * previous visit of the helper call of this callback loop), if any.
 */
export function findPrevEntry(env: Env, cur: VerifierState, insnIdx: number): VerifierState | null {
  for (const sl of env.explored.get(insnIdx) ?? []) {
    const st = sl.state;
    if (
      st.insnIdx === insnIdx &&
      st.branches &&
      sameCallsites(st, cur) &&
      (st.dfsDepth ?? 0) < (cur.dfsDepth ?? 0)
    )
      return st;
  }
  return null;
}

/** maybe_widen_reg(): a scalar that changed between iterations and was never needed exact. */
function maybeWidenReg(old: RegState, cur: RegState, bpfCapable: boolean): void {
  if (old.type !== RegType.SCALAR_VALUE || cur.type !== RegType.SCALAR_VALUE) return;
  if (old.precise || cur.precise) return;
  if (
    old.varOff.value === cur.varOff.value &&
    old.varOff.mask === cur.varOff.mask &&
    old.smin === cur.smin &&
    old.smax === cur.smax &&
    old.umin === cur.umin &&
    old.umax === cur.umax &&
    old.s32min === cur.s32min &&
    old.s32max === cur.s32max &&
    old.u32min === cur.u32min &&
    old.u32max === cur.u32max &&
    old.id === cur.id
  )
    return;
  const live = cur.live;
  const parent = cur.parent;
  markRegUnknown(cur, bpfCapable);
  cur.live = live;
  cur.parent = parent;
}

/**
 * widen_imprecise_scalars(): after a callback iteration, scalars that
 * changed since the previous one and matter to no check become unknown, so
 * the iterations converge (a counter in the callback's context does not
 * make every iteration a new state).
 */
export function widenImpreciseScalars(
  old: VerifierState,
  cur: VerifierState,
  bpfCapable: boolean,
): void {
  for (let fr = old.curframe; fr >= 0; fr--) {
    const fo = old.frames[fr]!;
    const fc = cur.frames[fr]!;
    for (let i = 0; i < fo.regs.length; i++) maybeWidenReg(fo.regs[i]!, fc.regs[i]!, bpfCapable);
    const n = Math.min(fo.stack.length, fc.stack.length);
    for (let i = 0; i < n; i++) {
      const so = fo.stack[i]!;
      const sc = fc.stack[i]!;
      if (so.slotType[7] !== 1 /* SPILL */ || sc.slotType[7] !== 1) continue;
      maybeWidenReg(so.spilled, sc.spilled, bpfCapable);
    }
  }
}

/**
 * is_state_visited() at a helper call that runs a callback, against a
 * checkpoint of the same call on the current path: the callback loop has
 * converged when the current state is within the old one ("hit"); the
 * infinite-loop check does not apply there ("skip").
 */
export function callbackLoopVerdict(
  env: Env,
  insnIdx: number,
  within: () => boolean,
): "hit" | "skip" | undefined {
  if (!isSyncCallbackCallingInsn(env.insns[insnIdx]!)) return undefined;
  return within() ? "hit" : "skip";
}

/**
 * Seeing an old state again is no infinite loop when a different number of
 * callback bodies was entered since (callback_unroll_depth), or when it is
 * another entry into an async callback (async_entry_cnt).
 */
export function notSameLoopIteration(old: VerifierState, cur: VerifierState): boolean {
  if ((old.callbackUnrollDepth ?? 0) !== (cur.callbackUnrollDepth ?? 0)) return true;
  const a = old.frames[old.curframe]!.callback;
  const b = cur.frames[cur.curframe]!.callback;
  return !!a?.async && a.asyncEntryCnt !== (b?.asyncEntryCnt ?? 0);
}

/**
 * check_ld_imm() for BPF_PSEUDO_FUNC: the address of a static function, as a
 * callback argument. Needs func_info (to know the function is static).
 */
export function checkPseudoFunc(env: Env, insn: Insn, dst: RegState): void {
  const subprog = findSubprog(env, env.insnIdx + insn.imm + 1);
  if (!hasFuncInfo(env)) env.fail("missing btf func_info");
  if (subprogIsGlobal(env, subprog)) env.fail("callback function not static");
  markRegKnownZero(dst);
  dst.type = RegType.PTR_TO_FUNC;
  dst.subprogno = subprog;
}

/**
 * allow_tail_call_in_subprogs(): tail calls may be mixed with BPF-to-BPF
 * calls when the JIT keeps the tail call counter across calls (x86-64 and
 * arm64 do; so do tsbpf's engines, the default).
 */
export const subprogTailCalls = (env: Env): boolean => funcInfoOf(env).subprogTailCalls;

/** round_up_stack_depth() of a JIT-enabled kernel: multiples of 16 (0 stays 0). */
const roundStack = (d: number): number => Math.ceil(d / 16) * 16;

/**
 * check_max_stack_depth(): walk the static call graph from the main program
 * and from every async callback (which start on a fresh stack). Frames of a
 * call chain share MAX_BPF_STACK bytes; a subprogram that tail calls must
 * not sit on more than 256 bytes of callers' stack (a tail call keeps them).
 * Callbacks count as calls (they run below the helper's caller).
 */
export function checkMaxStackDepth(env: Env): void {
  const subs = funcInfoOf(env).subs;
  const edges = env.subprogs.map((_, idx) => callEdges(env, idx));
  // okDepth[idx][frame]: the largest caller depth from which idx's subtree
  // was walked at that frame without failing. Every check is monotone in
  // depth and frame, so a walk from no deeper a place would pass too;
  // skipping it keeps diamond-shaped call graphs linear, not exponential.
  const okDepth = env.subprogs.map(() => new Array<number>(MAX_CALL_FRAMES).fill(-1));
  const walkedOk = (idx: number, depth: number, frame: number): boolean => {
    const seen = okDepth[idx]!;
    for (let f = frame; f < MAX_CALL_FRAMES; f++) if (seen[f]! >= depth) return true;
    return false;
  };
  const walk = (idx: number, depth: number, frame: number): void => {
    if (walkedOk(idx, depth, frame)) return;
    const sub = env.subprogs[idx]!;
    if (idx && sub.hasTailCall && depth >= 256) {
      env.fail(
        `tail_calls are not allowed when call stack of previous frames is ${depth} bytes. Too large`,
      );
    }
    const total = depth + roundStack(sub.stackDepth);
    if (total > MAX_BPF_STACK)
      env.fail(`combined stack size of ${frame + 1} calls is ${total}. Too large`);
    for (const { callee, direct } of edges[idx]!) {
      // Async callbacks don't add to this stack unless called directly.
      if (subs[callee]?.isAsyncCb && !direct) continue;
      if (frame + 1 >= MAX_CALL_FRAMES)
        env.fail(`the call stack of ${frame + 1} frames is too deep !`);
      walk(callee, total, frame + 1);
    }
    okDepth[idx]![frame] = Math.max(okDepth[idx]![frame]!, depth);
  };
  const roots: number[] = [];
  for (let i = env.subprogs.length - 1; i >= 0; i--)
    if (i === 0 || subs[i]?.isAsyncCb) roots.push(i);
  for (const r of roots) walk(r, 0, 0);
  markTailCallReachable(env, edges, roots);
}

interface CallEdge {
  callee: number;
  /** A call instruction (not a function address taken by ld_imm64). */
  direct: boolean;
}

/** The calls and function addresses in a subprogram's body, in order. */
function callEdges(env: Env, idx: number): CallEdge[] {
  const out: CallEdge[] = [];
  const end = env.subprogs[idx + 1]?.start ?? env.insns.length;
  for (let i = env.subprogs[idx]!.start; i < end; i++) {
    const x = env.insns[i]!;
    const direct = x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_CALL;
    if (!direct && !(x.code === LDDW && x.src === BPF_PSEUDO_FUNC)) continue;
    const callee = findSubprog(env, i + x.imm + 1);
    if (callee < 0) env.fail(`verifier bug: callee not found at insn ${i + x.imm + 1}`);
    out.push({ callee, direct });
  }
  return out;
}

/**
 * tail_call_reachable: every function the walk reached that calls, at any
 * depth, one that tail calls keeps the tail call counter (its callers all
 * sit on the call chain when the tail call happens).
 */
function markTailCallReachable(env: Env, edges: CallEdge[][], roots: number[]): void {
  const subs = funcInfoOf(env).subs;
  const memo = new Map<number, boolean>();
  // The walk above succeeded, so the graph is acyclic and at most 8 deep.
  const reachesTailCall = (idx: number): boolean => {
    let r = memo.get(idx);
    if (r !== undefined) return r;
    r = false;
    for (const { callee, direct } of edges[idx]!) {
      if (subs[callee]?.isAsyncCb && !direct) continue;
      if (env.subprogs[callee]!.hasTailCall || reachesTailCall(callee)) r = true;
    }
    memo.set(idx, r);
    return r;
  };
  for (const r of roots) reachesTailCall(r);
  for (const [idx, r] of memo) if (r && subs[idx]) subs[idx].tailCallReachable = true;
}

/**
 * do_check_subprogs(): verify every global function some verified path
 * called, each once, on its own: R1-R5 typed from its BTF prototype (a
 * context, a scalar, or a pointer to its pointee's size of memory, maybe
 * NULL). Verifying one may call more; repeat until none is left. `run`
 * verifies from env.cur (do_check).
 */
export function doCheckSubprogs(env: Env, run: () => void): void {
  if (!hasFuncInfo(env)) return;
  const subs = funcInfoOf(env).subs;
  for (let again = true; again;) {
    again = false;
    for (let i = 1; i < env.subprogs.length; i++) {
      const meta = subs[i]!;
      if (!meta.global || !meta.called || meta.verified) continue;
      verifyGlobalSubprog(env, i, run);
      meta.verified = true;
      again = true;
    }
  }
}

/** do_check_common() for a global subprogram. */
function verifyGlobalSubprog(env: Env, subprog: number, run: () => void): void {
  const name = subprogName(env, subprog);
  const start = env.subprogs[subprog]!.start;
  // Explored states of another pass never prune this one (free_states()).
  env.explored.clear();
  env.insnIdx = start;
  env.prevInsnIdx = -1;
  if (env.log.level & BPF_LOG_LEVEL) env.verbose(`Validating ${name}() func#${subprog}...\n`);
  const args = prepareFuncArgs(env, subprog);
  if (typeof args === "string")
    env.fail(`Caller passes invalid args into func#${subprog} ('${name}')`);
  const frame = newFuncState(0, BPF_MAIN_FUNC, subprog, env.bpfCapable);
  args.forEach((arg, i) => {
    const reg = frame.regs[i + 1]!;
    if (arg.kind === "scalar") {
      markRegUnknown(reg, env.bpfCapable);
    } else {
      markRegKnownZero(reg);
      if (arg.kind === "ctx") {
        reg.type = RegType.PTR_TO_CTX;
      } else {
        reg.type = RegType.PTR_TO_MEM | (arg.maybeNull ? TypeFlag.PTR_MAYBE_NULL : 0);
        reg.memSize = arg.memSize;
        if (arg.maybeNull) reg.id = ++env.idGen;
      }
    }
  });
  env.cur = freshState(env, frame, start);
  scratchAll(env.scratch);
  run();
  if (env.log.level & BPF_LOG_LEVEL) {
    env.verbose(`Func#${subprog} ('${name}') is safe for any args that match its prototype\n`);
  }
}
