// Internet checksum helpers with the kernel's arithmetic (include/net/checksum.h
// and x86-64's csum_partial): 32-bit partial sums with end-around carry,
// folded to 16 bits and complemented. Values are taken as the program loaded
// them from the packet (network byte order bytes read as little-endian
// numbers), exactly as the kernel treats __be16/__be32 arguments.
import type { HelperTable } from "./types.ts";
import type { Kernel } from "../kernel.ts";
import { SkbContext } from "../progtypes/skb-context.ts";
import { E, ptr, size, u32 } from "./util.ts";

const M32 = 0x1_0000_0000;

/** csum_add: 32-bit add with end-around carry. */
export function csumAdd(a: number, b: number): number {
  const s = (a >>> 0) + (b >>> 0);
  return s >= M32 ? (s - M32 + 1) >>> 0 : s;
}

/** csum_sub: add the complement. */
export const csumSub = (a: number, b: number): number => csumAdd(a, ~b >>> 0);

/** csum_fold: 32-bit partial sum → complemented 16-bit checksum. */
export function csumFold(c: number): number {
  let s = (c & 0xffff) + (c >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** x86-64 csum_partial over whole 32-bit words: a 64-bit sum folded to 32 bits (from64to32). */
export function csumPartialWords(words: readonly number[], seed: number): number {
  let sum = seed >>> 0;
  for (const w of words) sum += w >>> 0;
  for (let i = 0; i < 2; i++) sum = (sum % M32) + Math.floor(sum / M32);
  return sum >>> 0;
}

/** csum_replace_by_diff: *sum = csum_fold(csum_add(diff, ~csum_unfold(*sum))). */
export const replaceByDiff = (sum: number, diff: number): number =>
  csumFold(csumAdd(diff >>> 0, ~sum >>> 0));

/** csum_replace4: *sum = csum_fold(csum_add(csum_sub(~csum_unfold(*sum), from), to)). */
export const replace4 = (sum: number, from: number, to: number): number =>
  csumFold(csumAdd(csumSub(~sum >>> 0, from), to));

/** csum16_add/csum16_sub and csum_replace2: ~csum16_add(csum16_sub(~sum, old), new). */
function csum16Add(c: number, a: number): number {
  const r = (c + a) & 0xffff;
  return (r + (r < a ? 1 : 0)) & 0xffff;
}
export const replace2 = (sum: number, from: number, to: number): number =>
  ~csum16Add(csum16Add(~sum & 0xffff, ~from & 0xffff), to) & 0xffff;

const BPF_F_HDR_FIELD_MASK = 0xfn;
const BPF_F_PSEUDO_HDR = 1n << 4n;
const BPF_F_MARK_MANGLED_0 = 1n << 5n;
const BPF_F_MARK_ENFORCE = 1n << 6n;
const BPF_F_IPV6 = 1n << 7n;
const CSUM_MANGLED_0 = 0xffff;
/** bpf_csum_diff's scratch area: 512 bytes of from and to together. */
const CSUM_DIFF_MAX = 512;

/** The 16-bit checksum field at `offset` of the skb's data, or an errno (bpf_try_make_writable). */
function csumField(k: Kernel, ctx: bigint, offset: bigint): number | { errno: number } {
  const skb = k.contextAt(ptr(ctx));
  if (!(skb instanceof SkbContext)) return { errno: -E.EINVAL };
  if (offset > 0xffffn || offset & 1n) return { errno: -E.EFAULT };
  if (Number(offset) + 2 > skb.len) return { errno: -E.EFAULT };
  return skb.data + Number(offset);
}

export const CSUM_HELPERS: HelperTable = {
  // bpf_l3_csum_replace(skb, offset, from, to, flags)
  10: (k, ctx, offset, from, to, flags) => {
    if (flags & ~BPF_F_HDR_FIELD_MASK) return -E.EINVAL;
    const at = csumField(k, ctx, offset);
    if (typeof at !== "number") return at.errno;
    const dv = k.mem.dv;
    const sum = dv.getUint16(at, true);
    switch (Number(flags & BPF_F_HDR_FIELD_MASK)) {
      case 0:
        if (from !== 0n) return -E.EINVAL;
        dv.setUint16(at, replaceByDiff(sum, u32(to)), true);
        break;
      case 2:
        dv.setUint16(at, replace2(sum, u32(from) & 0xffff, u32(to) & 0xffff), true);
        break;
      case 4:
        dv.setUint16(at, replace4(sum, u32(from), u32(to)), true);
        break;
      default:
        return -E.EINVAL;
    }
    return 0;
  },
  // bpf_l4_csum_replace(skb, offset, from, to, flags). Test-run skbs carry no
  // hardware checksum state (CHECKSUM_NONE), so the pseudo-header flag only
  // matters for what the kernel would do to skb->csum, which nothing reads.
  11: (k, ctx, offset, from, to, flags) => {
    const known =
      BPF_F_MARK_MANGLED_0 |
      BPF_F_MARK_ENFORCE |
      BPF_F_PSEUDO_HDR |
      BPF_F_IPV6 |
      BPF_F_HDR_FIELD_MASK;
    if (flags & ~known) return -E.EINVAL;
    const at = csumField(k, ctx, offset);
    if (typeof at !== "number") return at.errno;
    const dv = k.mem.dv;
    const sum = dv.getUint16(at, true);
    const mmzero = (flags & BPF_F_MARK_MANGLED_0) !== 0n;
    if (mmzero && !(flags & BPF_F_MARK_ENFORCE) && sum === 0) return 0;
    let next: number;
    switch (Number(flags & BPF_F_HDR_FIELD_MASK)) {
      case 0:
        if (from !== 0n) return -E.EINVAL;
        next = replaceByDiff(sum, u32(to));
        break;
      case 2:
        next = replace4(sum, u32(from) & 0xffff, u32(to) & 0xffff);
        break;
      case 4:
        next = replace4(sum, u32(from), u32(to));
        break;
      default:
        return -E.EINVAL;
    }
    dv.setUint16(at, mmzero && next === 0 ? CSUM_MANGLED_0 : next, true);
    return 0;
  },
  // bpf_csum_diff(from, from_size, to, to_size, seed): csum_partial of ~from words then to words
  28: (k, from, fromSize, to, toSize, seed) => {
    const fs = size(fromSize);
    const ts = size(toSize);
    if ((fs | ts) & 3 || fs + ts > CSUM_DIFF_MAX) return -E.EINVAL;
    const dv = k.mem.dv;
    const words: number[] = [];
    for (let i = 0; i < fs; i += 4) words.push(~dv.getUint32(ptr(from) + i, true) >>> 0);
    for (let i = 0; i < ts; i += 4) words.push(dv.getUint32(ptr(to) + i, true));
    return csumPartialWords(words, u32(seed));
  },
};
