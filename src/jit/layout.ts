// The shape every compiled BPF function has, shared by the code generator and
// the JS side that calls it (the engine's driver, and trampolines that a
// later stage generates):
//
//   (func (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64)
//         (param $r5 i64) (param $fp i32) (result i64))
//
// r1..r5 are the BPF argument registers; fp is the frame pointer (r10) of the
// frame the function runs in: its 512-byte stack is [fp-512, fp). The result
// is r0. Every function of a program sits in a slot of the runtime-wide
// function table and calls between BPF functions go through those slots, so
// swapping a slot (a trampoline attaching) needs no recompilation.
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../isa/opcodes.ts";

/** Bytes of one stack frame. */
export const FRAME_SIZE = MAX_BPF_STACK;
/** Bytes of the stack area a run uses: one frame per call level. */
export const STACK_SIZE = FRAME_SIZE * MAX_CALL_FRAMES;

/** Local indices. Parameters come first (r1..r5, fp). */
export const L = {
  fp: 5,
  r0: 6,
  /** r6..r9: 7..10. */
  r6: 7,
  r10: 11,
  tmp: 12,
  tmp2: 13,
  /** Region cache for unverified programs: first address and span - 8 of memory known to be live. */
  regLo: 14,
  regLim: 15,
  /** Remaining instruction budget (unverified programs). */
  budget: 16,
  /** may_goto counter of this invocation. */
  loops: 17,
  /** Dispatch label (irreducible control flow). */
  label: 18,
  tmp32: 19,
} as const;

/** Locals after the parameters: 11 × i64 (6..16), then 3 × i32 (17..19). */
export const LOCAL_DECLS = [
  [11, 0x7e],
  [3, 0x7f],
] as const;

/** Local holding BPF register r (0..10). */
export const regLocal = (r: number): number =>
  r === 0 ? L.r0 : r <= 5 ? r - 1 : r === 10 ? L.r10 : L.r6 + (r - 6);

/** Faults the generated code reports through the `fault` import: (kind, pc). */
export const Fault = {
  /** Unverified program ran out of instruction budget. */
  BUDGET: 0,
  /** Execution ran past the last instruction. */
  FALL_OFF_END: 1,
  /** BPF-to-BPF call beyond MAX_CALL_FRAMES. */
  CALL_DEPTH: 2,
} as const;

/** Debug names of the locals, for the name section (`tsbpf jit --wat`). */
export const LOCAL_NAMES: ReadonlyArray<readonly [number, string]> = [
  ...Array.from({ length: 11 }, (_, r) => [regLocal(r), `r${r}`] as const),
  [L.fp, "fp"],
  [L.tmp, "tmp"],
  [L.tmp2, "tmp2"],
  [L.regLo, "region_lo"],
  [L.regLim, "region_lim"],
  [L.budget, "budget"],
  [L.loops, "may_goto_left"],
  [L.label, "label"],
  [L.tmp32, "tmp32"],
].sort((a, b) => (a[0] as number) - (b[0] as number)) as ReadonlyArray<readonly [number, string]>;
