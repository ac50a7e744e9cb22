// Legacy packet loads BPF_LD | BPF_ABS / BPF_IND: the program types that have
// them, their reserved fields, the implicit skb in R6, the clobbered R1-R5 and
// the reference-leak rule.
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";

export const cases: VerifierCase[] = [
  {
    name: "ld_abs in a socket filter",
    asm: `r6 = r1
      r0 = *(u8 *)skb[0]
      r0 = *(u16 *)skb[12]
      r0 = *(u32 *)skb[26]
      exit`,
    unpriv: "ok",
  },
  {
    name: "ld_ind with a scalar index",
    type: "sched_cls",
    asm: `r6 = r1
      r7 = 14
      r0 = *(u8 *)skb[r7 + 9]
      exit`,
  },
  {
    name: "ld_abs in sched_act",
    type: "sched_act",
    asm: `r6 = r1
      r0 = *(u16 *)skb[12]
      exit`,
  },
  {
    name: "ld_abs not allowed in xdp",
    type: "xdp",
    asm: `r6 = r1
      r0 = *(u8 *)skb[0]
      exit`,
    err: "BPF_LD_[ABS|IND] instructions not allowed for this program type",
  },
  {
    name: "ld_abs not allowed in kprobe",
    type: "kprobe",
    asm: `r6 = r1
      r0 = *(u8 *)skb[0]
      exit`,
    err: "BPF_LD_[ABS|IND] instructions not allowed for this program type",
  },
  {
    name: "ld_abs needs R6",
    asm: `r0 = *(u8 *)skb[0]
      exit`,
    err: "R6 !read_ok",
  },
  {
    name: "ld_abs with R6 not the context",
    asm: `r6 = r10
      r0 = *(u8 *)skb[0]
      exit`,
    err: "at the time of BPF_LD_ABS|IND R6 != pointer to skb",
  },
  {
    name: "ld_abs with a moved context in R6",
    asm: `r6 = r1
      r6 += 8
      r0 = *(u8 *)skb[0]
      exit`,
    err: "dereference of modified ctx ptr R6 off=8 disallowed",
  },
  {
    name: "ld_abs with a destination register",
    asm: `r6 = r1
      .insn 0x30 1 0 0 0
      exit`,
    err: "BPF_LD_[ABS|IND] uses reserved fields",
  },
  {
    name: "ld_abs with an offset",
    asm: `r6 = r1
      .insn 0x30 0 0 1 0
      exit`,
    err: "BPF_LD_[ABS|IND] uses reserved fields",
  },
  {
    name: "ld_abs with a source register",
    asm: `r6 = r1
      .insn 0x30 0 2 0 0
      exit`,
    err: "BPF_LD_[ABS|IND] uses reserved fields",
  },
  {
    name: "ld_abs of 8 bytes is not an opcode",
    asm: `r6 = r1
      .insn 0x38 0 0 0 0
      exit`,
    err: "unknown opcode 38",
  },
  {
    name: "ld_ind index must be initialised",
    asm: `r6 = r1
      r0 = *(u8 *)skb[r3 + 0]
      exit`,
    err: "R3 !read_ok",
  },
  {
    name: "ld_abs clobbers R1-R5",
    asm: `r6 = r1
      r2 = 1
      r0 = *(u8 *)skb[0]
      r0 = r2
      exit`,
    err: "R2 !read_ok",
  },
  {
    name: "ld_abs keeps R6-R9",
    asm: `r6 = r1
      r7 = 1
      r0 = *(u8 *)skb[0]
      r0 = r7
      exit`,
    unpriv: "ok",
  },
  {
    name: "ld_abs result is an unknown scalar",
    asm: `r6 = r1
      r0 = *(u8 *)skb[0]
      if r0 > 0xff goto bad
      exit
    bad:
      r0 = *(u64 *)(r9 + 0)
      exit`,
    err: "R9 !read_ok",
  },
  {
    name: "ld_abs while holding a reference",
    type: "sched_cls",
    maps: [{ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }],
    asm: `r6 = r1
      r1 = map[id:0]
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 == 0 goto out
      r7 = r0
      r0 = *(u8 *)skb[0]
      r1 = r7
      r2 = 0
      call bpf_ringbuf_discard
    out:
      r0 = 0
      exit`,
    err: "BPF_LD_[ABS|IND] would lead to reference leak",
  },
];
