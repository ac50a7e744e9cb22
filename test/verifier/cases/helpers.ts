// Helper calls: which helpers a program type may call, argument kinds from
// the prototype table, memory + size pairs, references (ring buffer records,
// sockets) that must be released, and helper/map compatibility.
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

const map = (type: number, keySize: number, valueSize: number, maxEntries = 1): MapInfo => ({
  type,
  keySize,
  valueSize,
  maxEntries,
  flags: 0,
});
const RINGBUF = map(MapType.RINGBUF, 0, 0, 4096);
const PROG_ARRAY = map(MapType.PROG_ARRAY, 4, 4, 4);
const PERF = map(MapType.PERF_EVENT_ARRAY, 4, 4, 4);

const RESERVE_8 = `r1 = map[id:0]
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve`;

export const cases: VerifierCase[] = [
  { name: "helper id out of range", asm: `call 32767\n exit`, err: "invalid func unknown#32767" },
  {
    name: "helper id 0",
    asm: `call 0\n exit`,
    err: "program of this type cannot use helper bpf_unspec#0",
  },
  {
    name: "XDP helper in a socket filter",
    asm: `r2 = 0
      call bpf_xdp_adjust_head
      exit`,
    err: "program of this type cannot use helper bpf_xdp_adjust_head#44",
  },
  {
    name: "tracing helper in a socket filter",
    asm: `call bpf_get_current_pid_tgid
      exit`,
    err: "program of this type cannot use helper bpf_get_current_pid_tgid#14",
  },
  {
    name: "tracing helper in a kprobe",
    type: "kprobe",
    asm: `call bpf_get_current_pid_tgid
      exit`,
  },
  {
    name: "trace_printk needs CAP_PERFMON in a socket filter",
    asm: `r1 = 0x0a
      *(u64 *)(r10 - 8) = r1
      r1 = r10
      r1 += -8
      r2 = 8
      call bpf_trace_printk
      r0 = 0
      exit`,
    unpriv: "program of this type cannot use helper bpf_trace_printk#6",
  },
  {
    name: "GPL-only helper from a non-GPL program",
    type: "kprobe",
    gpl: false,
    asm: `r1 = r10
      r1 += -8
      r2 = 8
      r3 = 0
      call bpf_probe_read_kernel
      r0 = 0
      exit`,
    err: "cannot call GPL-restricted function from non-GPL compatible program",
  },
  {
    name: "helper without arguments",
    asm: `call bpf_ktime_get_ns
      exit`,
    unpriv: "ok",
  },
  {
    name: "r0 of a void-returning helper is unreadable",
    type: "sched_cls",
    maps: [PROG_ARRAY],
    asm: `r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      exit`,
    err: "R0 !read_ok",
  },
  {
    name: "tail call",
    type: "xdp",
    maps: [PROG_ARRAY],
    asm: `r2 = map[id:0]
      r3 = 1
      call bpf_tail_call
      r0 = 2
      exit`,
    check: (r) => {
      if (r.aux[3]!.mapKey !== 1n) throw new Error(`tail call key ${String(r.aux[3]!.mapKey)}`);
    },
  },
  {
    name: "tail call with an unknown index",
    type: "xdp",
    maps: [PROG_ARRAY],
    asm: `r3 = *(u32 *)(r1 + 12)
      r2 = map[id:0]
      call bpf_tail_call
      r0 = 2
      exit`,
    check: (r) => {
      if (r.aux[3]!.mapKey !== "poisoned") throw new Error("key should be poisoned");
    },
  },
  {
    name: "tail call through an array map",
    type: "xdp",
    maps: [map(MapType.ARRAY, 4, 4)],
    asm: `r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      r0 = 2
      exit`,
    err: "kernel subsystem misconfigured verifier",
  },
  {
    name: "tail call without ctx",
    type: "xdp",
    maps: [PROG_ARRAY],
    asm: `r1 = 0
      r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      r0 = 2
      exit`,
    err: "R1 type=scalar expected=ctx",
  },
  {
    name: "tail call with index uninitialised",
    type: "xdp",
    maps: [PROG_ARRAY],
    asm: `r2 = map[id:0]
      call bpf_tail_call
      r0 = 2
      exit`,
    err: "R3 !read_ok",
  },
  {
    name: "perf event output to a hash map",
    type: "kprobe",
    maps: [map(MapType.HASH, 4, 4)],
    asm: `r2 = map[id:0]
      r3 = 0
      r4 = r10
      r4 += -8
      *(u64 *)(r10 - 8) = r3
      r5 = 8
      call bpf_perf_event_output
      r0 = 0
      exit`,
    err: "cannot pass map_type 1 into func bpf_perf_event_output#25",
  },
  {
    name: "perf event output",
    type: "kprobe",
    maps: [PERF],
    asm: `r2 = map[id:0]
      r3 = 0
      r4 = r10
      r4 += -8
      *(u64 *)(r10 - 8) = r3
      r5 = 8
      call bpf_perf_event_output
      r0 = 0
      exit`,
  },
  {
    name: "ring buffer output to an array",
    maps: [map(MapType.ARRAY, 4, 8)],
    asm: `r1 = map[id:0]
      r2 = r10
      r2 += -8
      r3 = 0
      *(u64 *)(r10 - 8) = r3
      r3 = 8
      r4 = 0
      call bpf_ringbuf_output
      r0 = 0
      exit`,
    err: "cannot pass map_type 2 into func bpf_ringbuf_output#130",
  },
  {
    name: "ctx argument is the stack",
    asm: `r1 = r10
      r2 = 0
      r3 = r10
      r3 += -8
      r4 = 4
      call bpf_skb_load_bytes
      r0 = 0
      exit`,
    err: "R1 type=fp expected=ctx",
  },
  {
    name: "ctx argument with an offset",
    asm: `r1 += 8
      r2 = 0
      r3 = r10
      r3 += -8
      r4 = 4
      call bpf_skb_load_bytes
      r0 = 0
      exit`,
    err: "dereference of modified ctx ptr R1 off=8 disallowed",
  },
  {
    name: "skb_load_bytes into the stack",
    asm: `r2 = 0
      r3 = r10
      r3 += -8
      r4 = 8
      call bpf_skb_load_bytes
      r0 = *(u64 *)(r10 - 8)
      exit`,
    unpriv: "ok",
  },
  {
    name: "get_current_comm buffer fits",
    type: "kprobe",
    asm: `r1 = r10
      r1 += -16
      r2 = 16
      call bpf_get_current_comm
      r0 = 0
      exit`,
  },
  {
    name: "get_current_comm buffer past the frame pointer",
    type: "kprobe",
    asm: `r1 = r10
      r1 += -16
      r2 = 17
      call bpf_get_current_comm
      r0 = 0
      exit`,
    err: "invalid write to stack R1 off=-16 size=17",
  },
  {
    name: "get_current_comm buffer at fp-1 (badhelpercall)",
    type: "kprobe",
    asm: `r1 = r10
      r1 += -1
      r2 = 20
      call bpf_get_current_comm
      exit`,
    err: "invalid write to stack R1 off=-1 size=20",
  },
  {
    name: "zero size for ARG_CONST_SIZE",
    type: "kprobe",
    asm: `r1 = r10
      r1 += -16
      r2 = 0
      call bpf_get_current_comm
      r0 = 0
      exit`,
    err: "R2 invalid zero-sized read: u64=[0,0]",
  },
  {
    name: "zero size for ARG_CONST_SIZE_OR_ZERO",
    type: "kprobe",
    asm: `r1 = r10
      r1 += -16
      r2 = 0
      r3 = 0
      call bpf_probe_read_kernel
      r0 = 0
      exit`,
  },
  {
    name: "size may be negative",
    type: "kprobe",
    asm: `call bpf_get_prandom_u32
      r2 = r0
      r1 = r10
      r1 += -16
      call bpf_get_current_comm
      r0 = 0
      exit`,
    err: "R2 min value is negative, either use unsigned or 'var &= const'",
  },
  {
    name: "size that may be zero",
    type: "kprobe",
    asm: `call bpf_get_prandom_u32
      r2 = r0
      r2 >>= 1
      r1 = r10
      r1 += -16
      call bpf_get_current_comm
      r0 = 0
      exit`,
    err: "R2 invalid zero-sized read: u64=[0,9223372036854775807]",
  },
  {
    name: "size without upper bound",
    type: "kprobe",
    asm: `call bpf_get_prandom_u32
      r2 = r0
      r2 >>= 2
      r2 += 1
      r1 = r10
      r1 += -16
      call bpf_get_current_comm
      r0 = 0
      exit`,
    err: "R2 unbounded memory access, use 'var &= const' or 'if (var < const)'",
  },
  {
    name: "bounded variable size",
    type: "kprobe",
    asm: `call bpf_get_prandom_u32
      r2 = r0
      r2 &= 15
      r2 += 1
      r1 = r10
      r1 += -16
      call bpf_get_current_comm
      r0 = 0
      exit`,
  },
  {
    name: "bounded variable size too large",
    type: "kprobe",
    asm: `call bpf_get_prandom_u32
      r2 = r0
      r2 &= 31
      r2 += 1
      r1 = r10
      r1 += -16
      call bpf_get_current_comm
      r0 = 0
      exit`,
    err: "invalid write to stack R1 off=-16 size=32",
  },
  {
    name: "memory argument is a scalar",
    type: "kprobe",
    asm: `r1 = 0
      r2 = 16
      call bpf_get_current_comm
      r0 = 0
      exit`,
    err: "R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  },
  {
    name: "helper reads uninitialised stack",
    type: "kprobe",
    maps: [PERF],
    asm: `r2 = map[id:0]
      r3 = 0
      r4 = r10
      r4 += -8
      r5 = 8
      call bpf_perf_event_output
      r0 = 0
      exit`,
    unpriv: "invalid read from stack R4 off=-8 size=8",
  },
  {
    name: "ring buffer reserve, check, submit",
    maps: [RINGBUF],
    asm: `${RESERVE_8}
      if r0 == 0 goto out
      r1 = 42
      *(u64 *)(r0 + 0) = r1
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit
    out:
      r0 = 0
      exit`,
  },
  {
    name: "ring buffer record not released",
    maps: [RINGBUF],
    asm: `${RESERVE_8}
      if r0 == 0 goto out
      r1 = 42
      *(u64 *)(r0 + 0) = r1
    out:
      r0 = 0
      exit`,
    err: "Unreleased reference id=2 alloc_insn=4\nBPF_EXIT instruction in main prog would lead to reference leak",
  },
  {
    name: "ring buffer record submitted without NULL check",
    maps: [RINGBUF],
    asm: `${RESERVE_8}
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit
      r0 = 0
      exit`,
    err: "R1 type=ringbuf_mem_or_null expected=ringbuf_mem",
  },
  {
    name: "ring buffer record submitted twice",
    maps: [RINGBUF],
    asm: `${RESERVE_8}
      if r0 == 0 goto out
      r6 = r0
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit
      r1 = r6
      r2 = 0
      call bpf_ringbuf_discard
    out:
      r0 = 0
      exit`,
    err: "R1 type=scalar expected=ringbuf_mem",
  },
  {
    name: "ring buffer record written past its size",
    maps: [RINGBUF],
    asm: `${RESERVE_8}
      if r0 == 0 goto out
      r1 = 42
      *(u64 *)(r0 + 8) = r1
      r1 = r0
      r2 = 0
      call bpf_ringbuf_discard
    out:
      r0 = 0
      exit`,
    err: "invalid access to memory, mem_size=8 off=8 size=8",
  },
  {
    name: "ring buffer reserve of a variable size",
    maps: [RINGBUF],
    asm: `r2 = *(u32 *)(r1 + 0)
      r1 = map[id:0]
      r3 = 0
      call bpf_ringbuf_reserve
      r0 = 0
      exit`,
    err: "R2 is not a known constant'",
  },
  {
    name: "tail call with a reference held",
    type: "xdp",
    maps: [RINGBUF, PROG_ARRAY],
    asm: `r6 = r1
      ${RESERVE_8}
      if r0 == 0 goto out
      r7 = r0
      r1 = r6
      r2 = map[id:1]
      r3 = 0
      call bpf_tail_call
      r1 = r7
      r2 = 0
      call bpf_ringbuf_discard
    out:
      r0 = 0
      exit`,
    err: "tail_call would lead to reference leak",
  },
  {
    name: "releasing a NULL socket",
    type: "sched_cls",
    asm: `r1 = 0
      call bpf_sk_release
      r0 = 0
      exit`,
    err: "R1 type=scalar expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_",
  },
  {
    name: "socket lookup and release",
    type: "sched_cls",
    asm: `r2 = r10
      r2 += -16
      r3 = 0
      *(u64 *)(r10 - 8) = r3
      *(u64 *)(r10 - 16) = r3
      r3 = 12
      r4 = 0
      r5 = 0
      call bpf_sk_lookup_tcp
      if r0 == 0 goto out
      r1 = r0
      call bpf_sk_release
    out:
      r0 = 0
      exit`,
  },
  {
    name: "socket lookup without release",
    type: "sched_cls",
    asm: `r2 = r10
      r2 += -16
      r3 = 0
      *(u64 *)(r10 - 8) = r3
      *(u64 *)(r10 - 16) = r3
      r3 = 12
      r4 = 0
      r5 = 0
      call bpf_sk_lookup_tcp
      r0 = 0
      exit`,
    err: "BPF_EXIT instruction in main prog would lead to reference leak",
  },
  {
    name: "socket used after release",
    type: "sched_cls",
    asm: `r2 = r10
      r2 += -16
      r3 = 0
      *(u64 *)(r10 - 8) = r3
      *(u64 *)(r10 - 16) = r3
      r3 = 12
      r4 = 0
      r5 = 0
      call bpf_sk_lookup_tcp
      if r0 == 0 goto out
      r6 = r0
      r1 = r0
      call bpf_sk_release
      r0 = *(u32 *)(r6 + 0)
    out:
      r0 = 0
      exit`,
    err: "R6 invalid mem access 'scalar'",
  },
  {
    name: "get_local_storage with non-zero flags",
    type: "cgroup_skb",
    maps: [map(MapType.CGROUP_STORAGE, 16, 8)],
    asm: `r1 = map[id:0]
      r2 = 1
      call bpf_get_local_storage
      r0 = 1
      exit`,
    err: "get_local_storage() doesn't support non-zero flags",
  },
  {
    name: "get_local_storage value is never NULL",
    type: "cgroup_skb",
    maps: [map(MapType.CGROUP_STORAGE, 16, 8)],
    asm: `r1 = map[id:0]
      r2 = 0
      call bpf_get_local_storage
      r1 = *(u64 *)(r0 + 0)
      r0 = 1
      exit`,
  },
  {
    name: "smp_processor_id is bounded by the CPU count",
    asm: `call bpf_get_smp_processor_id
      if r0 != 0 goto bad
      exit
    bad:
      r0 = *(u64 *)(r9 + 0)
      exit`,
  },
];
