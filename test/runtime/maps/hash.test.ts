import { describe, expect, it } from "vitest";
import {
  BPF_ANY,
  BPF_EXIST,
  BPF_F_NO_PREALLOC,
  BPF_NOEXIST,
  MapType,
} from "../../../src/uapi/index.ts";
import { BPF_F_ZERO_SEED, HashMap } from "../../../src/runtime/maps/index.ts";
import { place, readU32, readU64, setup, u32, u64 } from "./setup.ts";

const hash = { type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 4 };

describe.each([
  ["preallocated", 0],
  ["BPF_F_NO_PREALLOC", BPF_F_NO_PREALLOC],
])("hash map (%s)", (_name, flags) => {
  it("insert, replace, delete with the kernel's flag rules", () => {
    const { open } = setup();
    const h = open({ ...hash, flags });
    expect(h.lookup(1)).toBeUndefined();
    expect(() => h.update(1, u64(1), BPF_EXIST)).toThrow(
      expect.objectContaining({ errno: "ENOENT" }),
    );
    h.update(1, u64(1), BPF_NOEXIST);
    expect(() => h.update(1, u64(2), BPF_NOEXIST)).toThrow(
      expect.objectContaining({ errno: "EEXIST" }),
    );
    h.update(1, u64(3), BPF_EXIST);
    expect(readU64(h.lookup(1)!)).toBe(3n);
    h.delete(1);
    expect(h.lookup(1)).toBeUndefined();
    expect(() => h.delete(1)).toThrow(expect.objectContaining({ errno: "ENOENT" }));
    expect(() => h.update(1, u64(1), 4 | 8)).toThrow(expect.objectContaining({ errno: "EINVAL" }));
  });

  it("a full map refuses new keys with E2BIG but still replaces present ones", () => {
    const { open } = setup();
    const h = open({ ...hash, flags });
    for (let i = 0; i < 4; i++) h.update(i, u64(i));
    expect(() => h.update(9, u64(9))).toThrow(expect.objectContaining({ errno: "E2BIG" }));
    h.update(2, u64(22));
    h.delete(0);
    h.update(9, u64(9));
    expect(readU64(h.lookup(9)!)).toBe(9n);
    expect((h.map as HashMap).count).toBe(4);
  });

  it("iterates every key once; a missing key restarts at the first", () => {
    const { open } = setup();
    const h = open({ ...hash, maxEntries: 64, flags });
    const want = [5, 17, 3, 99, 42];
    for (const k of want) h.update(k, u64(k * 10));
    const got = [...h.keys()].map((k) => readU32(k));
    expect(got.slice().sort((a, b) => a - b)).toEqual(want.slice().sort((a, b) => a - b));
    expect(readU32(h.nextKey(12345)!)).toBe(got[0]);
    expect(h.nextKey(got[got.length - 1]!)).toBeUndefined();
    const entries = [...h.entries()].map(([k, v]) => [readU32(k), Number(readU64(v))]);
    expect(entries.every(([k, v]) => v === k! * 10)).toBe(true);
  });

  it("survives many inserts and deletes (index growth and tombstones)", () => {
    const { open } = setup();
    const h = open({ ...hash, maxEntries: 500, flags });
    const live = new Map<number, number>();
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 800;
    for (let i = 0; i < 6000; i++) {
      const k = rnd();
      if (live.has(k) && i % 3 === 0) {
        h.delete(k);
        live.delete(k);
      } else if (live.size < 500 || live.has(k)) {
        h.update(k, u64(i));
        live.set(k, i);
      }
    }
    expect((h.map as HashMap).count).toBe(live.size);
    for (const [k, v] of live) expect(readU64(h.lookup(k)!)).toBe(BigInt(v));
    expect(new Set([...h.keys()].map((k) => readU32(k)))).toEqual(new Set(live.keys()));
  });
});

describe("hash map details", () => {
  it("hashes whole keys of odd sizes (no collisions between keys differing in the last byte)", () => {
    const { open } = setup();
    const h = open({
      type: MapType.HASH,
      keySize: 7,
      valueSize: 1,
      maxEntries: 300,
      flags: BPF_F_ZERO_SEED,
    });
    for (let i = 0; i < 256; i++)
      h.update(new Uint8Array([1, 2, 3, 4, 5, 6, i]), new Uint8Array([i]));
    for (let i = 0; i < 256; i++)
      expect(h.lookup(new Uint8Array([1, 2, 3, 4, 5, 6, i]))![0]).toBe(i);
    expect(h.lookup(new Uint8Array([1, 2, 3, 4, 5, 7, 0]))).toBeUndefined();
  });

  it("program lookups return a stable address into the element", () => {
    const { mem, open } = setup();
    const h = open(hash);
    h.update(7, u64(70));
    const key = place(mem, u32(7));
    const a = h.map.lookupElem(key);
    expect(a).toBeGreaterThan(0);
    expect(mem.dv.getBigUint64(a, true)).toBe(70n);
    mem.dv.setBigUint64(a, 71n, true);
    expect(readU64(h.lookup(7)!)).toBe(71n);
    expect(h.map.updateElem(key, place(mem, u64(72)), BPF_ANY)).toBe(0);
    expect(h.map.lookupElem(key)).toBe(a);
    expect(h.map.deleteElem(key)).toBe(0);
    expect(h.map.lookupElem(key)).toBe(0);
    expect(h.map.deleteElem(key)).toBe(-2);
  });

  it("lookupAndDelete returns the value and removes the key", () => {
    const { open } = setup();
    const h = open(hash);
    h.update(1, u64(11));
    expect(readU64(h.lookupAndDelete(1)!)).toBe(11n);
    expect(h.lookupAndDelete(1)).toBeUndefined();
  });

  it("key and value sizes are checked", () => {
    const { open } = setup();
    const h = open(hash);
    expect(() => h.update(new Uint8Array(3), u64(1))).toThrow(/key is 3 bytes, key_size is 4/);
    expect(() => h.update(1, u32(1))).toThrow(/value is 4 bytes, expected 8/);
    const h8 = open({ ...hash, keySize: 8 });
    expect(() => h8.lookup(1)).toThrow(/number keys need key_size 4/);
  });
});

describe("percpu hash", () => {
  it("keeps a copy per CPU; a program's insert zeroes the other CPUs", () => {
    const { mem, reg, open } = setup(3);
    const h = open({ type: MapType.PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 8 });
    expect(h.userValueSize).toBe(24);
    h.updatePerCpu(1, [u32(1), u32(2), u32(3)]);
    expect(h.lookupPerCpu(1)!.map((b) => readU32(b))).toEqual([1, 2, 3]);
    reg.currentCpu = 2;
    const key = place(mem, u32(1));
    expect(mem.dv.getUint32(h.map.lookupElem(key), true)).toBe(3);
    // Update of a present key from a program: this CPU only.
    expect(h.map.updateElem(key, place(mem, u32(30)), BPF_ANY)).toBe(0);
    expect(h.lookupPerCpu(1)!.map((b) => readU32(b))).toEqual([1, 2, 30]);
    // New key from a program on CPU 1: other CPUs read zero, even in a reused element.
    h.delete(1);
    reg.currentCpu = 1;
    expect(h.map.updateElem(place(mem, u32(5)), place(mem, u32(55)), BPF_ANY)).toBe(0);
    expect(h.lookupPerCpu(5)!.map((b) => readU32(b))).toEqual([0, 55, 0]);
  });
});

describe("flag words", () => {
  it("flags beyond 32 bits or fractional are EINVAL, never truncated to BPF_ANY", () => {
    const { mem, open } = setup();
    const h = open(hash);
    const arr = open({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    const q = open({ type: MapType.QUEUE, keySize: 0, valueSize: 8, maxEntries: 1 });
    const k = place(mem, u32(1));
    const v = place(mem, u64(1));
    for (const f of [2 ** 32, 2 ** 32 + 1, 0.5, -1]) {
      expect(h.map.updateElem(k, v, f)).toBe(-22);
      expect(arr.map.updateElem(place(mem, u32(0)), v, f)).toBe(-22);
      expect(q.map.pushElem(v, f)).toBe(-22);
    }
    expect(h.lookup(1)).toBeUndefined();
  });
});
