// Building test packets: Ethernet frames carrying IPv4/IPv6 and TCP/UDP/ICMP
// with correct lengths and checksums, for test runs, examples and tests.
//
//   frame({ ipv4: { src: "10.0.0.1", dst: "10.0.0.2" }, udp: { sport: 53, dport: 5353 }, payload })
import { UsageError } from "../errors.ts";

export interface FrameSpec {
  /** Destination and source MAC ("aa:bb:cc:dd:ee:ff"); defaults are locally administered unicast. */
  dstMac?: string;
  srcMac?: string;
  /** 802.1Q tag inside the frame (VLAN id). */
  vlan?: number;
  ipv4?: { src: string; dst: string; ttl?: number; id?: number };
  ipv6?: { src: string; dst: string; hopLimit?: number };
  tcp?: { sport: number; dport: number; seq?: number; flags?: number };
  udp?: { sport: number; dport: number };
  /** ICMP (over IPv4) or ICMPv6 echo request. */
  icmp?: { type?: number; code?: number; id?: number; seq?: number };
  /** Raw ethertype when no IP header is given. */
  etherType?: number;
  payload?: Uint8Array | number;
}

export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;
export const TCP_FLAGS = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

export function parseMac(text: string): Uint8Array {
  const parts = text.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p)))
    throw new UsageError(`bad MAC address '${text}'`);
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

export function parseIpv4(text: string): Uint8Array {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new UsageError(`bad IPv4 address '${text}'`);
  return Uint8Array.from(parts);
}

export function parseIpv6(text: string): Uint8Array {
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (s: string | undefined): number[] =>
    s ? s.split(":").map((g) => parseInt(g, 16)) : [];
  const h = groups(head);
  const t = groups(tail);
  const all =
    tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  if (all.length !== 8 || all.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff))
    throw new UsageError(`bad IPv6 address '${text}'`);
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** The 16-bit ones' complement sum of `parts` (big-endian words), not yet complemented. */
function sum16(...parts: Uint8Array[]): number {
  let s = 0;
  for (const p of parts) for (let i = 0; i < p.length; i += 2) s += (p[i]! << 8) | (p[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Internet checksum of `parts` (RFC 1071), as a big-endian 16-bit value. */
export function inetChecksum(...parts: Uint8Array[]): number {
  return ~sum16(...parts) & 0xffff;
}

const be16 = (b: Uint8Array, off: number, v: number): void => {
  b[off] = (v >> 8) & 0xff;
  b[off + 1] = v & 0xff;
};

function l4Header(
  spec: FrameSpec,
  v6: boolean,
): { proto: number; header: Uint8Array; csumOff: number } {
  if (spec.tcp) {
    const h = new Uint8Array(20);
    be16(h, 0, spec.tcp.sport);
    be16(h, 2, spec.tcp.dport);
    new DataView(h.buffer).setUint32(4, spec.tcp.seq ?? 1, false);
    h[12] = 5 << 4;
    h[13] = spec.tcp.flags ?? TCP_FLAGS.SYN;
    be16(h, 14, 65535);
    return { proto: IPPROTO.TCP, header: h, csumOff: 16 };
  }
  if (spec.udp) {
    const h = new Uint8Array(8);
    be16(h, 0, spec.udp.sport);
    be16(h, 2, spec.udp.dport);
    return { proto: IPPROTO.UDP, header: h, csumOff: 6 };
  }
  const ic = spec.icmp ?? {};
  const h = new Uint8Array(8);
  h[0] = ic.type ?? (v6 ? 128 : 8);
  h[1] = ic.code ?? 0;
  be16(h, 4, ic.id ?? 1);
  be16(h, 6, ic.seq ?? 1);
  return { proto: v6 ? IPPROTO.ICMPV6 : IPPROTO.ICMP, header: h, csumOff: 2 };
}

/** An Ethernet frame from a description; lengths and checksums are filled in. */
export function frame(spec: FrameSpec): Uint8Array {
  const payload =
    typeof spec.payload === "number"
      ? new Uint8Array(spec.payload)
      : (spec.payload ?? new Uint8Array(0));
  let l3: Uint8Array;
  let etherType: number;
  if (spec.ipv4 || spec.ipv6) {
    const v6 = !spec.ipv4;
    const { proto, header, csumOff } = l4Header(spec, v6);
    const l4 = new Uint8Array(header.length + payload.length);
    l4.set(header);
    l4.set(payload, header.length);
    if (proto === IPPROTO.UDP) be16(l4, 4, l4.length);
    if (spec.ipv4) {
      const src = parseIpv4(spec.ipv4.src);
      const dst = parseIpv4(spec.ipv4.dst);
      const ip = new Uint8Array(20);
      ip[0] = 0x45;
      be16(ip, 2, 20 + l4.length);
      be16(ip, 4, spec.ipv4.id ?? 0);
      ip[8] = spec.ipv4.ttl ?? 64;
      ip[9] = proto;
      ip.set(src, 12);
      ip.set(dst, 16);
      be16(ip, 10, inetChecksum(ip));
      if (proto !== IPPROTO.ICMP) {
        const pseudo = new Uint8Array(12);
        pseudo.set(src, 0);
        pseudo.set(dst, 4);
        pseudo[9] = proto;
        be16(pseudo, 10, l4.length);
        be16(l4, csumOff, inetChecksum(pseudo, l4));
      } else be16(l4, csumOff, inetChecksum(l4));
      l3 = new Uint8Array(20 + l4.length);
      l3.set(ip);
      l3.set(l4, 20);
      etherType = 0x0800;
    } else {
      const s6 = spec.ipv6!;
      const src = parseIpv6(s6.src);
      const dst = parseIpv6(s6.dst);
      const ip = new Uint8Array(40);
      ip[0] = 0x60;
      be16(ip, 4, l4.length);
      ip[6] = proto;
      ip[7] = s6.hopLimit ?? 64;
      ip.set(src, 8);
      ip.set(dst, 24);
      const pseudo = new Uint8Array(40);
      pseudo.set(src, 0);
      pseudo.set(dst, 16);
      new DataView(pseudo.buffer).setUint32(32, l4.length, false);
      pseudo[39] = proto;
      be16(l4, csumOff, inetChecksum(pseudo, l4));
      l3 = new Uint8Array(40 + l4.length);
      l3.set(ip);
      l3.set(l4, 40);
      etherType = 0x86dd;
    }
  } else {
    l3 = payload;
    etherType = spec.etherType ?? 0x0800;
  }
  const tag = spec.vlan !== undefined ? 4 : 0;
  const out = new Uint8Array(14 + tag + l3.length);
  out.set(parseMac(spec.dstMac ?? "02:00:00:00:00:02"), 0);
  out.set(parseMac(spec.srcMac ?? "02:00:00:00:00:01"), 6);
  if (tag) {
    be16(out, 12, 0x8100);
    be16(out, 14, spec.vlan! & 0xfff);
  }
  be16(out, 12 + tag, etherType);
  out.set(l3, 14 + tag);
  return out;
}
