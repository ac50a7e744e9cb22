// Address-space allocator for the linear memory. Small blocks come from
// per-size-class free lists (O(1) alloc/free, exact reuse); large blocks from a
// first-fit list of free extents that coalesces neighbours on free. Memory is
// never handed back to WebAssembly (it cannot shrink) but it is always reused.

const SMALL_MAX = 4096;
const LARGE_ALIGN = 4096;

/** Size class of a small request: multiples of 16 up to 256, then powers of two. */
function smallClass(size: number): number {
  if (size <= 256) return (size + 15) & ~15;
  let c = 512;
  while (c < size) c <<= 1;
  return c;
}

interface Extent {
  addr: number;
  size: number;
}

export class Allocator {
  private top: number;
  private limit: number;
  private readonly sizes = new Map<number, number>();
  private readonly smallFree = new Map<number, number[]>();
  /** Free large extents, sorted by address. */
  private readonly largeFree: Extent[] = [];
  /** Start addresses of live large blocks (they go back to largeFree when freed). */
  private readonly largeBlocks = new Set<number>();
  allocatedBytes = 0;

  constructor(
    base: number,
    limit: number,
    private readonly grow: (needBytes: number) => number,
  ) {
    this.top = base;
    this.limit = limit;
  }

  sizeOf(addr: number): number | undefined {
    return this.sizes.get(addr);
  }

  alloc(size: number, align: number): number {
    if (align & (align - 1) || align > LARGE_ALIGN) throw new RangeError(`bad alignment ${align}`);
    let addr: number;
    let rounded: number;
    if (size <= SMALL_MAX && align <= 16) {
      rounded = smallClass(size);
      const list = this.smallFree.get(rounded);
      addr = list && list.length > 0 ? list.pop()! : this.bump(rounded, 16);
    } else {
      rounded = Math.ceil(size / LARGE_ALIGN) * LARGE_ALIGN;
      addr = this.takeLarge(rounded) ?? this.bump(rounded, LARGE_ALIGN);
    }
    this.sizes.set(addr, rounded);
    this.allocatedBytes += rounded;
    return addr;
  }

  /** Free a block; returns its rounded size. */
  free(addr: number): number {
    const size = this.sizes.get(addr);
    if (size === undefined)
      throw new RangeError(`free of unallocated address 0x${addr.toString(16)}`);
    this.sizes.delete(addr);
    this.allocatedBytes -= size;
    if (this.largeBlocks.delete(addr)) this.putLarge({ addr, size });
    else this.pushSmall(size, addr);
    return size;
  }

  private pushSmall(size: number, addr: number): void {
    let list = this.smallFree.get(size);
    if (!list) this.smallFree.set(size, (list = []));
    list.push(addr);
  }

  private bump(size: number, align: number): number {
    const addr = Math.ceil(this.top / align) * align;
    if (addr + size > this.limit) this.limit = this.grow(addr + size);
    this.top = addr + size;
    if (align === LARGE_ALIGN) this.largeBlocks.add(addr);
    return addr;
  }

  private takeLarge(size: number): number | undefined {
    for (let i = 0; i < this.largeFree.length; i++) {
      const e = this.largeFree[i]!;
      if (e.size < size) continue;
      const addr = e.addr;
      if (e.size === size) this.largeFree.splice(i, 1);
      else {
        e.addr += size;
        e.size -= size;
      }
      this.largeBlocks.add(addr);
      return addr;
    }
    return undefined;
  }

  private putLarge(ext: Extent): void {
    const list = this.largeFree;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.addr < ext.addr) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, ext);
    // Coalesce with the next and the previous extent.
    const next = list[lo + 1];
    if (next && ext.addr + ext.size === next.addr) {
      ext.size += next.size;
      list.splice(lo + 1, 1);
    }
    const prev = list[lo - 1];
    if (prev && prev.addr + prev.size === ext.addr) {
      prev.size += ext.size;
      list.splice(lo, 1);
    }
  }
}
