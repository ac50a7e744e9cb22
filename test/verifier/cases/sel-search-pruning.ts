// Translations of the kernel selftests in progs/verifier_search_pruning.c
// (formerly verifier/search_pruning.c): pruning must never skip a path whose
// difference matters — pointer vs scalar, written vs unwritten stack, u32
// spills and fills — and the processed-insn count of one case is the kernel's.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

const hash = (valueSize: number): MapInfo => ({
  type: MapType.HASH,
  keySize: 8,
  valueSize,
  maxEntries: 1,
  flags: 0,
});
/** map_hash_8b: long long -> long long. */
const HASH_8B = hash(8);
/** map_hash_48b: long long -> struct test_val { unsigned int index; int foo[11]; }. */
const HASH_48B = hash(48);
const MAX_ENTRIES = 11;
const TEST_VAL_FOO = 4;

const LOOKUP_8 = `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem`;

export const cases: VerifierCase[] = [
  {
    name: "pointer/scalar confusion in state equality check (way 1)",
    maps: [HASH_8B],
    asm: `${LOOKUP_8}
      if r0 == 0 goto l0
      r0 = *(u64 *)(r0 + 0)
      goto l1
    l0:
      r0 = r10
    l1:
      goto l2
    l2:
      exit`,
    unpriv: "R0 leaks addr as return value",
  },
  {
    name: "pointer/scalar confusion in state equality check (way 2)",
    maps: [HASH_8B],
    asm: `${LOOKUP_8}
      if r0 != 0 goto l0
      r0 = r10
      goto l1
    l0:
      r0 = *(u64 *)(r0 + 0)
    l1:
      exit`,
    unpriv: "R0 leaks addr as return value",
  },
  {
    name: "liveness pruning and write screening",
    type: "lwt_in",
    asm: `r2 = *(u32 *)(r1 + 0)
      if r2 >= 0 goto l0
      r0 = 0
    l0:
      if r2 >= 0 goto l1
      r0 = 0
    l1:
      exit`,
    err: "R0 !read_ok",
  },
  {
    name: "varlen_map_value_access pruning",
    maps: [HASH_48B],
    asm: `${LOOKUP_8}
      if r0 == 0 goto l0
      r1 = *(u64 *)(r0 + 0)
      w2 = ${MAX_ENTRIES}
      if r2 s> r1 goto l1
      w1 = 0
    l1:
      w1 <<= 2
      r0 += r1
      goto l2
    l2:
      r1 = ${TEST_VAL_FOO}
      *(u64 *)(r0 + 0) = r1
    l0:
      exit`,
    err: "R0 unbounded memory access, make sure to bounds check any such access",
    // The selftest matches the prefix "R0 leaks addr".
    unpriv: "R0 leaks addr as return value",
  },
  {
    name: "search pruning: all branches should be verified (nop operation)",
    type: "tracepoint",
    maps: [HASH_8B],
    asm: `r2 = r10
      r2 += -8
      r1 = 0
      *(u64 *)(r2 + 0) = r1
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto l0
      r3 = *(u64 *)(r0 + 0)
      if r3 == 0xbeef goto l1
      r4 = 0
      goto l2
    l1:
      r4 = 1
    l2:
      *(u64 *)(r10 - 16) = r4
      call bpf_ktime_get_ns
      r5 = *(u64 *)(r10 - 16)
      if r5 == 0 goto l0
      r6 = 0
      r1 = 0xdead
      *(u64 *)(r6 + 0) = r1
    l0:
      exit`,
    err: "R6 invalid mem access 'scalar'",
  },
  {
    name: "search pruning: all branches should be verified (invalid stack access)",
    maps: [HASH_8B],
    asm: `r2 = r10
      r2 += -8
      r1 = 0
      *(u64 *)(r2 + 0) = r1
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto l0
      r3 = *(u64 *)(r0 + 0)
      r4 = 0
      if r3 == 0xbeef goto l1
      *(u64 *)(r10 - 16) = r4
      goto l2
    l1:
      *(u64 *)(r10 - 24) = r4
    l2:
      call bpf_ktime_get_ns
      r5 = *(u64 *)(r10 - 16)
    l0:
      exit`,
    // Privileged programs may read uninitialised stack.
    unpriv: "invalid read from stack off -16+0 size 8",
  },
  {
    name: "precision tracking for u32 spill/fill",
    type: "tracepoint",
    maps: [HASH_8B],
    asm: `r7 = r1
      call bpf_get_prandom_u32
      w6 = 32
      if r0 == 0 goto l0
      w6 = 4
    l0:
      call bpf_get_prandom_u32
      r3 = 0
      r3 = 0
      if r0 == 0 goto l1
      r3 = 0
    l1:
      *(u32 *)(r10 - 8) = r6
      r8 = *(u32 *)(r10 - 8)
      r1 = 0
      *(u64 *)(r10 - 16) = r1
      r2 = r10
      r2 += -16
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto l2
      r0 += r8
      r1 = *(u32 *)(r0 + 0)
    l2:
      r0 = 0
      exit`,
    err: "R0 min value is outside of the allowed memory range",
  },
  {
    name: "precision tracking for u32 spills, u64 fill",
    type: "tracepoint",
    asm: `call bpf_get_prandom_u32
      r6 = r0
      w7 = 0xffffffff
      r3 = 1
      r3 = 1
      r3 = 1
      r3 = 1
      call bpf_get_prandom_u32
      if r0 == 0 goto l0
      r3 = 1
    l0:
      w3 /= 0
      *(u32 *)(r10 - 4) = r6
      *(u32 *)(r10 - 8) = r7
      r8 = *(u64 *)(r10 - 8)
      if r8 != 0xffffffff goto l1
      r3 = 1
    l1:
      if r8 == 0xffffffff goto l2
      w3 /= 0
    l2:
      r0 = 0
      exit`,
    err: "div by zero",
  },
  {
    name: "allocated_stack: processed 15 insns, as the kernel",
    asm: `r6 = r1
      call bpf_get_prandom_u32
      r7 = r0
      if r0 == 0 goto l0
      r0 = 0
      *(u64 *)(r10 - 8) = r6
      r6 = *(u64 *)(r10 - 8)
      *(u8 *)(r10 - 9) = r7
      r7 = *(u8 *)(r10 - 9)
    l0:
      if r0 != 0 goto l1
    l1:
      if r0 != 0 goto l2
    l2:
      if r0 != 0 goto l3
    l3:
      if r0 != 0 goto l4
    l4:
      exit`,
    unpriv: "ok",
    logHas: ["processed 15 insns"],
    check: (r) => expect(r.stats.insnsProcessed).toBe(15),
  },
  {
    name: "write tracking and register parent chain bug",
    opts: { testStateFreq: true },
    asm: `call bpf_ktime_get_ns
      r6 = r0
      call bpf_ktime_get_ns
      if r0 > r6 goto l0
      r0 = 0xdeadbeef
      *(u64 *)(r10 - 8) = r0
    l0:
      r1 = 42
      *(u8 *)(r10 - 8) = r1
      r2 = *(u64 *)(r10 - 8)
      r0 = 0
      exit`,
    // Privileged programs may read uninitialised stack.
    unpriv: "invalid read from stack off -8+1 size 8",
  },
  {
    name: "a short loop with a long history ends at the instruction limit in bounded time",
    type: "kprobe",
    insnLimit: 100_000,
    asm: `r7 = *(u16 *)(r1 + 0)
    l:
      r7 += 0x1ab064b9
      if r7 & 0x702000 goto l
      r7 &= 0x1ee60e
      r7 += r1
      if r7 s> 0x37d2 goto +0
      r0 = 0
      exit`,
    err: "BPF program is too large. Processed 100001 insn",
  },
];
