// Storage of the patch list: one fixed-size record per instruction ("node")
// in a single Int32Array (8 words a node), indexed by node id. A million-node
// list is then one flat array instead of millions of small objects: a node's
// fields share a cache line, the GC never scans them, and growing the list is
// one copy. (Separate arrays per field were tried first: each allocation of
// external memory can trigger a full GC of the JS heap, and a node's fields
// cost one cache miss each.)
//
// Node ids are never reused. Ids 0 and 1 are the head and tail sentinels of
// the doubly linked list; real nodes start at 2.
import type { Insn } from "../isa/index.ts";

export const HEAD = 0;
export const TAIL = 1;
export const FIRST_NODE = 2;

/** Words per node record, and the word offset of each field. */
export const STRIDE = 8;
export const NEXT = 0;
export const PREV = 1;
/**
 * Anchors are the things jumps point at. Anchor ids share the node id space:
 * each node holds exactly one anchor at any time (its ANCHOR word) and each
 * anchor is held by exactly one node (the HOLDER word of the record with the
 * anchor's id). See list.ts for why a jump points at an anchor, not a node.
 */
export const ANCHOR = 2;
export const HOLDER = 3;
/** Anchor the node's jump/call refers to, or -1. */
export const TARGET = 4;
/** Original slot index, or -1 for an inserted instruction. */
export const ORIG = 5;
export const IMM = 6;
/** code | (dst | src << 4) << 8 | off << 16: the first 4 bytes of the encoding. */
export const INSN = 7;

/** Node flags. */
export const DELETED = 1;
/** The node's second `lddw` slot is the original second slot (for newToOld). */
export const HI_ORIG = 2;

export const packInsn = (x: Insn): number =>
  (x.code & 0xff) | (((x.dst & 0x0f) | ((x.src & 0x0f) << 4)) << 8) | (x.off << 16);

export class NodeStore<A> {
  count = FIRST_NODE;
  rec: Int32Array;
  flags: Uint8Array;
  aux: A[] = [];
  /** Aux and imm of the second slot of each `lddw` node (few nodes have one, so maps). */
  auxHi = new Map<number, A>();
  immHi = new Map<number, number>();

  constructor(capacity: number) {
    const cap = Math.max(capacity, 16);
    this.rec = new Int32Array(cap * STRIDE);
    this.flags = new Uint8Array(cap);
    // Sentinels hold their own anchors; the tail's anchor stands for "past
    // the end", which linearize refuses as a jump target.
    for (const s of [HEAD, TAIL]) {
      this.init(s);
      this.aux.push(undefined as A); // never read: sentinels are not instructions
    }
    this.rec[HEAD * STRIDE + NEXT] = TAIL;
    this.rec[TAIL * STRIDE + PREV] = HEAD;
  }

  private init(id: number): void {
    const b = id * STRIDE;
    this.rec[b + ANCHOR] = id;
    this.rec[b + HOLDER] = id;
    this.rec[b + TARGET] = -1;
    this.rec[b + ORIG] = -1;
  }

  /** A new unlinked node holding its own anchor, no target, not original. */
  alloc(aux: A): number {
    if (this.count === this.flags.length) this.grow();
    const id = this.count++;
    this.init(id);
    this.aux.push(aux);
    return id;
  }

  private grow(): void {
    // 1.5x: enough to stay amortised O(1), and less memory to over-allocate.
    const cap = this.flags.length + (this.flags.length >> 1);
    const rec = new Int32Array(cap * STRIDE);
    rec.set(this.rec);
    this.rec = rec;
    const flags = new Uint8Array(cap);
    flags.set(this.flags);
    this.flags = flags;
  }

  get(id: number, field: number): number {
    return this.rec[id * STRIDE + field]!;
  }

  set(id: number, field: number, value: number): void {
    this.rec[id * STRIDE + field] = value;
  }

  code(id: number): number {
    return this.rec[id * STRIDE + INSN]! & 0xff;
  }

  isDeleted(id: number): boolean {
    return (this.flags[id]! & DELETED) !== 0;
  }

  /** Write x's opcode, registers, offset and imm into node id. */
  writeInsn(id: number, x: Insn): void {
    this.rec[id * STRIDE + INSN] = packInsn(x);
    this.rec[id * STRIDE + IMM] = x.imm;
  }

  /** Link unlinked node `n` right after node `at`. */
  linkAfter(at: number, n: number): void {
    const r = this.rec;
    const nx = r[at * STRIDE + NEXT]!;
    r[n * STRIDE + PREV] = at;
    r[n * STRIDE + NEXT] = nx;
    r[at * STRIDE + NEXT] = n;
    r[nx * STRIDE + PREV] = n;
  }

  /** Hand node `from`'s anchor to node `to`, and `to`'s anchor to `from`. */
  swapAnchors(from: number, to: number): void {
    const r = this.rec;
    const a = r[from * STRIDE + ANCHOR]!;
    const b = r[to * STRIDE + ANCHOR]!;
    r[to * STRIDE + ANCHOR] = a;
    r[a * STRIDE + HOLDER] = to;
    r[from * STRIDE + ANCHOR] = b;
    r[b * STRIDE + HOLDER] = from;
  }
}
