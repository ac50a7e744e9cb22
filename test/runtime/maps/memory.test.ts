// Maps live in runtime memory and must give it back: a long-running process
// that creates and deletes maps must not grow forever.
import { describe, expect, it } from "vitest";
import { BPF_F_NO_PREALLOC, MapType } from "../../../src/uapi/index.ts";
import { VmMemory } from "../../../src/memory/index.ts";
import {
  MapRegistry,
  PerfReader,
  RingBufReader,
  type MapAttrs,
} from "../../../src/runtime/maps/index.ts";
import { openMap, u32, u64 } from "./setup.ts";

const kinds: MapAttrs[] = [
  { type: MapType.ARRAY, keySize: 4, valueSize: 64, maxEntries: 1000 },
  { type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 100 },
  { type: MapType.HASH, keySize: 8, valueSize: 8, maxEntries: 5000 },
  { type: MapType.HASH, keySize: 8, valueSize: 8, maxEntries: 5000, flags: BPF_F_NO_PREALLOC },
  { type: MapType.LRU_PERCPU_HASH, keySize: 4, valueSize: 8, maxEntries: 64 },
  { type: MapType.LPM_TRIE, keySize: 8, valueSize: 8, maxEntries: 100, flags: BPF_F_NO_PREALLOC },
  { type: MapType.QUEUE, keySize: 0, valueSize: 16, maxEntries: 100 },
  { type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 16384 },
  { type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 },
];

function churn(reg: MapRegistry): void {
  for (const a of kinds) {
    const h = openMap(reg, a);
    if (a.type === MapType.HASH) for (let i = 0; i < 300; i++) h.update(u64(i), u64(i));
    if (a.type === MapType.LPM_TRIE)
      for (let i = 0; i < 50; i++) h.update(new Uint8Array([24, 0, 0, 0, 10, i, 0, 0]), u64(i));
    if (a.type === MapType.QUEUE) h.push(new Uint8Array(16));
    if (a.type === MapType.LRU_PERCPU_HASH)
      for (let i = 0; i < 100; i++) h.update(u32(i), new Uint8Array(16));
    const reader =
      a.type === MapType.RINGBUF
        ? new RingBufReader(h)
        : a.type === MapType.PERF_EVENT_ARRAY
          ? new PerfReader(h)
          : undefined;
    reader?.close();
    h.close();
  }
}

describe("map memory", () => {
  it("returns every byte when maps are freed, and reuses it", () => {
    const mem = new VmMemory();
    const reg = new MapRegistry({ mem, ncpus: 2 });
    const base = mem.allocatedBytes;
    churn(reg);
    expect(mem.allocatedBytes).toBe(base);
    expect(reg.size).toBe(0);
    const size = mem.byteLength;
    for (let round = 0; round < 20; round++) churn(reg);
    expect(mem.byteLength).toBe(size);
    expect(mem.allocatedBytes).toBe(base);
  });

  it("a no-prealloc hash reuses deleted elements instead of growing", () => {
    const mem = new VmMemory();
    const reg = new MapRegistry({ mem });
    const h = openMap(reg, {
      type: MapType.HASH,
      keySize: 8,
      valueSize: 8,
      maxEntries: 100_000,
      flags: BPF_F_NO_PREALLOC,
    });
    const empty = mem.allocatedBytes;
    for (let i = 0; i < 3000; i++) h.update(u64(i), u64(i));
    const peak = mem.allocatedBytes;
    expect(peak).toBeGreaterThan(empty);
    expect(peak - empty).toBeLessThan(200_000); // grows with use, not with max_entries
    for (let round = 1; round <= 5; round++) {
      for (let i = 0; i < 3000; i++) h.delete(u64(i + (round - 1) * 3000));
      for (let i = 0; i < 3000; i++) h.update(u64(i + round * 3000), u64(i));
    }
    expect(mem.allocatedBytes).toBe(peak);
    h.close();
    expect(mem.allocatedBytes).toBeLessThan(empty);
  });
});
