// State pruning, liveness and precision tracking (explore.ts, prune.ts,
// liveness.ts, precision.ts, backtrack.ts), and the exploration limits.
// Most cases verify with testStateFreq (the kernel's BPF_F_TEST_STATE_FREQ):
// a checkpoint at every prune point, so that these short programs prune.
// In each pair, the first program shows a checkpoint prunes a path when the
// difference cannot matter, the second that it does not when it can — and
// where pruning would then be unsound, that the unsafe path is still rejected.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";

const FREQ = { testStateFreq: true };
const PROG_ARRAY = { type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };

/** A tail call at insn 9 with key KEY, after paths that differ in r7 (and KEY, if it is r7). */
const tailCall = (key: string): string =>
  `r6 = r1
      call bpf_get_prandom_u32
      r7 = 2
      if r0 == 0 goto l1
      r7 = 3
    l1:
      r1 = r6
      r2 = map[id:0]
      r3 = ${key}
      call bpf_tail_call
      r0 = 0
      exit`;

/**
 * r6 = 8 on the fall-through (explored first, reaches the checkpoint at
 * `l1` first) or r6 = OTHER on the jump (explored second), then BODY.
 */
const twoPaths = (other: string, body: string): string =>
  `call bpf_get_prandom_u32
      r6 = ${other}
      if r0 == 0 goto l1
      r6 = -8
    l1:
      ${body}
      r0 = 0
      exit`;

/**
 * `if r0 == K goto +0` for K = 1..n: none is decided by the ones before, so
 * each leaves one branch for later.
 */
const unpredictableJumps = (n: number): string =>
  [
    "call bpf_get_prandom_u32",
    ...Array.from({ length: n }, (_, i) => `if r0 == ${i + 1} goto +0`),
    "r0 = 0",
    "exit",
  ].join("\n");

export const cases: VerifierCase[] = [
  {
    name: "precision: an imprecise constant does not block pruning",
    opts: FREQ,
    asm: twoPaths("-600", "r7 = r6"),
    logHas: ["from 2 to 4: safe"],
  },
  {
    name: "precision: a constant that became a stack offset must match exactly (unsafe path rejected)",
    opts: FREQ,
    asm: twoPaths(
      "-600",
      `r7 = r6
      r1 = r10
      r1 += r7
      r2 = 0
      *(u64 *)(r1 + 0) = r2`,
    ),
    err: "invalid write to stack R1 off=-600 size=8",
    logHas: [
      "mark_precise: frame0: regs=r7 stack= before 5: (bf) r1 = r10",
      "mark_precise: frame0: regs=r7 stack= before 4: (bf) r7 = r6",
      "mark_precise: frame0: parent state regs=r6 stack=:",
    ],
    logLacks: ["from 2 to 4: safe"],
  },
  {
    name: "precision: the same offset on both paths still prunes after marking",
    opts: FREQ,
    asm: twoPaths(
      "-8",
      `r7 = r6
      r1 = r10
      r1 += r7
      r2 = 0
      *(u64 *)(r1 + 0) = r2`,
    ),
    logHas: ["from 2 to 4: safe"],
  },
  {
    name: "precision follows a spill and a fill across a checkpoint",
    opts: FREQ,
    asm: twoPaths(
      "-600",
      `*(u64 *)(r10 - 16) = r6
      if r0 == 1 goto +0
      r7 = *(u64 *)(r10 - 16)
      r1 = r10
      r1 += r7
      r2 = 0
      *(u64 *)(r1 + 0) = r2`,
    ),
    err: "invalid write to stack R1 off=-600 size=8",
    logHas: [
      "mark_precise: frame0: parent state regs= stack=-16:",
      "mark_precise: frame0: regs= stack=-16 before 4: (7b) *(u64 *)(r10 -16) = r6",
      "mark_precise: frame0: parent state regs=r6 stack=:",
    ],
  },
  {
    name: "precision: a predicted branch marks the compared register and its sources",
    asm: `r1 = 3
      r2 = r1
      if r2 > 5 goto +1
      r0 = 0
      exit`,
    logHas: [
      "mark_precise: frame0: last_idx 2 first_idx 0 subseq_idx -1 \n",
      "mark_precise: frame0: regs=r2 stack= before 1: (bf) r2 = r1\n",
      "mark_precise: frame0: regs=r1 stack= before 0: (b7) r1 = 3\n",
    ],
  },
  {
    name: "precision: a value computed from two registers needs both",
    opts: FREQ,
    asm: `call bpf_get_prandom_u32
      r6 = -300
      r8 = -300
      if r0 == 0 goto l1
      r6 = -4
      r8 = -4
    l1:
      r7 = r6
      r7 += r8
      r1 = r10
      r1 += r7
      r2 = 0
      *(u64 *)(r1 + 0) = r2
      r0 = 0
      exit`,
    err: "invalid write to stack R1 off=-600 size=8",
    logHas: [
      "mark_precise: frame0: regs=r7,r8 stack= before 6: (bf) r7 = r6",
      "mark_precise: frame0: parent state regs=r6,r8 stack=:",
    ],
  },
  {
    name: "tail call: one constant key on every path is kept (the key is precise, paths still prune)",
    opts: FREQ,
    maps: [PROG_ARRAY],
    asm: tailCall("1"),
    logHas: ["from 3 to 5: safe"],
    check: (r) => expect(r.aux[9]!.mapKey).toBe(1n),
  },
  {
    name: "tail call: keys differing by path are not pruned together, and poison the key",
    opts: FREQ,
    maps: [PROG_ARRAY],
    asm: tailCall("r7"),
    logLacks: ["from 3 to 5: safe"],
    check: (r) => expect(r.aux[9]!.mapKey).toBe("poisoned"),
  },
  {
    name: "liveness: a dead register of another type does not block pruning",
    opts: FREQ,
    asm: `call bpf_get_prandom_u32
      r6 = r10
      if r0 == 0 goto l1
      r6 = 0
    l1:
      r0 = 0
      exit`,
    logHas: ["from 2 to 4: safe"],
  },
  {
    name: "liveness: a register read later blocks pruning on a type difference",
    opts: FREQ,
    asm: `call bpf_get_prandom_u32
      r6 = r10
      if r0 == 0 goto l1
      r6 = 0
    l1:
      *(u64 *)(r10 - 8) = r6
      r0 = 0
      exit`,
    logLacks: ["from 2 to 4: safe"],
  },
  {
    name: "liveness: a write before any read screens the old value",
    opts: FREQ,
    asm: `call bpf_get_prandom_u32
      r6 = r10
      if r0 == 0 goto l1
      r6 = 0
    l1:
      r6 = 1
      *(u64 *)(r10 - 8) = r6
      r0 = 0
      exit`,
    logHas: ["from 2 to 4: safe"],
  },
  {
    name: "liveness: a dead stack slot of another type does not block pruning",
    opts: FREQ,
    asm: `call bpf_get_prandom_u32
      r1 = 1
      *(u64 *)(r10 - 8) = r1
      *(u64 *)(r10 - 16) = r1
      if r0 == 0 goto l1
      *(u64 *)(r10 - 8) = r10
      r1 = 2
      *(u64 *)(r10 - 16) = r1
    l1:
      r2 = *(u64 *)(r10 - 16)
      r0 = 0
      exit`,
    // fp-8 (a pointer on one path) is never read; fp-16 (1 or 2) is read but
    // nothing relies on its value.
    logHas: ["from 4 to 8: safe"],
  },
  {
    name: "liveness: a stack slot read later blocks pruning on a type difference",
    opts: FREQ,
    asm: `call bpf_get_prandom_u32
      r1 = 1
      *(u64 *)(r10 - 8) = r1
      if r0 == 0 goto l1
      *(u64 *)(r10 - 8) = r10
    l1:
      r2 = *(u64 *)(r10 - 8)
      r0 = 0
      exit`,
    logLacks: ["from 3 to 5: safe"],
  },
  {
    name: "liveness: reads mark checkpoints up the chain (mark_read in the stats line)",
    opts: FREQ,
    asm: `call bpf_get_prandom_u32
      r6 = 7
      if r0 == 0 goto +0
      if r0 == 1 goto +0
      if r0 == 2 goto +0
      r0 = r6
      exit`,
    check: (r) => {
      expect(r.stats.markRead).toBeGreaterThanOrEqual(3);
      expect(r.log).toBe("");
    },
    logHas: [/mark_read [3-9]\n$/],
  },
  {
    name: "checkpoints are only added every few jumps without testStateFreq",
    asm: unpredictableJumps(3),
    check: (r) => expect(r.stats.totalStates).toBeLessThanOrEqual(1),
  },
  {
    name: "with testStateFreq every prune point gets a checkpoint",
    opts: FREQ,
    asm: unpredictableJumps(3),
    check: (r) => expect(r.stats.totalStates).toBeGreaterThanOrEqual(3),
  },
  {
    name: "too many branches waiting at once: BPF_COMPLEXITY_LIMIT_JMP_SEQ",
    asm: unpredictableJumps(8200),
    err: "The sequence of 8193 jumps is too complex.",
  },
  {
    name: "8192 branches waiting at once are still fine",
    asm: unpredictableJumps(8192),
  },
  {
    name: "a conditional loop that comes back to the same state is an infinite loop",
    asm: `call bpf_get_prandom_u32
    l:
      if r0 > 10 goto l
      r0 = 0
      exit`,
    err: "infinite loop detected at insn 1",
  },
  {
    name: "may_goto +0 is accepted",
    type: "raw_tracepoint",
    asm: `may_goto +0
      r0 = 1
      may_goto +0
      exit`,
  },
  {
    name: "may_goto: an imprecise counter is widened and the loop converges",
    type: "raw_tracepoint",
    asm: `r1 = 0
    l:
      may_goto +2
      r1 += 1
      goto l
      r0 = 0
      exit`,
    check: (r) => expect(r.stats.insnsProcessed).toBeLessThan(40),
  },
  {
    name: "may_goto: a counter used as an offset after the loop stays exact and goes out of bounds",
    type: "raw_tracepoint",
    asm: `r1 = -8
    l:
      may_goto +3
      r1 += -8
      r2 = 0
      goto l
      r2 = r10
      r2 += r1
      r0 = 0
      *(u64 *)(r2 + 0) = r0
      exit`,
    err: "invalid write to stack R2 off=-520 size=8",
  },
  {
    name: "may_goto with reserved fields",
    type: "raw_tracepoint",
    asm: `.insn 0xe5 0 0 0 1
      r0 = 0
      exit`,
    err: "invalid may_goto imm 1",
  },
  {
    name: "a loop counter compared every iteration is exact: each iteration is verified",
    opts: FREQ,
    asm: `call bpf_get_prandom_u32
      r1 = 0
    l:
      r1 += 1
      if r0 == 5 goto out
      if r1 < 100 goto l
    out:
      r0 = 0
      exit`,
    check: (r) => expect(r.stats.insnsProcessed).toBeGreaterThan(300),
  },
];
