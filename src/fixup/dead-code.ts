// Dead code, as the kernel's passes after do_check: decided branches become
// unconditional (opt_hard_wire_dead_code_branches), instructions no verified
// path reached are removed (opt_remove_dead_code) and jumps to the next
// instruction dropped (opt_remove_nops). Unprivileged programs keep their
// length: dead instructions become `goto pc-1` traps (sanitize_dead_code).
//
// The branch facts are the verifier's per-instruction branchTaken /
// fallthroughTaken, set on every path that reached the jump, so a jump in a
// subprogram called from several places is hard-wired only when every
// calling context decided it the same way.
import { build } from "../isa/index.ts";
import type { PatchNode } from "../patch/index.ts";
import { isCondJump, JA, MAY_GOTO } from "./jumps.ts";
import type { FixupList, PassContext } from "./types.ts";

/** Conditional jumps with one side never taken become `goto` (taken) or a `goto +0` nop. */
export function hardWireBranches(list: FixupList, pc: PassContext): void {
  for (const n of list) {
    if (!isCondJump(list.code(n))) continue;
    const a = list.aux(n);
    if (!a.seen || a.branchTaken === a.fallthroughTaken) continue;
    const next = list.next(n);
    if (a.branchTaken) list.setInsn(n, build.ja(0), list.target(n)!);
    else if (next) list.setInsn(n, build.ja(0), list.anchorOf(next));
    else continue;
    pc.stats.hardWired++;
  }
}

/** Remove every instruction no verified path reached (jumps into them move to the next survivor). */
export function removeDeadCode(list: FixupList, pc: PassContext): void {
  for (const n of list) {
    if (list.aux(n).seen) continue;
    list.delete(n);
    pc.stats.deadRemoved++;
  }
}

/** Unprivileged: dead instructions become `goto pc-1` (both slots of a dead lddw). */
export function sanitizeDeadCode(list: FixupList, pc: PassContext): void {
  const trap = build.ja(-1);
  for (const n of list) {
    if (list.aux(n).seen) continue;
    list.replace(n, list.slots(n).length === 2 ? [trap, trap] : [trap]);
    pc.stats.deadSanitized++;
  }
}

/** `goto +0` and `may_goto +0`: the jump lands where falling through would. */
function isNop(list: FixupList, n: PatchNode): boolean {
  const code = list.code(n);
  if (code !== JA && code !== MAY_GOTO) return false;
  const t = list.target(n);
  return t !== null && list.landing(t) === list.next(n);
}

/**
 * Drop nops in one forward walk, as opt_remove_nops: a jump is judged when
 * visited; removing a `may_goto +0` looks back once more, since the
 * `may_goto` before it may have become one.
 */
export function removeNops(list: FixupList, pc: PassContext): void {
  for (const n of list) {
    if (list.isDeleted(n) || !isNop(list, n)) continue;
    let prev = list.prev(n);
    const wasMayGoto = list.code(n) === MAY_GOTO;
    list.delete(n);
    pc.stats.nopsRemoved++;
    while (wasMayGoto && prev && list.code(prev) === MAY_GOTO && isNop(list, prev)) {
      const p = list.prev(prev);
      list.delete(prev);
      pc.stats.nopsRemoved++;
      prev = p;
    }
  }
}
