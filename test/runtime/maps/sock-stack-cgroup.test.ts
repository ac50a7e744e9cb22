// sockmap, sockhash, stack_trace and cgroup_array: the kernel's creation
// checks and errnos, sockets and cgroups held by reference, stack ids as the
// kernel computes them (jhash2 of the ips, masked to the bucket count) with
// the collision flags, and the jhash implementation against lookup3's vectors.
import { describe, expect, it } from "vitest";
import { BPF_EXIST, BPF_NOEXIST, MapType } from "../../../src/uapi/index.ts";
import {
  BPF_F_FAST_STACK_CMP,
  BPF_F_REUSE_STACKID,
  BPF_F_STACK_BUILD_ID,
  BPF_STACK_BUILD_ID_IP,
  CgroupArrayMap,
  jhash,
  jhash2,
  SockHash,
  SockMap,
  StackTraceMap,
} from "../../../src/runtime/maps/index.ts";
import { place, readU32, readU64, setup, u32, u64 } from "./setup.ts";

const errno = (e: string) => expect.objectContaining({ errno: e });

describe("jhash", () => {
  it("matches lookup3's published vectors, and jhash2 is jhash over the same words", () => {
    const text = new TextEncoder().encode("Four score and seven years ago");
    expect(jhash(text)).toBe(0x17770551);
    expect(jhash(text, 1)).toBe(0xcd628161);
    expect(jhash(new Uint8Array(0))).toBe(0xdeadbeef);
    for (const n of [1, 2, 3, 4, 6, 7]) {
      const w = Uint32Array.from({ length: n }, (_, i) => (i * 0x9e3779b9) >>> 0);
      expect(jhash2(w)).toBe(jhash(new Uint8Array(w.buffer)));
    }
  });
});

describe("sockmap and sockhash", () => {
  it("refuse bad attributes", () => {
    const { reg } = setup();
    const a = { keySize: 4, valueSize: 8, maxEntries: 4 };
    expect(() => reg.create({ type: MapType.SOCKMAP, ...a, keySize: 8 })).toThrow(errno("EINVAL"));
    expect(() => reg.create({ type: MapType.SOCKMAP, ...a, valueSize: 2 })).toThrow(
      errno("EINVAL"),
    );
    expect(() => reg.create({ type: MapType.SOCKHASH, ...a, keySize: 0 })).toThrow(errno("EINVAL"));
    expect(() => reg.create({ type: MapType.SOCKHASH, ...a, keySize: 513 })).toThrow(
      errno("E2BIG"),
    );
    expect(() => reg.create({ type: MapType.SOCKMAP, ...a, flags: 1 })).toThrow(errno("EINVAL"));
  });

  it("sockmap: sockets by id in, cookies out, kernel errnos, closing leaves the map", () => {
    const { reg, open, mem } = setup();
    const est = reg.sockets.create({ protocol: "tcp", localPort: 80, remotePort: 5555 });
    const listen = reg.sockets.create({ protocol: "tcp", state: "LISTEN" });
    const synSent = reg.sockets.create({ protocol: "tcp", state: "SYN_SENT" });
    const xs = reg.sockets.createXdp({ ifindex: 1, queueId: 0 });
    const h = open({ type: MapType.SOCKMAP, keySize: 4, valueSize: 8, maxEntries: 2 });
    expect(() => h.update(0, u64(999))).toThrow(errno("EBADF"));
    expect(() => h.update(0, u64(2n ** 31n))).toThrow(errno("EINVAL"));
    expect(() => h.update(0, u64(xs.id))).toThrow(errno("EOPNOTSUPP"));
    expect(() => h.update(0, u64(synSent.id))).toThrow(errno("EOPNOTSUPP"));
    expect(() => h.update(0, u64(est.id), 4)).toThrow(errno("EINVAL"));
    expect(() => h.update(2, u64(est.id))).toThrow(errno("E2BIG"));
    expect(() => h.update(0, u64(est.id), BPF_EXIST)).toThrow(errno("ENOENT"));
    h.update(0, u64(est.id));
    expect(() => h.update(0, u64(listen.id), BPF_NOEXIST)).toThrow(errno("EEXIST"));
    h.update(1, u64(listen.id));
    expect(readU64(h.lookup(0)!)).toBe(est.cookie);
    expect(est.refCount).toBe(2);
    // A program's lookup gets struct bpf_sock: family, type, protocol, ports, state.
    const m = h.map as SockMap;
    const a = m.lookupElem(place(mem, u32(0)));
    const dv = mem.dv;
    expect([0, 4, 8, 12].map((o) => dv.getUint32(a + o, true))).toEqual([0, 2, 1, 6]);
    expect(dv.getUint32(a + 44, true)).toBe(80); // src_port, host order
    expect(dv.getUint16(a + 48, false)).toBe(5555); // dst_port, network order
    expect(dv.getUint32(a + 72, true)).toBe(1); // TCP_ESTABLISHED
    // A program may store a socket it holds (the value is the socket pointer).
    expect(m.updateElem(place(mem, u32(1)), a, 0)).toBe(0);
    expect(m.updateElem(place(mem, u32(1)), place(mem, u64(0)), 0)).toBe(-22);
    expect(readU64(h.lookup(1)!)).toBe(est.cookie);
    expect(listen.refCount).toBe(1);
    est.close();
    expect(h.lookup(0)).toBeUndefined();
    expect(h.lookup(1)).toBeUndefined();
    expect(est.freed).toBe(true);
    expect(() => h.delete(0)).toThrow(errno("EINVAL")); // empty slot
    expect(() => h.delete(5)).toThrow(errno("EINVAL"));
    // value_size 4 maps can't give the cookie back.
    const h4 = open({ type: MapType.SOCKMAP, keySize: 4, valueSize: 4, maxEntries: 1 });
    h4.update(0, u32(listen.id));
    expect(() => h4.lookup(0)).toThrow(errno("ENOSPC"));
    h4.close();
    expect(listen.refCount).toBe(1);
  });

  it("sockhash: any key size, E2BIG when full, kernel bucket order", () => {
    const { reg, open } = setup();
    const s = reg.sockets.create({ protocol: "udp", state: "ESTABLISHED" });
    const h = open({ type: MapType.SOCKHASH, keySize: 6, valueSize: 4, maxEntries: 3 });
    const key = (n: number) => new Uint8Array([n, 0, 0, 0, 0, 1]);
    for (const n of [1, 2, 3]) h.update(key(n), u32(s.id));
    expect(() => h.update(key(4), u32(s.id))).toThrow(errno("E2BIG"));
    h.update(key(2), u32(s.id), BPF_EXIST);
    expect(() => h.delete(key(9))).toThrow(errno("ENOENT"));
    const m = h.map as SockHash;
    const bucket = (n: number) => jhash(key(n)) & 3;
    const order = [...h.keys()].map((k) => k[0]!);
    expect(order.map(bucket)).toEqual([...order.map(bucket)].sort((a, b) => a - b));
    expect(new Set(order)).toEqual(new Set([1, 2, 3]));
    expect(m.socketForKey(key(3))).toBe(s);
    h.delete(key(3));
    expect(s.refCount).toBe(3);
    h.close();
    expect(s.refCount).toBe(1);
  });
});

describe("stack_trace", () => {
  const stackAttrs = { type: MapType.STACK_TRACE, keySize: 4, valueSize: 32, maxEntries: 4 };

  it("refuses bad attributes like stack_map_alloc", () => {
    const { reg } = setup();
    for (const bad of [
      { valueSize: 12 },
      { valueSize: 0 },
      { valueSize: 128 * 8 },
      { keySize: 8 },
      { maxEntries: 0 },
      { flags: 1 },
      { flags: BPF_F_STACK_BUILD_ID, valueSize: 40 },
    ])
      expect(() => reg.create({ ...stackAttrs, ...bad })).toThrow(errno("EINVAL"));
    expect(() => reg.create({ ...stackAttrs, maxEntries: 2 ** 31 + 1 })).toThrow(errno("E2BIG"));
  });

  it("gives each stack the kernel's id and stores its frames", () => {
    const { open, mem } = setup();
    const h = open(stackAttrs);
    const m = h.map as StackTraceMap;
    const a = [0xffffffff81000010n, 0xffffffff81000020n];
    const ids = (ips: bigint[]) => {
      const w = new Uint32Array(new BigUint64Array(ips).buffer);
      return jhash2(w) & 3;
    };
    const id = m.stackId(a, 0);
    expect(id).toBe(ids(a));
    expect(m.stackId(a, 0)).toBe(id); // the same stack again
    const v = h.lookup(id)!;
    expect([readU64(v, 0), readU64(v, 8), readU64(v, 16), readU64(v, 24)]).toEqual([
      a[0],
      a[1],
      0n,
      0n,
    ]);
    // Program-side lookups find nothing and updates are refused.
    expect(m.lookupElem(place(mem, u32(id)))).toBe(0);
    expect(() => h.update(id, new Uint8Array(32))).toThrow(errno("EINVAL"));
    expect(readU32(h.nextKey()!)).toBe(id);
    expect(h.nextKey(id)).toBeUndefined();
    h.delete(id);
    expect(h.lookup(id)).toBeUndefined();
    expect(() => h.delete(id)).toThrow(errno("ENOENT"));
    expect(() => h.delete(4)).toThrow(errno("E2BIG"));
  });

  it("collisions: EEXIST, BPF_F_REUSE_STACKID, BPF_F_FAST_STACK_CMP; ENOMEM when full", () => {
    const { open } = setup();
    // One bucket: every stack collides.
    const h = open({ ...stackAttrs, maxEntries: 1 });
    const m = h.map as StackTraceMap;
    expect(m.stackId([1n], 0)).toBe(0);
    expect(m.stackId([2n], 0)).toBe(-17);
    expect(m.stackId([2n], BPF_F_REUSE_STACKID)).toBe(0);
    expect(readU64(h.lookup(0)!)).toBe(2n);
    // A stack with the same hash answers at once with FAST_STACK_CMP (here: itself).
    expect(m.stackId([2n], BPF_F_FAST_STACK_CMP)).toBe(0);
    // Two buckets but only max_entries 2 elements: a third distinct bucket can't be.
    const h3 = open({ ...stackAttrs, maxEntries: 3 });
    const m3 = h3.map as StackTraceMap;
    const byBucket = new Map<number, bigint>();
    for (let ip = 1n; byBucket.size < 4; ip++) {
      const b = jhash2(new Uint32Array(new BigUint64Array([ip]).buffer)) & 3;
      if (!byBucket.has(b)) byBucket.set(b, ip);
    }
    const ips = [...byBucket.values()];
    expect(m3.stackId([ips[0]!], 0)).toBeGreaterThanOrEqual(0);
    expect(m3.stackId([ips[1]!], 0)).toBeGreaterThanOrEqual(0);
    expect(m3.stackId([ips[2]!], 0)).toBeGreaterThanOrEqual(0);
    expect(m3.stackId([ips[3]!], 0)).toBe(-12);
  });

  it("build-id maps store ip records (no build ids are known)", () => {
    const { open } = setup();
    const h = open({ ...stackAttrs, valueSize: 64, flags: BPF_F_STACK_BUILD_ID });
    const id = (h.map as StackTraceMap).stackId([0x401000n], 0);
    const v = h.lookup(id)!;
    expect(new DataView(v.buffer).getInt32(0, true)).toBe(BPF_STACK_BUILD_ID_IP);
    expect(readU64(v, 24)).toBe(0x401000n);
    expect(v.subarray(32)).toEqual(new Uint8Array(32));
  });
});

describe("cgroup_array", () => {
  it("holds cgroups by id; user space can't read it; a removed cgroup lives on in a slot", () => {
    const { reg, open } = setup();
    const a = reg.cgroups.create("/a");
    const ab = reg.cgroups.create("/a/b");
    expect(() => reg.cgroups.create("/x/y")).toThrow(/does not exist/);
    const h = open({ type: MapType.CGROUP_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 });
    h.update(0, u32(a.id));
    h.update(1, u32(ab.id));
    expect(() => h.update(0, u32(999))).toThrow(errno("EBADF"));
    expect(() => h.update(0, u32(a.id), BPF_NOEXIST)).toThrow(errno("EINVAL"));
    expect(() => h.lookup(0)).toThrow(errno("ENOTSUPP"));
    const m = h.map as CgroupArrayMap;
    expect(m.at(1)).toBe(ab);
    expect(ab.isDescendantOf(a)).toBe(true);
    expect(a.isDescendantOf(ab)).toBe(false);
    expect(() => reg.cgroups.remove(a)).toThrow(/child/);
    reg.cgroups.remove(ab);
    expect(ab.online).toBe(false);
    expect(ab.freed).toBe(false); // the slot still holds it
    h.delete(1);
    expect(ab.freed).toBe(true);
  });
});
