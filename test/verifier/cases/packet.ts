// Direct packet access: pointers from ctx->data, ranges proven by comparisons
// with data_end (both operand orders and all compare ops), variable offsets,
// writes per program type, and packet-changing helpers.
import type { VerifierCase } from "../harness.ts";

/** r2 = data, r3 = data_end (XDP). */
const XDP_PTRS = `r2 = *(u32 *)(r1 + 0)
      r3 = *(u32 *)(r1 + 4)`;
/** r2 = data, r3 = data_end (tc / cgroup_skb). */
const SKB_PTRS = `r2 = *(u32 *)(r1 + 76)
      r3 = *(u32 *)(r1 + 80)`;

export const cases: VerifierCase[] = [
  {
    name: "bounds check then read",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 14
      if r4 > r3 goto out
      r0 = *(u8 *)(r2 + 13)
    out:
      r0 = 2
      exit`,
  },
  {
    name: "read one byte past the checked range",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 14
      if r4 > r3 goto out
      r0 = *(u8 *)(r2 + 14)
    out:
      r0 = 2
      exit`,
    err: "invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)\nR2 offset is outside of the packet",
  },
  {
    name: "read without a bounds check",
    type: "xdp",
    asm: `${XDP_PTRS}
      r0 = *(u8 *)(r2 + 0)
      exit`,
    err: "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
  },
  {
    name: "check data > data_end proves nothing (packet_overflow.o)",
    type: "xdp",
    asm: `r0 = 1
      r2 = *(u32 *)(r1 + 0)
      r1 = *(u32 *)(r1 + 4)
      if r2 > r1 goto out
      r1 = *(u32 *)(r2 + 0)
      r1 += 1
      *(u32 *)(r2 + 0) = r1
      r0 = 0
    out:
      exit`,
    err: "invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)",
  },
  {
    name: "read through the advanced pointer",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 14
      if r4 > r3 goto out
      r0 = *(u16 *)(r4 - 2)
    out:
      r0 = 2
      exit`,
  },
  {
    name: "data_end < data + N (reversed operands)",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 8
      if r3 < r4 goto out
      r0 = *(u64 *)(r2 + 0)
    out:
      r0 = 2
      exit`,
  },
  {
    name: "data + N <= data_end jumps to the access",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 8
      if r4 <= r3 goto ok
      r0 = 2
      exit
    ok:
      r0 = *(u64 *)(r2 + 0)
      r0 = 2
      exit`,
  },
  {
    name: "data + N < data_end gives N+1 bytes",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 8
      if r4 < r3 goto ok
      r0 = 2
      exit
    ok:
      r0 = *(u8 *)(r2 + 8)
      r0 = 2
      exit`,
  },
  {
    name: "data_end >= data + N jumps to the access",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 4
      if r3 >= r4 goto ok
      r0 = 2
      exit
    ok:
      r0 = *(u32 *)(r2 + 0)
      r0 = 2
      exit`,
  },
  {
    name: "the failed check's branch has no range",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 4
      if r4 > r3 goto bad
      r0 = 2
      exit
    bad:
      r0 = *(u32 *)(r2 + 0)
      exit`,
    err: "invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)",
  },
  {
    name: "32-bit compare of packet pointers",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 4
      if w4 > w3 goto out
      r0 = *(u32 *)(r2 + 0)
    out:
      r0 = 2
      exit`,
    err: "invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)",
  },
  {
    name: "variable offset into the packet needs its own check",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 14
      if r4 > r3 goto out
      r5 = *(u8 *)(r2 + 0)
      r2 += r5
      r0 = *(u8 *)(r2 + 0)
    out:
      r0 = 2
      exit`,
    err: "invalid access to packet, off=0 size=1, R2(id=1,off=0,r=0)",
  },
  {
    name: "variable offset checked against data_end",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 14
      if r4 > r3 goto out
      r5 = *(u8 *)(r2 + 0)
      r2 += r5
      r4 = r2
      r4 += 1
      if r4 > r3 goto out
      r0 = *(u8 *)(r2 + 0)
    out:
      r0 = 2
      exit`,
  },
  {
    name: "write to the packet in XDP",
    type: "xdp",
    asm: `${XDP_PTRS}
      r4 = r2
      r4 += 1
      if r4 > r3 goto out
      r0 = 0
      *(u8 *)(r2 + 0) = r0
    out:
      r0 = 2
      exit`,
  },
  {
    name: "cgroup_skb may not write to the packet",
    type: "cgroup_skb",
    asm: `${SKB_PTRS}
      r4 = r2
      r4 += 1
      if r4 > r3 goto out
      r0 = 0
      *(u8 *)(r2 + 0) = r0
    out:
      r0 = 1
      exit`,
    err: "cannot write into packet",
  },
  {
    name: "cgroup_skb reads the packet",
    type: "cgroup_skb",
    asm: `${SKB_PTRS}
      r4 = r2
      r4 += 1
      if r4 > r3 goto out
      r0 = *(u8 *)(r2 + 0)
    out:
      r0 = 1
      exit`,
  },
  {
    name: "storing a pointer into the packet",
    type: "sched_cls",
    asm: `${SKB_PTRS}
      r4 = r2
      r4 += 8
      if r4 > r3 goto out
      *(u64 *)(r2 + 0) = r10
    out:
      r0 = 0
      exit`,
    unpriv: "R10 leaks addr into packet",
  },
  {
    name: "arithmetic on pkt_end",
    type: "xdp",
    asm: `${XDP_PTRS}
      r3 += 1
      r0 = 2
      exit`,
    err: "R3 pointer arithmetic on pkt_end prohibited",
  },
  {
    name: "dereferencing pkt_end",
    type: "xdp",
    asm: `${XDP_PTRS}
      r0 = *(u8 *)(r3 - 1)
      exit`,
    err: "R3 invalid mem access 'pkt_end'",
  },
  {
    name: "packet pointer compared with a scalar",
    type: "sched_cls",
    asm: `${SKB_PTRS}
      if r2 > 100 goto out
    out:
      r0 = 0
      exit`,
    unpriv: "R2 pointer comparison prohibited",
  },
  {
    name: "skb_pull_data invalidates packet pointers",
    type: "sched_cls",
    asm: `r6 = r1
      ${SKB_PTRS.replace(/r1/g, "r6")}
      r4 = r2
      r4 += 4
      if r4 > r3 goto out
      r1 = r6
      r7 = r2
      r2 = 4
      call bpf_skb_pull_data
      r0 = *(u32 *)(r7 + 0)
    out:
      r0 = 0
      exit`,
    err: "R7 invalid mem access 'scalar'",
  },
  {
    name: "skb_change_head invalidates packet pointers (packet_reallocate.o)",
    type: "sched_cls",
    asm: `r6 = 1
      r2 = *(u32 *)(r1 + 80)
      r7 = *(u32 *)(r1 + 76)
      r3 = r7
      r3 += 4
      if r3 > r2 goto out
      r2 = *(u32 *)(r7 + 0)
      r2 += 1
      *(u32 *)(r7 + 0) = r2
      r6 = 0
      r2 = 4
      r3 = 0
      call bpf_skb_change_head
      r1 = *(u32 *)(r7 + 0)
      r1 += 1
      *(u32 *)(r7 + 0) = r1
    out:
      r0 = r6
      exit`,
    err: "R7 invalid mem access 'scalar'",
  },
  {
    name: "helper reads the packet (csum_diff has pkt_access)",
    type: "sched_cls",
    asm: `r6 = r1
      ${SKB_PTRS.replace(/r1/g, "r6")}
      r4 = r2
      r4 += 8
      if r4 > r3 goto out
      r1 = r2
      r2 = 8
      r3 = 0
      r4 = 0
      r5 = 0
      call bpf_csum_diff
    out:
      r0 = 0
      exit`,
  },
  {
    name: "helper without pkt_access reads the packet",
    type: "sched_cls",
    asm: `r6 = r1
      ${SKB_PTRS.replace(/r1/g, "r6")}
      r4 = r2
      r4 += 8
      if r4 > r3 goto out
      r1 = r6
      r3 = r2
      r2 = 0
      r4 = 8
      call bpf_skb_load_bytes
    out:
      r0 = 0
      exit`,
    err: "helper access to the packet is not allowed",
  },
  {
    name: "data_meta before data",
    type: "xdp",
    asm: `r2 = *(u32 *)(r1 + 8)
      r3 = *(u32 *)(r1 + 0)
      r4 = r2
      r4 += 4
      if r4 > r3 goto out
      r0 = *(u32 *)(r2 + 0)
    out:
      r0 = 2
      exit`,
  },
];
