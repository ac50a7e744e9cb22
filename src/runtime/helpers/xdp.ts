// XDP frame helpers: move data/data_meta/data_end inside the test-run frame
// with the kernel's limits (net/core/filter.c), and byte access by offset.
import type { Kernel } from "../kernel.ts";
import { ETH_HLEN } from "../progtypes/packet.ts";
import { metalenInvalid, XdpContext } from "../progtypes/xdp-context.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, s32, size, u32 } from "./util.ts";

function xdpArg(k: Kernel, ctx: bigint): XdpContext | undefined {
  const c = k.contextAt(ptr(ctx));
  return c instanceof XdpContext ? c : undefined;
}

export const XDP_HELPERS: HelperTable = {
  // bpf_xdp_adjust_head(xdp, delta): metadata moves along with data
  44: (k, ctx, delta) => {
    const x = xdpArg(k, ctx);
    if (!x) return -E.EINVAL;
    const off = s32(delta);
    const metalen = x.data - x.dataMeta;
    const data = x.data + off;
    if (data < x.frameEnd + metalen || data > x.dataEnd - ETH_HLEN) return -E.EINVAL;
    if (metalen) k.mem.u8.copyWithin(x.dataMeta + off, x.dataMeta, x.dataMeta + metalen);
    x.dataMeta += off;
    x.data = data;
    x.sync();
    return 0;
  },
  // bpf_xdp_adjust_meta(xdp, delta)
  54: (k, ctx, delta) => {
    const x = xdpArg(k, ctx);
    if (!x) return -E.EINVAL;
    const meta = x.dataMeta + s32(delta);
    if (meta < x.frameEnd || meta > x.data) return -E.EINVAL;
    if (metalenInvalid(x.data - meta)) return -E.EACCES;
    x.dataMeta = meta;
    x.sync();
    return 0;
  },
  // bpf_xdp_adjust_tail(xdp, delta): growing zero-fills the new bytes
  65: (k, ctx, delta) => {
    const x = xdpArg(k, ctx);
    if (!x) return -E.EINVAL;
    const off = s32(delta);
    const end = x.dataEnd + off;
    if (end > x.hardEnd || end < x.data + ETH_HLEN) return -E.EINVAL;
    if (off > 0) k.mem.u8.fill(0, x.dataEnd, end);
    x.dataEnd = end;
    x.sync();
    return 0;
  },
  // bpf_xdp_get_buff_len(xdp)
  188: (k, ctx) => {
    const x = xdpArg(k, ctx);
    return x ? x.dataEnd - x.data : 0;
  },
  // bpf_xdp_load_bytes(xdp, offset, buf, len) / bpf_xdp_store_bytes(xdp, offset, buf, len)
  189: (k, ctx, offset, buf, len) => {
    const x = xdpArg(k, ctx);
    const n = size(len);
    const off = u32(offset);
    if (!x || off + n > x.dataEnd - x.data) return -E.EINVAL;
    k.mem.u8.copyWithin(ptr(buf), x.data + off, x.data + off + n);
    return 0;
  },
  190: (k, ctx, offset, buf, len) => {
    const x = xdpArg(k, ctx);
    const n = size(len);
    const off = u32(offset);
    if (!x || off + n > x.dataEnd - x.data) return -E.EINVAL;
    k.mem.u8.copyWithin(x.data + off, ptr(buf), ptr(buf) + n);
    return 0;
  },
};
