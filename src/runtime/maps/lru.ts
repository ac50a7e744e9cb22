// Eviction order of LRU hash maps: an approximation of the kernel's
// bpf_lru_list, as the kernel's own is an approximation.
//
// Like the kernel, a program lookup only sets a "referenced" bit (cheap, no
// list surgery); the list order changes on insert and at eviction time. Each
// list is ordered from most recently inserted (head) to oldest (tail). When an
// element is needed and the list has no free one, eviction scans from the tail:
// a referenced element gets a second chance (bit cleared, moved to the head,
// as the kernel rotates referenced inactive nodes to its active list); the
// first unreferenced one is evicted. Lookups from user space do not count as
// references (the kernel's syscall lookup does not mark either).
//
// Differences from the kernel, on purpose: there is no separate active and
// inactive list and no per-CPU local free cache, so a common-LRU map evicts
// only when it is truly full and exactly one element per insert (the kernel
// may evict earlier and in batches of up to 128, LOCAL_FREE_TARGET). With
// BPF_F_NO_COMMON_LRU each CPU owns max_entries/ncpus elements and evicts only
// among its own, as in the kernel.

export class LruLists {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly ref: Uint8Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  /** Released elements per list. */
  private readonly free: number[][];
  /** Next never-used element per list (list l owns [l*perList, (l+1)*perList)). */
  private readonly fresh: Int32Array;
  /** Elements per list. */
  readonly perList: number;

  constructor(
    capacity: number,
    readonly lists: number,
  ) {
    this.prev = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
    this.ref = new Uint8Array(capacity);
    this.heads = new Int32Array(lists).fill(-1);
    this.tails = new Int32Array(lists).fill(-1);
    this.perList = Math.floor(capacity / lists);
    this.free = Array.from({ length: lists }, () => []);
    this.fresh = new Int32Array(lists).map((_, l) => l * this.perList);
  }

  /** Which list an element belongs to. */
  listOf(e: number): number {
    return this.lists === 1 ? 0 : Math.floor(e / this.perList);
  }

  /**
   * A free element of list `l`, or -1 when it has none (then evict). `fresh`
   * is told when a never-used element is handed out (its memory may need claiming).
   */
  takeFree(l: number, fresh: (e: number) => void): number {
    const e = this.free[l]!.pop();
    if (e !== undefined) return e;
    const f = this.fresh[l]!;
    if (f >= (l + 1) * this.perList) return -1;
    this.fresh[l] = f + 1;
    fresh(f);
    return f;
  }

  /** Mark an element referenced (program lookup). */
  touch(e: number): void {
    this.ref[e] = 1;
  }

  isReferenced(e: number): boolean {
    return this.ref[e] === 1;
  }

  /** Link a newly used element at the head of its list. */
  pushHead(e: number, referenced: boolean): void {
    const l = this.listOf(e);
    const h = this.heads[l]!;
    this.prev[e] = -1;
    this.next[e] = h;
    if (h >= 0) this.prev[h] = e;
    else this.tails[l] = e;
    this.heads[l] = e;
    this.ref[e] = referenced ? 1 : 0;
  }

  /** Unlink an element from its list. */
  unlink(e: number): void {
    const l = this.listOf(e);
    const p = this.prev[e]!;
    const n = this.next[e]!;
    if (p >= 0) this.next[p] = n;
    else this.heads[l] = n;
    if (n >= 0) this.prev[n] = p;
    else this.tails[l] = p;
    this.prev[e] = -1;
    this.next[e] = -1;
  }

  /** Unlink and return an element to its list's free pool. */
  release(e: number): void {
    this.unlink(e);
    this.ref[e] = 0;
    this.free[this.listOf(e)]!.push(e);
  }

  /** Move a used element to the head (an update replaced its value). */
  moveToHead(e: number, referenced: boolean): void {
    this.unlink(e);
    this.pushHead(e, referenced);
  }

  /**
   * Pick the victim of list `l` (second chance from the tail) and unlink it;
   * -1 if the list is empty. The caller removes it from the index.
   */
  evict(l: number): number {
    for (;;) {
      const t = this.tails[l]!;
      if (t < 0) return -1;
      if (this.ref[t] === 1) {
        this.moveToHead(t, false);
        continue;
      }
      this.unlink(t);
      return t;
    }
  }
}
