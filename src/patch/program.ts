// What the patch list takes in and hands back, and the checks both patchers
// (the linear list and the naive reference) apply to their input, so that bad
// input fails the same way in either.
import type { Insn } from "../isa/index.ts";
import { LDDW } from "../isa/index.ts";
import { PatchError } from "./errors.ts";
import { distanceOf, targetKind, TargetKind } from "./targets.ts";

/**
 * A BTF record tied to an instruction (bpf_func_info, bpf_line_info). Only
 * `insnOff` is read; every other field is carried through unchanged, so the
 * BTF loader's richer record types fit as they are.
 */
export interface InsnOffRecord {
  insnOff: number;
}

/** A program as the verifier leaves it: instructions plus per-instruction facts. */
export interface PatchProgram<A, F extends InsnOffRecord, L extends InsnOffRecord> {
  /** Instruction slots; an `lddw` is two slots, as in the kernel. */
  insns: readonly Insn[];
  /** One aux record per slot (the second slot of an `lddw` has its own). */
  aux: readonly A[];
  /** First slot of each subprogram, strictly increasing, starting at 0. Default [0]. */
  subprogStarts?: readonly number[];
  /** BTF func_info: one record per subprogram start it names. */
  funcInfo?: readonly F[];
  /** BTF line_info, strictly increasing `insnOff`. */
  lineInfo?: readonly L[];
}

/** The result of linearizing: the rewritten program and how it maps to the original. */
export interface PatchedProgram<A, F extends InsnOffRecord, L extends InsnOffRecord> {
  insns: Insn[];
  aux: A[];
  subprogStarts: number[];
  funcInfo: F[];
  lineInfo: L[];
  /**
   * Original slot → new slot where a jump to that instruction now lands: the
   * first instruction of its replacement or prepended code; for a deleted
   * instruction, the next surviving one (or the new length if none survives);
   * -1 for the second slot of an original `lddw`.
   */
  oldToNew: Int32Array;
  /**
   * New slot → original slot of the instruction whose aux it carries (a
   * replaced instruction's aux stays with the kept element, see `keep`), or -1
   * for instructions a pass made.
   */
  newToOld: Int32Array;
}

/** How a patch sequence's own jumps are resolved. */
export interface SeqOptions<T> {
  /**
   * Per slot of the sequence: an explicit target for that jump/call (an
   * existing instruction) instead of its relative distance. Entries for
   * non-jump slots must be undefined.
   */
  targets?: readonly (T | undefined)[];
}

export interface ReplaceOptions<T> extends SeqOptions<T> {
  /**
   * Slot of the sequence that inherits the replaced instruction's aux data
   * and original index. Default: the last instruction, as the kernel's
   * adjust_insn_aux_data does (the patched insn's aux moves to the end of the
   * patch; the others get fresh aux).
   */
  keep?: number;
}

export interface LinearizeOptions {
  /**
   * Rewrite an unconditional `ja` whose distance no longer fits 16 bits as
   * `gotol` (BPF_JMP32 | BPF_JA, 32-bit distance in imm; cpu v4). Without it
   * such a jump is a PatchRangeError, as in the kernel.
   */
  gotol?: boolean;
}

/** Facts about a checked input program. */
export interface ProgramLayout {
  /** Subprogram start slots (defaulted to [0]). */
  subprogStarts: number[];
  /** funcInfo[j] belongs to subprogram funcSubprog[j]. */
  funcSubprog: Int32Array;
  /** lineInfo[j] lies in subprogram lineSubprog[j]. */
  lineSubprog: Int32Array;
}

/** Check an `lddw` at slot i has a well-formed second slot. */
function checkLddwPair(insns: readonly Insn[], i: number, where: string): void {
  const hi = insns[i + 1];
  if (hi === undefined) throw new PatchError(`${where}: lddw at insn ${i} has no second slot`);
  if (hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
    throw new PatchError(`${where}: invalid second slot of lddw at insn ${i + 1}`);
  }
}

/**
 * Mark which slots begin an instruction (1) and which are second slots of an
 * `lddw` (0); checks every pair. `out` must have length >= insns.length.
 */
export function markStarts(insns: readonly Insn[], out: Uint8Array, where: string): void {
  for (let i = 0; i < insns.length; i++) {
    out[i] = 1;
    if (insns[i]!.code === LDDW) {
      checkLddwPair(insns, i, where);
      out[++i] = 0;
    }
  }
}

/** Check a program given to a patcher; returns its layout. Linear in its size. */
export function checkProgram<A, F extends InsnOffRecord, L extends InsnOffRecord>(
  p: PatchProgram<A, F, L>,
): ProgramLayout {
  const n = p.insns.length;
  if (n === 0) throw new PatchError("program has no instructions");
  if (p.aux.length !== n) {
    throw new PatchError(`aux has ${p.aux.length} records for ${n} instruction slots`);
  }
  const starts = new Uint8Array(n);
  markStarts(p.insns, starts, "program");
  for (let i = 0; i < n; i++) {
    if (!starts[i]) continue;
    const x = p.insns[i]!;
    const kind = targetKind(x.code, x.src);
    if (kind === TargetKind.None) continue;
    const t = i + distanceOf(x, kind) + 1;
    if (t < 0 || t >= n) throw new PatchError(`jump out of range from insn ${i} to ${t}`);
    if (!starts[t]) throw new PatchError(`jump from insn ${i} into the middle of lddw at ${t - 1}`);
  }
  const subprogStarts = p.subprogStarts ? [...p.subprogStarts] : [0];
  if (subprogStarts[0] !== 0) throw new PatchError("the first subprogram must start at insn 0");
  checkOffsets(
    subprogStarts.map((s) => ({ insnOff: s })),
    starts,
    "subprogram start",
  );
  return {
    subprogStarts,
    funcSubprog: checkFuncInfo(p.funcInfo ?? [], subprogStarts),
    lineSubprog: subprogOf(checkOffsets(p.lineInfo ?? [], starts, "line_info"), subprogStarts),
  };
}

/** Records must name instruction starts in strictly increasing order. */
function checkOffsets<R extends InsnOffRecord>(
  recs: readonly R[],
  starts: Uint8Array,
  what: string,
): readonly R[] {
  let prev = -1;
  for (let j = 0; j < recs.length; j++) {
    const off = recs[j]!.insnOff;
    if (!Number.isInteger(off) || off <= prev || off >= starts.length || !starts[off]) {
      throw new PatchError(
        `invalid ${what}[${j}].insnOff ${off} (previous ${prev}, program length ${starts.length})`,
      );
    }
    prev = off;
  }
  return recs;
}

/** For each record, the index of the subprogram containing it (records sorted). */
function subprogOf(recs: readonly InsnOffRecord[], subprogStarts: readonly number[]): Int32Array {
  const out = new Int32Array(recs.length);
  let s = 0;
  for (let j = 0; j < recs.length; j++) {
    while (s + 1 < subprogStarts.length && subprogStarts[s + 1]! <= recs[j]!.insnOff) s++;
    out[j] = s;
  }
  return out;
}

function checkFuncInfo(recs: readonly InsnOffRecord[], subprogStarts: number[]): Int32Array {
  const out = subprogOf(recs, subprogStarts);
  for (let j = 0; j < recs.length; j++) {
    if (subprogStarts[out[j]!] !== recs[j]!.insnOff || (j > 0 && out[j] === out[j - 1])) {
      throw new PatchError(
        `func_info[${j}].insnOff ${recs[j]!.insnOff} is not the start of a distinct subprogram`,
      );
    }
  }
  return out;
}

let seqStarts = new Uint8Array(16);

/**
 * Check a patch sequence and its explicit targets. Returns a scratch array
 * (valid until the next call) marking the slots that begin an instruction.
 * Every jump without an explicit target must land inside the sequence or
 * right after it (distance resolving to `seq.length`).
 */
export function checkSeq<T>(
  seq: readonly Insn[],
  targets?: readonly (T | undefined)[],
): Uint8Array {
  const n = seq.length;
  if (n === 0) throw new PatchError("empty patch sequence (use delete to remove instructions)");
  if (seqStarts.length < n) seqStarts = new Uint8Array(n * 2);
  const starts = seqStarts;
  markStarts(seq, starts, "patch");
  if (targets && targets.length > n) {
    throw new PatchError(`patch has ${targets.length} targets for ${n} slots`);
  }
  for (let j = 0; j < n; j++) {
    const explicit = targets?.[j];
    if (!starts[j]) {
      if (explicit !== undefined) throw new PatchError(`target given for second slot ${j} of lddw`);
      continue;
    }
    const x = seq[j]!;
    const kind = targetKind(x.code, x.src);
    if (kind === TargetKind.None) {
      if (explicit !== undefined)
        throw new PatchError(`target given for patch insn ${j}, which does not jump`);
      continue;
    }
    if (explicit !== undefined) continue;
    const t = j + distanceOf(x, kind) + 1;
    if (t < 0 || t > n || (t < n && !starts[t])) {
      throw new PatchError(
        `patch insn ${j} jumps to ${t}, not an instruction of the ${n}-slot patch or the one after it`,
      );
    }
  }
  return starts;
}

/** `keep` defaults to the last instruction of the sequence; it must begin an instruction. */
export function resolveKeep(seq: readonly Insn[], starts: Uint8Array, keep?: number): number {
  const n = seq.length;
  const k = keep ?? (n >= 2 && !starts[n - 1] ? n - 2 : n - 1);
  if (!Number.isInteger(k) || k < 0 || k >= n || !starts[k]) {
    throw new PatchError(`keep ${keep} is not an instruction of the ${n}-slot patch`);
  }
  return k;
}
