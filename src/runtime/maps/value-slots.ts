// Fixed-size value blocks for maps whose elements come and go one by one
// (devmap_hash): allocated in chunks from map-owned memory and reused after a
// delete, never handed back before the map dies, so an address a program got
// from a lookup keeps pointing into the map (the kernel's RCU guarantee).
const CHUNK = 256;

export class ValueSlots {
  private readonly free: number[] = [];

  constructor(
    private readonly size: number,
    /** Allocates map-owned memory (freed with the map). */
    private readonly alloc: (bytes: number, align: number) => number,
  ) {}

  take(): number {
    if (this.free.length === 0) {
      const base = this.alloc(this.size * CHUNK, 8);
      for (let i = CHUNK - 1; i >= 0; i--) this.free.push(base + i * this.size);
    }
    return this.free.pop()!;
  }

  give(addr: number): void {
    this.free.push(addr);
  }
}
