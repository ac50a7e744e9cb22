import { describe, expect, it } from "vitest";
import { BPF_F_NO_COMMON_LRU, BPF_NOEXIST, MapType } from "../../../src/uapi/index.ts";
import { HashMap } from "../../../src/runtime/maps/index.ts";
import { place, readU32, setup, u32, u64 } from "./setup.ts";

const lru = { type: MapType.LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 4 };

function keysOf(h: { keys(): IterableIterator<Uint8Array> }): number[] {
  return [...h.keys()].map((k) => readU32(k)).sort((a, b) => a - b);
}

describe("LRU hash", () => {
  it("evicts the least recently inserted entry when full instead of failing", () => {
    const { open } = setup();
    const h = open(lru);
    for (let i = 1; i <= 4; i++) h.update(i, u64(i));
    h.update(5, u64(5));
    expect(keysOf(h)).toEqual([2, 3, 4, 5]);
    expect((h.map as HashMap).count).toBe(4);
  });

  it("a program lookup gives an entry a second chance", () => {
    const { mem, open } = setup();
    const h = open(lru);
    for (let i = 1; i <= 4; i++) h.update(i, u64(i));
    expect(h.map.lookupElem(place(mem, u32(1)))).not.toBe(0); // referenced
    h.update(5, u64(5)); // 1 is skipped, 2 goes
    expect(keysOf(h)).toEqual([1, 3, 4, 5]);
    h.update(6, u64(6)); // 1's bit was cleared when it was rotated; 3 is older
    expect(keysOf(h)).toEqual([1, 4, 5, 6]);
  });

  it("user-space lookups don't count as references", () => {
    const { open } = setup();
    const h = open(lru);
    for (let i = 1; i <= 4; i++) h.update(i, u64(i));
    expect(h.lookup(1)).toBeDefined();
    h.update(5, u64(5));
    expect(keysOf(h)).toEqual([2, 3, 4, 5]);
  });

  it("updating a present key makes it recent and doesn't evict", () => {
    const { open } = setup();
    const h = open(lru);
    for (let i = 1; i <= 4; i++) h.update(i, u64(i));
    h.update(1, u64(10));
    expect(keysOf(h)).toEqual([1, 2, 3, 4]);
    h.update(5, u64(5));
    h.update(6, u64(6));
    expect(keysOf(h)).toEqual([1, 4, 5, 6]);
    expect(() => h.update(4, u64(0), BPF_NOEXIST)).toThrow(
      expect.objectContaining({ errno: "EEXIST" }),
    );
  });

  it("deleted entries free their element for reuse without eviction", () => {
    const { open } = setup();
    const h = open(lru);
    for (let i = 1; i <= 4; i++) h.update(i, u64(i));
    h.delete(3);
    h.update(7, u64(7));
    expect(keysOf(h)).toEqual([1, 2, 4, 7]);
  });

  it("with BPF_F_NO_COMMON_LRU each CPU evicts only among its own share", () => {
    const { reg, open } = setup(2);
    const h = open({ ...lru, flags: BPF_F_NO_COMMON_LRU });
    reg.currentCpu = 0;
    h.update(1, u64(1));
    h.update(2, u64(2));
    reg.currentCpu = 1;
    h.update(3, u64(3));
    reg.currentCpu = 0;
    h.update(4, u64(4)); // CPU 0's two elements are taken: evicts 1, not CPU 1's 3
    expect(keysOf(h)).toEqual([2, 3, 4]);
  });

  it("LRU per-CPU values evict the same way", () => {
    const { open } = setup(2);
    const h = open({ ...lru, type: MapType.LRU_PERCPU_HASH, maxEntries: 2 });
    h.updatePerCpu(1, [u64(1), u64(2)]);
    h.updatePerCpu(2, [u64(3), u64(4)]);
    h.updatePerCpu(3, [u64(5), u64(6)]);
    expect(keysOf(h)).toEqual([2, 3]);
    expect(h.lookupPerCpu(3)!.length).toBe(2);
  });
});
