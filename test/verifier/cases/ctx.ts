// Context accesses per program type, from the ctx layout tables: which
// fields are readable or writable, narrow loads, alignment, unmodified
// pointers, and the pointer types some fields produce.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";

export const cases: VerifierCase[] = [
  { name: "socket filter reads skb->len", asm: `r0 = *(u32 *)(r1 + 0)\n exit`, unpriv: "ok" },
  { name: "socket filter narrow read of skb->protocol", asm: `r0 = *(u16 *)(r1 + 16)\n exit` },
  {
    name: "narrow reads record the field size",
    asm: `r0 = *(u8 *)(r1 + 3)
      r2 = *(u32 *)(r1 + 4)
      exit`,
    check: (r) => {
      expect(r.aux[0]!.ctxFieldSize).toBe(4);
      expect(r.aux[1]!.ctxFieldSize).toBe(4);
    },
  },
  {
    name: "socket filter cannot read skb->data",
    asm: `r0 = *(u32 *)(r1 + 76)\n exit`,
    err: "invalid bpf_context access off=76 size=4",
  },
  {
    name: "socket filter cannot read skb->data_end",
    asm: `r0 = *(u32 *)(r1 + 80)\n exit`,
    err: "invalid bpf_context access off=80 size=4",
  },
  {
    name: "socket filter cannot read skb->tc_classid",
    asm: `r0 = *(u32 *)(r1 + 72)\n exit`,
    err: "invalid bpf_context access off=72 size=4",
  },
  {
    name: "socket filter cannot read skb->family",
    asm: `r0 = *(u32 *)(r1 + 88)\n exit`,
    err: "invalid bpf_context access off=88 size=4",
  },
  {
    name: "socket filter cannot write skb->mark",
    asm: `r0 = 0
      *(u32 *)(r1 + 8) = r0
      exit`,
    err: "invalid bpf_context access off=8 size=4",
  },
  {
    name: "socket filter writes skb->cb[0]",
    asm: `r0 = 0
      *(u32 *)(r1 + 48) = r0
      exit`,
    unpriv: "ok",
  },
  {
    name: "64-bit access to skb->cb",
    asm: `r0 = 0
      *(u64 *)(r1 + 48) = r0
      r0 = *(u64 *)(r1 + 56)
      exit`,
  },
  {
    name: "skb->cb access past cb[4]",
    asm: `r0 = *(u64 *)(r1 + 64)
      exit`,
    err: "invalid bpf_context access off=64 size=8",
  },
  {
    name: "store an immediate into skb->cb",
    asm: `*(u32 *)(r1 + 52) = 7
      r0 = 0
      exit`,
  },
  {
    name: "store a pointer into skb->cb",
    asm: `*(u64 *)(r1 + 48) = r10
      r0 = 0
      exit`,
    unpriv: "R10 leaks addr into ctx",
  },
  {
    name: "misaligned ctx load",
    asm: `r0 = *(u32 *)(r1 + 1)\n exit`,
    err: "invalid bpf_context access off=1 size=4",
  },
  {
    name: "ctx load wider than the field",
    asm: `r0 = *(u64 *)(r1 + 0)\n exit`,
    err: "invalid bpf_context access off=0 size=8",
  },
  {
    name: "ctx load past the struct",
    asm: `r0 = *(u32 *)(r1 + 192)\n exit`,
    err: "invalid bpf_context access off=192 size=4",
  },
  {
    name: "ctx load of padding",
    asm: `r0 = *(u8 *)(r1 + 181)\n exit`,
    err: "invalid bpf_context access off=181 size=1",
  },
  {
    name: "negative ctx load",
    asm: `r0 = *(u32 *)(r1 - 4)\n exit`,
    err: "invalid bpf_context access off=-4 size=4",
  },
  {
    name: "modified ctx pointer",
    asm: `r1 += 8
      r0 = *(u32 *)(r1 + 0)
      exit`,
    err: "dereference of modified ctx ptr R1 off=8 disallowed",
  },
  {
    name: "ctx pointer moved backwards",
    asm: `r1 += -8
      r0 = *(u32 *)(r1 + 8)
      exit`,
    err: "negative offset ctx ptr R1 off=-8 disallowed",
  },
  {
    name: "ctx pointer with a variable offset",
    asm: `r2 = *(u32 *)(r1 + 0)
      r2 &= 7
      r1 += r2
      r0 = *(u32 *)(r1 + 0)
      exit`,
    err: "variable ctx access var_off=(0x0; 0x7) disallowed",
  },
  {
    name: "ctx pointer copied keeps its type",
    asm: `r6 = r1
      r0 = *(u32 *)(r6 + 4)
      exit`,
  },
  {
    name: "skb->sk is a socket pointer that may be NULL",
    asm: `r1 = *(u64 *)(r1 + 168)
      r0 = *(u32 *)(r1 + 0)
      exit`,
    err: "R1 invalid mem access 'sock_common_or_null'",
  },
  {
    name: "skb->sk after a NULL check",
    asm: `r1 = *(u64 *)(r1 + 168)
      if r1 == 0 goto out
      r0 = *(u32 *)(r1 + 4)
    out:
      r0 = 0
      exit`,
  },
  {
    name: "skb->sk must be read whole",
    asm: `r1 = *(u32 *)(r1 + 168)
      r0 = 0
      exit`,
    err: "invalid bpf_context access off=168 size=4",
  },
  {
    name: "tc writes skb->mark and skb->priority",
    type: "sched_cls",
    asm: `r0 = 1
      *(u32 *)(r1 + 8) = r0
      *(u32 *)(r1 + 32) = r0
      *(u32 *)(r1 + 72) = r0
      r0 = 0
      exit`,
  },
  {
    name: "tc cannot write skb->len",
    type: "sched_cls",
    asm: `r0 = 1
      *(u32 *)(r1 + 0) = r0
      exit`,
    err: "invalid bpf_context access off=0 size=4",
  },
  {
    name: "tc narrow write of skb->mark",
    type: "sched_cls",
    asm: `r0 = 1
      *(u16 *)(r1 + 8) = r0
      exit`,
    err: "invalid bpf_context access off=8 size=2",
  },
  { name: "tc reads skb->tstamp_type", type: "sched_cls", asm: `r0 = *(u8 *)(r1 + 180)\n exit` },
  { name: "tc reads skb->tstamp as u64", type: "sched_cls", asm: `r0 = *(u64 *)(r1 + 152)\n exit` },
  {
    name: "tc reads skb->tstamp as u32",
    type: "sched_cls",
    asm: `r0 = *(u32 *)(r1 + 152)\n exit`,
    err: "invalid bpf_context access off=152 size=4",
  },
  {
    name: "tc cannot read skb->family",
    type: "sched_cls",
    asm: `r0 = *(u32 *)(r1 + 88)\n exit`,
    err: "invalid bpf_context access off=88 size=4",
  },
  { name: "sk_skb reads skb->family", type: "sk_skb", asm: `r0 = *(u32 *)(r1 + 88)\n exit` },
  { name: "sk_skb reads remote_ip6[2]", type: "sk_skb", asm: `r0 = *(u32 *)(r1 + 108)\n exit` },
  {
    name: "sk_skb narrow read of remote_ip6",
    type: "sk_skb",
    asm: `r0 = *(u16 *)(r1 + 108)\n exit`,
    err: "invalid bpf_context access off=108 size=2",
  },
  {
    name: "tc skb->data is a packet pointer",
    type: "sched_cls",
    asm: `r2 = *(u32 *)(r1 + 76)
      r0 = *(u8 *)(r2 + 0)
      exit`,
    err: "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)\nR2 offset is outside of the packet",
  },
  {
    name: "tc narrow read of skb->data",
    type: "sched_cls",
    asm: `r0 = *(u16 *)(r1 + 76)\n exit`,
    err: "invalid bpf_context access off=76 size=2",
  },
  { name: "xdp reads ingress_ifindex", type: "xdp", asm: `r0 = *(u32 *)(r1 + 12)\n exit` },
  {
    name: "xdp narrow read",
    type: "xdp",
    asm: `r0 = *(u16 *)(r1 + 12)\n exit`,
    err: "invalid bpf_context access off=12 size=2",
  },
  {
    name: "xdp reads egress_ifindex",
    type: "xdp",
    asm: `r0 = *(u32 *)(r1 + 20)\n exit`,
    err: "invalid bpf_context access off=20 size=4",
  },
  {
    name: "xdp writes the context",
    type: "xdp",
    asm: `r0 = 0
      *(u32 *)(r1 + 12) = r0
      exit`,
    err: "invalid bpf_context access off=12 size=4",
  },
  { name: "kprobe reads pt_regs", type: "kprobe", asm: `r0 = *(u64 *)(r1 + 112)\n exit` },
  { name: "kprobe reads a byte of pt_regs", type: "kprobe", asm: `r0 = *(u8 *)(r1 + 113)\n exit` },
  {
    name: "kprobe reads past pt_regs",
    type: "kprobe",
    asm: `r0 = *(u64 *)(r1 + 168)\n exit`,
    err: "invalid bpf_context access off=168 size=8",
  },
  {
    name: "kprobe writes pt_regs",
    type: "kprobe",
    asm: `r0 = 0
      *(u64 *)(r1 + 0) = r0
      exit`,
    err: "invalid bpf_context access off=0 size=8",
  },
  {
    name: "tracepoint reads a record field",
    type: "tracepoint",
    asm: `r0 = *(u64 *)(r1 + 8)\n exit`,
  },
  {
    name: "tracepoint reads the common header",
    type: "tracepoint",
    asm: `r0 = *(u64 *)(r1 + 0)\n exit`,
    err: "invalid bpf_context access off=0 size=8",
  },
  {
    name: "raw tracepoint reads arg 0",
    type: "raw_tracepoint",
    asm: `r0 = *(u64 *)(r1 + 0)\n exit`,
  },
  {
    name: "raw tracepoint reads past 12 args",
    type: "raw_tracepoint",
    asm: `r0 = *(u64 *)(r1 + 96)\n exit`,
    err: "invalid bpf_context access off=96 size=8",
  },
  {
    name: "perf event reads sample_period",
    type: "perf_event",
    asm: `r0 = *(u64 *)(r1 + 168)\n exit`,
  },
  {
    name: "perf event narrow read of sample_period",
    type: "perf_event",
    asm: `r0 = *(u32 *)(r1 + 168)\n exit`,
  },
  {
    name: "perf event narrow read of a register",
    type: "perf_event",
    asm: `r0 = *(u32 *)(r1 + 0)\n exit`,
    err: "invalid bpf_context access off=0 size=4",
  },
  { name: "sock_ops reads op", type: "sock_ops", asm: `r0 = *(u32 *)(r1 + 0)\n r0 = 1\n exit` },
  {
    name: "sock_ops narrow read of op",
    type: "sock_ops",
    asm: `r0 = *(u8 *)(r1 + 0)\n exit`,
    err: "invalid bpf_context access off=0 size=1",
  },
  {
    name: "sock_ops writes reply",
    type: "sock_ops",
    asm: `r0 = 1
      *(u32 *)(r1 + 4) = r0
      exit`,
  },
  {
    name: "sock_ops writes op",
    type: "sock_ops",
    asm: `r0 = 1
      *(u32 *)(r1 + 0) = r0
      exit`,
    err: "invalid bpf_context access off=0 size=4",
  },
  {
    name: "sock_ops reads bytes_received",
    type: "sock_ops",
    asm: `r0 = *(u64 *)(r1 + 168)\n r0 = 1\n exit`,
  },
  {
    name: "sock_ops skb_data is a packet pointer",
    type: "sock_ops",
    asm: `r2 = *(u64 *)(r1 + 192)
      r3 = *(u64 *)(r1 + 200)
      r4 = r2
      r4 += 4
      if r4 > r3 goto out
      r0 = *(u32 *)(r2 + 0)
    out:
      r0 = 1
      exit`,
  },
  {
    name: "ctx passed to sock_map_update with an offset (ctxoffset.o)",
    type: "sock_ops",
    maps: [{ type: 2, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }],
    asm: `r2 = 1
      *(u32 *)(r10 - 4) = r2
      r1 += 8
      r3 = r10
      r3 += -4
      r2 = map[id:0]
      r4 = 0
      call bpf_sock_map_update
      exit`,
    err: "dereference of modified ctx ptr R1 off=8 disallowed",
  },
  {
    name: "one load insn used with ctx and stack pointers",
    asm: `r2 = r10
      r2 += -8
      r3 = 0
      *(u64 *)(r10 - 8) = r3
      r3 = *(u32 *)(r1 + 0)
      if r3 == 0 goto l
      r2 = r1
    l:
      r0 = *(u32 *)(r2 + 0)
      exit`,
    err: "same insn cannot be used with different pointers",
  },
  // struct bpf_sock of cgroup/sock programs: attach-type dependent fields.
  {
    name: "cgroup_sock reads family, type and protocol",
    type: "cgroup_sock",
    asm: `r2 = *(u32 *)(r1 + 4)
      r3 = *(u32 *)(r1 + 8)
      r4 = *(u8 *)(r1 + 12)
      r0 = 1
      exit`,
    check: (r) => expect(r.aux[2]!.ctxFieldSize).toBe(4),
  },
  {
    name: "cgroup_sock create hook sets mark and priority",
    type: "cgroup_sock",
    attach: "CGROUP_INET_SOCK_CREATE",
    asm: `r2 = 7
      *(u32 *)(r1 + 16) = r2
      *(u32 *)(r1 + 20) = r2
      *(u32 *)(r1 + 0) = r2
      r0 = 1
      exit`,
  },
  {
    name: "cgroup_sock without attach type is a create hook",
    type: "cgroup_sock",
    asm: `r2 = 7
      *(u32 *)(r1 + 16) = r2
      r0 = 1
      exit`,
  },
  {
    name: "cgroup_sock cannot write the family",
    type: "cgroup_sock",
    asm: `r2 = 2
      *(u32 *)(r1 + 4) = r2
      r0 = 1
      exit`,
    err: "invalid bpf_context access off=4 size=4",
  },
  {
    name: "cgroup_sock post-bind hook cannot touch mark",
    type: "cgroup_sock",
    attach: "CGROUP_INET4_POST_BIND",
    asm: `r2 = *(u32 *)(r1 + 16)
      r0 = 1
      exit`,
    err: "invalid bpf_context access off=16 size=4",
  },
  {
    name: "cgroup_sock post-bind4 reads the source address and port",
    type: "cgroup_sock",
    attach: "CGROUP_INET4_POST_BIND",
    asm: `r2 = *(u32 *)(r1 + 24)
      r3 = *(u16 *)(r1 + 44)
      r0 = 1
      exit`,
  },
  {
    name: "cgroup_sock create hook has no source address",
    type: "cgroup_sock",
    asm: `r2 = *(u32 *)(r1 + 24)
      r0 = 1
      exit`,
    err: "invalid bpf_context access off=24 size=4",
  },
  {
    name: "cgroup_sock dst_port as u32, u16 and u8",
    type: "cgroup_sock",
    asm: `r2 = *(u32 *)(r1 + 48)
      r3 = *(u16 *)(r1 + 48)
      r4 = *(u8 *)(r1 + 49)
      r0 = 1
      exit`,
    check: (r) => {
      expect(r.aux[0]!.ctxFieldSize).toBe(4);
      expect(r.aux[1]!.ctxFieldSize).toBe(2);
    },
  },
  {
    name: "cgroup_sock padding after dst_port",
    type: "cgroup_sock",
    asm: `r2 = *(u16 *)(r1 + 50)
      r0 = 1
      exit`,
    err: "invalid bpf_context access off=50 size=2",
  },
];
