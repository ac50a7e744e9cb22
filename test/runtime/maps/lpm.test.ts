import { describe, expect, it } from "vitest";
import { BPF_EXIST, BPF_F_NO_PREALLOC, BPF_NOEXIST, MapType } from "../../../src/uapi/index.ts";
import { LpmTrieMap, type MapHandle } from "../../../src/runtime/maps/index.ts";
import { place, readU32, setup, u32 } from "./setup.ts";

/** struct bpf_lpm_trie_key for IPv4: u32 prefixlen + 4 address bytes (network order). */
function v4(cidr: string): Uint8Array {
  const [addr, len] = cidr.split("/");
  const k = new Uint8Array(8);
  new DataView(k.buffer).setUint32(0, Number(len ?? 32), true);
  k.set(addr!.split(".").map(Number), 4);
  return k;
}

function v6(cidr: string): Uint8Array {
  const [addr, len] = cidr.split("/");
  const [head, tail] = addr!.split("::");
  const parse = (s: string | undefined) => (s ? s.split(":").map((x) => parseInt(x, 16)) : []);
  const h = parse(head);
  const t = parse(tail);
  const words = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const k = new Uint8Array(20);
  const dv = new DataView(k.buffer);
  dv.setUint32(0, Number(len ?? 128), true);
  words.forEach((w, i) => dv.setUint16(4 + 2 * i, w, false));
  return k;
}

function keyStr(k: Uint8Array): string {
  return `${[...k.slice(4)].join(".")}/${readU32(k)}`;
}

const lpm4 = {
  type: MapType.LPM_TRIE,
  keySize: 8,
  valueSize: 4,
  maxEntries: 16,
  flags: BPF_F_NO_PREALLOC,
};

function routes(h: MapHandle, cidrs: string[]): void {
  cidrs.forEach((c, i) => h.update(v4(c), u32(i + 1)));
}

describe("LPM trie", () => {
  it("matches the longest IPv4 prefix", () => {
    const { open } = setup();
    const h = open(lpm4);
    routes(h, ["192.168.0.0/16", "192.168.0.0/24", "192.168.1.0/24", "10.0.0.0/8", "0.0.0.0/0"]);
    const hit = (ip: string) => readU32(h.lookup(v4(`${ip}/32`))!);
    expect(hit("192.168.0.77")).toBe(2);
    expect(hit("192.168.1.1")).toBe(3);
    expect(hit("192.168.200.1")).toBe(1);
    expect(hit("10.9.9.9")).toBe(4);
    expect(hit("8.8.8.8")).toBe(5);
  });

  it("a lookup key's prefixlen caps how much of it is matched", () => {
    const { open } = setup();
    const h = open(lpm4);
    routes(h, ["192.168.0.0/16", "192.168.0.0/24"]);
    expect(readU32(h.lookup(v4("192.168.0.1/20"))!)).toBe(1);
    expect(h.lookup(v4("192.168.0.1/8"))).toBeUndefined();
  });

  it("matches IPv6 prefixes", () => {
    const { open } = setup();
    const h = open({ ...lpm4, keySize: 20 });
    h.update(v6("2001:db8::/32"), u32(1));
    h.update(v6("2001:db8:1::/48"), u32(2));
    h.update(v6("::/0"), u32(3));
    expect(readU32(h.lookup(v6("2001:db8:1:2::5/128"))!)).toBe(2);
    expect(readU32(h.lookup(v6("2001:db8:ffff::1/128"))!)).toBe(1);
    expect(readU32(h.lookup(v6("fe80::1/128"))!)).toBe(3);
  });

  it("update flags, exact-match delete, ENOSPC only for new entries", () => {
    const { open } = setup();
    const h = open({ ...lpm4, maxEntries: 2 });
    h.update(v4("10.0.0.0/8"), u32(1), BPF_NOEXIST);
    expect(() => h.update(v4("10.0.0.0/8"), u32(1), BPF_NOEXIST)).toThrow(
      expect.objectContaining({ errno: "EEXIST" }),
    );
    expect(() => h.update(v4("11.0.0.0/8"), u32(1), BPF_EXIST)).toThrow(
      expect.objectContaining({ errno: "ENOENT" }),
    );
    h.update(v4("10.1.0.0/16"), u32(2));
    expect(() => h.update(v4("10.2.0.0/16"), u32(3))).toThrow(
      expect.objectContaining({ errno: "ENOSPC" }),
    );
    h.update(v4("10.1.0.0/16"), u32(4)); // replacing works when full
    expect(readU32(h.lookup(v4("10.1.2.3/32"))!)).toBe(4);
    expect(() => h.update(v4("10.0.0.0/33"), u32(1))).toThrow(
      expect.objectContaining({ errno: "EINVAL" }),
    );
    expect(() => h.delete(v4("10.0.0.0/9"))).toThrow(expect.objectContaining({ errno: "ENOENT" }));
    h.delete(v4("10.0.0.0/8"));
    expect(h.lookup(v4("10.9.9.9/32"))).toBeUndefined();
    expect(readU32(h.lookup(v4("10.1.9.9/32"))!)).toBe(4);
  });

  it("iterates in postorder: more specific prefixes first (the kernel's example)", () => {
    const { open } = setup();
    const h = open(lpm4);
    routes(h, ["192.168.0.0/16", "192.168.0.0/24", "192.168.1.0/24", "192.168.128.0/24"]);
    expect([...h.keys()].map(keyStr)).toEqual([
      "192.168.0.0/24",
      "192.168.1.0/24",
      "192.168.128.0/24",
      "192.168.0.0/16",
    ]);
    // A key not in the trie restarts at the leftmost entry.
    expect(keyStr(h.nextKey(v4("1.2.3.4/32"))!)).toBe("192.168.0.0/24");
  });

  it("keeps intermediate nodes consistent through deletes", () => {
    const { open } = setup();
    const h = open({ ...lpm4, maxEntries: 300 });
    const nets: string[] = [];
    for (let i = 0; i < 64; i++) nets.push(`10.${i * 4}.0.0/${14 + (i % 10)}`);
    routes(h, nets);
    for (let i = 0; i < 64; i += 2) h.delete(v4(nets[i]!));
    const left = new Set([...h.keys()].map(keyStr));
    expect(left.size).toBe(32);
    for (let i = 1; i < 64; i += 2) expect(left.has(keyStr(v4(nets[i]!)))).toBe(true);
    expect((h.map as LpmTrieMap).count).toBe(32);
    // Every remaining network's own address still resolves to a covering entry.
    for (let i = 1; i < 64; i += 2)
      expect(h.lookup(v4(nets[i]!.replace(/\/\d+$/, "/32")))).toBeDefined();
  });

  it("program lookups return the value address; deleted value memory is reused", () => {
    const { mem, open } = setup();
    const h = open(lpm4);
    h.update(v4("10.0.0.0/8"), u32(7));
    const a = h.map.lookupElem(place(mem, v4("10.1.1.1/32")));
    expect(mem.dv.getUint32(a, true)).toBe(7);
    const before = mem.allocatedBytes;
    h.delete(v4("10.0.0.0/8"));
    h.update(v4("11.0.0.0/8"), u32(8));
    expect(mem.allocatedBytes).toBe(before);
    expect(h.map.lookupElem(place(mem, v4("11.1.1.1/32")))).toBe(a);
  });
});
