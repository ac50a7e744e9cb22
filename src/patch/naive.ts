// The slow, obviously-correct reference: patching the way the kernel's
// bpf_patch_insn_data()/verifier_remove_insns() do it. Every operation builds
// a new instruction array with the patch spliced in, then walks the whole
// program to re-aim every jump that crosses the patch (bpf_adj_branches), and
// moves the aux array, line_info, subprogram starts and the old→new map along
// with it: O(program) per patch, O(n²) for a pass. It exists to check
// PatchList against (property tests) and to measure it against
// (bench/patch.ts), so its loops are as tight as the kernel's.
//
// Positions are slot indices in the current program, as in the kernel. A
// splice replaces old slots [pos, end) by `len` new ones; every old position
// j then moves by one rule (remap): before the patch it stays, inside it goes
// to pos (a jump to a patched instruction lands on the first new one), after
// it shifts by len - (end - pos). Appending is a splice with pos = end, so a
// jump to the following instruction still reaches it.
//
// Semantics match PatchList exactly; where the kernel leaves a case undefined
// (a jump into deleted code) both move it to the next surviving instruction.
// Like the kernel's probe pass, a jump distance that stops fitting its field
// is an error at the patch that causes it (PatchList only checks the final
// program, and can rewrite an out-of-range `ja` as `gotol`).
import type { Insn } from "../isa/index.ts";
import { cloneInsn, LDDW } from "../isa/index.ts";
import { PatchError, PatchRangeError } from "./errors.ts";
import {
  checkProgram,
  checkSeq,
  markStarts,
  resolveKeep,
  type InsnOffRecord,
  type PatchedProgram,
  type PatchProgram,
  type ReplaceOptions,
  type SeqOptions,
} from "./program.ts";
import { distanceOf, fitsS16, fitsS32, targetKind, TargetKind } from "./targets.ts";

interface Subprog<F> {
  start: number;
  func: F | undefined;
}

interface Line<L> {
  rec: L;
  off: number;
}

/** New position of old slot j after replacing [pos, end) by end - pos + delta slots. */
const remap = (j: number, pos: number, end: number, delta: number): number =>
  j < pos ? j : j < end ? pos : j + delta;

export class NaivePatcher<
  A,
  F extends InsnOffRecord = InsnOffRecord,
  L extends InsnOffRecord = InsnOffRecord,
> {
  private insns: Insn[];
  private aux: A[];
  /** Per slot: original slot whose aux it carries, or -1. */
  private orig: number[];
  /** Per original slot: where a jump to it lands now (-1 for second lddw slots). */
  private readonly landing: number[];
  private subprogs: Subprog<F>[];
  private lines: Line<L>[];

  constructor(
    program: PatchProgram<A, F, L>,
    private readonly options: { newAux: (from: A) => A },
  ) {
    const layout = checkProgram(program);
    this.insns = program.insns.map(cloneInsn);
    this.aux = [...program.aux];
    this.orig = this.insns.map((_, i) => i);
    const starts = new Uint8Array(this.insns.length);
    markStarts(this.insns, starts, "program");
    this.landing = this.orig.map((i) => (starts[i] ? i : -1));
    this.subprogs = layout.subprogStarts.map((start) => ({ start, func: undefined }));
    (program.funcInfo ?? []).forEach((f, j) => (this.subprogs[layout.funcSubprog[j]!]!.func = f));
    this.lines = (program.lineInfo ?? []).map((rec) => ({ rec, off: rec.insnOff }));
  }

  get length(): number {
    return this.insns.length;
  }

  /** The instruction at slot pos (distances as currently encoded). */
  insnAt(pos: number): Insn {
    return cloneInsn(this.insns[pos]!);
  }

  /** Replace the instruction at slot pos by seq; targets are slots of the current program. */
  replace(pos: number, seq: readonly Insn[], opts?: ReplaceOptions<number>): void {
    const w = this.widthAt(pos);
    const starts = checkSeq(seq, opts?.targets);
    this.checkTargets(opts?.targets);
    const k = resolveKeep(seq, starts, opts?.keep);
    const from = this.aux[pos]!;
    const keptHi = seq[k]!.code === LDDW && w === 2;
    const aux: A[] = [];
    const orig: number[] = [];
    for (let j = 0; j < seq.length; j++) {
      const kept = j === k || (j === k + 1 && keptHi);
      aux.push(kept ? this.aux[pos + j - k]! : this.options.newAux(from));
      orig.push(kept ? this.orig[pos + j - k]! : -1);
    }
    const fresh = this.fresh(seq, starts, opts?.targets, pos, pos + w, seq.length - w);
    this.splice(pos, pos + w, fresh, aux, orig);
  }

  /** Insert seq before slot pos (which keeps its aux); jumps to pos land on seq[0]. */
  prepend(pos: number, seq: readonly Insn[], opts?: SeqOptions<number>): void {
    const w = this.widthAt(pos);
    const starts = checkSeq(seq, opts?.targets);
    this.checkTargets(opts?.targets);
    const from = this.aux[pos]!;
    const fresh = this.fresh(seq, starts, opts?.targets, pos, pos + w, seq.length);
    // The instruction itself moves behind the sequence and keeps its target.
    const body = this.insns.slice(pos, pos + w).map(cloneInsn);
    const x = body[0]!;
    const kind = targetKind(x.code, x.src);
    if (kind !== TargetKind.None) {
      const t = remap(pos + distanceOf(x, kind) + 1, pos, pos + w, seq.length);
      this.setDistance(x, kind, t - (pos + seq.length) - 1, pos + seq.length);
    }
    const aux = seq.map(() => this.options.newAux(from)).concat(this.aux.slice(pos, pos + w));
    const orig = seq.map(() => -1).concat(this.orig.slice(pos, pos + w));
    this.splice(pos, pos + w, fresh.concat(body), aux, orig);
  }

  /** Insert seq after the instruction at slot pos. */
  append(pos: number, seq: readonly Insn[], opts?: SeqOptions<number>): void {
    const at = pos + this.widthAt(pos);
    const starts = checkSeq(seq, opts?.targets);
    this.checkTargets(opts?.targets);
    const from = this.aux[pos]!;
    const fresh = this.fresh(seq, starts, opts?.targets, at, at, seq.length);
    this.splice(
      at,
      at,
      fresh,
      seq.map(() => this.options.newAux(from)),
      seq.map(() => -1),
    );
  }

  /** Remove slots [pos, pos+count) (whole instructions). */
  deleteRange(pos: number, count: number): void {
    const end = pos + count;
    this.widthAt(pos);
    if (
      count <= 0 ||
      end > this.insns.length ||
      (end < this.insns.length && this.isSecondSlot(end))
    ) {
      throw new PatchError(`cannot delete slots [${pos}, ${end})`);
    }
    // line_info: per subprogram, the last record in the deleted range moves to
    // the first surviving instruction if that is still in the subprogram and
    // has no record of its own (bpf_adj_linfo_after_remove). Decide before the
    // splice moves everything.
    const oldStarts = this.subprogs.map((s) => s.start);
    const subOf = (slot: number): number => {
      let j = 0;
      while (j + 1 < oldStarts.length && oldStarts[j + 1]! <= slot) j++;
      return j;
    };
    const hasOwn = this.lines.some((l) => l.off === end);
    const inRange = new Set<Line<L>>();
    const lastInRange = new Map<number, Line<L>>();
    for (const l of this.lines) {
      if (l.off < pos || l.off >= end) continue;
      inRange.add(l);
      lastInRange.set(subOf(l.off), l);
    }

    const oldSubs = this.subprogs;
    this.splice(pos, end, [], [], []);
    const newLen = this.insns.length;
    const startAfter = (j: number): number =>
      j + 1 < oldSubs.length ? oldSubs[j + 1]!.start : newLen;
    // A subprogram left with no instruction goes, with its func_info.
    this.subprogs = oldSubs.filter((s, j) => s.start < startAfter(j));
    const keep = new Set<Line<L>>();
    for (const [sub, l] of lastInRange) {
      if (!hasOwn && pos >= oldSubs[sub]!.start && pos < startAfter(sub)) keep.add(l);
    }
    this.lines = this.lines.filter((l) => !inRange.has(l) || keep.has(l));
  }

  /** Change the single-slot instruction at pos; a jump keeps its target unless one is given. */
  setInsn(pos: number, x: Insn, target?: number): void {
    if (this.widthAt(pos) !== 1 || x.code === LDDW) {
      throw new PatchError("setInsn cannot change the width of an instruction; use replace");
    }
    const old = this.insns[pos]!;
    const oldKind = targetKind(old.code, old.src);
    const kind = targetKind(x.code, x.src);
    const y = cloneInsn(x);
    if (kind !== TargetKind.None) {
      if (target !== undefined) this.checkSlot(target);
      const t =
        target ?? (oldKind === TargetKind.None ? undefined : pos + distanceOf(old, oldKind) + 1);
      if (t === undefined) throw new PatchError(`setInsn: insn ${pos} did not jump; give a target`);
      this.setDistance(y, kind, t - pos - 1, pos);
    } else if (target !== undefined) {
      throw new PatchError("setInsn: target given for an instruction that does not jump");
    }
    this.insns[pos] = y;
  }

  /** The patched program, in the same shape PatchList.linearize() returns. */
  result(): PatchedProgram<A, F, L> {
    const len = this.insns.length;
    for (let i = 0; i < len; i++) {
      const x = this.insns[i]!;
      const kind = targetKind(x.code, x.src);
      if (kind !== TargetKind.None) {
        const t = i + distanceOf(x, kind) + 1;
        if (t >= len) {
          const origin = this.orig[i]! < 0 ? "inserted" : `original insn ${this.orig[i]}`;
          throw new PatchError(
            `jump at insn ${i} (${origin}) targets insn ${t}, past the end of the ${len}-insn program`,
          );
        }
      }
      if (x.code === LDDW) i++;
    }
    return {
      insns: this.insns.map(cloneInsn),
      aux: [...this.aux],
      subprogStarts: this.subprogs.map((s) => s.start),
      funcInfo: this.subprogs.flatMap((s) => (s.func ? [{ ...s.func, insnOff: s.start }] : [])),
      lineInfo: this.lines.map((l) => ({ ...l.rec, insnOff: l.off })),
      oldToNew: Int32Array.from(this.landing),
      newToOld: Int32Array.from(this.orig),
    };
  }

  // ---- internals ----------------------------------------------------------

  /**
   * Copies of the sequence's instructions, placed at new slot pos. Local
   * distances stay as they are (the sequence is contiguous, and "just past
   * it" is where old slot `end` lands); explicit targets (old slots) are
   * remapped as for the splice of [pos, end) that grows the program by delta.
   */
  private fresh(
    seq: readonly Insn[],
    starts: Uint8Array,
    targets: readonly (number | undefined)[] | undefined,
    pos: number,
    end: number,
    delta: number,
  ): Insn[] {
    const out = seq.map(cloneInsn);
    if (targets) {
      for (let j = 0; j < seq.length; j++) {
        const t = targets[j];
        if (t === undefined || !starts[j]) continue;
        const x = out[j]!;
        this.setDistance(
          x,
          targetKind(x.code, x.src),
          remap(t, pos, end, delta) - (pos + j) - 1,
          pos + j,
        );
      }
    }
    return out;
  }

  /**
   * Replace old slots [pos, end) by `fresh` (already aimed) and fix up
   * everything else: copy the arrays, re-aim every jump outside the patch,
   * move the landing map, subprogram starts and line_info.
   */
  private splice(pos: number, end: number, fresh: Insn[], aux: A[], orig: number[]): void {
    const len = fresh.length;
    const delta = len - (end - pos);
    this.insns = this.insns.slice(0, pos).concat(fresh, this.insns.slice(end));
    this.aux = this.aux.slice(0, pos).concat(aux, this.aux.slice(end));
    this.orig = this.orig.slice(0, pos).concat(orig, this.orig.slice(end));
    const insns = this.insns;
    for (let i = 0; i < insns.length; i++) {
      if (i === pos && len > 0) {
        i = pos + len - 1; // the patch is aimed already
        continue;
      }
      const x = insns[i]!;
      const kind = targetKind(x.code, x.src);
      if (kind !== TargetKind.None) {
        const oi = i < pos ? i : i - delta;
        const t = remap(oi + distanceOf(x, kind) + 1, pos, end, delta);
        this.setDistance(x, kind, t - i - 1, i);
      }
      if (x.code === LDDW) i++;
    }
    const landing = this.landing;
    for (let k = 0; k < landing.length; k++) {
      if (landing[k]! >= 0) landing[k] = remap(landing[k]!, pos, end, delta);
    }
    for (const s of this.subprogs) s.start = remap(s.start, pos, end, delta);
    for (const l of this.lines) l.off = remap(l.off, pos, end, delta);
  }

  private setDistance(x: Insn, kind: TargetKind, d: number, at: number): void {
    if (kind === TargetKind.Off) {
      if (!fitsS16(d)) throw new PatchRangeError(at, this.orig[at] ?? -1, at + d + 1, d, 16);
      x.off = d;
    } else {
      if (!fitsS32(d)) throw new PatchRangeError(at, this.orig[at] ?? -1, at + d + 1, d, 32);
      x.imm = d;
    }
  }

  /** Second slots have code 0 (checked), so only an lddw opcode can precede one. */
  private isSecondSlot(pos: number): boolean {
    return pos > 0 && this.insns[pos - 1]!.code === LDDW;
  }

  private checkTargets(targets?: readonly (number | undefined)[]): void {
    for (const t of targets ?? []) if (t !== undefined) this.checkSlot(t);
  }

  private checkSlot(pos: number): void {
    if (!Number.isInteger(pos) || pos < 0 || pos >= this.insns.length || this.isSecondSlot(pos)) {
      throw new PatchError(
        `slot ${pos} is not an instruction of the ${this.insns.length}-slot program`,
      );
    }
  }

  /** Width in slots of the instruction at pos (checks pos). */
  private widthAt(pos: number): number {
    this.checkSlot(pos);
    return this.insns[pos]!.code === LDDW ? 2 : 1;
  }
}
