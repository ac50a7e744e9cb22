// The patch list: a program as a doubly linked list of instructions that
// rewrite passes edit in O(patch size) per operation; nothing is renumbered
// until one linearize() at the end (linearize.ts). This replaces the kernel's
// patch-one-and-fix-everything bpf_patch_insn_data(), which costs O(program)
// per patch and so O(n^2) for a pass that patches n sites.
//
// Jumps point at anchors, not at nodes. An anchor is a position in the
// program as a jump sees it: "where a jump to this instruction lands". When
// code is put in front of an instruction (prepend, or replace keeping a later
// element), the instruction's anchor moves to the first new instruction and
// the instruction gets a fresh anchor — so every jump, subprogram start and
// line_info record that referred to the instruction now lands on the new code
// in front of it, in O(1) and without visiting them. That is exactly what the
// kernel's offset adjustment does: a jump to the patched offset keeps pointing
// at that offset, which is now the first instruction of the patch. A jump
// made later to the instruction itself (`anchorOf(node)` after the prepend)
// lands on the instruction, as an offset computed later would.
//
// Deleted nodes stay linked until linearize, where an anchor held by a deleted
// node resolves to the next surviving instruction: jumps into deleted code
// move forward, as the task and the kernel's dead-code removal expect.
import type { Insn } from "../isa/index.ts";
import { insn as makeInsn, LDDW } from "../isa/index.ts";
import { PatchError } from "./errors.ts";
import { linearizeStore, type ListMeta } from "./linearize.ts";
import {
  checkProgram,
  checkSeq,
  resolveKeep,
  type InsnOffRecord,
  type LinearizeOptions,
  type PatchedProgram,
  type PatchProgram,
  type ReplaceOptions,
  type SeqOptions,
} from "./program.ts";
import {
  ANCHOR,
  DELETED,
  FIRST_NODE,
  HEAD,
  HI_ORIG,
  HOLDER,
  IMM,
  INSN,
  NEXT,
  NodeStore,
  ORIG,
  PREV,
  TAIL,
  TARGET,
} from "./store.ts";
import { distanceOf, targetKind, TargetKind } from "./targets.ts";

declare const nodeBrand: unique symbol;
declare const anchorBrand: unique symbol;
/** A node of a PatchList: one instruction (an `lddw` pair is one node). */
export type PatchNode = number & { readonly [nodeBrand]: true };
/** Where jumps to an instruction land; see the file comment. */
export type PatchAnchor = number & { readonly [anchorBrand]: true };

export interface PatchListOptions<A> {
  /**
   * Aux record for an instruction a pass inserts, made from the aux of the
   * instruction being patched (the kernel gives new instructions zeroed aux
   * with the patched instruction's `seen` copied).
   */
  newAux: (from: A) => A;
}

let scratch = new Int32Array(16);

export class PatchList<
  A,
  F extends InsnOffRecord = InsnOffRecord,
  L extends InsnOffRecord = InsnOffRecord,
> {
  private readonly s: NodeStore<A>;
  private readonly meta: ListMeta<F, L>;
  private readonly newAux: (from: A) => A;

  constructor(program: PatchProgram<A, F, L>, options: PatchListOptions<A>) {
    const layout = checkProgram(program);
    const { insns, aux } = program;
    const n = insns.length;
    // Room for half the instructions to gain one more before the store grows.
    const s = new NodeStore<A>(n + (n >> 1) + FIRST_NODE);
    const origNode = new Int32Array(n).fill(-1);
    let last = HEAD;
    for (let i = 0; i < n; i++) {
      const x = insns[i]!;
      const id = s.alloc(aux[i]!);
      s.set(id, ORIG, i);
      origNode[i] = id;
      s.writeInsn(id, x);
      if (x.code === LDDW) {
        s.immHi.set(id, insns[i + 1]!.imm);
        s.auxHi.set(id, aux[i + 1]!);
        s.flags[id] = HI_ORIG;
        i++;
      }
      s.set(id, PREV, last);
      s.set(last, NEXT, id);
      last = id;
    }
    s.set(last, NEXT, TAIL);
    s.set(TAIL, PREV, last);
    // Jump targets: at build time anchor id == node id (checkProgram has
    // checked every target is an instruction start).
    for (let i = 0; i < n; i++) {
      const id = origNode[i]!;
      if (id < 0) continue;
      const x = insns[i]!;
      const kind = targetKind(x.code, x.src);
      if (kind !== TargetKind.None) s.set(id, TARGET, origNode[i + distanceOf(x, kind) + 1]!);
    }
    this.s = s;
    this.newAux = options.newAux;
    const lineInfo = [...(program.lineInfo ?? [])];
    const anchorsOf = (offs: readonly number[]): Int32Array => {
      const out = new Int32Array(offs.length);
      for (let j = 0; j < offs.length; j++) out[j] = origNode[offs[j]!]!;
      return out;
    };
    this.meta = {
      origNode,
      subprogAnchors: anchorsOf(layout.subprogStarts),
      funcInfo: [...(program.funcInfo ?? [])],
      funcSubprog: layout.funcSubprog,
      lineInfo,
      lineAnchors: anchorsOf(lineInfo.map((l) => l.insnOff)),
      lineSubprog: layout.lineSubprog,
    };
  }

  /** Number of instruction slots in the original program. */
  get originalLength(): number {
    return this.meta.origNode.length;
  }

  // ---- navigation ---------------------------------------------------------

  /** Live nodes in program order. Nodes a pass inserts next to the current
   * node while iterating are not visited (the kernel's passes skip their own
   * patches the same way); deleting nodes ahead is safe. */
  *[Symbol.iterator](): IterableIterator<PatchNode> {
    const s = this.s;
    let n = s.get(HEAD, NEXT);
    while (n !== TAIL) {
      const nx = s.get(n, NEXT);
      if (!s.isDeleted(n)) yield n as PatchNode;
      n = nx;
    }
  }

  /** First live node, or null for an empty program. */
  first(): PatchNode | null {
    return this.liveFrom(this.s.get(HEAD, NEXT));
  }

  /** Next live node after n (n may be deleted), or null at the end. */
  next(n: PatchNode): PatchNode | null {
    return this.liveFrom(this.s.get(this.node(n), NEXT));
  }

  /** Previous live node before n, or null at the start. */
  prev(n: PatchNode): PatchNode | null {
    const s = this.s;
    let p = s.get(this.node(n), PREV);
    while (p !== HEAD && s.isDeleted(p)) p = s.get(p, PREV);
    return p === HEAD ? null : (p as PatchNode);
  }

  private liveFrom(n: number): PatchNode | null {
    const s = this.s;
    while (n !== TAIL && s.isDeleted(n)) n = s.get(n, NEXT);
    return n === TAIL ? null : (n as PatchNode);
  }

  /** The node that holds original slot i (possibly deleted by now). */
  nodeAt(origSlot: number): PatchNode {
    const id = this.meta.origNode[origSlot];
    if (id === undefined || id < 0) {
      throw new PatchError(`original insn ${origSlot} is not the start of an instruction`);
    }
    return id as PatchNode;
  }

  /** Where jumps to original slot i land now (the anchor it had before any patch). */
  anchorAt(origSlot: number): PatchAnchor {
    return this.nodeAt(origSlot) as number as PatchAnchor;
  }

  // ---- reading a node -----------------------------------------------------

  /** The node's instruction (first slot for an `lddw`). Jump distances in it are stale:
   * the target lives in `target(n)`. */
  insn(n: PatchNode): Insn {
    const s = this.s;
    const id = this.node(n);
    const w = s.get(id, INSN);
    return makeInsn(w & 0xff, (w >> 8) & 0x0f, (w >> 12) & 0x0f, w >> 16, s.get(id, IMM));
  }

  /** Both slots of an `lddw`, or the one slot of any other instruction. */
  slots(n: PatchNode): Insn[] {
    const x = this.insn(n);
    return x.code === LDDW ? [x, makeInsn(0, 0, 0, 0, this.s.immHi.get(n)!)] : [x];
  }

  code(n: PatchNode): number {
    return this.s.code(this.node(n));
  }

  isDeleted(n: PatchNode): boolean {
    return this.s.isDeleted(this.node(n));
  }

  /** Original slot of the node, or -1 for an inserted instruction. */
  origIndex(n: PatchNode): number {
    return this.s.get(this.node(n), ORIG);
  }

  aux(n: PatchNode): A {
    return this.s.aux[this.node(n)]!;
  }

  /** Aux of the second slot of an `lddw` node (undefined for other nodes). */
  auxHi(n: PatchNode): A | undefined {
    return this.s.auxHi.get(this.node(n));
  }

  setAux(n: PatchNode, aux: A): void {
    this.s.aux[this.node(n)] = aux;
  }

  /** The anchor node n holds: a jump to it lands on n. */
  anchorOf(n: PatchNode): PatchAnchor {
    return this.s.get(this.node(n), ANCHOR) as PatchAnchor;
  }

  /** The anchor n's jump or call refers to, or null if n has no target. */
  target(n: PatchNode): PatchAnchor | null {
    const t = this.s.get(this.node(n), TARGET);
    return t < 0 ? null : (t as PatchAnchor);
  }

  /** The live node a jump to anchor a lands on now, or null if nothing follows it. */
  landing(a: PatchAnchor): PatchNode | null {
    return this.liveFrom(this.s.get(this.anchor(a), HOLDER));
  }

  // ---- editing ------------------------------------------------------------

  /**
   * Replace node n by a sequence. Jumps inside the sequence are relative
   * distances within it (a distance reaching just past its end means "the
   * instruction after n"); `targets` gives explicit targets for jumps to
   * existing code. The element `keep` (default: the last) becomes n itself and
   * keeps n's aux and original index; the others are new, with fresh aux.
   * Jumps to n land on the first element. Returns the first element's node.
   */
  replace(n: PatchNode, seq: readonly Insn[], opts?: ReplaceOptions<PatchAnchor>): PatchNode {
    const id = this.live(n);
    const starts = checkSeq(seq, opts?.targets);
    const k = resolveKeep(seq, starts, opts?.keep);
    this.checkTargets(opts?.targets);
    const s = this.s;
    const after = s.get(s.get(id, NEXT), ANCHOR);
    const from = s.aux[id]!;
    const nodes = this.scratchFor(seq.length);
    let at = s.get(id, PREV);
    for (let j = 0; j < seq.length; j++) {
      if (!starts[j]) continue;
      if (j === k) {
        at = id;
        nodes[j] = id;
        continue;
      }
      const m = this.newNode(seq, j, from);
      s.linkAfter(at, m);
      nodes[j] = m;
      at = m;
    }
    this.rewriteKept(id, seq, k, from);
    if (k !== 0) s.swapAnchors(id, nodes[0]!);
    this.resolveSeqTargets(seq, starts, nodes, after, opts?.targets);
    return nodes[0]! as PatchNode;
  }

  /**
   * Insert a sequence before node n; n keeps its instruction, target and aux.
   * Jumps to n land on the first inserted instruction (kernel behaviour: the
   * patch took n's offset); a distance reaching just past the sequence means
   * n itself. Returns the first inserted node.
   */
  prepend(n: PatchNode, seq: readonly Insn[], opts?: SeqOptions<PatchAnchor>): PatchNode {
    const id = this.live(n);
    return this.insertSeq(this.s.get(id, PREV), seq, opts?.targets, this.s.aux[id]!, id);
  }

  /**
   * Insert a sequence after node n; n is unchanged and jumps to the
   * instruction after n still land on it. A distance reaching just past the
   * sequence means that following instruction. Returns the first inserted node.
   */
  append(n: PatchNode, seq: readonly Insn[], opts?: SeqOptions<PatchAnchor>): PatchNode {
    const id = this.live(n);
    return this.insertSeq(id, seq, opts?.targets, this.s.aux[id]!, -1);
  }

  /** Delete node n; jumps to it will land on the next surviving instruction. */
  delete(n: PatchNode): void {
    this.s.flags[this.live(n)]! |= DELETED;
  }

  /** Delete every node from first to last inclusive (program order). */
  deleteRange(first: PatchNode, last: PatchNode): void {
    const s = this.s;
    const start = this.live(first);
    const end = this.live(last);
    // Find `last` before marking anything, so a bad range changes nothing.
    for (let m = start; m !== end; m = s.get(m, NEXT)) {
      if (m === TAIL)
        throw new PatchError(`deleteRange: node ${end} does not follow node ${start}`);
    }
    for (let m = start; ; m = s.get(m, NEXT)) {
      s.flags[m]! |= DELETED;
      if (m === end) return;
    }
  }

  /**
   * Change n's instruction in place (neither may be an `lddw`; use replace).
   * A jump or call keeps n's current target unless `target` is given; an
   * instruction that jumps where n did not needs `target`.
   */
  setInsn(n: PatchNode, x: Insn, target?: PatchAnchor): void {
    const id = this.live(n);
    const s = this.s;
    if (x.code === LDDW || s.code(id) === LDDW) {
      throw new PatchError("setInsn cannot change the width of an instruction; use replace");
    }
    const kind = targetKind(x.code, x.src);
    let t = -1;
    if (kind !== TargetKind.None) {
      t = target !== undefined ? this.anchor(target) : s.get(id, TARGET);
      if (t < 0) throw new PatchError(`setInsn: node ${id} did not jump; give a target`);
    } else if (target !== undefined) {
      throw new PatchError("setInsn: target given for an instruction that does not jump");
    }
    s.writeInsn(id, x);
    s.set(id, TARGET, t);
  }

  /** Point n's jump or call at anchor a. */
  setTarget(n: PatchNode, a: PatchAnchor): void {
    const id = this.live(n);
    if (this.s.get(id, TARGET) < 0) throw new PatchError(`node ${id} has no jump target to set`);
    this.s.set(id, TARGET, this.anchor(a));
  }

  /**
   * Emit the patched program: one pass to number the nodes, one to write the
   * instructions with every jump resolved; aux, subprogram starts, func_info
   * and line_info are rebuilt on the way. The list itself is not changed.
   */
  linearize(opts?: LinearizeOptions): PatchedProgram<A, F, L> {
    return linearizeStore(this.s, this.meta, opts);
  }

  // ---- internals ----------------------------------------------------------

  private node(n: PatchNode): number {
    if (!Number.isInteger(n) || n < FIRST_NODE || n >= this.s.count) {
      throw new PatchError(`not a node of this patch list: ${n}`);
    }
    return n;
  }

  private live(n: PatchNode): number {
    const id = this.node(n);
    if (this.s.isDeleted(id)) throw new PatchError(`node ${id} is deleted`);
    return id;
  }

  private anchor(a: PatchAnchor): number {
    if (!Number.isInteger(a) || a < FIRST_NODE || a >= this.s.count) {
      throw new PatchError(`not an anchor of this patch list: ${a}`);
    }
    return a;
  }

  /** Check explicit targets before the list is touched, so a bad one changes nothing. */
  private checkTargets(targets: readonly (PatchAnchor | undefined)[] | undefined): void {
    if (targets) for (const t of targets) if (t !== undefined) this.anchor(t);
  }

  private scratchFor(len: number): Int32Array {
    if (scratch.length < len) scratch = new Int32Array(len * 2);
    return scratch;
  }

  /** A new unlinked node for seq[j] (and seq[j+1] if it is an lddw). */
  private newNode(seq: readonly Insn[], j: number, from: A): number {
    const s = this.s;
    const m = s.alloc(this.newAux(from));
    s.writeInsn(m, seq[j]!);
    if (seq[j]!.code === LDDW) {
      s.immHi.set(m, seq[j + 1]!.imm);
      s.auxHi.set(m, this.newAux(from));
    }
    return m;
  }

  /** Node id becomes seq[k]; its aux stays, the second-slot aux follows the width. */
  private rewriteKept(id: number, seq: readonly Insn[], k: number, from: A): void {
    const s = this.s;
    const wasLddw = s.code(id) === LDDW;
    s.writeInsn(id, seq[k]!);
    if (seq[k]!.code === LDDW) {
      s.immHi.set(id, seq[k + 1]!.imm);
      if (!wasLddw) {
        s.auxHi.set(id, this.newAux(from));
        s.flags[id]! &= ~HI_ORIG;
      }
    } else if (wasLddw) {
      s.immHi.delete(id);
      s.auxHi.delete(id);
      s.flags[id]! &= ~HI_ORIG;
    }
  }

  /**
   * Link new nodes for seq after node `at`. With `owner` >= 0 (prepend) the
   * sequence goes in front of owner: owner's anchor moves to the first new
   * node and "just past the sequence" means owner; otherwise (append) it
   * means the node that followed `at`.
   */
  private insertSeq(
    at: number,
    seq: readonly Insn[],
    targets: readonly (PatchAnchor | undefined)[] | undefined,
    from: A,
    owner: number,
  ): PatchNode {
    const starts = checkSeq(seq, targets);
    this.checkTargets(targets);
    const s = this.s;
    const follower = s.get(at, NEXT);
    const nodes = this.scratchFor(seq.length);
    for (let j = 0; j < seq.length; j++) {
      if (!starts[j]) continue;
      const m = this.newNode(seq, j, from);
      s.linkAfter(at, m);
      nodes[j] = m;
      at = m;
    }
    if (owner >= 0) s.swapAnchors(owner, nodes[0]!);
    this.resolveSeqTargets(seq, starts, nodes, s.get(follower, ANCHOR), targets);
    return nodes[0]! as PatchNode;
  }

  /** Set the targets of the sequence's jumps: explicit, local, or `after`. */
  private resolveSeqTargets(
    seq: readonly Insn[],
    starts: Uint8Array,
    nodes: Int32Array,
    after: number,
    targets: readonly (PatchAnchor | undefined)[] | undefined,
  ): void {
    const s = this.s;
    for (let j = 0; j < seq.length; j++) {
      if (!starts[j]) continue;
      const x = seq[j]!;
      const kind = targetKind(x.code, x.src);
      const id = nodes[j]!;
      if (kind === TargetKind.None) {
        s.set(id, TARGET, -1);
        continue;
      }
      const explicit = targets?.[j];
      if (explicit !== undefined) {
        s.set(id, TARGET, explicit);
        continue;
      }
      const t = j + distanceOf(x, kind) + 1;
      s.set(id, TARGET, t === seq.length ? after : s.get(nodes[t]!, ANCHOR));
    }
  }
}
