// Translations of the kernel selftests in progs/verifier_precision.c: the
// exact mark_precise lines of the level-2 log for backtracking through NEG
// and byte swaps, through a loop whose checkpoint has first_idx ==
// last_idx, and past comparisons with the frame pointer (a stack pointer is
// never asked for precision).
import type { VerifierCase } from "../harness.ts";

/** r2 = INIT; r2 = OP r2; if r2 != CMP goto +2; r1 = r10; r1 += r2 (precision of r2). */
const unaryThenOffset = (init: string, op: string, cmp: string): string =>
  `r2 = ${init}
      ${op}
      if r2 != ${cmp} goto l1
      r1 = r10
      r1 += r2
    l1:
      r0 = 0
      exit`;

const backtrackLines = (insn1: string, cmp: string, init: string): string[] => [
  "mark_precise: frame0: regs=r2 stack= before 3: (bf) r1 = r10",
  `mark_precise: frame0: regs=r2 stack= before 2: (55) if r2 != ${cmp} goto pc+2`,
  `mark_precise: frame0: regs=r2 stack= before 1: ${insn1}`,
  `mark_precise: frame0: regs=r2 stack= before 0: (b7) r2 = ${init}`,
];

export const cases: VerifierCase[] = [
  {
    name: "bpf_neg",
    type: "raw_tracepoint",
    asm: unaryThenOffset("8", "r2 = -r2", "-8"),
    logHas: backtrackLines("(87) r2 = -r2", "0xfffffff8", "8"),
  },
  {
    name: "bpf_end_to_le",
    type: "raw_tracepoint",
    asm: unaryThenOffset("0", "r2 = le16 r2", "0"),
    logHas: backtrackLines("(d4) r2 = le16 r2", "0x0", "0"),
  },
  {
    name: "bpf_end_to_be",
    type: "raw_tracepoint",
    asm: unaryThenOffset("0", "r2 = be16 r2", "0"),
    logHas: backtrackLines("(dc) r2 = be16 r2", "0x0", "0"),
  },
  {
    name: "bpf_end_bswap",
    type: "raw_tracepoint",
    asm: unaryThenOffset("0", "r2 = bswap16 r2", "0"),
    logHas: backtrackLines("(d7) r2 = bswap16 r2", "0x0", "0"),
  },
  {
    name: "state_loop_first_last_equal",
    type: "raw_tracepoint",
    asm: `r0 = 0
    l0:
      r0 += 1
      r0 += 1
      if r0 >= 10 goto l1
      goto l0
    l1:
      exit`,
    logHas: [
      "2: (07) r0 += 1                       ; R0_w=6",
      "3: (35) if r0 >= 0xa goto pc+1",
      "mark_precise: frame0: last_idx 3 first_idx 3 subseq_idx -1",
      "mark_precise: frame0: regs=r0 stack= before 2: (07) r0 += 1",
      "mark_precise: frame0: regs=r0 stack= before 1: (07) r0 += 1",
      "mark_precise: frame0: regs=r0 stack= before 4: (05) goto pc-4",
      "mark_precise: frame0: regs=r0 stack= before 3: (35) if r0 >= 0xa goto pc+1",
      "mark_precise: frame0: parent state regs= stack=:  R0_rw=P4",
      "3: R0_w=6",
    ],
  },
  {
    name: "bpf_cond_op_r10",
    type: "raw_tracepoint",
    asm: `r3 = 0 ll
      call sub
      r0 = 0
      exit
    sub:
      r2 = 2314885393468386424 ll
      goto +0
      if r2 <= r10 goto +3
      if r1 >= -1835016 goto +0
      if r2 <= 8 goto +0
      if r3 <= 0 goto +0
      exit`,
    logHas: [
      "8: (bd) if r2 <= r10 goto pc+3",
      "9: (35) if r1 >= 0xffe3fff8 goto pc+0",
      "10: (b5) if r2 <= 0x8 goto pc+0",
      "mark_precise: frame1: last_idx 10 first_idx 0 subseq_idx -1",
      "mark_precise: frame1: regs=r2 stack= before 9: (35) if r1 >= 0xffe3fff8 goto pc+0",
      "mark_precise: frame1: regs=r2 stack= before 8: (bd) if r2 <= r10 goto pc+3",
      "mark_precise: frame1: regs=r2 stack= before 7: (05) goto pc+0",
    ],
  },
  {
    name: "bpf_cond_op_not_r10",
    type: "raw_tracepoint",
    asm: `r0 = 0
      r2 = 2314885393468386424 ll
      r3 = r10
      if r3 <= r2 goto +1
      if r2 <= 8 goto +2
      r0 = 2 ll
      exit`,
    logHas: [
      "3: (bf) r3 = r10",
      "4: (bd) if r3 <= r2 goto pc+1",
      "5: (b5) if r2 <= 0x8 goto pc+2",
      "mark_precise: frame0: last_idx 5 first_idx 0 subseq_idx -1",
      "mark_precise: frame0: regs=r2 stack= before 4: (bd) if r3 <= r2 goto pc+1",
      "mark_precise: frame0: regs=r2 stack= before 3: (bf) r3 = r10",
    ],
  },
];
