// The slow, obviously-correct reference: patching the way the kernel's
// bpf_patch_insn_data()/verifier_remove_insns() do it. Every operation builds
// a new instruction array with the patch spliced in, then walks the whole
// program to re-aim every jump that crosses the patch, and moves the aux
// array, line_info, subprogram starts (and the old→new map) along with it:
// O(program) per patch, O(n²) for a pass. It exists to check PatchList
// against (property tests) and to measure it against (bench/patch.ts).
//
// Positions are slot indices in the current program, as in the kernel.
// Semantics match PatchList exactly; where the kernel leaves a case undefined
// (a jump into deleted code) both move it to the next surviving instruction.
// Like the kernel's probe pass, a jump distance that stops fitting 16 bits is
// an error at the patch that causes it (PatchList only checks the final
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

/** One splice: new slots [pos, pos+len) replace old slots [pos, end). */
interface Splice {
  pos: number;
  end: number;
  len: number;
  /** Where a jump to old slot `pos` lands: pos, or pos+len when the patch is appended. */
  landing: (old: number) => number;
}

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
  private landing: number[];
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
    const funcs = program.funcInfo ?? [];
    this.subprogs = layout.subprogStarts.map((start) => ({ start, func: undefined }));
    funcs.forEach((f, j) => (this.subprogs[layout.funcSubprog[j]!]!.func = f));
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
    const keptHi = seq[k]!.code === LDDW;
    const aux: A[] = [];
    const orig: number[] = [];
    for (let j = 0; j < seq.length; j++) {
      if (j === k) {
        aux.push(from);
        orig.push(this.orig[pos]!);
      } else if (j === k + 1 && keptHi && w === 2) {
        aux.push(this.aux[pos + 1]!);
        orig.push(this.orig[pos + 1]!);
      } else {
        aux.push(this.options.newAux(from));
        orig.push(-1);
      }
    }
    const sp = { pos, end: pos + w, len: seq.length, landing: () => pos };
    this.splice(sp, seq, starts, aux, orig, pos + seq.length, opts?.targets);
  }

  /** Insert seq before slot pos (which keeps its aux); jumps to pos land on seq[0]. */
  prepend(pos: number, seq: readonly Insn[], opts?: SeqOptions<number>): void {
    const w = this.widthAt(pos);
    const starts = checkSeq(seq, opts?.targets);
    this.checkTargets(opts?.targets);
    const from = this.aux[pos]!;
    const body = this.insns.slice(pos, pos + w);
    const all = [...seq, ...body];
    const aux = [...seq.map(() => this.options.newAux(from)), ...this.aux.slice(pos, pos + w)];
    const orig = [...seq.map(() => -1), ...this.orig.slice(pos, pos + w)];
    // The moved instruction keeps its own absolute target.
    const n = seq.length;
    const targets: (number | undefined)[] = [...(opts?.targets ?? [])];
    targets.length = n + w;
    const x = body[0]!;
    const kind = targetKind(x.code, x.src);
    if (kind !== TargetKind.None) targets[n] = pos + distanceOf(x, kind) + 1;
    const allStarts = new Uint8Array(n + w);
    allStarts.set(starts.subarray(0, n));
    allStarts[n] = 1;
    const sp = { pos, end: pos + w, len: n + w, landing: () => pos };
    this.splice(sp, all, allStarts, aux, orig, pos + n, targets);
  }

  /** Insert seq after the instruction at slot pos. */
  append(pos: number, seq: readonly Insn[], opts?: SeqOptions<number>): void {
    const at = pos + this.widthAt(pos);
    const starts = checkSeq(seq, opts?.targets);
    this.checkTargets(opts?.targets);
    const from = this.aux[pos]!;
    const aux = seq.map(() => this.options.newAux(from));
    const orig = seq.map(() => -1);
    const n = seq.length;
    const sp = { pos: at, end: at, len: n, landing: (old: number) => old + n };
    this.splice(sp, seq, starts, aux, orig, at + n, opts?.targets);
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
    const newLen = this.insns.length - count;
    const map = (j: number): number => (j < pos ? j : j < end ? pos : j - count);
    const oldTargets = this.absoluteTargets();
    this.insns = [...this.insns.slice(0, pos), ...this.insns.slice(end)];
    this.aux = [...this.aux.slice(0, pos), ...this.aux.slice(end)];
    this.orig = [...this.orig.slice(0, pos), ...this.orig.slice(end)];
    this.retarget(oldTargets, (i) => (i < pos ? i : i + count), map);
    this.landing = this.landing.map((l) => (l < 0 ? l : map(l)));

    // line_info: per subprogram, the last record in the deleted range moves to
    // the first surviving instruction if that is still in the subprogram and
    // has no record of its own (bpf_adj_linfo_after_remove).
    const oldSubOf = this.subprogIndexer();
    const hasOwn = this.lines.some((l) => l.off === end);
    const inRange = this.lines.filter((l) => l.off >= pos && l.off < end);
    const lastInRange = new Map<number, Line<L>>();
    for (const l of inRange) lastInRange.set(oldSubOf(l.off), l);

    const oldSubs = this.subprogs;
    for (const sp of oldSubs) sp.start = map(sp.start);
    this.subprogs = oldSubs.filter((sp, j) => {
      const nextStart = j + 1 < oldSubs.length ? oldSubs[j + 1]!.start : newLen;
      return sp.start < nextStart;
    });
    const survivors = new Set<Line<L>>();
    for (const [sub, l] of lastInRange) {
      const start = oldSubs[sub]!.start;
      const endOfSub = sub + 1 < oldSubs.length ? oldSubs[sub + 1]!.start : newLen;
      if (!hasOwn && pos >= start && pos < endOfSub) survivors.add(l);
    }
    this.lines = this.lines.filter((l) => !(l.off >= pos && l.off < end) || survivors.has(l));
    for (const l of this.lines) l.off = map(l.off);
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
    const starts = new Uint8Array(len);
    markStarts(this.insns, starts, "result");
    for (let i = 0; i < len; i++) {
      if (!starts[i]) continue;
      const x = this.insns[i]!;
      const kind = targetKind(x.code, x.src);
      if (kind === TargetKind.None) continue;
      const t = i + distanceOf(x, kind) + 1;
      if (t >= len) {
        const origin = this.orig[i]! < 0 ? "inserted" : `original insn ${this.orig[i]}`;
        throw new PatchError(
          `jump at insn ${i} (${origin}) targets insn ${t}, past the end of the ${len}-insn program`,
        );
      }
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
   * Splice `seq` in for old slots [pos, end) and fix up everything: jumps
   * outside the patch are re-aimed (a jump to old `pos` lands per
   * sp.landing), jumps inside it resolve locally, to `after`, or to an
   * explicit old slot; aux/orig come from the caller; subprogram starts,
   * line_info and the landing map move with the same mapping.
   */
  private splice(
    sp: Splice,
    seq: readonly Insn[],
    starts: Uint8Array,
    aux: A[],
    orig: number[],
    after: number,
    targets?: readonly (number | undefined)[],
  ): void {
    const { pos, end, len } = sp;
    const delta = len - (end - pos);
    const map = (j: number): number =>
      j < pos ? j : j === pos ? sp.landing(j) : j < end ? pos : j + delta;
    const oldTargets = this.absoluteTargets();
    const fresh = seq.map(cloneInsn);
    this.insns = [...this.insns.slice(0, pos), ...fresh, ...this.insns.slice(end)];
    this.aux = [...this.aux.slice(0, pos), ...aux, ...this.aux.slice(end)];
    this.orig = [...this.orig.slice(0, pos), ...orig, ...this.orig.slice(end)];
    this.retarget(oldTargets, (i) => (i < pos ? i : i >= pos + len ? i - delta : -1), map);
    for (let j = 0; j < len; j++) {
      const x = fresh[j]!;
      const kind = starts[j] ? targetKind(x.code, x.src) : TargetKind.None;
      if (kind === TargetKind.None) continue;
      const explicit = targets?.[j];
      const local = j + distanceOf(x, kind) + 1;
      const t = explicit !== undefined ? map(explicit) : local === len ? after : pos + local;
      this.setDistance(x, kind, t - (pos + j) - 1, pos + j);
    }
    this.landing = this.landing.map((l) => (l < 0 ? l : map(l)));
    for (const s of this.subprogs) s.start = map(s.start);
    for (const l of this.lines) l.off = map(l.off);
  }

  /** Absolute target (old slot) of every jump, -1 elsewhere; read before a splice. */
  private absoluteTargets(): Int32Array {
    const out = new Int32Array(this.insns.length).fill(-1);
    for (let i = 0; i < this.insns.length; i++) {
      const x = this.insns[i]!;
      const kind = targetKind(x.code, x.src);
      if (kind !== TargetKind.None) out[i] = i + distanceOf(x, kind) + 1;
      if (x.code === LDDW) i++;
    }
    return out;
  }

  /**
   * Re-aim every jump in the new array: oldIndex(i) is the old slot of new
   * slot i (-1 inside the patch, which the caller resolves), map sends an old
   * target slot to its new slot.
   */
  private retarget(
    oldTargets: Int32Array,
    oldIndex: (i: number) => number,
    map: (j: number) => number,
  ): void {
    for (let i = 0; i < this.insns.length; i++) {
      const oi = oldIndex(i);
      if (oi < 0) continue;
      const t = oldTargets[oi]!;
      if (t >= 0) {
        const x = this.insns[i]!;
        this.setDistance(x, targetKind(x.code, x.src), map(t) - i - 1, i);
      }
      if (this.insns[i]!.code === LDDW) i++;
    }
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

  /** Slot → index of the subprogram containing it, in the current layout. */
  private subprogIndexer(): (slot: number) => number {
    const starts = this.subprogs.map((s) => s.start);
    return (slot) => {
      let j = 0;
      while (j + 1 < starts.length && starts[j + 1]! <= slot) j++;
      return j;
    };
  }
}
