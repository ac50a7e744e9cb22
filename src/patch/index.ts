// Instruction patching: the linear-time patch list rewrite passes share, and
// the naive kernel-style reference it is checked and measured against.
export { PatchList, type PatchAnchor, type PatchNode, type PatchListOptions } from "./list.ts";
export { NaivePatcher } from "./naive.ts";
export { PatchError, PatchRangeError } from "./errors.ts";
export { targetKind, TargetKind } from "./targets.ts";
export type {
  InsnOffRecord,
  LinearizeOptions,
  PatchedProgram,
  PatchProgram,
  ReplaceOptions,
  SeqOptions,
} from "./program.ts";
