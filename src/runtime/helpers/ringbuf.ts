// Ring buffer helpers over RingBufMap (the kernel's record layout, so the
// user-space RingBufReader sees exactly what the program committed).
import { ExecError } from "../../errors.ts";
import { RingBufMap } from "../maps/index.ts";
import { mapArg } from "./maps.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, size } from "./util.ts";

const flagWord = (x: bigint): number => (x > 0xffff_ffffn ? -1 : Number(x));

export const RINGBUF_HELPERS: HelperTable = {
  // bpf_ringbuf_output(ringbuf, data, size, flags)
  130: (k, map, data, sz, f) => {
    const rb = mapArg(k, map);
    if (!(rb instanceof RingBufMap)) return -E.EINVAL;
    const n = size(sz);
    return n > 0xffff_ffff ? -E.EINVAL : rb.output(ptr(data), n, flagWord(f));
  },
  // bpf_ringbuf_reserve(ringbuf, size, flags) → sample pointer or NULL
  131: (k, map, sz, f) => {
    const rb = mapArg(k, map);
    if (!(rb instanceof RingBufMap)) return 0;
    const n = size(sz);
    return n > 0xffff_ffff || f !== 0n ? 0 : rb.reserve(n, 0);
  },
  // bpf_ringbuf_submit(sample, flags) / bpf_ringbuf_discard(sample, flags): void
  132: (k, sample, f, _r3, _r4, _r5, call) =>
    commit(k.maps.ringbufOfSample(ptr(sample)), sample, f, false, call.pc),
  133: (k, sample, f, _r3, _r4, _r5, call) =>
    commit(k.maps.ringbufOfSample(ptr(sample)), sample, f, true, call.pc),
  // bpf_ringbuf_query(ringbuf, flags)
  134: (k, map, f) => {
    const rb = mapArg(k, map);
    return rb instanceof RingBufMap ? rb.query(flagWord(f)) : 0;
  },
};

function commit(
  rb: RingBufMap | undefined,
  sample: bigint,
  f: bigint,
  discard: boolean,
  pc: number,
): number {
  // The verifier only lets a reserved sample reach these helpers; without it,
  // anything else is a fault rather than a silent no-op.
  if (!rb || rb.commit(ptr(sample), flagWord(f), discard) < 0)
    throw new ExecError(
      `bpf_ringbuf_${discard ? "discard" : "submit"}: 0x${sample.toString(16)} is not a reserved ring buffer sample`,
      pc,
    );
  return 0;
}
