// XDP programs from the corpus do what their sources intend:
// - prototype-kernel/xdp_ddos01_blacklist drops IPv4 sources in its blacklist
//   and TCP/UDP destination ports flagged in port_blacklist (bit 0 TCP, bit 1
//   UDP), passes the rest, and counts verdicts, per-IP and per-port drops;
// - linux/xdp2_kern bounces UDP back out (XDP_TX with the MACs swapped),
//   drops everything else, and counts packets per IP protocol.
import { describe, expect, it } from "vitest";
import { frame, parseIpv4, Runtime } from "../../src/runtime/index.ts";
import { ENGINES, sample, u64le } from "./support.ts";

const XDP_DROP = 1;
const XDP_PASS = 2;
const XDP_TX = 3;
const bits = (n: number): Uint8Array => Uint8Array.of(n, 0, 0, 0);
const perCpuCount = (v: Uint8Array[] | undefined): bigint =>
  v ? v.reduce((s, b) => s + u64le(b), 0n) : -1n;

describe.each(ENGINES)("xdp_ddos01_blacklist on %s", (engine) => {
  it("drops blacklisted sources and ports, passes the rest, counts both", () => {
    const rt = new Runtime({ engine });
    const c = rt.loadCollection(sample("prototype-kernel/xdp_ddos01_blacklist_kern.o"));
    const prog = c.program("xdp_program");
    c.map("blacklist").updatePerCpu(parseIpv4("192.168.1.66"), [new Uint8Array(8)]);
    c.map("port_blacklist").updatePerCpu(80, [bits(1)]); // TCP only
    c.map("port_blacklist").updatePerCpu(53, [bits(2)]); // UDP only
    const cases: [Uint8Array, number][] = [
      [
        frame({ ipv4: { src: "192.168.1.66", dst: "10.0.0.2" }, udp: { sport: 1, dport: 2 } }),
        XDP_DROP,
      ],
      [
        frame({ ipv4: { src: "192.168.1.66", dst: "10.0.0.2" }, tcp: { sport: 1, dport: 443 } }),
        XDP_DROP,
      ],
      [
        frame({ ipv4: { src: "192.168.1.67", dst: "10.0.0.2" }, udp: { sport: 1, dport: 2 } }),
        XDP_PASS,
      ],
      [
        frame({ ipv4: { src: "192.168.1.67", dst: "10.0.0.2" }, tcp: { sport: 1, dport: 80 } }),
        XDP_DROP,
      ],
      [
        frame({ ipv4: { src: "192.168.1.67", dst: "10.0.0.2" }, udp: { sport: 1, dport: 80 } }),
        XDP_PASS,
      ],
      [
        frame({ ipv4: { src: "192.168.1.67", dst: "10.0.0.2" }, udp: { sport: 9, dport: 53 } }),
        XDP_DROP,
      ],
      [frame({ ipv6: { src: "fe80::1", dst: "fe80::2" }, udp: { sport: 1, dport: 53 } }), XDP_PASS],
    ];
    for (const [f, verdict] of cases) {
      const r = prog.testRun({ data: f });
      expect(r.retval).toBe(verdict);
      expect(r.data).toEqual(f); // no rewriting
    }
    expect(perCpuCount(c.map("blacklist").lookupPerCpu(parseIpv4("192.168.1.66")))).toBe(2n);
    const verdicts = c.map("verdict_cnt");
    expect(perCpuCount(verdicts.lookupPerCpu(XDP_DROP))).toBe(4n);
    expect(perCpuCount(verdicts.lookupPerCpu(XDP_PASS))).toBe(3n);
    expect(perCpuCount(c.map("port_blacklist_drop_count_tcp").lookupPerCpu(80))).toBe(1n);
    expect(perCpuCount(c.map("port_blacklist_drop_count_udp").lookupPerCpu(53))).toBe(1n);
    expect(perCpuCount(c.map("port_blacklist_drop_count_udp").lookupPerCpu(80))).toBe(0n);
    rt.close();
  });
});

describe.each(ENGINES)("xdp2 on %s", (engine) => {
  it("sends UDP back with swapped MACs and drops the rest, counting per protocol", () => {
    const rt = new Runtime({ engine, ncpus: 2 });
    const c = rt.loadCollection(sample("linux/xdp2_kern.o"));
    const prog = c.program("xdp_prog1");
    const udp = frame({
      dstMac: "02:00:00:00:00:aa",
      srcMac: "02:00:00:00:00:bb",
      ipv4: { src: "10.1.1.1", dst: "10.1.1.2" },
      udp: { sport: 7, dport: 7 },
      payload: 20,
    });
    const r = prog.testRun({ data: udp, cpu: 1 });
    expect(r.retval).toBe(XDP_TX);
    expect(r.data!.subarray(0, 6)).toEqual(udp.subarray(6, 12));
    expect(r.data!.subarray(6, 12)).toEqual(udp.subarray(0, 6));
    expect(r.data!.subarray(12)).toEqual(udp.subarray(12));
    const tcp = frame({
      ipv6: { src: "2001:db8::1", dst: "2001:db8::2" },
      tcp: { sport: 1, dport: 2 },
    });
    expect(prog.testRun({ data: tcp }).retval).toBe(XDP_DROP);
    expect(prog.testRun({ data: tcp }).retval).toBe(XDP_DROP);
    const counts = c.map("rxcnt");
    // Per-CPU: the UDP packet ran on CPU 1, the TCP ones on CPU 0.
    expect(counts.lookupPerCpu(17)!.map((b) => u64le(b))).toEqual([0n, 1n]);
    expect(counts.lookupPerCpu(6)!.map((b) => u64le(b))).toEqual([2n, 0n]);
    rt.close();
  });
});
