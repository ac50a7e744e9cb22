// Branch conditions and calls. Conditions are a table from the BPF compare to
// the WebAssembly one (64-bit on the full registers, JMP32 on their low
// halves). Calls leave r1..r5 as the caller had them and put the result in r0,
// the contract of src/interp/env.ts.
import * as op from "../../isa/opcodes.ts";
import { MAX_TAIL_CALL_CNT } from "../../isa/opcodes.ts";
import { BPF_MAX_LOOPS } from "../../interp/env.ts";
import { F_AUX, F_DST, F_IMM, F_OP, F_SRC, STRIDE } from "../../interp/decode.ts";
import { Op as IOp } from "../../interp/ops.ts";
import { Op, T } from "../wasm/ops.ts";
import { Fault, FRAME_SIZE, L } from "../layout.ts";
import type { Gen } from "./gen.ts";

/** BPF compare → [i64 op, i32 op]. JSET is `(a & b) != 0`. */
const COMPARE: ReadonlyMap<number, readonly [number, number]> = new Map([
  [op.BPF_JEQ, [Op.i64_eq, Op.i32_eq]],
  [op.BPF_JNE, [Op.i64_ne, Op.i32_ne]],
  [op.BPF_JGT, [Op.i64_gt_u, Op.i32_gt_u]],
  [op.BPF_JGE, [Op.i64_ge_u, Op.i32_ge_u]],
  [op.BPF_JLT, [Op.i64_lt_u, Op.i32_lt_u]],
  [op.BPF_JLE, [Op.i64_le_u, Op.i32_le_u]],
  [op.BPF_JSGT, [Op.i64_gt_s, Op.i32_gt_s]],
  [op.BPF_JSGE, [Op.i64_ge_s, Op.i32_ge_s]],
  [op.BPF_JSLT, [Op.i64_lt_s, Op.i32_lt_s]],
  [op.BPF_JSLE, [Op.i64_le_s, Op.i32_le_s]],
] as const);

/** Push the i32 "branch taken" of the conditional jump (or may_goto) at pc. */
export function condition(g: Gen, pc: number): void {
  const b = pc * STRIDE;
  const c = g.code[b + F_OP]!;
  if (c === IOp.MAY_GOTO) {
    // Jump once the counter is exhausted; otherwise count down and fall through.
    g.get(L.loops).op(Op.i32_eqz).op(Op.if).op(T.i32).i32(1).op(Op.else);
    g.get(L.loops).i32(1).op(Op.i32_sub).set(L.loops).i32(0).op(Op.end);
    return;
  }
  const is32 = (c & 0x07) === op.BPF_JMP32;
  const isX = (c & 0x08) === op.BPF_X;
  const dst = g.code[b + F_DST]!;
  const src = g.code[b + F_SRC]!;
  const imm = g.code[b + F_IMM]!;
  const jop = c & 0xf0;
  if (is32) {
    g.reg32(dst);
    if (isX) g.reg32(src);
    else g.i32(imm);
  } else {
    g.reg(dst);
    if (isX) g.reg(src);
    else g.i64(imm);
  }
  if (jop === op.BPF_JSET) {
    if (is32) g.op(Op.i32_and);
    else g.op(Op.i64_and).op(Op.i64_eqz).op(Op.i32_eqz);
    return;
  }
  const cmp = COMPARE.get(jop);
  if (!cmp) throw new Error(`jit: unhandled jump opcode 0x${c.toString(16)}`);
  g.op(is32 ? cmp[1] : cmp[0]);
}

export const MAY_GOTO_START = BPF_MAX_LOOPS;

function pushArgs(g: Gen): void {
  for (let r = 1; r <= 5; r++) g.reg(r);
}

/** A call instruction: helper, kfunc, tail call, BPF-to-BPF call or callx. */
export function lowerCall(g: Gen, pc: number): void {
  const b = pc * STRIDE;
  const c = g.code[b + F_OP]!;
  g.saveBudget();
  if (c === IOp.CALL_LOCAL) {
    const target = g.funcAt.get(g.code[b + F_AUX]!)!;
    if (!g.opts.verified) {
      // The callee's frame must fit in the run's stack area (MAX_CALL_FRAMES).
      g.get(L.fp)
        .i32(2 * FRAME_SIZE)
        .op(Op.i32_sub)
        .globalGet(g.imp.gStackLo)
        .op(Op.i32_lt_u);
      g.op(Op.if).op(T.void);
      g.fault(Fault.CALL_DEPTH, pc);
      g.op(Op.end);
    }
    pushArgs(g);
    g.get(L.fp).i32(FRAME_SIZE).op(Op.i32_sub);
    if (g.opts.directCalls) g.call(target.index);
    else g.i32(target.slot).op(Op.call_indirect).w.u32(g.sigType).u8(0);
    g.setReg(0);
  } else if (c === IOp.TAIL_CALL && g.imp.gPoke[g.code[b + F_AUX]! - 1] !== undefined) {
    // off = poke index + 1 (0: the map-lookup form).
    lowerDirectTailCall(g, g.code[b + F_AUX]! - 1);
  } else if (c === IOp.TAIL_CALL) {
    g.reg(1).reg(2).reg(3).i32(pc).call(g.imp.tailCall).tee(L.tmp32);
    g.i32(0).op(Op.i32_ge_s).op(Op.if).op(T.void);
    // The target replaces this function in the same frame; the WebAssembly
    // tail call keeps the host stack flat across a chain of 33.
    pushArgs(g);
    g.get(L.fp).get(L.tmp32).op(Op.return_call_indirect).w.u32(g.sigType).u8(0);
    g.op(Op.end);
  } else if (c === (op.BPF_JMP | op.BPF_CALL | op.BPF_X)) {
    g.reg(g.code[b + F_DST]!);
    pushArgs(g);
    g.i32(pc).get(L.fp).call(g.imp.callx).setReg(0);
  } else {
    const id = g.code[b + F_IMM]!;
    const f = c === IOp.CALL_KFUNC ? g.imp.kfunc.get(id)! : g.imp.helper.get(id)!;
    pushArgs(g);
    g.i32(pc).get(L.fp).call(f).setReg(0);
  }
  g.afterCall();
}

/** A poke global that no longer names a table slot: the host resolves it. */
export const POKE_UNRESOLVED = -2;

/**
 * A direct tail call (src/fixup/tail-calls.ts): no map lookup, the target's
 * table slot is in the site's poke global (-1: empty slot). Below
 * MAX_TAIL_CALL_CNT the call is counted and, when there is a target, taken as
 * a wasm tail call through that slot — a trampoline on the target's main
 * slot still sees it. After the prog_array changed the slot, the global is
 * POKE_UNRESOLVED and the host import resolves (and counts) once.
 */
function lowerDirectTailCall(g: Gen, poke: number): void {
  const cnt = g.imp.gTailCnt;
  g.globalGet(cnt).i32(MAX_TAIL_CALL_CNT).op(Op.i32_lt_u).op(Op.if).op(T.void);
  g.globalGet(g.imp.gPoke[poke]!).tee(L.tmp32).i32(POKE_UNRESOLVED).op(Op.i32_eq);
  g.op(Op.if).op(T.void);
  g.i32(poke).call(g.imp.tailCallPoke).set(L.tmp32);
  g.op(Op.else);
  g.globalGet(cnt).i32(1).op(Op.i32_add).globalSet(cnt);
  g.op(Op.end);
  g.get(L.tmp32).i32(0).op(Op.i32_ge_s).op(Op.if).op(T.void);
  pushArgs(g);
  g.get(L.fp).get(L.tmp32).op(Op.return_call_indirect).w.u32(g.sigType).u8(0);
  g.op(Op.end);
  g.op(Op.end);
}

/** ld_abs / ld_ind: r0 = big-endian packet[imm (+ src)], through the ldPkt import. */
export function lowerLdPkt(g: Gen, pc: number, rawCode: number): void {
  const b = pc * STRIDE;
  const imm = g.code[b + F_IMM]!;
  g.saveBudget();
  g.reg(6);
  if ((rawCode & 0xe0) === op.BPF_IND)
    g.reg32(g.code[b + F_SRC]!)
      .i32(imm)
      .op(Op.i32_add);
  else g.i32(imm);
  g.i32(g.code[b + F_AUX]!)
    .i32(pc)
    .call(g.imp.ldPkt)
    .setReg(0);
  g.afterCall();
}
