// The dynptr operations of kernel/bpf/helpers.c and net/core/filter.c on
// runtime memory: construction (from memory, a ring buffer record, an skb or
// an XDP frame), bounded reads and writes, slices, and the small queries.
// Both the helpers and the kfuncs' host implementations use these, and the
// inlinable bodies (bodies.ts) compute exactly the same results.
import type { Kernel } from "../../runtime/kernel.ts";
import { SkbContext } from "../../runtime/progtypes/skb-context.ts";
import { XdpContext } from "../../runtime/progtypes/xdp-context.ts";
import { ProgType } from "../../uapi/prog-types.ts";
import { DynptrType } from "../../verifier/kfuncs/types.ts";
import {
  checkAccess,
  checkOffLen,
  isLocalLike,
  readDynptr,
  setNull,
  writeDynptr,
  type Dynptr,
} from "./layout.ts";

const EINVAL = 22;
const E2BIG = 7;
const ERANGE = 34;

/** The packet behind an skb/xdp dynptr's ctx address, if that context is live. */
export function packetOf(k: Kernel, ctxAddr: number): { addr: number; len: number } | undefined {
  const c = k.contextAt(ctxAddr);
  if (c instanceof SkbContext) return { addr: c.data, len: c.len };
  if (c instanceof XdpContext) return { addr: c.data, len: c.dataEnd - c.data };
  return undefined;
}

/** Program types that may write packet data (bpf_dynptr_from_skb's rdonly choice). */
const PKT_WRITERS = new Set<number>([
  ProgType.SCHED_CLS,
  ProgType.SCHED_ACT,
  ProgType.XDP,
  ProgType.LWT_XMIT,
  ProgType.SK_SKB,
]);

/** The dynptr at `addr` after checking it is readable memory. */
export function dynptrAt(k: Kernel, addr: number, what: string, pc: number): Dynptr {
  checkAccess(k.mem, addr, 16, what, pc);
  return readDynptr(k.mem, addr);
}

/** Start of [offset, offset+len) of a non-null dynptr's data, or 0 when out of bounds or gone. */
function dataAddr(k: Kernel, d: Dynptr, offset: number, len: number): number {
  if (!d.data || !checkOffLen(d, offset, len)) return 0;
  if (isLocalLike(d.type)) return d.data + d.offset + offset;
  const pkt = packetOf(k, d.data);
  if (!pkt || d.offset + offset + len > pkt.len) return 0;
  return pkt.addr + d.offset + offset;
}

/** bpf_dynptr_from_mem(data, size, flags, ptr). */
export function fromMem(k: Kernel, data: number, size: number, flags: bigint, ptr: number): number {
  if (flags !== 0n) {
    setNull(k.mem, ptr);
    return -EINVAL;
  }
  if (size > 0xffffff) {
    setNull(k.mem, ptr);
    return -E2BIG;
  }
  writeDynptr(k.mem, ptr, { data, size, type: DynptrType.LOCAL, rdonly: false, offset: 0 });
  return 0;
}

/** bpf_dynptr_from_skb / bpf_dynptr_from_xdp(ctx, flags, ptr). */
export function fromPacket(
  k: Kernel,
  ctx: number,
  flags: bigint,
  ptr: number,
  type: number,
): number {
  const pkt = packetOf(k, ctx);
  if (flags !== 0n || !pkt) {
    setNull(k.mem, ptr);
    return -EINVAL;
  }
  const progType = k.currentRun()?.progType ?? ProgType.UNSPEC;
  const rdonly = type === DynptrType.SKB && !PKT_WRITERS.has(progType);
  writeDynptr(k.mem, ptr, { data: ctx, size: pkt.len, type, rdonly, offset: 0 });
  return 0;
}

/** bpf_dynptr_read(dst, len, src, offset, flags). */
export function read(
  k: Kernel,
  dst: number,
  len: number,
  src: Dynptr,
  offset: number,
  flags: bigint,
  pc: number,
): number {
  if (!src.data || flags !== 0n) return -EINVAL;
  if (!checkOffLen(src, offset, len)) return -E2BIG;
  const from = dataAddr(k, src, offset, len);
  if (!from) return -EINVAL;
  checkAccess(k.mem, dst, len, "bpf_dynptr_read", pc);
  k.mem.u8.copyWithin(dst, from, from + len);
  return 0;
}

/** bpf_dynptr_write(dst, offset, src, len, flags). */
export function write(
  k: Kernel,
  dst: Dynptr,
  offset: number,
  src: number,
  len: number,
  flags: bigint,
  pc: number,
): number {
  if (!dst.data || dst.rdonly) return -EINVAL;
  if (!checkOffLen(dst, offset, len)) return -E2BIG;
  if (flags !== 0n) return -EINVAL;
  const to = dataAddr(k, dst, offset, len);
  if (!to) return -EINVAL;
  checkAccess(k.mem, src, len, "bpf_dynptr_write", pc);
  k.mem.u8.copyWithin(to, src, src + len);
  return 0;
}

/** bpf_dynptr_data(ptr, offset, len): local and ringbuf memory only. */
export function data(k: Kernel, d: Dynptr, offset: number, len: number): number {
  if (!d.data || d.rdonly || !isLocalLike(d.type)) return 0;
  return dataAddr(k, d, offset, len);
}

/**
 * bpf_dynptr_slice(ptr, offset, buffer, len): packets here are linear, so a
 * slice always points into the data (the buffer is never needed).
 */
export function slice(k: Kernel, d: Dynptr, offset: number, len: number): number {
  return dataAddr(k, d, offset, len);
}

/** bpf_dynptr_adjust(ptr, start, end). */
export function adjust(k: Kernel, addr: number, start: number, end: number): number {
  const d = readDynptr(k.mem, addr);
  if (!d.data) return -EINVAL;
  if (start > d.size || end > d.size) return -ERANGE;
  if (start > end) return -EINVAL;
  writeDynptr(k.mem, addr, { ...d, offset: d.offset + start, size: end - start });
  return 0;
}

/** bpf_dynptr_clone(ptr, clone). */
export function clone(k: Kernel, from: number, to: number): number {
  const d = readDynptr(k.mem, from);
  if (!d.data) {
    setNull(k.mem, to);
    return -EINVAL;
  }
  writeDynptr(k.mem, to, d);
  return 0;
}

/**
 * For host implementations of other modules: the address of `len` bytes at
 * `offset` of the dynptr at `dynptrAddr` (what bpf_dynptr_slice returns), or 0.
 */
export function sliceOf(
  k: Kernel,
  dynptrAddr: number,
  offset: number,
  len: number,
  pc = -1,
): number {
  return slice(k, dynptrAt(k, dynptrAddr, "dynptr slice", pc), offset, len);
}
