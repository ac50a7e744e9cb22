// Precision tracking (mark_chain_precision and friends). Checkpoints start
// with every scalar imprecise, and an imprecise scalar of a checkpoint
// matches any scalar when pruning (prune.ts). When the verifier relies on a
// scalar's exact value or range — a branch it predicted, a pointer offset, a
// helper's size argument, a return value range, a constant key — the
// scalar, and every scalar it was computed from, is marked precise in the
// checkpoints of the current path, walking instructions backwards through
// the jump history (backtrack.ts) and from state to parent state.
import {
  BacktrackState,
  backtrackBug,
  backtrackInsn,
  BPF_REGMASK_ARGS,
  ENOTSUPP,
} from "./backtrack.ts";
import type { Env } from "./env.ts";
import { BPF_LOG_LEVEL2, verifierStateText } from "./log.ts";
import { REG_LIVE_READ, type RegState } from "./regs.ts";
import { RegType } from "./reg-types.ts";
import { isSpilledReg, isSpilledScalarReg } from "./stack.ts";
import { BPF_MAIN_FUNC, type VerifierState } from "./state.ts";

/** One backtracking state, reused: the verifier never nests precision walks. */
const bt = new BacktrackState();

/** History entries of the walk's state not yet passed (get_prev_insn_idx's `history`). */
let histEnd = 0;

/** get_prev_insn_idx(): the insn before `i` on this state's path, or -1 at its start. */
function prevInsnIdx(env: Env, st: VerifierState, i: number): number {
  const h = env.hist;
  if (i === st.firstInsnIdx) {
    if (histEnd === st.histStart) return -1;
    if (histEnd - st.histStart === 1 && h.idx[st.histStart] === i) return -1;
  }
  if (histEnd > st.histStart && h.idx[histEnd - 1] === i) return h.prev[--histEnd]!;
  return i - 1;
}

/**
 * mark_all_scalars_precise(): the fallback when a dependency cannot be
 * followed. The current state is skipped: precision only matters in
 * checkpoints.
 */
function markAllScalarsPrecise(env: Env, cur: VerifierState): void {
  if (env.log.level & BPF_LOG_LEVEL2) {
    env.verbose(
      `mark_precise: frame${cur.curframe}: falling back to forcing all scalars precise\n`,
    );
  }
  for (let st = cur.parent; st; st = st.parent) {
    for (let i = 0; i <= st.curframe; i++) {
      const f = st.frames[i]!;
      for (let j = 0; j < 10; j++) {
        const r = f.regs[j]!;
        if (r.type === RegType.SCALAR_VALUE) r.precise = true;
      }
      for (const slot of f.stack) {
        if (isSpilledReg(slot) && slot.spilled.type === RegType.SCALAR_VALUE)
          slot.spilled.precise = true;
      }
    }
  }
}

/** mark_all_scalars_imprecise(): a new checkpoint forgets the precision it inherited. */
export function markAllScalarsImprecise(st: VerifierState): void {
  for (let i = 0; i <= st.curframe; i++) {
    const f = st.frames[i]!;
    for (let j = 0; j < 10; j++) {
      const r = f.regs[j]!;
      if (r.type === RegType.SCALAR_VALUE) r.precise = false;
    }
    for (const slot of f.stack) {
      if (isSpilledReg(slot) && slot.spilled.type === RegType.SCALAR_VALUE)
        slot.spilled.precise = false;
    }
  }
}

/** Mark what `bt` asks for precise in checkpoint `st`; what already was needs no further walk. */
function markInParent(env: Env, st: VerifierState): void {
  for (let fr = bt.frame; fr >= 0; fr--) {
    const f = st.frames[fr]!;
    const regMask = bt.regMasks[fr]!;
    if (regMask) {
      for (let i = 0; i < 10; i++) {
        if (!(regMask & (1 << i))) continue;
        const r = f.regs[i]!;
        if (r.type !== RegType.SCALAR_VALUE || r.precise) bt.clearFrameReg(fr, i);
        else r.precise = true;
      }
    }
    // The set bits of the two 32-bit halves of the stack mask, lowest first.
    for (let half = 0; half < 2; half++) {
      let w = half ? bt.stackHi[fr]! : bt.stackLo[fr]!;
      while (w) {
        const spi = half * 32 + 31 - Math.clz32(w & -w);
        w &= w - 1;
        if (spi >= f.stack.length) {
          backtrackBug(env, `stack slot ${spi}, total slots ${f.stack.length}`);
        }
        const slot = f.stack[spi]!;
        if (!isSpilledScalarReg(slot) || slot.spilled.precise) bt.clearFrameSlot(fr, spi);
        else slot.spilled.precise = true;
      }
    }
    if (env.log.level & BPF_LOG_LEVEL2) {
      env.verbose(
        `mark_precise: frame${fr}: parent state regs=${bt.regText(fr)} stack=${bt.stackText(fr)}: ` +
          verifierStateText(st, fr, true, env.scratch),
      );
    }
  }
}

/**
 * __mark_chain_precision(): walk the current path backwards from the
 * current instruction, starting with what `bt` holds, marking precise in
 * every checkpoint the scalars the tracked values were computed from.
 */
function markChainPrecisionFromBt(env: Env): void {
  let st: VerifierState | null = env.cur;
  let firstIdx = st.firstInsnIdx;
  let lastIdx = env.insnIdx;
  let subseqIdx = -1;
  let skipFirst = true;
  const level2 = (env.log.level & BPF_LOG_LEVEL2) !== 0;
  if (bt.empty()) return;
  for (;;) {
    if (level2) {
      env.verbose(
        `mark_precise: frame${bt.frame}: last_idx ${lastIdx} first_idx ${firstIdx} subseq_idx ${subseqIdx} \n`,
      );
    }
    if (lastIdx < 0) {
      // The entry of an inlinable kfunc's instance body (kernel-value.ts): no
      // way back to the call, which made its scalar arguments precise itself;
      // marks on the fake frame (the dynptr type spill) are dropped, as in the RFC.
      if (st.curframe > 0 && st.frames[st.curframe]!.callsite === BPF_MAIN_FUNC) {
        bt.init(0);
        return;
      }
      // The entry of a global function verified on its own: its arguments
      // R1-R5 are its inputs and may stay as they are.
      const f0 = st.frames[0]!;
      if (
        st.curframe === 0 &&
        f0.subprogno > 0 &&
        f0.callsite === BPF_MAIN_FUNC &&
        bt.stackEmpty(0) &&
        (bt.regMasks[0]! & ~BPF_REGMASK_ARGS) === 0
      ) {
        for (const i of bt.regs(0)) {
          const r = f0.regs[i]!;
          bt.clearReg(i);
          if (r.type === RegType.SCALAR_VALUE) r.precise = true;
        }
        return;
      }
      backtrackBug(
        env,
        `func entry subprog ${f0.subprogno} reg_mask ${bt.regText()} stack_mask ${bt.stackText()}`,
      );
    }
    histEnd = st.histEnd;
    for (let i = lastIdx; ;) {
      if (skipFirst) {
        skipFirst = false;
      } else {
        const hist = env.hist.entryAt(histEnd, i, st.histStart);
        if (backtrackInsn(env, i, subseqIdx, hist, bt) === ENOTSUPP) {
          markAllScalarsPrecise(env, env.cur);
          bt.init(0);
          return;
        }
      }
      if (bt.empty()) return;
      subseqIdx = i;
      i = prevInsnIdx(env, st, i);
      if (i === -1) break;
      if (i < 0 || i >= env.insns.length) backtrackBug(env, `idx ${i}`);
    }
    st = st.parent;
    if (!st) break;
    markInParent(env, st);
    if (bt.empty()) return;
    subseqIdx = firstIdx;
    lastIdx = st.lastInsnIdx;
    firstIdx = st.firstInsnIdx;
  }
  // Something was missed (say, a stack access through a register other
  // than r10): be safe.
  if (!bt.empty()) {
    markAllScalarsPrecise(env, env.cur);
    bt.init(0);
  }
}

/** mark_chain_precision(): the scalar in `regno` of the current frame must be exact. */
export function markChainPrecision(env: Env, regno: number): void {
  if (!env.bpfCapable) return; // unprivileged: every scalar is precise anyway
  const cur = env.cur;
  bt.init(cur.curframe);
  const reg = cur.frames[cur.curframe]!.regs[regno]!;
  if (reg.type !== RegType.SCALAR_VALUE) backtrackBug(env, `R${regno} is not a scalar`);
  bt.setReg(regno);
  markChainPrecisionFromBt(env);
}

/** The scalar spilled in slot `spi` of frame `frameno` must be exact (a constant map key). */
export function markStackSlotPrecision(env: Env, frameno: number, spi: number): void {
  if (!env.bpfCapable) return;
  bt.init(env.cur.curframe);
  bt.setFrameSlot(frameno, spi);
  markChainPrecisionFromBt(env);
}

const isLiveScalarNeedingPrecision = (r: RegState): boolean =>
  r.type === RegType.SCALAR_VALUE && r.precise && (r.live & REG_LIVE_READ) !== 0;

/**
 * propagate_precision(): the current state was pruned against `old`; what
 * `old`'s continuation needed exact, the current path needs exact too.
 */
export function propagatePrecision(env: Env, old: VerifierState): void {
  if (!env.bpfCapable) return;
  bt.init(old.curframe);
  const level2 = (env.log.level & BPF_LOG_LEVEL2) !== 0;
  for (let fr = old.curframe; fr >= 0; fr--) {
    const f = old.frames[fr]!;
    let first = true;
    for (let i = 0; i < 10; i++) {
      if (!isLiveScalarNeedingPrecision(f.regs[i]!)) continue;
      if (level2) env.verbose(first ? `frame ${fr}: propagating r${i}` : `,r${i}`);
      bt.setFrameReg(fr, i);
      first = false;
    }
    for (let i = 0; i < f.stack.length; i++) {
      const slot = f.stack[i]!;
      if (!isSpilledReg(slot) || !isLiveScalarNeedingPrecision(slot.spilled)) continue;
      if (level2)
        env.verbose(first ? `frame ${fr}: propagating fp${-(i + 1) * 8}` : `,fp${-(i + 1) * 8}`);
      bt.setFrameSlot(fr, i);
      first = false;
    }
    if (level2 && !first) env.verbose("\n");
  }
  markChainPrecisionFromBt(env);
}
