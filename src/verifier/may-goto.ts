// may_goto (BPF_JMP | BPF_JCOND, src BPF_MAY_GOTO): "goto +off once the
// loop budget is used up, else fall through". The verifier follows the jump
// (the loop's exit) first and queues the fall-through (one more iteration)
// with a deeper may_goto_depth. Scalars that changed since the previous
// iteration and that nothing needs exact are widened to unknown, so that an
// iteration soon equals an earlier one (RANGE_WITHIN, explore.ts) and the
// loop is proven for any number of iterations.
import { BPF_JCOND, BPF_JMP } from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import { findPrevEntry, widenImpreciseScalars } from "./calls.ts";
import type { Env } from "./env.ts";
import { pushStack } from "./explore.ts";

/** BPF_MAY_GOTO: the only src of BPF_JCOND. */
const BPF_MAY_GOTO = 0;

export const isMayGoto = (insn: Insn): boolean =>
  insn.code === (BPF_JMP | BPF_JCOND) && insn.src === BPF_MAY_GOTO;

/** check_cond_jmp_op() for BPF_JCOND: returns the next insn to verify on this path. */
export function checkMayGoto(env: Env, insn: Insn): number {
  const idx = env.insnIdx;
  if (insn.code !== (BPF_JMP | BPF_JCOND) || insn.src !== BPF_MAY_GOTO || insn.dst || insn.imm) {
    env.fail(`invalid may_goto imm ${insn.imm}`);
  }
  const cur = env.cur;
  // The checkpoint of an earlier visit of this insn on the path, if any.
  const prev = cur.parent ? findPrevEntry(env, cur.parent, idx) : null;
  const queued = pushStack(env, idx + 1, idx);
  queued.mayGotoDepth = (queued.mayGotoDepth ?? 0) + 1;
  if (prev) widenImpreciseScalars(prev, queued, env.bpfCapable);
  env.aux[idx]!.branchTaken = true;
  env.aux[idx]!.fallthroughTaken = true;
  return idx + insn.off + 1;
}
