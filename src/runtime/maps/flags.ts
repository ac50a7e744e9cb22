// Map-related flag values of include/uapi/linux/bpf.h that src/uapi does not
// carry (helper flags, per-type creation flags), and the kernel's size limits.
export { MAX_BPF_STACK } from "../../isa/index.ts";
import {
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
} from "../../uapi/index.ts";

export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_PRESERVE_ELEMS = 1 << 11;
export const BPF_F_ACCESS_MASK =
  BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;

/** bpf_perf_event_output flags: low 32 bits select the CPU's slot; all ones = current CPU. */
export const BPF_F_INDEX_MASK = 0xffff_ffff;
export const BPF_F_CURRENT_CPU = BPF_F_INDEX_MASK;

/** bpf_ringbuf_submit/discard/output flags. */
export const BPF_RB_NO_WAKEUP = 1 << 0;
export const BPF_RB_FORCE_WAKEUP = 1 << 1;
/** bpf_ringbuf_query flags. */
export const BPF_RB_AVAIL_DATA = 0;
export const BPF_RB_RING_SIZE = 1;
export const BPF_RB_CONS_POS = 2;
export const BPF_RB_PROD_POS = 3;
/** Ring buffer record header bits (in the u32 length word). */
export const BPF_RINGBUF_BUSY_BIT = 0x8000_0000;
export const BPF_RINGBUF_DISCARD_BIT = 0x4000_0000;
export const BPF_RINGBUF_HDR_SZ = 8;

/** Kernel limits the map code checks against (x86-64 defaults). */
export const PAGE_SIZE = 4096;
export const KMALLOC_MAX_SIZE = 1 << 22;
export const PCPU_MIN_UNIT_SIZE = 32 << 10;
/** BPF_OBJ_NAME_LEN: names are at most 15 characters plus NUL. */
export const BPF_OBJ_NAME_LEN = 16;

/** Round up to a multiple of 8 (value slots, per-CPU copies, records). */
export function round8(n: number): number {
  return (n + 7) & ~7;
}
