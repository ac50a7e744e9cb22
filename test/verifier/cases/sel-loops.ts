// Translations of the kernel selftests in progs/verifier_loops1.c: bounded
// loops verified by exploring every iteration, loops that never converge
// (the instruction limit; here lowered so the test stays short) and loops
// that come back to an identical state (infinite-loop detection).
import type { VerifierCase } from "../harness.ts";

export const cases: VerifierCase[] = [
  {
    name: "bounded loop, count to 4",
    type: "xdp",
    asm: `r0 = 0
    l0:
      r0 += 1
      if r0 < 4 goto l0
      exit`,
  },
  {
    name: "bounded loop, count to 20",
    type: "tracepoint",
    asm: `r0 = 0
    l0:
      r0 += 3
      if r0 < 20 goto l0
      exit`,
  },
  {
    name: "bounded loop, count from positive unknown to 4",
    type: "tracepoint",
    asm: `call bpf_get_prandom_u32
      if r0 s< 0 goto l0
    l1:
      r0 += 1
      if r0 < 4 goto l1
    l0:
      exit`,
  },
  {
    name: "bounded loop, count from totally unknown to 4",
    type: "tracepoint",
    asm: `call bpf_get_prandom_u32
    l0:
      r0 += 1
      if r0 < 4 goto l0
      exit`,
  },
  {
    name: "bounded loop, count to 4 with equality",
    type: "tracepoint",
    asm: `r0 = 0
    l0:
      r0 += 1
      if r0 != 4 goto l0
      exit`,
  },
  {
    name: "bounded loop, start in the middle",
    asm: `r0 = 0
      goto l0
    l1:
      r0 += 1
    l0:
      if r0 < 4 goto l1
      exit`,
    // check_cfg's depth-first walk meets the loop from its body (the
    // selftest matches "back-edge").
    unpriv: "back-edge from insn 2 to 3",
  },
  {
    name: "bounded loop containing a forward jump",
    type: "xdp",
    asm: `r0 = 0
    l1:
      r0 += 1
      if r0 == r0 goto l0
    l0:
      if r0 < 4 goto l1
      exit`,
  },
  {
    name: "bounded loop that jumps out rather than in",
    type: "tracepoint",
    asm: `r6 = 0
    l1:
      r6 += 1
      if r6 > 10000 goto l0
      call bpf_get_prandom_u32
      goto l1
    l0:
      exit`,
  },
  {
    name: "infinite loop after a conditional jump (instruction limit lowered)",
    type: "tracepoint",
    insnLimit: 20_000,
    asm: `r0 = 5
      if r0 < 4 goto l0
    l1:
      r0 += 1
      goto l1
    l0:
      exit`,
    err: "BPF program is too large. Processed 20001 insn",
  },
  {
    name: "infinite loop in two jumps",
    type: "tracepoint",
    asm: `r0 = 0
    l1:
      goto l0
    l0:
      if r0 < 4 goto l1
      exit`,
    // Where the first checkpoint of the loop falls (the selftest matches "loop detected").
    err: "infinite loop detected at insn 1",
  },
  {
    name: "infinite loop: three-jump trick",
    type: "tracepoint",
    asm: `r0 = 0
    l2:
      r0 += 1
      r0 &= 1
      if r0 < 2 goto l0
      exit
    l0:
      r0 += 1
      r0 &= 1
      if r0 < 2 goto l1
      exit
    l1:
      r0 += 1
      r0 &= 1
      if r0 < 2 goto l2
      exit`,
    err: "infinite loop detected at insn 9",
  },
  {
    name: "not-taken loop with back jump to 1st insn",
    type: "xdp",
    asm: `l0:
      r0 = 123
      if r0 == 4 goto l0
      exit`,
  },
  {
    name: "taken loop with back jump to 1st insn",
    type: "xdp",
    asm: `r1 = 10
      r2 = 0
      call sub
      exit
    sub:
      r2 += r1
      r1 -= 1
      if r1 != 0 goto sub
      r0 = r2
      exit`,
  },
  {
    name: "taken loop with back jump to 1st insn, 2",
    type: "xdp",
    asm: `r1 = 10
      r2 = 0
      call sub
      exit
    sub:
      r2 += r1
      r1 -= 1
      if w1 != 0 goto sub
      r0 = r2
      exit`,
  },
  {
    name: "not an infinite loop: a counter spilled to the stack",
    type: "xdp",
    asm: `call bpf_get_prandom_u32
      r0 &= 0xff
      *(u64 *)(r10 - 8) = r0
      r0 = 0
    loop:
      r0 = *(u64 *)(r10 - 8)
      if r0 > 10 goto out
      r0 += 1
      *(u64 *)(r10 - 8) = r0
      r0 = 0
      goto loop
    out:
      r0 = 0
      exit`,
  },
  {
    name: "bounded loop changing stack frame in a register",
    type: "xdp",
    opts: { testStateFreq: true },
    asm: `*(u64 *)(r10 - 8) = 0
      r1 = r10
      r1 += -8
      call sub
      exit
    sub:
      *(u64 *)(r10 - 8) = 1
    l1:
      r0 = *(u64 *)(r1 + 0)
      if r0 != 0 goto l2
      r1 = r10
      r1 += -8
      goto l1
    l2:
      exit`,
  },
];
