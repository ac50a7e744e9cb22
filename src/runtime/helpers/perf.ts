// perf_event_array helpers. bpf_perf_event_output appends, for skb and XDP
// programs, the first (flags >> 32) & 0xfffff packet bytes after the sample
// (BPF_F_CTXLEN_MASK, bpf_skb_event_output / bpf_xdp_event_output); other
// program types must leave those bits clear. Counters: the runtime's perf
// events are BPF_OUTPUT software events, which count nothing, so reads give
// zeros for a present event and the kernel's errors otherwise.
import { PerfEventArrayMap } from "../maps/index.ts";
import type { Kernel } from "../kernel.ts";
import { mapArg } from "./maps.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, size } from "./util.ts";

const INDEX_MASK = 0xffff_ffffn;
const CTXLEN_MASK = 0xfffffn << 32n;
/** sizeof(struct bpf_perf_event_value): counter, enabled, running. */
const PERF_VALUE_SIZE = 24;

function perfOutput(
  k: Kernel,
  ctx: bigint,
  map: bigint,
  flags: bigint,
  data: bigint,
  sz: bigint,
): number {
  const m = mapArg(k, map);
  if (!(m instanceof PerfEventArrayMap)) return -E.EINVAL;
  const c = k.contextAt(ptr(ctx));
  const packet = c?.kind === "skb" || c?.kind === "xdp" ? c.packetData() : undefined;
  const allowed = packet ? CTXLEN_MASK | INDEX_MASK : INDEX_MASK;
  if (flags & ~allowed) return -E.EINVAL;
  const ctxLen = Number((flags & CTXLEN_MASK) >> 32n);
  if (packet && ctxLen > packet.len) return -E.EFAULT;
  const n = size(sz);
  if (n > 0xffff) return -E.E2BIG;
  const u8 = k.mem.u8;
  const parts = [u8.slice(ptr(data), ptr(data) + n)];
  if (packet && ctxLen > 0) parts.push(u8.slice(packet.addr, packet.addr + ctxLen));
  return m.outputBytes(Number(flags & INDEX_MASK), parts);
}

/** The perf event in the slot `flags` selects, or -errno (get_map_perf_counter). */
function perfSlot(k: Kernel, map: bigint, flags: bigint): number {
  const m = mapArg(k, map);
  if (!(m instanceof PerfEventArrayMap)) return -E.EINVAL;
  if (flags & ~INDEX_MASK) return -E.EINVAL;
  const index = flags === INDEX_MASK ? k.maps.currentCpu : Number(flags);
  if (index >= m.maxEntries) return -E.E2BIG;
  return m.at(index) ? 0 : -E.ENOENT;
}

export const PERF_HELPERS: HelperTable = {
  // bpf_perf_event_output(ctx, map, flags, data, size)
  25: (k, ctx, map, flags, data, sz) => perfOutput(k, ctx, map, flags, data, sz),
  // bpf_perf_event_read(map, flags): the counter value (0) or -errno
  22: (k, map, flags) => perfSlot(k, map, flags),
  // bpf_perf_event_read_value(map, flags, buf, size): buf zeroed on every outcome
  55: (k, map, flags, buf, sz) => {
    const n = size(sz);
    k.mem.u8.fill(0, ptr(buf), ptr(buf) + Math.min(n, 0xffff));
    if (n !== PERF_VALUE_SIZE) return -E.EINVAL;
    return perfSlot(k, map, flags);
  },
  // bpf_perf_prog_read_value(ctx, buf, size): the sampling event's counters
  56: (k, _ctx, buf, sz) => {
    const n = size(sz);
    k.mem.u8.fill(0, ptr(buf), ptr(buf) + Math.min(n, 0xffff));
    return n === PERF_VALUE_SIZE ? 0 : -E.EINVAL;
  },
};
