// The dynptr helpers (ids 197-203) for the runtime's helper table:
// bpf_dynptr_from_mem, bpf_ringbuf_reserve/submit/discard_dynptr and
// bpf_dynptr_read/write/data, on struct bpf_dynptr_kern in runtime memory.
import { RingBufMap } from "../../runtime/maps/index.ts";
import type { HelperTable } from "../../runtime/helpers/types.ts";
import { DynptrType } from "../../verifier/kfuncs/types.ts";
import { ptrArg, u32Arg } from "../args.ts";
import { checkAccess, initDynptr, setNull } from "./layout.ts";
import { data, dynptrAt, fromMem, read, write } from "./ops.ts";

const EINVAL = 22;
const ENOMEM = 12;

export const DYNPTR_HELPERS: HelperTable = {
  // bpf_dynptr_from_mem(data, size, flags, ptr)
  197: (k, d, size, flags, p, _r5, call) => {
    checkAccess(k.mem, ptrArg(p), 16, "bpf_dynptr_from_mem", call.pc);
    return fromMem(k, ptrArg(d), u32Arg(size), flags, ptrArg(p));
  },
  // bpf_ringbuf_reserve_dynptr(ringbuf, size, flags, ptr)
  198: (k, map, size, flags, p, _r5, call) => {
    const dst = ptrArg(p);
    checkAccess(k.mem, dst, 16, "bpf_ringbuf_reserve_dynptr", call.pc);
    const rb = k.maps.fromAddr(ptrArg(map));
    const n = u32Arg(size);
    if (!(rb instanceof RingBufMap) || flags !== 0n || n > 0xffffff) {
      setNull(k.mem, dst);
      return -EINVAL;
    }
    const sample = rb.reserve(n, 0);
    if (!sample) {
      setNull(k.mem, dst);
      return -ENOMEM;
    }
    initDynptr(k.mem, dst, sample, DynptrType.RINGBUF, n);
    return 0;
  },
  // bpf_ringbuf_submit_dynptr(ptr, flags) / bpf_ringbuf_discard_dynptr(ptr, flags)
  199: (k, p, flags, _r3, _r4, _r5, call) => commitDynptr(k, p, flags, false, call.pc),
  200: (k, p, flags, _r3, _r4, _r5, call) => commitDynptr(k, p, flags, true, call.pc),
  // bpf_dynptr_read(dst, len, src, offset, flags)
  201: (k, dst, len, src, off, flags, call) =>
    read(
      k,
      ptrArg(dst),
      u32Arg(len),
      dynptrAt(k, ptrArg(src), "bpf_dynptr_read", call.pc),
      u32Arg(off),
      flags,
      call.pc,
    ),
  // bpf_dynptr_write(dst, offset, src, len, flags)
  202: (k, dst, off, src, len, flags, call) =>
    write(
      k,
      dynptrAt(k, ptrArg(dst), "bpf_dynptr_write", call.pc),
      u32Arg(off),
      ptrArg(src),
      u32Arg(len),
      flags,
      call.pc,
    ),
  // bpf_dynptr_data(ptr, offset, len) → address or NULL
  203: (k, p, off, len, _r4, _r5, call) =>
    data(k, dynptrAt(k, ptrArg(p), "bpf_dynptr_data", call.pc), u32Arg(off), u32Arg(len)),
};

function commitDynptr(
  k: Parameters<HelperTable[number]>[0],
  p: bigint,
  flags: bigint,
  discard: boolean,
  pc: number,
): number {
  const addr = ptrArg(p);
  const d = dynptrAt(
    k,
    addr,
    discard ? "bpf_ringbuf_discard_dynptr" : "bpf_ringbuf_submit_dynptr",
    pc,
  );
  if (!d.data) return 0;
  const rb = k.maps.ringbufOfSample(d.data);
  if (rb) rb.commit(d.data, flags > 0xffff_ffffn ? -1 : Number(flags), discard);
  setNull(k.mem, addr);
  return 0;
}
