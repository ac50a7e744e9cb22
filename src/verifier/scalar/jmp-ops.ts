// Jump op algebra: the op of the false branch (rev_opcode) and the op with
// its operands swapped (flip_opcode), as tables over the BPF_OP bits.
import * as opc from "../../isa/opcodes.ts";
import { ScalarDomainError } from "./errors.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const {
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_X,
} = opc;

/**
 * "Bits of b all clear in a": the negation of JSET, which has no BPF opcode.
 * Like the kernel we spell it JSET | BPF_X; only refineCondOp understands it.
 */
export const JSET_NOT = BPF_JSET | BPF_X;

const NEGATE: ReadonlyMap<number, number> = new Map([
  [BPF_JEQ, BPF_JNE],
  [BPF_JNE, BPF_JEQ],
  [BPF_JSET, JSET_NOT],
  [JSET_NOT, BPF_JSET],
  [BPF_JGE, BPF_JLT],
  [BPF_JGT, BPF_JLE],
  [BPF_JLE, BPF_JGT],
  [BPF_JLT, BPF_JGE],
  [BPF_JSGE, BPF_JSLT],
  [BPF_JSGT, BPF_JSLE],
  [BPF_JSLE, BPF_JSGT],
  [BPF_JSLT, BPF_JSGE],
]);

const FLIP: ReadonlyMap<number, number> = new Map([
  [BPF_JEQ, BPF_JEQ],
  [BPF_JNE, BPF_JNE],
  [BPF_JSET, BPF_JSET],
  [BPF_JGE, BPF_JLE],
  [BPF_JGT, BPF_JLT],
  [BPF_JLE, BPF_JGE],
  [BPF_JLT, BPF_JGT],
  [BPF_JSGE, BPF_JSLE],
  [BPF_JSGT, BPF_JSLT],
  [BPF_JSLE, BPF_JSGE],
  [BPF_JSLT, BPF_JSGT],
]);

/** The condition of the fall-through branch: `a op b` false <=> `a negate(op) b` true. */
export function negateJmpOp(op: number): number {
  const r = NEGATE.get(op);
  if (r === undefined)
    throw new ScalarDomainError(`negateJmpOp: ${op} is not a conditional jump op`);
  return r;
}

/** The same condition with operands swapped: `a op b` <=> `b flip(op) a`. */
export function flipJmpOp(op: number): number {
  const r = FLIP.get(op);
  if (r === undefined) throw new ScalarDomainError(`flipJmpOp: ${op} is not a conditional jump op`);
  return r;
}
