// skb helpers that read, write or reshape packet bytes: load/store (relative
// to skb->data, or to the mac/network header), change_tail/head/proto. They
// act on the SkbContext behind the ctx pointer and follow net/core/filter.c's
// checks and errno values; reshaping rewrites data/data_end in the ctx.
import type { Kernel } from "../kernel.ts";
import { BPF_SKB_MAX_LEN, SkbContext } from "../progtypes/skb-context.ts";
import { ETH_P_IP, ETH_P_IPV6, bswap16 } from "../progtypes/packet.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, size, u32 } from "./util.ts";

const INT_MAX = 0x7fff_ffffn;
const BPF_F_RECOMPUTE_CSUM = 1n;
const BPF_F_INVALIDATE_HASH = 2n;
const BPF_HDR_START_MAC = 0n;
const BPF_HDR_START_NET = 1n;
/** sizeof(struct ipv6hdr) - sizeof(struct iphdr). */
const IP6_IP4_DIFF = 20;

export function skbArg(k: Kernel, ctx: bigint): SkbContext | undefined {
  const c = k.contextAt(ptr(ctx));
  return c instanceof SkbContext ? c : undefined;
}

/** Zero the destination and fail, as the load helpers' err_clear path. */
function clear(k: Kernel, to: bigint, len: number): number {
  k.mem.u8.fill(0, ptr(to), ptr(to) + len);
  return -E.EFAULT;
}

export const SKB_DATA_HELPERS: HelperTable = {
  // bpf_skb_load_bytes(skb, offset, to, len): bytes from skb->data + offset
  26: (k, ctx, offset, to, len) => {
    const n = Math.min(size(len), 0xffff);
    const skb = skbArg(k, ctx);
    const off = u32(offset);
    if (!skb || BigInt(off) > INT_MAX || off + n > skb.len) return clear(k, to, n);
    k.mem.u8.copyWithin(ptr(to), skb.data + off, skb.data + off + n);
    return 0;
  },
  // bpf_skb_load_bytes_relative(skb, offset, to, len, start_header)
  68: (k, ctx, offset, to, len, start) => {
    const n = Math.min(size(len), 0xffff);
    const skb = skbArg(k, ctx);
    if (!skb || offset > 0xffffn) return clear(k, to, n);
    let from: number;
    if (start === BPF_HDR_START_MAC) from = skb.buf + skb.macOff + Number(offset);
    else if (start === BPF_HDR_START_NET) from = skb.buf + skb.netOff + Number(offset);
    else return clear(k, to, n);
    if (from < skb.buf + skb.macOff || from + n > skb.data + skb.len) return clear(k, to, n);
    k.mem.u8.copyWithin(ptr(to), from, from + n);
    return 0;
  },
  // bpf_skb_store_bytes(skb, offset, from, len, flags)
  9: (k, ctx, offset, from, len, flags) => {
    const skb = skbArg(k, ctx);
    if (!skb || flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) return -E.EINVAL;
    const off = u32(offset);
    const n = size(len);
    if (BigInt(off) > INT_MAX || off + n > skb.len) return -E.EFAULT;
    k.mem.u8.copyWithin(skb.data + off, ptr(from), ptr(from) + n);
    if (flags & BPF_F_INVALIDATE_HASH) {
      skb.hash = 0;
      skb.sync();
    }
    return 0;
  },
  // bpf_skb_change_tail(skb, new_len, flags): grow (zeroed) or trim
  38: (k, ctx, newLen, flags) => {
    const skb = skbArg(k, ctx);
    if (!skb) return -E.EINVAL;
    const n = u32(newLen);
    // __bpf_skb_min_len: test-run skbs have no transport header or partial checksum.
    const min = Math.max(skb.networkOffset, 0);
    if (flags !== 0n || n > BPF_SKB_MAX_LEN || n < min) return -E.EINVAL;
    skb.setLen(n);
    skb.sync();
    return 0;
  },
  // bpf_skb_change_head(skb, head_room, flags): push zeroed room, mac header at the new front
  43: (k, ctx, room, flags) => {
    const skb = skbArg(k, ctx);
    if (!skb) return -E.EINVAL;
    const n = u32(room);
    const newLen = skb.len + n;
    if (flags !== 0n || BigInt(n) > INT_MAX || newLen > BPF_SKB_MAX_LEN) return -E.EINVAL;
    skb.push(n);
    k.mem.u8.fill(0, skb.data, skb.data + n);
    skb.macOff = skb.data - skb.buf;
    skb.sync();
    return 0;
  },
  // bpf_skb_change_proto(skb, proto, flags): IPv4 <-> IPv6 header room after the mac header
  31: (k, ctx, proto, flags) => {
    const skb = skbArg(k, ctx);
    if (!skb || flags !== 0n) return -E.EINVAL;
    const to = bswap16(u32(proto) & 0xffff);
    // The new or removed room sits at the network header (bpf_skb_net_hdr_push/pop).
    const at = skb.networkOffset;
    if (at < 0) return -E.ENOTSUPP;
    if (skb.protocol === ETH_P_IP && to === ETH_P_IPV6) skb.insertAt(at, IP6_IP4_DIFF);
    else if (skb.protocol === ETH_P_IPV6 && to === ETH_P_IP) {
      if (at + IP6_IP4_DIFF > skb.len) return -E.EINVAL;
      skb.removeAt(at, IP6_IP4_DIFF);
    } else return -E.ENOTSUPP;
    skb.protocol = to;
    skb.hash = 0;
    skb.sync();
    return 0;
  },
};
