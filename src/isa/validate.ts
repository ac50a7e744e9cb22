// Structural validation of an instruction stream, before any verification:
// every opcode defined, every field either used by its form or zero, registers
// in range, lddw pairs whole, jumps and calls landing on instructions, and a
// last instruction that cannot fall off the end. Messages are the kernel
// verifier's (kernel/bpf/verifier.c) where it has one; InsnError carries the pc.
import { InsnError } from "../errors.ts";
import { ATOMIC_OPS, formOf, formsOfCode, type FieldRule, type InsnForm } from "./forms.ts";
import type { Insn } from "./insn.ts";
import * as op from "./opcodes.ts";

export interface ValidateOptions {
  /**
   * Accept `callx` (BPF_JMP|BPF_CALL|BPF_X, target register in dst), which
   * LLVM emits and the conformance suite tests but Linux rejects. Default false.
   */
  callx?: boolean;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, "0");

function fail(message: string, pc: number): never {
  throw new InsnError(message, pc);
}

function checkField(rule: FieldRule, value: number): boolean {
  if (rule === "zero") return value === 0;
  return true; // "any"; "reg" ranges are checked for every instruction up front
}

/** A read-modify-write atomic on 8 or 16 bits: only load-acquire/store-release come in those sizes. */
function isNarrowAtomicRmw(x: Insn): boolean {
  const size = op.opSize(x.code);
  return (
    op.opClass(x.code) === op.BPF_STX &&
    op.opMode(x.code) === op.BPF_ATOMIC &&
    (size === op.BPF_B || size === op.BPF_H) &&
    ATOMIC_OPS.some((a) => a.imm === x.imm)
  );
}

/** The form of insns[pc], with its fields checked; throws InsnError otherwise. */
export function checkInsn(
  insns: readonly Insn[],
  pc: number,
  opts: ValidateOptions = {},
): InsnForm {
  const x = insns[pc]!;
  if (formsOfCode(x.code).length === 0) fail(`unknown opcode ${hex2(x.code)}`, pc);
  if (x.dst >= op.MAX_BPF_REG) fail(`R${x.dst} is invalid`, pc);
  if (x.src >= op.MAX_BPF_REG) fail(`R${x.src} is invalid`, pc);
  if (x.code === op.LDDW) {
    const hi = insns[pc + 1];
    if (!hi || hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
      fail("invalid bpf_ld_imm64 insn", pc);
    }
  }
  const form = formOf(x);
  if (!form && isNarrowAtomicRmw(x)) fail("invalid atomic operand size", pc);
  if (!form) {
    const first = formsOfCode(x.code)[0]!;
    fail(
      (first.nomatch ?? first.reserved)
        .replace("%02x", hex2(x.imm & 0xff))
        .replace("%d", String(x.imm)),
      pc,
    );
  }
  if (form.ext === "callx" && !opts.callx) fail(`unknown opcode ${hex2(x.code)}`, pc);
  for (const field of ["dst", "src", "off", "imm"] as const) {
    if (field !== "dst" && form.match[field] !== undefined) continue;
    if (!checkField(form[field], x[field])) fail(form.reserved.replace("%d", String(x.imm)), pc);
  }
  // A map-fd / map-idx / func lddw keeps its upper half zero (offsets live only in *_VALUE forms).
  if (form.kind === "lddw" && [1, 4, 5].includes(x.src) && insns[pc + 1]!.imm !== 0) {
    fail("unrecognized bpf_ld_imm64 insn", pc);
  }
  return form;
}

/** Where control goes from a jump/call form, or undefined when the form does not transfer control. */
export function branchTarget(x: Insn, pc: number, form: InsnForm): number | undefined {
  switch (form.kind) {
    case "ja":
    case "jcond":
    case "may_goto":
      return pc + 1 + x.off;
    case "gotol":
    case "call_local":
      return pc + 1 + x.imm;
    case "lddw":
      return x.src === op.BPF_PSEUDO_FUNC ? pc + 1 + x.imm : undefined;
    default:
      return undefined;
  }
}

/**
 * Validate a whole program. Throws InsnError naming the first bad instruction.
 * Returns the form of every instruction (undefined at the second half of an lddw).
 */
export function validate(
  insns: readonly Insn[],
  opts: ValidateOptions = {},
): Array<InsnForm | undefined> {
  if (insns.length === 0) fail("empty program", 0);
  const forms: Array<InsnForm | undefined> = new Array(insns.length);
  const lddwHalf = new Uint8Array(insns.length);
  for (let pc = 0; pc < insns.length; pc++) {
    const form = checkInsn(insns, pc, opts);
    forms[pc] = form;
    if (form.kind === "lddw") lddwHalf[++pc] = 1;
  }
  for (let pc = 0; pc < insns.length; pc++) {
    const form = forms[pc];
    if (!form) continue;
    const target = branchTarget(insns[pc]!, pc, form);
    if (target === undefined) continue;
    const isCall = form.kind === "call_local" || form.kind === "lddw";
    if (target < 0 || target >= insns.length) {
      fail(
        isCall ? "call to invalid destination" : `jump out of range from insn ${pc} to ${target}`,
        pc,
      );
    }
    if (lddwHalf[target]) fail(`jump into the middle of ldimm64 insn ${target - 1}`, pc);
  }
  const last = insns.length - 1;
  const lastForm = forms[last];
  if (!lastForm || !["exit", "ja", "gotol"].includes(lastForm.kind)) {
    fail("last insn is not an exit or jmp", last);
  }
  return forms;
}
