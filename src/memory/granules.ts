// A bitmap with one bit per 8-byte granule of the linear memory, set while the
// granule belongs to a live allocation. Unverified programs check every access
// against it in O(1) (an access of at most 8 bytes spans at most 2 granules).

export const GRANULE = 8;
const SHIFT = 3;

export class Granules {
  bits: Uint8Array;

  constructor(bytes: number) {
    this.bits = new Uint8Array(Math.ceil(bytes / GRANULE / 8));
  }

  resize(bytes: number): void {
    const next = new Uint8Array(Math.ceil(bytes / GRANULE / 8));
    next.set(this.bits.subarray(0, Math.min(this.bits.length, next.length)));
    this.bits = next;
  }

  /** Set or clear the granules covering [addr, addr+size); whole bytes are filled at once. */
  mark(addr: number, size: number, on: boolean): void {
    let g = addr >>> SHIFT;
    const end = ((addr + size - 1) >>> SHIFT) + 1;
    const bits = this.bits;
    // Leading partial byte, whole bytes, trailing partial byte: a 50 MB map
    // costs one fill() instead of millions of bit operations.
    while (g < end && (g & 7) !== 0) this.setBit(g++, on);
    const wholeEnd = end & ~7;
    if (g < wholeEnd) {
      bits.fill(on ? 0xff : 0, g >>> 3, wholeEnd >>> 3);
      g = wholeEnd;
    }
    while (g < end) this.setBit(g++, on);
  }

  allSet(addr: number, size: number): boolean {
    const first = addr >>> SHIFT;
    const last = (addr + size - 1) >>> SHIFT;
    for (let g = first; g <= last; g++) {
      if ((this.bits[g >>> 3]! & (1 << (g & 7))) === 0) return false;
    }
    return true;
  }

  private setBit(g: number, on: boolean): void {
    if (on) this.bits[g >>> 3]! |= 1 << (g & 7);
    else this.bits[g >>> 3]! &= ~(1 << (g & 7));
  }
}
