// What the kernel learns from a frame's headers before a skb program runs
// (eth_type_trans on the loopback device, and bpf_prog_test_run_skb's look at
// the IP header for the socket's addresses), and the ethertype numbers.
export const ETH_HLEN = 14;
export const ETH_ALEN = 6;
export const ETH_P_IP = 0x0800;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
/** eth_type_trans: raw 802.3 frame (no LLC header) and 802.2 LLC. */
export const ETH_P_802_3 = 0x0001;
export const ETH_P_802_2 = 0x0004;
/** eth_proto_is_802_3: ethertypes start at 0x0600; smaller values are lengths. */
const ETH_P_802_3_MIN = 0x0600;

export const PacketType = {
  HOST: 0,
  BROADCAST: 1,
  MULTICAST: 2,
  OTHERHOST: 3,
  OUTGOING: 4,
} as const;

export const AF_INET = 2;
export const AF_INET6 = 10;

/** Swap the bytes of a 16-bit value (network ↔ the little-endian field value). */
export const bswap16 = (v: number): number => ((v & 0xff) << 8) | ((v >> 8) & 0xff);

/**
 * eth_type_trans for a device whose address is `devAddr` (the loopback's is
 * all zeros): the packet type from the destination address, and the
 * protocol (host-order ethertype) from the type/length field.
 */
export function ethTypeTrans(
  frame: Uint8Array,
  devAddr: Uint8Array = new Uint8Array(ETH_ALEN),
): { pktType: number; protocol: number } {
  const dest = frame.subarray(0, ETH_ALEN);
  let pktType: number = PacketType.HOST;
  if (!dest.every((b, i) => b === devAddr[i])) {
    if (dest[0]! & 1)
      pktType = dest.every((b) => b === 0xff) ? PacketType.BROADCAST : PacketType.MULTICAST;
    else pktType = PacketType.OTHERHOST;
  }
  const type = (frame[12]! << 8) | frame[13]!;
  if (type >= ETH_P_802_3_MIN) return { pktType, protocol: type };
  // A 0xFFFF "DSAP/SSAP" marks a raw 802.3 (IPX) frame; anything else is LLC.
  const raw = frame.length >= ETH_HLEN + 2 && frame[14] === 0xff && frame[15] === 0xff;
  return { pktType, protocol: raw ? ETH_P_802_3 : ETH_P_802_2 };
}

/** The socket bpf_prog_test_run_skb makes up: family and addresses from the IP header. */
export interface SockAddrs {
  family: number;
  /** sk_rcv_saddr / sk_daddr as the u32 a load of the header bytes gives (network order). */
  local4: number;
  remote4: number;
  local6: Uint8Array;
  remote6: Uint8Array;
}

const rd32 = (b: Uint8Array, off: number): number =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);

/** Family and addresses from the network header at `l3` (IPv4 needs 20 bytes, IPv6 40). */
export function sockAddrs(frame: Uint8Array, l3: number, protocol: number): SockAddrs {
  const out: SockAddrs = {
    family: 0,
    local4: 0,
    remote4: 0,
    local6: new Uint8Array(16),
    remote6: new Uint8Array(16),
  };
  if (protocol === ETH_P_IP) {
    out.family = AF_INET;
    if (frame.length - l3 >= 20) {
      out.local4 = rd32(frame, l3 + 12);
      out.remote4 = rd32(frame, l3 + 16);
    }
  } else if (protocol === ETH_P_IPV6) {
    out.family = AF_INET6;
    if (frame.length - l3 >= 40) {
      out.local6 = frame.slice(l3 + 8, l3 + 24);
      out.remote6 = frame.slice(l3 + 24, l3 + 40);
    }
  }
  return out;
}
