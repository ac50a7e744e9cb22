// Generated traffic for the demo: a small, fixed mix of what a host sees —
// TCP connections (SYN, then data) over IPv4 and IPv6, DNS over UDP, pings, a
// VLAN-tagged packet, ARP, a few telnet attempts, and one truncated frame.
import { frame, TCP_FLAGS, type FrameSpec } from "../src/index.ts";

export interface Packet {
  label: string;
  spec: FrameSpec;
  bytes: Uint8Array;
  /** Cut short of its headers: `spec` describes the packet it was cut from. */
  truncated?: boolean;
}

const SYN = TCP_FLAGS.SYN;
const ACK = TCP_FLAGS.ACK | TCP_FLAGS.PSH;

function tcpConnection(
  ip: { src: string; dst: string },
  v6: boolean,
  sport: number,
  dport: number,
  dataPackets: number[],
): FrameSpec[] {
  const l3 = v6 ? { ipv6: ip } : { ipv4: ip };
  return [
    { ...l3, tcp: { sport, dport, flags: SYN } },
    ...dataPackets.map((n) => ({ ...l3, tcp: { sport, dport, flags: ACK }, payload: n })),
  ];
}

export function generateTraffic(): Packet[] {
  const specs: [string, FrameSpec][] = [];
  const add = (label: string, list: FrameSpec[]): void => {
    for (const s of list) specs.push([label, s]);
  };
  add(
    "http",
    tcpConnection({ src: "10.0.0.2", dst: "10.0.0.1" }, false, 40001, 80, [120, 800, 60]),
  );
  add("https", tcpConnection({ src: "10.0.0.3", dst: "10.0.0.1" }, false, 40002, 443, [300, 1200]));
  add("https6", tcpConnection({ src: "2001:db8::2", dst: "2001:db8::1" }, true, 50000, 443, [400]));
  for (let i = 0; i < 4; i++)
    add("dns", [
      {
        ipv4: { src: "10.0.0.2", dst: "10.0.0.53" },
        udp: { sport: 53000 + i, dport: 53 },
        payload: 32 + i,
      },
    ]);
  add("dns6", [
    {
      ipv6: { src: "2001:db8::2", dst: "2001:db8::53" },
      udp: { sport: 53100, dport: 53 },
      payload: 40,
    },
  ]);
  add("ping", [
    { ipv4: { src: "10.0.0.9", dst: "10.0.0.1" }, icmp: { seq: 1 }, payload: 56 },
    { ipv4: { src: "10.0.0.9", dst: "10.0.0.1" }, icmp: { seq: 2 }, payload: 56 },
  ]);
  add("ping6", [{ ipv6: { src: "2001:db8::9", dst: "2001:db8::1" }, icmp: {}, payload: 56 }]);
  add("vlan", [
    {
      vlan: 42,
      ipv4: { src: "192.168.42.7", dst: "192.168.42.1" },
      udp: { sport: 123, dport: 123 },
      payload: 48,
    },
  ]);
  add("arp", [{ dstMac: "ff:ff:ff:ff:ff:ff", etherType: 0x0806, payload: 28 }]);
  add(
    "telnet",
    tcpConnection({ src: "203.0.113.66", dst: "10.0.0.1" }, false, 31337, 23, [20, 20]),
  );
  const packets: Packet[] = specs.map(([label, spec]) => ({ label, spec, bytes: frame(spec) }));
  // A frame cut off inside its TCP header.
  const cut: FrameSpec = {
    ipv4: { src: "10.0.0.2", dst: "10.0.0.1" },
    tcp: { sport: 40001, dport: 80 },
  };
  packets.push({
    label: "truncated",
    spec: cut,
    bytes: frame(cut).subarray(0, 14 + 20 + 6),
    truncated: true,
  });
  return packets;
}
