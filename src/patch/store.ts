// Storage of the patch list: one record per instruction ("node") spread over
// typed arrays indexed by node id (structure of arrays). A million-node list
// is then a dozen flat arrays instead of millions of small objects, which is
// what keeps patching and linearizing at a few tens of nanoseconds a node.
//
// Node ids are never reused. Ids 0 and 1 are the head and tail sentinels of
// the doubly linked list; real nodes start at 2.

export const HEAD = 0;
export const TAIL = 1;
export const FIRST_NODE = 2;

/** Node flags. */
export const DELETED = 1;
/** The node's second `lddw` slot is the original second slot (for newToOld). */
export const HI_ORIG = 2;

export class NodeStore<A> {
  count = FIRST_NODE;
  next: Int32Array;
  prev: Int32Array;
  /**
   * Anchors are the things jumps point at. Anchor ids share the node id space:
   * each node holds exactly one anchor at any time (`anchorOf[node]`) and each
   * anchor is held by exactly one node (`holder[anchor]`). See list.ts for why
   * a jump points at an anchor rather than at a node.
   */
  anchorOf: Int32Array;
  holder: Int32Array;
  /** Anchor this node's jump/call refers to, or -1. */
  target: Int32Array;
  /** Original slot index, or -1 for an inserted instruction. */
  orig: Int32Array;
  flags: Uint8Array;
  code: Uint8Array;
  /** dst | src << 4, as in the encoding. */
  regs: Uint8Array;
  off: Int16Array;
  imm: Int32Array;
  /** imm of the second slot of an `lddw`. */
  immHi: Int32Array;
  aux: A[] = [];
  /** Aux of the second slot of each `lddw` node (few nodes have one, so a map). */
  auxHi = new Map<number, A>();

  constructor(capacity: number) {
    const cap = Math.max(capacity, 16);
    this.next = new Int32Array(cap);
    this.prev = new Int32Array(cap);
    this.anchorOf = new Int32Array(cap);
    this.holder = new Int32Array(cap);
    this.target = new Int32Array(cap);
    this.orig = new Int32Array(cap);
    this.flags = new Uint8Array(cap);
    this.code = new Uint8Array(cap);
    this.regs = new Uint8Array(cap);
    this.off = new Int16Array(cap);
    this.imm = new Int32Array(cap);
    this.immHi = new Int32Array(cap);
    // Sentinels hold their own anchors; the tail's anchor stands for "past
    // the end", which linearize refuses as a jump target.
    for (const s of [HEAD, TAIL]) {
      this.anchorOf[s] = s;
      this.holder[s] = s;
      this.target[s] = -1;
      this.orig[s] = -1;
      this.aux.push(undefined as A); // never read: sentinels are not instructions
    }
    this.next[HEAD] = TAIL;
    this.prev[TAIL] = HEAD;
  }

  /** A new unlinked node holding its own anchor, no target, no aux yet. */
  alloc(aux: A): number {
    if (this.count === this.next.length) this.grow();
    const id = this.count++;
    this.anchorOf[id] = id;
    this.holder[id] = id;
    this.target[id] = -1;
    this.orig[id] = -1;
    this.aux.push(aux);
    return id;
  }

  private grow(): void {
    const cap = this.next.length * 2;
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    this.next = i32(this.next);
    this.prev = i32(this.prev);
    this.anchorOf = i32(this.anchorOf);
    this.holder = i32(this.holder);
    this.target = i32(this.target);
    this.orig = i32(this.orig);
    this.imm = i32(this.imm);
    this.immHi = i32(this.immHi);
    this.flags = u8(this.flags);
    this.code = u8(this.code);
    this.regs = u8(this.regs);
    const off = new Int16Array(cap);
    off.set(this.off);
    this.off = off;
  }

  /** Link unlinked node `n` right after node `at`. */
  linkAfter(at: number, n: number): void {
    const nx = this.next[at]!;
    this.prev[n] = at;
    this.next[n] = nx;
    this.next[at] = n;
    this.prev[nx] = n;
  }

  /** Hand node `from`'s anchor to node `to`, and `to`'s anchor to `from`. */
  swapAnchors(from: number, to: number): void {
    const a = this.anchorOf[from]!;
    const b = this.anchorOf[to]!;
    this.anchorOf[to] = a;
    this.holder[a] = to;
    this.anchorOf[from] = b;
    this.holder[b] = from;
  }
}
