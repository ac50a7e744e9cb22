// BPF_PROG_TEST_RUN for skb programs: the __sk_buff fields a run sees
// (bpf_prog_test_run_skb: eth_type_trans on the loopback, L2 for tc and L3
// otherwise, the socket's family and addresses), ctx in/out rules, output
// data, size limits, ld_abs, and the skb helpers that move or rewrite data.
import { describe, expect, it } from "vitest";
import { BPF_B, build } from "../../src/isa/index.ts";
import {
  frame,
  PacketType,
  parseIpv4,
  Runtime,
  TestRunError,
  TestRunNoSpaceError,
  type Program,
} from "../../src/runtime/index.ts";
import { SKB_FIELDS } from "../../src/verifier/ctx/sk-buff.ts";
import { MapType, ProgType } from "../../src/uapi/index.ts";
import { asmProgram, ENGINES, rdU32 } from "./support.ts";

const off = (name: string): number => SKB_FIELDS.find((f) => f.name === name)!.off;
const TCP4 = frame({
  ipv4: { src: "10.1.2.3", dst: "10.4.5.6" },
  tcp: { sport: 1234, dport: 80 },
  payload: 10,
});
const UDP6 = frame({ ipv6: { src: "fe80::1", dst: "fe80::2" }, udp: { sport: 1, dport: 2 } });
const s = (r: { r0: bigint }): number => Number(BigInt.asIntN(64, r.r0));

describe.each(ENGINES)("skb test runs on %s", (engine) => {
  const field = (rt: Runtime, type: number, name: string): Program =>
    asmProgram(rt, `r0 = *(u32 *)(r1 +${off(name)})\nexit`, type);

  it("fills __sk_buff as bpf_prog_test_run_skb does", () => {
    const rt = new Runtime({ engine });
    const sf = (name: string, data = TCP4): number =>
      field(rt, ProgType.SOCKET_FILTER, name).testRun({ data }).retval;
    expect(sf("len")).toBe(TCP4.length - 14);
    expect(sf("protocol")).toBe(0x0008); // htons(ETH_P_IP) as the u32 field reads it
    expect(sf("pkt_type")).toBe(PacketType.OTHERHOST);
    expect(sf("ifindex")).toBe(1);
    expect(sf("wire_len")).toBe(TCP4.length - 14);
    expect(sf("protocol", UDP6)).toBe(0xdd86);
    const cg = (name: string, data = TCP4): number =>
      field(rt, ProgType.CGROUP_SKB, name).testRun({ data }).retval;
    expect(cg("family")).toBe(2);
    expect(cg("local_ip4")).toBe(rdU32(parseIpv4("10.1.2.3")));
    expect(cg("remote_ip4")).toBe(rdU32(parseIpv4("10.4.5.6")));
    expect(cg("family", UDP6)).toBe(10);
    const tc = (name: string): number =>
      field(rt, ProgType.SCHED_CLS, name).testRun({ data: TCP4 }).retval;
    expect(tc("len")).toBe(TCP4.length);
    const span = asmProgram(
      rt,
      "r2 = *(u32 *)(r1 +76)\nr0 = *(u32 *)(r1 +80)\nr0 -= r2\nexit",
      ProgType.SCHED_CLS,
    );
    expect(span.testRun({ data: TCP4 }).retval).toBe(TCP4.length);
    rt.close();
  });

  it("derives pkt_type from the destination address", () => {
    const rt = new Runtime({ engine });
    const p = field(rt, ProgType.SOCKET_FILTER, "pkt_type");
    const to = (dstMac: string): number =>
      p.testRun({
        data: frame({
          dstMac,
          ipv4: { src: "1.1.1.1", dst: "2.2.2.2" },
          udp: { sport: 1, dport: 2 },
        }),
      }).retval;
    expect(to("ff:ff:ff:ff:ff:ff")).toBe(PacketType.BROADCAST);
    expect(to("01:00:5e:00:00:01")).toBe(PacketType.MULTICAST);
    expect(to("00:00:00:00:00:00")).toBe(PacketType.HOST); // the loopback's own address
    expect(to("02:00:00:00:00:09")).toBe(PacketType.OTHERHOST);
    expect(p.testRun({ data: TCP4, pktType: PacketType.OUTGOING }).retval).toBe(
      PacketType.OUTGOING,
    );
    rt.close();
  });

  it("returns L3 programs' data behind a zeroed Ethernet header, L2 programs' as they left it", () => {
    const rt = new Runtime({ engine });
    const l3 = asmProgram(rt, "r0 = 0\nexit", ProgType.SOCKET_FILTER).testRun({ data: TCP4 }).data!;
    expect(l3.subarray(0, 14)).toEqual(new Uint8Array(14));
    expect(l3.subarray(14)).toEqual(TCP4.subarray(14));
    expect(asmProgram(rt, "r0 = 0\nexit", ProgType.SCHED_CLS).testRun({ data: TCP4 }).data).toEqual(
      TCP4,
    );
    rt.close();
  });

  it("ld_abs reads from skb->data: the network header for socket filters unless l2", () => {
    const rt = new Runtime({ engine });
    const p = rt.loadProgram({
      type: ProgType.SOCKET_FILTER,
      insns: [build.mov64Reg(6, 1), build.ldAbs(BPF_B, 9), build.exit()],
    });
    expect(p.testRun({ data: TCP4 }).retval).toBe(6);
    const q = rt.loadProgram({
      type: ProgType.SOCKET_FILTER,
      insns: [build.mov64Reg(6, 1), build.ldAbs(BPF_B, 23), build.exit()],
    });
    expect(q.testRun({ data: TCP4, l2: true }).retval).toBe(6);
    rt.close();
  });

  it("takes the settable ctx fields in and gives them back; refuses the others", () => {
    const rt = new Runtime({ engine });
    const ctx = new Uint8Array(192);
    const dv = new DataView(ctx.buffer);
    dv.setUint32(off("mark"), 0xabc, true);
    dv.setUint32(off("priority"), 6, true);
    dv.setUint32(off("cb") + 4, 0x55, true);
    // tc: read mark and cb[1], write mark = mark + cb[1]
    const p = asmProgram(
      rt,
      `r2 = *(u32 *)(r1 +${off("mark")})
      r3 = *(u32 *)(r1 +${off("cb") + 4})
      r2 += r3
      *(u32 *)(r1 +${off("mark")}) = r2
      r0 = r2
      exit`,
      ProgType.SCHED_CLS,
    );
    const r = p.testRun({ data: TCP4, ctx });
    expect(r.retval).toBe(0xabc + 0x55);
    const out = new DataView(r.ctx!.buffer);
    expect(out.getUint32(off("mark"), true)).toBe(0xabc + 0x55);
    expect(out.getUint32(off("priority"), true)).toBe(6);
    expect(out.getUint32(off("ifindex"), true)).toBe(1);
    expect(out.getUint32(off("wire_len"), true)).toBe(TCP4.length);
    expect(out.getUint32(off("len"), true)).toBe(0); // not copied back
    const bad = ctx.slice();
    new DataView(bad.buffer).setUint32(off("len"), 5, true);
    expect(() => p.testRun({ data: TCP4, ctx: bad })).toThrow(TestRunError);
    expect(() => p.testRun({ data: TCP4, ctx: bad })).toThrow(/ctx byte 0 is not zero/);
    const long = new Uint8Array(200);
    long[199] = 1;
    expect(() => p.testRun({ data: TCP4, ctx: long })).toThrow(/E2BIG/);
    const wire = ctx.slice();
    new DataView(wire.buffer).setUint32(off("wire_len"), 10, true);
    expect(() => p.testRun({ data: TCP4, ctx: wire })).toThrow(/wire_len 10/);
    rt.close();
  });

  it("checks data sizes and reports output that does not fit", () => {
    const rt = new Runtime({ engine });
    const p = asmProgram(rt, "r0 = 1\nexit", ProgType.SCHED_CLS);
    expect(() => p.testRun({ data: new Uint8Array(13) })).toThrow(
      /data must be 14\.\.3712 bytes, got 13/,
    );
    expect(() => p.testRun({ data: new Uint8Array(3713) })).toThrow(TestRunError);
    expect(p.testRun({ data: new Uint8Array(3712) }).retval).toBe(1);
    try {
      p.testRun({ data: TCP4, dataSizeOut: 20 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TestRunNoSpaceError);
      const err = e as TestRunNoSpaceError;
      expect(err.errno).toBe("ENOSPC");
      expect(err.dataSize).toBe(TCP4.length);
      expect(err.result.data).toEqual(TCP4.subarray(0, 20));
      expect(err.result.retval).toBe(1);
    }
    rt.close();
  });

  it("repeat runs the program that many times on one context", () => {
    const rt = new Runtime({ engine });
    const m = rt.createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    const p = asmProgram(
      rt,
      `*(u32 *)(r10 -4) = 0
      r1 = map_fd ${m.id}
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem
      if r0 == 0x0 goto +2
      r1 = 1
      lock *(u64 *)(r0 +0) += r1
      r0 = 0
      exit`,
      ProgType.SCHED_CLS,
    );
    p.testRun({ data: TCP4, repeat: 25 });
    expect(new DataView(m.lookup(0)!.buffer).getBigUint64(0, true)).toBe(25n);
    rt.close();
  });
});

describe.each(ENGINES)("skb helpers on %s", (engine) => {
  const run = (rt: Runtime, text: string, data = TCP4, type: number = ProgType.SCHED_CLS) =>
    asmProgram(rt, text, type).testRun({ data });

  it("change_tail grows with zeros and trims; change_head pushes zeroed room", () => {
    const rt = new Runtime({ engine });
    const grown = run(rt, "r2 = 100\nr3 = 0\ncall bpf_skb_change_tail\nexit");
    expect(s(grown)).toBe(0);
    expect(grown.data!.length).toBe(100);
    expect(grown.data!.subarray(0, TCP4.length)).toEqual(TCP4);
    expect(grown.data!.subarray(TCP4.length)).toEqual(new Uint8Array(100 - TCP4.length));
    expect(run(rt, "r2 = 40\nr3 = 0\ncall bpf_skb_change_tail\nexit").data).toEqual(
      TCP4.subarray(0, 40),
    );
    expect(s(run(rt, "r2 = 10\nr3 = 0\ncall bpf_skb_change_tail\nexit"))).toBe(-22); // below the mac header
    expect(s(run(rt, "r2 = 100\nr3 = 1\ncall bpf_skb_change_tail\nexit"))).toBe(-22);
    const head = run(rt, "r2 = 8\nr3 = 0\ncall bpf_skb_change_head\nexit");
    expect(head.data!.subarray(0, 8)).toEqual(new Uint8Array(8));
    expect(head.data!.subarray(8)).toEqual(TCP4);
    // A big growth moves the packet to a larger buffer; data/data_end follow.
    const big = asmProgram(
      rt,
      `r6 = r1
      r2 = 3000
      r3 = 0
      call bpf_skb_change_tail
      r2 = *(u32 *)(r6 +76)
      r0 = *(u32 *)(r6 +80)
      r0 -= r2
      exit`,
      ProgType.SCHED_CLS,
    ).testRun({ data: TCP4 });
    expect(big.retval).toBe(3000);
    expect(big.data!.subarray(0, TCP4.length)).toEqual(TCP4);
    rt.close();
  });

  it("load_bytes and store_bytes stay inside the packet", () => {
    const rt = new Runtime({ engine });
    const loaded = run(
      rt,
      `r6 = r1
      r2 = 26
      r3 = r10
      r3 += -8
      r4 = 8
      call bpf_skb_load_bytes
      r7 = r0
      r1 = r6
      r2 = 0
      r3 = r10
      r3 += -8
      r4 = 8
      r5 = 0
      call bpf_skb_store_bytes
      r0 = r7
      exit`,
    );
    expect(s(loaded)).toBe(0);
    expect(loaded.data!.subarray(0, 8)).toEqual(TCP4.subarray(26, 34)); // the two addresses, copied to the front
    const out = asmProgram(
      rt,
      `r6 = r1
      *(u64 *)(r10 -8) = -1
      r2 = ${TCP4.length - 4}
      r3 = r10
      r3 += -8
      r4 = 8
      call bpf_skb_load_bytes
      r1 = *(u64 *)(r10 -8)
      if r1 != 0x0 goto +1
      r0 += 1000
      exit`,
      ProgType.SCHED_CLS,
    ).testRun({ data: TCP4 });
    expect(s(out)).toBe(-14 + 1000); // -EFAULT, and the buffer was zeroed
    expect(
      s(
        run(
          rt,
          `r2 = ${TCP4.length - 2}\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = 0\ncall bpf_skb_store_bytes\nexit`,
        ),
      ),
    ).toBe(-14);
    expect(
      s(run(rt, "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = 4\ncall bpf_skb_store_bytes\nexit")),
    ).toBe(-22);
    rt.close();
  });

  it("vlan push keeps the tag beside the packet, a second push inserts the first, pop undoes", () => {
    const rt = new Runtime({ engine });
    const prog = (body: string): Program =>
      asmProgram(
        rt,
        `r6 = r1
        ${body}
        r0 = *(u32 *)(r6 +${off("vlan_tci")})
        r1 = *(u32 *)(r6 +${off("vlan_present")})
        r1 <<= 16
        r0 |= r1
        exit`,
        ProgType.SCHED_CLS,
      );
    const push = (tci: number): string => `r1 = r6\nr2 = 0x81\nr3 = ${tci}\ncall bpf_skb_vlan_push`;
    const one = prog(push(100)).testRun({ data: TCP4 });
    expect(one.retval).toBe((1 << 16) | 100);
    expect(one.data).toEqual(TCP4);
    const two = prog(`${push(100)}\n${push(200)}`).testRun({ data: TCP4 });
    expect(two.retval).toBe((1 << 16) | 200);
    expect(two.data!.length).toBe(TCP4.length + 4);
    expect([...two.data!.subarray(12, 18)]).toEqual([0x81, 0x00, 0x00, 100, 0x08, 0x00]);
    const popped = prog(`${push(100)}\n${push(200)}\nr1 = r6\ncall bpf_skb_vlan_pop`).testRun({
      data: TCP4,
    });
    // The accelerated tag goes, and the in-packet tag becomes the accelerated one.
    expect(popped.retval).toBe((1 << 16) | 100);
    expect(popped.data).toEqual(TCP4);
    rt.close();
  });

  it("change_proto makes room for an IPv6 header and back", () => {
    const rt = new Runtime({ engine });
    const to6 = asmProgram(
      rt,
      `r6 = r1
      r2 = 0xdd86
      r3 = 0
      call bpf_skb_change_proto
      if r0 != 0x0 goto +1
      r0 = *(u32 *)(r6 +${off("protocol")})
      exit`,
      ProgType.SCHED_CLS,
    ).testRun({ data: TCP4 });
    expect(to6.retval).toBe(0xdd86);
    expect(to6.data!.length).toBe(TCP4.length + 20);
    expect(to6.data!.subarray(0, 14)).toEqual(TCP4.subarray(0, 14));
    expect(to6.data!.subarray(14, 34)).toEqual(new Uint8Array(20));
    expect(to6.data!.subarray(34)).toEqual(TCP4.subarray(14));
    expect(s(run(rt, "r2 = 0x0608\nr3 = 0\ncall bpf_skb_change_proto\nexit"))).toBe(-524); // ENOTSUPP
    const back = run(rt, "r2 = 0x0008\nr3 = 0\ncall bpf_skb_change_proto\nexit", UDP6);
    expect(s(back)).toBe(0);
    expect(back.data!.length).toBe(UDP6.length - 20);
    expect(back.data!.subarray(34)).toEqual(UDP6.subarray(54));
    rt.close();
  });

  it("get_hash_recalc hashes the flow; set_hash and set_hash_invalid set it", () => {
    const rt = new Runtime({ engine });
    const hash = asmProgram(rt, "call bpf_get_hash_recalc\nexit", ProgType.SCHED_CLS);
    const h1 = hash.testRun({ data: TCP4 }).retval;
    expect(h1).not.toBe(0);
    expect(hash.testRun({ data: TCP4 }).retval).toBe(h1);
    const other = frame({
      ipv4: { src: "10.1.2.3", dst: "10.4.5.6" },
      tcp: { sport: 1235, dport: 80 },
    });
    expect(hash.testRun({ data: other }).retval).not.toBe(h1);
    const set = asmProgram(
      rt,
      `r6 = r1\nr2 = 77\ncall bpf_set_hash\nr0 = *(u32 *)(r6 +${off("hash")})\nexit`,
      ProgType.SCHED_CLS,
    );
    expect(set.testRun({ data: TCP4 }).retval).toBe(77);
    rt.close();
  });

  it("redirect and clone_redirect are recorded; tc return codes", () => {
    const rt = new Runtime({ engine });
    const r = run(
      rt,
      "r6 = r1\nr1 = r6\nr2 = 9\nr3 = 0\ncall bpf_clone_redirect\nr1 = 4\nr2 = 1\ncall bpf_redirect\nexit",
    );
    expect(r.retval).toBe(7); // TC_ACT_REDIRECT
    expect(r.redirect).toEqual({ kind: "ifindex", ifindex: 4, flags: 1 });
    expect(r.clones).toEqual([{ ifindex: 9, flags: 0 }]);
    expect(run(rt, "r1 = 4\nr2 = 2\ncall bpf_redirect\nexit").retval).toBe(2); // TC_ACT_SHOT
    rt.close();
  });
});
