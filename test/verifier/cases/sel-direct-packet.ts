// Translations of the kernel selftests in progs/verifier_direct_packet_access.c
// (tc programs: __sk_buff data at 76, data_end at 80, mark at 8, len at 0):
// ranges from every comparison form with data_end, both operand orders,
// copies and spills sharing a range, arithmetic that keeps or drops it,
// alignment, and a range established inside a subprogram. The newest
// tests (variable offsets in the message, __linear_size runs) are 7.0-era
// behaviour and are not translated.
import type { VerifierCase } from "../harness.ts";

/** r2 = data, r3 = data_end */
const PTRS = `r2 = *(u32 *)(r1 + 76)
      r3 = *(u32 *)(r1 + 80)`;

const tc = (c: Omit<VerifierCase, "type">): VerifierCase => ({ type: "sched_cls", ...c });

export const cases: VerifierCase[] = [
  tc({
    name: "pkt_end - pkt_start is allowed",
    asm: `r0 = *(u32 *)(r1 + 80)
      r2 = *(u32 *)(r1 + 76)
      r0 -= r2
      exit`,
  }),
  tc({
    name: "direct packet access: test1",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      r0 = *(u8 *)(r2 + 0)
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test2",
    asm: `r0 = 1
      r4 = *(u32 *)(r1 + 80)
      r3 = *(u32 *)(r1 + 76)
      r5 = r3
      r5 += 14
      if r5 > r4 goto l0
      r0 = *(u8 *)(r3 + 7)
      r4 = *(u8 *)(r3 + 12)
      r4 *= 14
      r3 = *(u32 *)(r1 + 76)
      r3 += r4
      r2 = *(u32 *)(r1 + 0)
      r2 <<= 49
      r2 >>= 49
      r3 += r2
      r2 = r3
      r2 += 8
      r1 = *(u32 *)(r1 + 80)
      if r2 > r1 goto l1
      r1 = *(u8 *)(r3 + 4)
    l1:
      r0 = 0
    l0:
      exit`,
  }),
  {
    name: "direct packet access: test3",
    asm: `r2 = *(u32 *)(r1 + 76)
      r0 = 0
      exit`,
    err: "invalid bpf_context access off=76 size=4",
    unpriv: "invalid bpf_context access off=76 size=4",
  },
  tc({
    name: "direct packet access: test4 (write)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      *(u8 *)(r2 + 0) = r2
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test5 (pkt_end >= reg, good access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r3 >= r0 goto l0
      r0 = 1
      exit
    l0:
      r0 = *(u8 *)(r2 + 0)
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test6 (pkt_end >= reg, bad access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r3 >= r0 goto l0
      r0 = *(u8 *)(r2 + 0)
      r0 = 1
      exit
    l0:
      r0 = 0
      exit`,
    err: "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
  }),
  tc({
    name: "direct packet access: test7 (pkt_end >= reg, both accesses)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r3 >= r0 goto l0
      r0 = *(u8 *)(r2 + 0)
      r0 = 1
      exit
    l0:
      r0 = *(u8 *)(r2 + 0)
      r0 = 0
      exit`,
    err: "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
  }),
  tc({
    name: "direct packet access: test8 (double test, variant 1)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r3 >= r0 goto l0
      if r0 > r3 goto l1
      r0 = *(u8 *)(r2 + 0)
    l1:
      r0 = 1
      exit
    l0:
      r0 = *(u8 *)(r2 + 0)
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test9 (double test, variant 2)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r3 >= r0 goto l0
      r0 = 1
      exit
    l0:
      if r0 > r3 goto l1
      r0 = *(u8 *)(r2 + 0)
    l1:
      r0 = *(u8 *)(r2 + 0)
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test10 (write invalid)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      r0 = 0
      exit
    l0:
      *(u8 *)(r2 + 0) = r2
      r0 = 0
      exit`,
    err: "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
  }),
  tc({
    name: "direct packet access: test11 (shift, good access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 22
      if r0 > r3 goto l0
      r3 = 144
      r5 = r3
      r5 += 23
      r5 >>= 3
      r6 = r2
      r6 += r5
      r0 = 1
      exit
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test12 (and, good access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 22
      if r0 > r3 goto l0
      r3 = 144
      r5 = r3
      r5 += 23
      r5 &= 15
      r6 = r2
      r6 += r5
      r0 = 1
      exit
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test13 (branches, good access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 22
      if r0 > r3 goto l0
      r3 = *(u32 *)(r1 + 8)
      r4 = 1
      if r3 > r4 goto l1
      r3 = 14
      goto l2
    l1:
      r3 = 24
    l2:
      r5 = r3
      r5 += 23
      r5 &= 15
      r6 = r2
      r6 += r5
      r0 = 1
      exit
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test14 (pkt_ptr += 0, CONST_IMM, good access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 22
      if r0 > r3 goto l0
      r5 = 12
      r5 >>= 4
      r6 = r2
      r6 += r5
      r0 = *(u8 *)(r6 + 0)
      r0 = 1
      exit
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test15 (spill with xadd)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      r5 = 4096
      r4 = r10
      r4 += -8
      *(u64 *)(r4 + 0) = r2
      lock *(u64 *)(r4 + 0) += r5
      r2 = *(u64 *)(r4 + 0)
      *(u32 *)(r2 + 0) = r5
      r0 = 0
    l0:
      exit`,
    err: "R2 invalid mem access 'scalar'",
  }),
  tc({
    name: "direct packet access: test16 (arith on data_end)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      r3 += 16
      if r0 > r3 goto l0
      *(u8 *)(r2 + 0) = r2
    l0:
      r0 = 0
      exit`,
    err: "R3 pointer arithmetic on pkt_end prohibited",
  }),
  tc({
    name: "direct packet access: test17 (pruning, alignment)",
    asm: `${PTRS}
      r7 = *(u32 *)(r1 + 8)
      r0 = r2
      r0 += 14
      if r7 > 1 goto l0
    l2:
      if r0 > r3 goto l1
      *(u32 *)(r0 - 4) = r0
    l1:
      r0 = 0
      exit
    l0:
      r0 += 1
      goto l2`,
    opts: { strictAlignment: true },
    err: "misaligned packet access off 2+15+-4 size 4",
  }),
  tc({
    name: "direct packet access: test18 (imm += pkt_ptr, 1)",
    asm: `${PTRS}
      r0 = 8
      r0 += r2
      if r0 > r3 goto l0
      *(u8 *)(r2 + 0) = r2
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test19 (imm += pkt_ptr, 2)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      r4 = 4
      r4 += r2
      *(u8 *)(r4 + 0) = r4
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test20 (x += pkt_ptr, 1)",
    asm: `${PTRS}
      r0 = 0xffffffff
      *(u64 *)(r10 - 8) = r0
      r0 = *(u64 *)(r10 - 8)
      r0 &= 0x7fff
      r4 = r0
      r4 += r2
      r5 = r4
      r4 += 32766
      if r4 > r3 goto l0
      *(u64 *)(r5 + 0) = r4
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test21 (x += pkt_ptr, 2)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      r4 = 0xffffffff
      *(u64 *)(r10 - 8) = r4
      r4 = *(u64 *)(r10 - 8)
      r4 &= 0x7fff
      r4 += r2
      r5 = r4
      r4 += 32766
      if r4 > r3 goto l0
      *(u64 *)(r5 + 0) = r4
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test22 (x += pkt_ptr, 3)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      *(u64 *)(r10 - 8) = r2
      *(u64 *)(r10 - 16) = r3
      r3 = *(u64 *)(r10 - 16)
      if r0 > r3 goto l0
      r2 = *(u64 *)(r10 - 8)
      r4 = 0xffffffff
      lock *(u64 *)(r10 - 8) += r4
      r4 = *(u64 *)(r10 - 8)
      r4 >>= 49
      r4 += r2
      r0 = r4
      r0 += 2
      if r0 > r3 goto l0
      r2 = 1
      *(u16 *)(r4 + 0) = r2
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test23 (x += pkt_ptr, 4)",
    asm: `${PTRS}
      r0 = *(u32 *)(r1 + 8)
      *(u64 *)(r10 - 8) = r0
      r0 = *(u64 *)(r10 - 8)
      r0 &= 0xffff
      r4 = r0
      r0 = 31
      r0 += r4
      r0 += r2
      r5 = r0
      r0 += 65534
      if r0 > r3 goto l0
      *(u64 *)(r5 + 0) = r0
    l0:
      r0 = 0
      exit`,
    // 6.14 reports the fixed offset (newer kernels fold in the variable part).
    err: "invalid access to packet, off=0 size=8, R5(id=3,off=0,r=0)",
  }),
  tc({
    name: "direct packet access: test24 (x += pkt_ptr, 5)",
    asm: `${PTRS}
      r0 = 0xffffffff
      *(u64 *)(r10 - 8) = r0
      r0 = *(u64 *)(r10 - 8)
      r0 &= 0xff
      r4 = r0
      r0 = 64
      r0 += r4
      r0 += r2
      r5 = r0
      r0 += 32766
      if r0 > r3 goto l0
      *(u64 *)(r5 + 0) = r0
    l0:
      r0 = 0
      exit`,
  }),
  tc({
    name: "direct packet access: test25 (marking on <, good access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r0 < r3 goto l0
    l1:
      r0 = 0
      exit
    l0:
      r0 = *(u8 *)(r2 + 0)
      goto l1`,
  }),
  tc({
    name: "direct packet access: test26 (marking on <, bad access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r0 < r3 goto l0
      r0 = *(u8 *)(r2 + 0)
    l1:
      r0 = 0
      exit
    l0:
      goto l1`,
    err: "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
  }),
  tc({
    name: "direct packet access: test27 (marking on <=, good access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r3 <= r0 goto l0
      r0 = *(u8 *)(r2 + 0)
    l0:
      r0 = 1
      exit`,
  }),
  tc({
    name: "direct packet access: test28 (marking on <=, bad access)",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if r3 <= r0 goto l0
    l1:
      r0 = 1
      exit
    l0:
      r0 = *(u8 *)(r2 + 0)
      goto l1`,
    err: "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
  }),
  tc({
    name: "direct packet access: test29 (reg > pkt_end in subprog)",
    asm: `r6 = *(u32 *)(r1 + 76)
      r2 = *(u32 *)(r1 + 80)
      r3 = r6
      r3 += 8
      call sub
      if r0 == 0 goto l0
      r0 = *(u8 *)(r6 + 0)
    l0:
      r0 = 0
      exit
    sub:
      r0 = 0
      if r3 > r2 goto l1
      r0 = 1
    l1:
      exit`,
  }),
  tc({
    name: "direct packet access: pkt_range cleared after sub with known scalar",
    asm: `r9 = *(u32 *)(r1 + 76)
      r8 = *(u32 *)(r1 + 80)
      r9 += 256
      if r9 >= r8 goto l0
      r0 = 0
      exit
    l0:
      r9 -= 256
      if r9 < r8 goto l1
      r0 = 0
      exit
    l1:
      r0 = *(u8 *)(r9 + 0)
      r0 = 0
      exit`,
    err: "invalid access to packet, off=0 size=1, R9(id=0,off=0,r=0)",
  }),
  tc({
    name: "direct packet access: pkt_range cleared after add with known scalar",
    asm: `r9 = *(u32 *)(r1 + 76)
      r8 = *(u32 *)(r1 + 80)
      r9 += 256
      if r9 >= r8 goto l0
      r0 = 0
      exit
    l0:
      r9 += -256
      if r9 < r8 goto l1
      r0 = 0
      exit
    l1:
      r0 = *(u8 *)(r9 + 0)
      r0 = 0
      exit`,
    err: "invalid access to packet, off=0 size=1, R9(id=0,off=0,r=0)",
  }),
  // 32-bit comparisons never establish a range (pointers are 64-bit).
  tc({
    name: "direct packet access: jmp32 comparison with pkt_end proves nothing",
    asm: `${PTRS}
      r0 = r2
      r0 += 8
      if w0 > w3 goto l0
      r0 = *(u8 *)(r2 + 0)
    l0:
      r0 = 0
      exit`,
    err: "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
  }),
  // Copies made before the check share its id and get the range too.
  tc({
    name: "direct packet access: range reaches every copy with the same id",
    asm: `${PTRS}
      r4 = *(u32 *)(r1 + 8)
      r4 &= 0xff
      r2 += r4
      r6 = r2
      *(u64 *)(r10 - 8) = r2
      r0 = r2
      r0 += 4
      if r0 > r3 goto l0
      r0 = *(u32 *)(r6 + 0)
      r7 = *(u64 *)(r10 - 8)
      r0 = *(u32 *)(r7 + 0)
    l0:
      r0 = 0
      exit`,
  }),
  // data_meta: checked against data.
  {
    name: "direct packet access: data_meta checked against data (XDP)",
    type: "xdp",
    asm: `r2 = *(u32 *)(r1 + 8)
      r3 = *(u32 *)(r1 + 0)
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      r0 = *(u64 *)(r2 + 0)
    l0:
      r0 = 2
      exit`,
  },
  {
    name: "direct packet access: data_meta read past data (XDP)",
    type: "xdp",
    asm: `r2 = *(u32 *)(r1 + 8)
      r3 = *(u32 *)(r1 + 0)
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      r0 = *(u64 *)(r2 + 1)
    l0:
      r0 = 2
      exit`,
    err: "invalid access to packet, off=1 size=8, R2(id=0,off=1,r=8)",
  },
  {
    name: "direct packet access: data_meta against data_end proves nothing (XDP)",
    type: "xdp",
    asm: `r2 = *(u32 *)(r1 + 8)
      r3 = *(u32 *)(r1 + 4)
      r0 = r2
      r0 += 8
      if r0 > r3 goto l0
      r0 = *(u64 *)(r2 + 0)
    l0:
      r0 = 2
      exit`,
    err: "invalid access to packet, off=0 size=8, R2(id=0,off=0,r=0)",
  },
];
