// Lowers one BPF function: the prologue, and for the structurer (stackify.ts)
// each block's straight-line code, branch conditions, exits and faults.
import * as op from "../../isa/opcodes.ts";
import type { Insn } from "../../isa/index.ts";
import { F_AUX, F_DST, F_IMM, F_OP, STRIDE } from "../../interp/decode.ts";
import { Op as IOp } from "../../interp/ops.ts";
import { Op, T } from "../wasm/ops.ts";
import { Edge, type Block, type FuncGraph } from "../cfg.ts";
import type { Lowering } from "../stackify.ts";
import { Fault, L } from "../layout.ts";
import { lowerAlu } from "./alu.ts";
import { condition, lowerCall, lowerLdPkt, MAY_GOTO_START } from "./control.ts";
import type { Gen } from "./gen.ts";
import { lowerAtomic, lowerLoad, lowerStore } from "./mem.ts";

/** Whether the decoded instruction ends a block by itself (jump or exit). */
function isControl(c: number): boolean {
  if (c === IOp.MAY_GOTO) return true;
  if (c >= 0x100) return false;
  const cls = c & 0x07;
  if (cls !== op.BPF_JMP && cls !== op.BPF_JMP32) return false;
  return (c & 0xf0) !== op.BPF_CALL;
}

/** Instructions that run other code (and so end a budget segment). */
export function isCallLike(c: number): boolean {
  return (
    c === (op.BPF_JMP | op.BPF_CALL) ||
    c === (op.BPF_JMP | op.BPF_CALL | op.BPF_X) ||
    c === IOp.CALL_LOCAL ||
    c === IOp.CALL_KFUNC ||
    c === IOp.TAIL_CALL ||
    c === IOp.LD_PKT
  );
}

export class FunctionLowering implements Lowering {
  readonly w;

  constructor(
    private readonly g: Gen,
    private readonly graph: FuncGraph,
    private readonly blocks: readonly Block[],
    private readonly insns: readonly Insn[],
    private readonly programLength: number,
    /** Budget segments of the whole program as (start pc, instruction count) pairs. */
    private readonly segments: number[],
  ) {
    this.w = g.w;
  }

  /** Entry code: r10 from fp, the budget and region cache, the may_goto counter. */
  prologue(usesMayGoto: boolean): void {
    const g = this.g;
    g.get(L.fp).op(Op.i64_extend_i32_u).set(L.r10);
    if (!g.opts.verified) {
      g.globalGet(g.imp.gBudget).set(L.budget);
      g.resetRegion();
    }
    if (usesMayGoto) g.i32(MAY_GOTO_START).set(L.loops);
  }

  blockBody(node: number): void {
    const id = this.graph.block[node]!;
    if (id < 0) return;
    const g = this.g;
    const blk = this.blocks[id]!;
    const code = g.code;
    let segEnd = blk.start;
    for (let pc = blk.start; pc < blk.end; pc++) {
      if (!g.opts.verified && pc >= segEnd) segEnd = this.charge(pc, blk.end);
      const b = pc * STRIDE;
      const c = code[b + F_OP]!;
      if (c === IOp.LDDW) {
        g.i64Pair(code[b + F_IMM]!, code[b + F_AUX]!).setReg(code[b + F_DST]!);
        pc++;
        continue;
      }
      if (pc === blk.last && isControl(c)) break;
      this.insn(pc, c);
    }
  }

  /**
   * Charge the budget for the segment starting at pc: up to and including
   * the next call (so a callee, or a helper ending the program, sees the
   * exact count, as in the interpreter) or to the block's end. Returns the
   * pc after the segment.
   */
  private charge(start: number, end: number): number {
    const g = this.g;
    const code = g.code;
    let count = 0;
    let pc = start;
    while (pc < end) {
      const c = code[pc * STRIDE + F_OP]!;
      count++;
      pc += c === IOp.LDDW ? 2 : 1;
      if (isCallLike(c)) break;
    }
    // The fault path names the segment by index (Compiled.segments has its pc and length).
    const seg = this.segments.length / 2;
    this.segments.push(start, count);
    g.get(L.budget).i64(count).op(Op.i64_sub).tee(L.budget);
    g.i64(0).op(Op.i64_lt_s).op(Op.if).op(T.void);
    g.get(L.budget).i32(seg).call(g.imp.budgetFn).op(Op.unreachable);
    g.op(Op.end);
    return pc;
  }

  private insn(pc: number, c: number): void {
    const g = this.g;
    switch (c) {
      case IOp.MOVSX32:
      case IOp.MOVSX64:
      case IOp.SDIV32_K:
      case IOp.SDIV32_X:
      case IOp.SMOD32_K:
      case IOp.SMOD32_X:
      case IOp.SDIV64_K:
      case IOp.SDIV64_X:
      case IOp.SMOD64_K:
      case IOp.SMOD64_X:
        lowerAlu(g, pc);
        return;
      case IOp.ATOMIC:
      case IOp.LOAD_ACQ:
      case IOp.STORE_REL:
        lowerAtomic(g, pc);
        return;
      case IOp.CALL_LOCAL:
      case IOp.CALL_KFUNC:
      case IOp.TAIL_CALL:
        lowerCall(g, pc);
        return;
      case IOp.LD_PKT:
        lowerLdPkt(g, pc, this.insns[pc]!.code);
        return;
    }
    switch (c & 0x07) {
      case op.BPF_ALU:
      case op.BPF_ALU64:
        lowerAlu(g, pc);
        return;
      case op.BPF_LDX:
        lowerLoad(g, pc);
        return;
      case op.BPF_ST:
      case op.BPF_STX:
        lowerStore(g, pc);
        return;
      case op.BPF_JMP:
        if ((c & 0xf0) === op.BPF_CALL) {
          lowerCall(g, pc);
          return;
        }
    }
    throw new Error(`jit: unhandled instruction 0x${c.toString(16)} at pc ${pc}`);
  }

  condition(node: number): void {
    condition(this.g, this.blocks[this.graph.block[node]!]!.last);
  }

  exit(_node: number): void {
    this.g.saveBudget();
    this.g.get(L.r0).op(Op.return);
  }

  edgeFault(_node: number, code: number): void {
    if (code === Edge.FALL_OFF_END) this.g.fault(Fault.FALL_OFF_END, this.programLength);
    else throw new Error(`jit: unknown edge code ${code}`);
  }

  setLabel(value: number): void {
    this.g.i32(value).set(L.label);
  }

  getLabel(): void {
    this.g.get(L.label);
  }
}
