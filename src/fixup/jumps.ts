// Opcode predicates the passes share.
import {
  BPF_CALL,
  BPF_EXIT,
  BPF_JA,
  BPF_JCOND,
  BPF_JMP,
  BPF_JMP32,
  opClass,
  opJmp,
} from "../isa/index.ts";

/** insn_is_cond_jump(): a conditional jump the verifier decides per path (not may_goto). */
export function isCondJump(code: number): boolean {
  const cls = opClass(code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return false;
  const op = opJmp(code);
  return op !== BPF_JA && op !== BPF_CALL && op !== BPF_EXIT && op !== BPF_JCOND;
}

export const JA = BPF_JMP | BPF_JA;
export const MAY_GOTO = BPF_JMP | BPF_JCOND;
export const CALL = BPF_JMP | BPF_CALL;
