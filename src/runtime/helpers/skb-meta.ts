// skb helpers for what lives beside the bytes: the hardware-accelerated VLAN
// tag (push/pop move tags between the packet and the skb as skb_vlan_push/pop
// do), the flow hash, the tunnel key, and the cgroup / classid / realm
// queries, which have nothing to find in a test-run skb.
import type { Kernel } from "../kernel.ts";
import type { SkbContext } from "../progtypes/skb-context.ts";
import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, bswap16 } from "../progtypes/packet.ts";
import { skbArg } from "./skb-data.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, size, u32 } from "./util.ts";

const VLAN_HLEN = 4;
/** Offset of the VLAN tag in a frame: after the two MAC addresses. */
const VLAN_TAG_OFF = 12;
const isVlan = (proto: number): boolean => proto === ETH_P_8021Q || proto === ETH_P_8021AD;

/** __skb_vlan_pop: take the in-packet tag after the MACs into the returned TCI. */
function popPacketTag(k: Kernel, skb: SkbContext): number | { errno: number } {
  if (skb.data !== skb.buf + skb.macOff || skb.len < VLAN_TAG_OFF + 2 * VLAN_HLEN)
    return { errno: -E.EINVAL };
  const dv = k.mem.dv;
  const tci = dv.getUint16(skb.data + VLAN_TAG_OFF + 2, false);
  const inner = dv.getUint16(skb.data + VLAN_TAG_OFF + 4, false);
  skb.removeAt(VLAN_TAG_OFF, VLAN_HLEN);
  if (inner >= 0x600) skb.protocol = inner;
  return tci;
}

/**
 * A stable hash of the flow (addresses, IP protocol, ports). The kernel keys
 * its flow hash with a per-boot random secret, so values can't match it; what
 * matters is that one flow always gets one non-zero hash.
 */
export function flowHash(k: Kernel, skb: SkbContext): number {
  const u8 = k.mem.u8;
  const l3 = skb.buf + skb.netOff;
  const end = skb.data + skb.len;
  const words: number[] = [skb.protocol];
  const take = (a: number, n: number): void => {
    for (let i = 0; i + 4 <= n && a + i + 4 <= end; i += 4)
      words.push(k.mem.dv.getUint32(a + i, true));
  };
  let l4 = -1;
  let proto = -1;
  if (skb.protocol === ETH_P_IP && l3 + 20 <= end) {
    proto = u8[l3 + 9]!;
    take(l3 + 12, 8);
    l4 = l3 + (u8[l3]! & 0xf) * 4;
  } else if (skb.protocol === ETH_P_IPV6 && l3 + 40 <= end) {
    proto = u8[l3 + 6]!;
    take(l3 + 8, 32);
    l4 = l3 + 40;
  }
  words.push(proto);
  if ((proto === 6 || proto === 17 || proto === 132) && l4 + 4 <= end) take(l4, 4);
  let h = 0x9e3779b9;
  for (const w of words) {
    h = Math.imul(h ^ w, 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35) >>> 0;
  return h === 0 ? 1 : h;
}

const BPF_F_TUNINFO_IPV6 = 1n;
const BPF_F_TUNINFO_FLAGS = 1n << 4n;
/** bpf_skb_set_tunnel_key flags: TUNINFO_IPV6, ZERO_CSUM_TX, DONT_FRAGMENT, SEQ_NUMBER, NO_TUNNEL_KEY. */
const SET_TUNNEL_FLAGS = 0x1fn;
/** sizeof(struct bpf_tunnel_key) and the older sizes the kernel still takes. */
const TUNNEL_KEY_SIZE = 44;
const TUNNEL_KEY_OLD_SIZES = [24, 28, 40];

export const SKB_META_HELPERS: HelperTable = {
  // bpf_skb_vlan_push(skb, vlan_proto, vlan_tci)
  18: (k, ctx, proto, tci) => {
    const skb = skbArg(k, ctx);
    if (!skb) return -E.EINVAL;
    let p = bswap16(u32(proto) & 0xffff);
    if (!isVlan(p)) p = ETH_P_8021Q;
    if (skb.vlan) {
      // The present tag goes into the packet first (__vlan_insert_tag).
      if (skb.data !== skb.buf + skb.macOff || skb.len < VLAN_TAG_OFF) return -E.EINVAL;
      skb.insertAt(VLAN_TAG_OFF, VLAN_HLEN);
      k.mem.dv.setUint16(skb.data + VLAN_TAG_OFF, skb.vlan.proto, false);
      k.mem.dv.setUint16(skb.data + VLAN_TAG_OFF + 2, skb.vlan.tci, false);
      skb.protocol = skb.vlan.proto;
    }
    skb.vlan = { proto: p, tci: u32(tci) & 0xffff };
    skb.sync();
    return 0;
  },
  // bpf_skb_vlan_pop(skb)
  19: (k, ctx) => {
    const skb = skbArg(k, ctx);
    if (!skb) return -E.EINVAL;
    if (skb.vlan) skb.vlan = undefined;
    else {
      if (!isVlan(skb.protocol)) return 0;
      const r = popPacketTag(k, skb);
      if (typeof r !== "number") return r.errno;
    }
    // The next in-packet tag, if any, becomes the accelerated one.
    if (isVlan(skb.protocol)) {
      const proto = skb.protocol;
      const r = popPacketTag(k, skb);
      if (typeof r !== "number") return r.errno;
      skb.vlan = { proto, tci: r };
    }
    skb.sync();
    return 0;
  },
  // bpf_get_hash_recalc(skb): the flow hash, computed when unset
  34: (k, ctx) => {
    const skb = skbArg(k, ctx);
    if (!skb) return 0;
    if (skb.hash === 0) {
      skb.hash = flowHash(k, skb);
      skb.sync();
    }
    return skb.hash;
  },
  // bpf_set_hash_invalid(skb)
  41: (k, ctx) => {
    const skb = skbArg(k, ctx);
    if (skb) {
      skb.hash = 0;
      skb.sync();
    }
    return 0;
  },
  // bpf_set_hash(skb, hash)
  48: (k, ctx, hash) => {
    const skb = skbArg(k, ctx);
    if (skb) {
      skb.hash = u32(hash);
      skb.sync();
    }
    return 0;
  },
  // bpf_skb_set_tunnel_key(skb, key, size, flags): kept on the skb for get_tunnel_key
  21: (k, ctx, key, sz, flags) => {
    const skb = skbArg(k, ctx);
    const n = size(sz);
    if (!skb || flags & ~SET_TUNNEL_FLAGS) return -E.EINVAL;
    if (n !== TUNNEL_KEY_SIZE && !TUNNEL_KEY_OLD_SIZES.includes(n)) return -E.EINVAL;
    const bytes = new Uint8Array(TUNNEL_KEY_SIZE);
    bytes.set(k.mem.read(ptr(key), n));
    skb.tunnelKey = bytes;
    skb.tunnelIpv6 = (flags & BPF_F_TUNINFO_IPV6) !== 0n;
    return 0;
  },
  // bpf_skb_get_tunnel_key(skb, key, size, flags): -EINVAL (key zeroed) without tunnel info
  20: (k, ctx, key, sz, flags) => {
    const skb = skbArg(k, ctx);
    const n = Math.min(size(sz), 0xffff);
    const dst = ptr(key);
    const fail = (errno: number): number => {
      k.mem.u8.fill(0, dst, dst + n);
      return errno;
    };
    if (!skb?.tunnelKey || flags & ~(BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS))
      return fail(-E.EINVAL);
    if (n !== TUNNEL_KEY_SIZE && !TUNNEL_KEY_OLD_SIZES.includes(n)) return fail(-E.EINVAL);
    if (skb.tunnelIpv6 !== ((flags & BPF_F_TUNINFO_IPV6) !== 0n)) return fail(-E.EPROTO);
    k.mem.write(dst, skb.tunnelKey.subarray(0, n));
    return 0;
  },
  // bpf_get_cgroup_classid / bpf_get_route_realm: no net_cls cgroup, no route
  17: () => 0,
  24: () => 0,
};
