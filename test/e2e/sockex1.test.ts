// linux/sockex1_kern.o counts bytes per IP protocol (a socket filter on a
// packet socket, counting outgoing frames). Synthetic TCP/UDP/ICMP frames go
// through test runs; the per-protocol byte counts read back through the map
// API must equal the sums of the frame lengths.
import { describe, expect, it } from "vitest";
import { frame, PacketType, Runtime } from "../../src/runtime/index.ts";
import { ENGINES, sample, u64le } from "./support.ts";

const TRAFFIC = [
  frame({
    ipv4: { src: "10.0.0.1", dst: "10.0.0.2" },
    tcp: { sport: 40000, dport: 80 },
    payload: 100,
  }),
  frame({
    ipv4: { src: "10.0.0.1", dst: "10.0.0.3" },
    udp: { sport: 5353, dport: 53 },
    payload: 30,
  }),
  frame({ ipv4: { src: "10.0.0.4", dst: "10.0.0.1" }, icmp: {}, payload: 56 }),
  frame({
    ipv4: { src: "10.0.0.1", dst: "10.0.0.2" },
    tcp: { sport: 40000, dport: 80 },
    payload: 1000,
  }),
  frame({ ipv4: { src: "10.0.0.9", dst: "10.0.0.2" }, udp: { sport: 1, dport: 2 } }),
];

describe.each(ENGINES)("sockex1 on %s", (engine) => {
  it("counts bytes per IP protocol for outgoing packets", () => {
    const rt = new Runtime({ engine });
    const c = rt.loadCollection(sample("linux/sockex1_kern.o"));
    const prog = c.program("bpf_prog1");
    const want = new Map<number, number>();
    for (const f of TRAFFIC) {
      const r = prog.testRun({ data: f, pktType: PacketType.OUTGOING, l2: true });
      expect(r.retval).toBe(0);
      const proto = f[23]!;
      want.set(proto, (want.get(proto) ?? 0) + f.length);
    }
    const map = c.map("my_map");
    for (const proto of [1, 6, 17])
      expect(u64le(map.lookup(proto)!)).toBe(BigInt(want.get(proto)!));
    // Nothing else was counted.
    let others = 0n;
    for (const [k, v] of map.entries()) if (![1, 6, 17].includes(k[0]!)) others += u64le(v);
    expect(others).toBe(0n);
    c.close();
    rt.close();
  });

  it("ignores packets that are not outgoing (the kernel's test run gives them eth_type_trans's type)", () => {
    const rt = new Runtime({ engine });
    const c = rt.loadCollection(sample("linux/sockex1_kern.o"));
    for (const f of TRAFFIC) c.program("bpf_prog1").testRun({ data: f });
    for (const proto of [1, 6, 17]) expect(u64le(c.map("my_map").lookup(proto)!)).toBe(0n);
    rt.close();
  });
});
