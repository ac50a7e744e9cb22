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

  mark(addr: number, size: number, on: boolean): void {
    const first = addr >>> SHIFT;
    const last = (addr + size - 1) >>> SHIFT;
    for (let g = first; g <= last; g++) {
      if (on) this.bits[g >>> 3]! |= 1 << (g & 7);
      else this.bits[g >>> 3]! &= ~(1 << (g & 7));
    }
  }

  allSet(addr: number, size: number): boolean {
    const first = addr >>> SHIFT;
    const last = (addr + size - 1) >>> SHIFT;
    for (let g = first; g <= last; g++) {
      if ((this.bits[g >>> 3]! & (1 << (g & 7))) === 0) return false;
    }
    return true;
  }
}
