// The demo (npm run demo) on its generated traffic: everything it reports —
// verdicts, per-protocol counters, flows, ports, SYN events from the ring
// buffer and the .bss counters — must match what the traffic list says,
// computed here independently from the packets' descriptions.
import { describe, expect, it } from "vitest";
import { runDemo } from "../../examples/demo.ts";
import { generateTraffic, type Packet } from "../../examples/traffic.ts";
import { ENGINES } from "./support.ts";

function l4Proto(p: Packet): number | undefined {
  const s = p.spec;
  if (!s.ipv4 && !s.ipv6) return undefined;
  if (s.tcp) return 6;
  if (s.udp) return 17;
  return s.ipv6 ? 58 : 1;
}

function expected(traffic: Packet[], blocked: number) {
  const proto = new Map<number, { packets: bigint; bytes: bigint }>();
  const ports = new Map<number, bigint>();
  const syns: { sport: number; dport: number }[] = [];
  let dropped = 0;
  for (const p of traffic) {
    const pr = l4Proto(p);
    if (pr === undefined) continue;
    const st = proto.get(pr) ?? { packets: 0n, bytes: 0n };
    st.packets++;
    st.bytes += BigInt(p.bytes.length);
    proto.set(pr, st);
    // A packet cut inside its TCP/UDP header counts per protocol, then as malformed.
    const l4 = p.spec.tcp ?? p.spec.udp;
    if (!l4 || p.truncated) continue;
    ports.set(l4.dport, (ports.get(l4.dport) ?? 0n) + 1n);
    if (p.spec.tcp && p.spec.tcp.flags === 2) syns.push({ sport: l4.sport, dport: l4.dport });
    if (l4.dport === blocked) dropped++;
  }
  return { proto, ports, syns, dropped };
}

describe.each(ENGINES)("demo on %s", (engine) => {
  it("reports exactly what the generated traffic holds", () => {
    const lines: string[] = [];
    const traffic = generateTraffic();
    const r = runDemo({ engine, out: (l) => lines.push(l), blockedPort: 23 });
    const want = expected(traffic, 23);
    expect(r.verdicts.get(1)).toBe(want.dropped);
    expect(r.verdicts.get(2)).toBe(traffic.length - want.dropped);
    expect(r.protoStats).toEqual(want.proto);
    expect(r.dportHits).toEqual(want.ports);
    expect(r.synEvents.map((e) => ({ sport: e.sport, dport: e.dport }))).toEqual(want.syns);
    expect(r.globals).toEqual({
      total_packets: BigInt(traffic.length),
      dropped_packets: BigInt(want.dropped),
      malformed_packets: 1n,
      non_ip_packets: 1n,
    });
    // Flows count every well-formed IP packet.
    const ipPackets = [...want.proto.values()].reduce((n, s) => n + s.packets, 0n) - 1n;
    expect(r.flows.reduce((n, f) => n + f.packets, 0n)).toBe(ipPackets);
    expect(r.flows.find((f) => f.dport === 443 && f.family === 6)).toMatchObject({
      src: "2001:db8::2",
      dst: "2001:db8::1",
      packets: 2n,
    });
    const text = lines.join("\n");
    expect(text).toContain("verifier: accepted");
    expect(text).toContain(`ran ${traffic.length} packets`);
    expect(text).toContain("10.0.0.2 port 40001 -> 10.0.0.1 port 80");
  });

  it("blocks nothing when blocked_port is 0", () => {
    const r = runDemo({ engine, out: () => {}, blockedPort: 0, verify: false });
    expect(r.verdicts.get(1)).toBeUndefined();
    expect(r.globals.dropped_packets).toBe(0n);
  });
});
