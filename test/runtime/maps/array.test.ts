import { describe, expect, it } from "vitest";
import { BPF_ANY, BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, MapType } from "../../../src/uapi/index.ts";
import { ArrayMap, MapError, MapHeader, PercpuArrayMap } from "../../../src/runtime/maps/index.ts";
import { place, readU32, readU64, setup, u32, u64 } from "./setup.ts";

const arr = { type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 5 };

describe("array map", () => {
  it("is preallocated and zeroed; lookups past max_entries miss", () => {
    const { open } = setup();
    const h = open(arr);
    expect(readU64(h.lookup(4)!)).toBe(0n);
    expect(h.lookup(5)).toBeUndefined();
  });

  it("update flags: NOEXIST is EEXIST, out of range is E2BIG, unknown flags EINVAL", () => {
    const { open } = setup();
    const h = open(arr);
    h.update(1, u64(7), BPF_EXIST);
    h.update(1, u64(8), BPF_ANY);
    expect(readU64(h.lookup(1)!)).toBe(8n);
    expect(() => h.update(1, u64(9), BPF_NOEXIST)).toThrow(
      expect.objectContaining({ errno: "EEXIST" }),
    );
    expect(() => h.update(5, u64(9))).toThrow(expect.objectContaining({ errno: "E2BIG" }));
    expect(() => h.update(1, u64(9), 3)).toThrow(expect.objectContaining({ errno: "EINVAL" }));
    // BPF_F_LOCK needs a bpf_spin_lock in the value.
    expect(() => h.update(1, u64(9), BPF_F_LOCK)).toThrow(
      expect.objectContaining({ errno: "EINVAL" }),
    );
  });

  it("elements can't be deleted (EINVAL)", () => {
    const { open } = setup();
    const h = open(arr);
    expect(() => h.delete(0)).toThrow(expect.objectContaining({ errno: "EINVAL", code: 22 }));
  });

  it("get_next_key: indices in order, a bad key restarts at 0, the last ends", () => {
    const { open } = setup();
    const h = open(arr);
    expect([...h.keys()].map((k) => readU32(k))).toEqual([0, 1, 2, 3, 4]);
    expect(readU32(h.nextKey(99)!)).toBe(0);
    expect(readU32(h.nextKey(2)!)).toBe(3);
    expect(h.nextKey(4)).toBeUndefined();
  });

  it("a program sees the same bytes through the lookup address", () => {
    const { mem, reg, open } = setup();
    const h = open(arr);
    const map = reg.fromAddr(h.map.addr)!;
    expect(map).toBe(h.map);
    const key = place(mem, u32(3));
    const v = map.lookupElem(key);
    expect(v).toBe((map as ArrayMap).layout.valuesAddr + 3 * 8);
    mem.dv.setBigUint64(v, 0x1122334455667788n, true);
    expect(readU64(h.lookup(3)!)).toBe(0x1122334455667788n);
    // Program-side update through a value on the "stack".
    const val = place(mem, u64(42));
    expect(map.updateElem(key, val, BPF_ANY)).toBe(0);
    expect(mem.dv.getBigUint64(v, true)).toBe(42n);
    expect(map.updateElem(place(mem, u32(9)), val, BPF_ANY)).toBe(-7);
    expect(map.lookupElem(place(mem, u32(9)))).toBe(0);
  });

  it("exposes the inline-lookup layout, also in the header", () => {
    const { mem, open } = setup();
    const h = open({ type: MapType.ARRAY, keySize: 4, valueSize: 12, maxEntries: 5 });
    const m = h.map as ArrayMap;
    expect(m.layout).toMatchObject({ elemSize: 16, maxEntries: 5, indexMask: 7 });
    expect(mem.dv.getUint32(m.addr + MapHeader.VALUES_ADDR, true)).toBe(m.layout.valuesAddr);
    expect(mem.dv.getUint32(m.addr + MapHeader.INDEX_MASK, true)).toBe(7);
    expect(mem.dv.getUint32(m.addr + MapHeader.TYPE, true)).toBe(MapType.ARRAY);
    expect(mem.dv.getUint32(m.addr + MapHeader.ID, true)).toBe(m.id);
  });

  it("global data: one-entry arrays give BPF_PSEUDO_MAP_VALUE addresses", () => {
    const { open } = setup();
    const data = open({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 16,
      maxEntries: 1,
      name: ".data",
    });
    const m = data.map as ArrayMap;
    expect(m.directValueAddr(4)).toBe(m.layout.valuesAddr + 4);
    expect(m.directValueAddr(16)).toBe(-22);
    const two = open(arr);
    expect(two.map.directValueAddr(0)).toBe(-524);
  });

  it("tells the verifier a frozen .rodata's bytes", () => {
    const { open } = setup();
    const ro = open({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
      name: ".rodata",
      flags: 1 << 7,
    });
    ro.update(0, u32(0xc0ffee));
    expect(ro.map.verifierInfo().frozenValue).toBeUndefined();
    ro.freeze();
    const info = ro.map.verifierInfo();
    expect(info).toMatchObject({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
      name: ".rodata",
    });
    expect(readU32(info.frozenValue!)).toBe(0xc0ffee);
  });

  it("frozen and read-only maps refuse user writes, programs still write", () => {
    const { mem, open } = setup();
    const h = open(arr);
    h.freeze();
    expect(() => h.update(0, u64(1))).toThrow(expect.objectContaining({ errno: "EPERM" }));
    expect(() => h.freeze()).toThrow(expect.objectContaining({ errno: "EBUSY" }));
    expect(h.map.updateElem(place(mem, u32(0)), place(mem, u64(5)), 0)).toBe(0);
    expect(readU64(h.lookup(0)!)).toBe(5n);
    const ro = open({ ...arr, flags: 1 << 3 /* BPF_F_RDONLY */ });
    expect(() => ro.update(0, u64(1))).toThrow(expect.objectContaining({ errno: "EPERM" }));
    const wo = open({ ...arr, flags: 1 << 4 /* BPF_F_WRONLY */ });
    expect(() => wo.lookup(0)).toThrow(expect.objectContaining({ errno: "EPERM" }));
  });

  it("a bpf_spin_lock field is never written from user space and reads as zero", () => {
    const { mem, open } = setup();
    const h = open({ ...arr, valueSize: 16, spinLockOffset: 8 });
    const v = new Uint8Array(16).fill(0xab);
    h.update(0, v, BPF_F_LOCK);
    const m = h.map as ArrayMap;
    const base = m.layout.valuesAddr;
    expect(mem.dv.getUint32(base + 8, true)).toBe(0); // lock untouched
    expect(mem.dv.getUint32(base + 12, true)).toBe(0xabababab);
    mem.dv.setUint32(base + 8, 1, true); // "locked" by a program
    const got = h.lookup(0, BPF_F_LOCK)!;
    expect(readU32(got, 8)).toBe(0);
    expect(readU32(got, 0)).toBe(0xabababab);
    expect(() => h.lookup(0, 1)).toThrow(expect.objectContaining({ errno: "EINVAL" }));
  });
});

describe("percpu array", () => {
  it("user space sees every CPU's copy, each rounded up to 8 bytes", () => {
    const { mem, reg, open } = setup(4);
    const h = open({ type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 });
    expect(h.userValueSize).toBe(32);
    h.updatePerCpu(1, [u32(10), u32(11), u32(12), u32(13)]);
    expect(h.lookupPerCpu(1)!.map((b) => readU32(b))).toEqual([10, 11, 12, 13]);
    const key = place(mem, u32(1));
    for (let cpu = 0; cpu < 4; cpu++) {
      reg.currentCpu = cpu;
      expect(mem.dv.getUint32(h.map.lookupElem(key), true)).toBe(10 + cpu);
    }
  });

  it("a program's update writes only the current CPU's copy", () => {
    const { mem, reg, open } = setup(3);
    const h = open({ type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    h.updatePerCpu(0, [u64(1), u64(2), u64(3)]);
    reg.currentCpu = 1;
    expect(h.map.updateElem(place(mem, u32(0)), place(mem, u64(99)), BPF_ANY)).toBe(0);
    expect(h.lookupPerCpu(0)!.map((b) => readU64(b))).toEqual([1n, 99n, 3n]);
    expect(h.map).toBeInstanceOf(PercpuArrayMap);
    expect(() => (reg.currentCpu = 3)).toThrow(/out of range/);
  });

  it("rejects values of the wrong size", () => {
    const { open } = setup(2);
    const h = open({ type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(() => h.update(0, u32(1))).toThrow(MapError);
  });
});
