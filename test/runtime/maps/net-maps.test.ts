// devmap, devmap_hash, cpumap and xskmap from user space and the program
// side: the kernel's creation checks, update/delete/lookup errnos, what a
// program's lookup hands back, the kernel's iteration order, references to
// programs and sockets, and devices/sockets leaving the maps that hold them.
import { describe, expect, it } from "vitest";
import {
  AttachType,
  BPF_EXIST,
  BPF_F_RDONLY_PROG,
  BPF_NOEXIST,
  MapType,
  ProgType,
} from "../../../src/uapi/index.ts";
import {
  CpuMap,
  DevMap,
  DevMapHash,
  XskMap,
  type MapAttrs,
  type RedirectTarget,
} from "../../../src/runtime/maps/index.ts";
import { RefCounted, type ProgramRef } from "../../../src/runtime/object.ts";
import { place, readU32, setup, u32 } from "./setup.ts";

class FakeProg extends RefCounted implements ProgramRef {
  constructor(
    readonly id: number,
    readonly type: number,
    readonly expectedAttachType: number,
  ) {
    super();
  }
  describe(): string {
    return `prog ${this.id}`;
  }
  protected destroy(): void {}
}

const errno = (e: string) => expect.objectContaining({ errno: e });
const val = (ifindex: number, prog = 0): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, ifindex, true);
  new DataView(b.buffer).setUint32(4, prog, true);
  return b;
};
const attrs = (type: number, extra: Partial<MapAttrs> = {}): MapAttrs => ({
  type,
  keySize: 4,
  valueSize: 8,
  maxEntries: 4,
  ...extra,
});

describe("devmap creation", () => {
  it.each([
    ["max_entries 0", { maxEntries: 0 }, "EINVAL"],
    ["key_size 8", { keySize: 8 }, "EINVAL"],
    ["value_size 12", { valueSize: 12 }, "EINVAL"],
    ["BPF_F_NO_PREALLOC", { flags: 1 }, "EINVAL"],
  ] as const)("%s → %s", (_name, extra, err) => {
    const { reg } = setup();
    for (const type of [MapType.DEVMAP, MapType.DEVMAP_HASH])
      expect(() => reg.create(attrs(type, extra))).toThrow(errno(err));
    expect(reg.size).toBe(0);
  });

  it("takes value_size 4 or 8 and marks the map read-only for programs", () => {
    const { open } = setup();
    const h4 = open(attrs(MapType.DEVMAP, { valueSize: 4 }));
    const h8 = open(attrs(MapType.DEVMAP_HASH));
    expect(h4.map.verifierInfo().flags & BPF_F_RDONLY_PROG).toBe(BPF_F_RDONLY_PROG);
    expect(h8.info().flags).toBe(BPF_F_RDONLY_PROG);
    const { reg } = setup();
    expect(() => reg.create(attrs(MapType.DEVMAP_HASH, { maxEntries: 2 ** 31 + 1 }))).toThrow(
      errno("EINVAL"),
    );
  });
});

describe("devmap", () => {
  it("follows the kernel's update, delete and lookup rules", () => {
    const { reg, open, mem } = setup();
    const eth1 = reg.devices.add({ name: "eth1" });
    const h = open(attrs(MapType.DEVMAP));
    expect(eth1.ifindex).toBe(2);
    // Every slot "exists" for BPF_NOEXIST; BPF_EXIST works on an empty one.
    expect(() => h.update(0, val(2), BPF_NOEXIST)).toThrow(errno("EEXIST"));
    h.update(1, val(2), BPF_EXIST);
    expect(() => h.update(0, val(2), 4)).toThrow(errno("EINVAL"));
    expect(() => h.update(4, val(2))).toThrow(errno("E2BIG"));
    expect(() => h.update(0, val(99))).toThrow(errno("EINVAL")); // no such device
    expect(h.lookup(1)).toEqual(val(2));
    expect(h.lookup(0)).toBeUndefined();
    // A failed update leaves the slot as it was.
    expect(() => h.update(1, val(99))).toThrow(errno("EINVAL"));
    expect(h.lookup(1)).toEqual(val(2));
    // ifindex 0 empties the slot; with a program it is refused.
    expect(() => h.update(1, val(0, 7))).toThrow(errno("EINVAL"));
    h.update(1, val(0));
    expect(h.lookup(1)).toBeUndefined();
    // Delete: any index in range succeeds (even empty), beyond it EINVAL.
    h.update(2, val(1));
    h.delete(2);
    h.delete(2);
    expect(() => h.delete(4)).toThrow(errno("EINVAL"));
    // The program side reads the entry through the address a lookup gives.
    h.update(3, val(2));
    const m = h.map as DevMap;
    const addr = m.lookupElem(place(mem, u32(3)));
    expect(addr).toBeGreaterThan(0);
    expect(mem.read(addr, 8)).toEqual(val(2));
    expect(m.lookupElem(place(mem, u32(0)))).toBe(0);
    expect(m.lookupElem(place(mem, u32(1000)))).toBe(0);
    expect([...h.keys()].map((k) => readU32(k))).toEqual([0, 1, 2, 3]);
  });

  it("holds the XDP program of an entry only if it was loaded for BPF_XDP_DEVMAP", () => {
    const { reg, open } = setup();
    reg.devices.add({ name: "eth1", ifindex: 5 });
    const good = new FakeProg(10, ProgType.XDP, AttachType.XDP_DEVMAP);
    const plain = new FakeProg(11, ProgType.XDP, 0);
    const tc = new FakeProg(12, ProgType.SCHED_CLS, AttachType.XDP_DEVMAP);
    reg.programs = { program: (id) => [good, plain, tc].find((p) => p.id === id) };
    const h = open(attrs(MapType.DEVMAP));
    for (const bad of [11, 12, 13]) expect(() => h.update(0, val(5, bad))).toThrow(errno("EINVAL"));
    h.update(0, val(5, 10));
    expect(good.refCount).toBe(2);
    expect(h.lookup(0)).toEqual(val(5, 10));
    expect((h.map as DevMap).redirectLookup(0)).toEqual({
      kind: "dev",
      dev: reg.devices.get(5)!,
      progId: 10,
    } satisfies RedirectTarget);
    h.update(0, val(5)); // replaced: the program is let go
    expect(good.refCount).toBe(1);
    h.update(1, val(5, 10));
    h.close(); // the map dies with its last handle and releases its programs
    expect(good.refCount).toBe(1);
    expect(reg.size).toBe(0);
  });

  it("drops entries of a device that goes away, in every devmap", () => {
    const { reg, open } = setup();
    const d = reg.devices.add({ name: "veth0", ifindex: 9 });
    const a = open(attrs(MapType.DEVMAP, { valueSize: 4 }));
    const b = open(attrs(MapType.DEVMAP_HASH, { valueSize: 4 }));
    a.update(0, u32(9));
    a.update(1, u32(1));
    b.update(9, u32(9));
    reg.devices.remove(d.ifindex);
    expect(a.lookup(0)).toBeUndefined();
    expect(a.lookup(1)).toEqual(u32(1));
    expect(b.lookup(9)).toBeUndefined();
    expect(() => a.update(0, u32(9))).toThrow(errno("EINVAL"));
    expect(() => reg.devices.remove(1)).toThrow(/loopback/);
  });
});

describe("devmap_hash", () => {
  it("follows the kernel's update and delete rules", () => {
    const { reg, open } = setup();
    reg.devices.add({ name: "eth1", ifindex: 2 });
    reg.devices.add({ name: "eth2", ifindex: 3 });
    const h = open(attrs(MapType.DEVMAP_HASH, { maxEntries: 2 }));
    expect(() => h.update(2, val(0))).toThrow(errno("EINVAL")); // ifindex 0
    h.update(1000, val(2), BPF_EXIST); // BPF_EXIST inserts, as in the kernel
    expect(() => h.update(1000, val(3), BPF_NOEXIST)).toThrow(errno("EEXIST"));
    h.update(1000, val(3));
    expect(h.lookup(1000)).toEqual(val(3));
    h.update(7, val(2));
    expect(() => h.update(8, val(2))).toThrow(errno("E2BIG"));
    h.update(7, val(3)); // replacing needs no room
    expect(() => h.delete(8)).toThrow(errno("ENOENT"));
    h.delete(7);
    h.update(8, val(2));
    expect((h.map as DevMapHash).count).toBe(2);
  });

  it("iterates keys in the kernel's bucket order, newest first within a bucket", () => {
    const { reg, open } = setup();
    reg.devices.add({ name: "eth1", ifindex: 2 });
    const h = open(attrs(MapType.DEVMAP_HASH, { maxEntries: 4, valueSize: 4 }));
    for (const k of [5, 2, 1, 6]) h.update(k, u32(2));
    // Buckets are key & 3: 5 → 1, 2 → 2, 1 → 1 (added after 5), 6 → 2 (after 2).
    expect([...h.keys()].map((k) => readU32(k))).toEqual([1, 5, 6, 2]);
    expect(readU32(h.nextKey(12345)!)).toBe(1); // a missing key restarts
    const m = h.map as DevMapHash;
    expect(m.broadcastDevices().map((d) => d.ifindex)).toEqual([2, 2, 2, 2]);
  });
});

describe("cpumap", () => {
  it("checks its attributes like cpu_map_alloc", () => {
    const { reg } = setup();
    expect(() => reg.create(attrs(MapType.CPUMAP, { valueSize: 12 }))).toThrow(errno("EINVAL"));
    expect(() => reg.create(attrs(MapType.CPUMAP, { flags: 8 }))).toThrow(errno("EINVAL"));
    expect(() => reg.create(attrs(MapType.CPUMAP, { maxEntries: 8193 }))).toThrow(errno("E2BIG"));
  });

  it("takes a queue size per CPU the runtime has", () => {
    const { reg, open } = setup(2);
    const cpumapProg = new FakeProg(20, ProgType.XDP, AttachType.XDP_CPUMAP);
    const devmapProg = new FakeProg(21, ProgType.XDP, AttachType.XDP_DEVMAP);
    reg.programs = { program: (id) => [cpumapProg, devmapProg].find((p) => p.id === id) };
    const h = open(attrs(MapType.CPUMAP));
    h.update(1, val(192));
    expect(h.lookup(1)).toEqual(val(192));
    expect(() => h.update(2, val(192))).toThrow(errno("ENODEV")); // only CPUs 0 and 1 exist
    expect(() => h.update(4, val(192))).toThrow(errno("E2BIG"));
    expect(() => h.update(0, val(16385))).toThrow(errno("EOVERFLOW"));
    expect(() => h.update(0, val(1), BPF_NOEXIST)).toThrow(errno("EEXIST"));
    expect(() => h.update(0, val(1, 21))).toThrow(errno("EINVAL"));
    expect(() => h.update(0, val(1, 99))).toThrow(errno("EBADF"));
    h.update(0, val(64, 20));
    expect(cpumapProg.refCount).toBe(2);
    expect((h.map as CpuMap).redirectLookup(0)).toEqual({
      kind: "cpu",
      cpu: 0,
      qsize: 64,
      progId: 20,
    });
    h.update(0, val(0)); // qsize 0 empties the slot
    expect(h.lookup(0)).toBeUndefined();
    expect(cpumapProg.refCount).toBe(1);
    h.delete(1);
    h.delete(1);
    expect(() => h.delete(4)).toThrow(errno("EINVAL"));
  });
});

describe("xskmap", () => {
  it("holds AF_XDP sockets; user space can't read it back; closing leaves the map", () => {
    const { reg, open, mem } = setup();
    const xs = reg.sockets.createXdp({ ifindex: 1, queueId: 3 });
    const tcp = reg.sockets.create({ protocol: "tcp" });
    const h = open({ type: MapType.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 2 });
    expect(() => h.update(0, u32(999))).toThrow(errno("EBADF"));
    expect(() => h.update(0, u32(tcp.id))).toThrow(errno("EOPNOTSUPP"));
    expect(() => h.update(0, u32(xs.id), BPF_EXIST)).toThrow(errno("ENOENT"));
    expect(() => h.update(2, u32(xs.id))).toThrow(errno("E2BIG"));
    h.update(0, u32(xs.id));
    h.update(0, u32(xs.id), BPF_NOEXIST); // the same socket again is a no-op
    h.update(1, u32(xs.id));
    expect(xs.refCount).toBe(3);
    expect(() => h.lookup(0)).toThrow(errno("EOPNOTSUPP"));
    // A program's lookup gets struct bpf_xdp_sock: the queue id.
    const m = h.map as XskMap;
    const a = m.lookupElem(place(mem, u32(1)));
    expect(mem.dv.getUint32(a, true)).toBe(3);
    h.delete(1);
    expect(xs.refCount).toBe(2);
    xs.close();
    expect(m.socketAt(0)).toBeUndefined();
    expect(xs.freed).toBe(true);
    expect(() =>
      reg.create({ type: MapType.XSKMAP, keySize: 4, valueSize: 8, maxEntries: 1 }),
    ).toThrow(errno("EINVAL"));
  });
});
