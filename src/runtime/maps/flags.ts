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

/** CONFIG_NR_CPUS of a distribution kernel: cpumap's max_entries bound. */
export const NR_CPUS = 8192;
/** cpumap: the largest queue size an entry may ask for. */
export const CPUMAP_MAX_QSIZE = 16384;

/** bpf_redirect_map flags: the fallback action in the low bits, broadcast options above. */
export const XDP_ACTION_MASK = 3;
export const BPF_F_BROADCAST = 1 << 3;
export const BPF_F_EXCLUDE_INGRESS = 1 << 4;

/** Stack maps: creation flag, and bpf_get_stackid/bpf_get_stack flags. */
export const BPF_F_STACK_BUILD_ID = 1 << 5;
export const BPF_F_SKIP_FIELD_MASK = 0xff;
export const BPF_F_USER_STACK = 1 << 8;
export const BPF_F_FAST_STACK_CMP = 1 << 9;
export const BPF_F_REUSE_STACKID = 1 << 10;
export const BPF_F_USER_BUILD_ID = 1 << 11;
/** sysctl kernel.perf_event_max_stack (PERF_MAX_STACK_DEPTH). */
export const PERF_MAX_STACK_DEPTH = 127;
/** sizeof(struct bpf_stack_build_id): s32 status, 20-byte build id, u64 offset/ip. */
export const STACK_BUILD_ID_SIZE = 32;
/** bpf_stack_build_id.status when no build id is known: the record holds the ip. */
export const BPF_STACK_BUILD_ID_IP = 2;
