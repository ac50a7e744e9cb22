// Translations of the kernel selftests in progs/verifier_unpriv.c (program,
// privileged and unprivileged verdicts; messages as the kernel prints them in
// full, where the selftests match a prefix).
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

const MAP_HASH_8B: MapInfo = {
  type: MapType.HASH,
  keySize: 8,
  valueSize: 8,
  maxEntries: 1,
  flags: 0,
};
const PROG1: MapInfo = {
  type: MapType.PROG_ARRAY,
  keySize: 4,
  valueSize: 4,
  maxEntries: 4,
  flags: 0,
};

/** struct bpf_sock_tuple tuple = {}; sk = bpf_sk_lookup_tcp(ctx, &tuple, 36, 0, 0) */
const SK_LOOKUP = `r2 = 0
      *(u32 *)(r10 - 8) = r2
      *(u64 *)(r10 - 16) = r2
      *(u64 *)(r10 - 24) = r2
      *(u64 *)(r10 - 32) = r2
      *(u64 *)(r10 - 40) = r2
      *(u64 *)(r10 - 48) = r2
      r2 = r10
      r2 += -48
      r3 = 36
      r4 = 0
      r5 = 0
      call bpf_sk_lookup_tcp`;

/** Store a sock (r2) or the ctx (r1) into fp-8 depending on r1, then load it into r1. */
const SOCK_OR_CTX = (first: "r1" | "r2", second: "r1" | "r2"): string => `r2 = r0
      r6 = r10
      r6 += -8
      r1 = r8
      if r1 == 0 goto l0
      *(u64 *)(r6 + 0) = ${first}
    l0:
      if r1 != 0 goto l1
      *(u64 *)(r6 + 0) = ${second}
    l1:
      r1 = *(u64 *)(r6 + 0)`;

const DIFFERENT_POINTERS = `r6 = r10
      r6 += -8
      if r1 == 0 goto l0
      r2 = r10
      r2 += -16
      *(u64 *)(r6 + 0) = r2
    l0:
      if r1 != 0 goto l1
      *(u64 *)(r6 + 0) = r1
    l1:
      r1 = *(u64 *)(r6 + 0)`;

const PTR_COMPARISON = (r: number): string => `R${r} pointer comparison prohibited`;

export const cases: VerifierCase[] = [
  { name: "return pointer", asm: `r0 = r10\n exit`, unpriv: "R0 leaks addr as return value" },
  { name: "add const to pointer", asm: `r1 += 8\n r0 = 0\n exit`, unpriv: "ok" },
  {
    name: "add pointer to pointer",
    asm: `r1 += r10\n r0 = 0\n exit`,
    err: "R1 pointer += pointer prohibited",
    unpriv: "R1 pointer += pointer prohibited",
  },
  {
    name: "neg pointer",
    asm: `r1 = -r1\n r0 = 0\n exit`,
    unpriv: "R1 pointer arithmetic prohibited",
  },
  {
    name: "cmp pointer with const",
    asm: `if r1 == 0 goto +0\n r0 = 0\n exit`,
    unpriv: PTR_COMPARISON(1),
  },
  {
    name: "cmp pointer with pointer",
    asm: `if r1 == r10 goto +0\n r0 = 0\n exit`,
    unpriv: PTR_COMPARISON(10),
  },
  {
    name: "printk in a tracepoint (privileged)",
    type: "tracepoint",
    asm: `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r1 = r10
      r1 += -8
      r2 = 8
      r3 = r1
      call bpf_trace_printk
      r0 = 0
      exit`,
  },
  {
    name: "pass pointer to helper function",
    maps: [MAP_HASH_8B],
    asm: `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      r3 = r2
      r4 = r2
      call bpf_map_update_elem
      r0 = 0
      exit`,
    unpriv: "R4 leaks addr into helper function",
  },
  {
    name: "indirectly pass pointer on stack to helper function",
    maps: [MAP_HASH_8B],
    asm: `*(u64 *)(r10 - 8) = r10
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r0 = 0
      exit`,
    unpriv: "invalid read from stack R2 off -8+0 size 8",
  },
  {
    name: "mangle pointer on stack 1",
    asm: `*(u64 *)(r10 - 8) = r10
      r0 = 0
      *(u32 *)(r10 - 8) = r0
      r0 = 0
      exit`,
    unpriv: "attempt to corrupt spilled pointer on stack",
  },
  {
    name: "mangle pointer on stack 2",
    asm: `*(u64 *)(r10 - 8) = r10
      r0 = 0
      *(u8 *)(r10 - 1) = r0
      r0 = 0
      exit`,
    unpriv: "attempt to corrupt spilled pointer on stack",
  },
  {
    name: "read pointer from stack in small chunks",
    asm: `*(u64 *)(r10 - 8) = r10
      r0 = *(u32 *)(r10 - 8)
      r0 = 0
      exit`,
    err: "invalid size of register fill",
    unpriv: "invalid size of register fill",
  },
  {
    name: "write pointer into ctx",
    asm: `*(u64 *)(r1 + 0) = r1
      r0 = 0
      exit`,
    err: "invalid bpf_context access off=0 size=8",
    unpriv: "R1 leaks addr into ctx",
  },
  {
    name: "spill/fill of ctx",
    asm: `r6 = r10
      r6 += -8
      *(u64 *)(r6 + 0) = r1
      r1 = *(u64 *)(r6 + 0)
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "spill/fill of ctx 2",
    type: "sched_cls",
    asm: `r6 = r10
      r6 += -8
      *(u64 *)(r6 + 0) = r1
      r1 = *(u64 *)(r6 + 0)
      call bpf_get_hash_recalc
      r0 = 0
      exit`,
  },
  {
    name: "spill/fill of ctx 3",
    type: "sched_cls",
    asm: `r6 = r10
      r6 += -8
      *(u64 *)(r6 + 0) = r1
      *(u64 *)(r6 + 0) = r10
      r1 = *(u64 *)(r6 + 0)
      call bpf_get_hash_recalc
      exit`,
    err: "R1 type=fp expected=ctx",
  },
  {
    name: "spill/fill of ctx 4",
    type: "sched_cls",
    asm: `r6 = r10
      r6 += -8
      *(u64 *)(r6 + 0) = r1
      r0 = 1
      lock *(u64 *)(r10 - 8) += r0
      r1 = *(u64 *)(r6 + 0)
      call bpf_get_hash_recalc
      exit`,
    err: "R1 type=scalar expected=ctx",
  },
  {
    name: "spill/fill of different pointers stx",
    type: "sched_cls",
    asm: `r3 = 42
      ${DIFFERENT_POINTERS}
      *(u32 *)(r1 + 8) = r3
      r0 = 0
      exit`,
    err: "same insn cannot be used with different pointers",
  },
  {
    name: "spill/fill of different pointers st",
    type: "sched_cls",
    asm: `${DIFFERENT_POINTERS}
      *(u32 *)(r1 + 8) = 42
      r0 = 0
      exit`,
    err: "same insn cannot be used with different pointers",
  },
  {
    name: "spill/fill of different pointers stx - ctx and sock",
    type: "sched_cls",
    asm: `r8 = r1
      ${SK_LOOKUP}
      ${SOCK_OR_CTX("r2", "r1")}
      r3 = 42
      *(u32 *)(r1 + 8) = r3
      if r1 == 0 goto l2
      call bpf_sk_release
    l2:
      r0 = 0
      exit`,
    err: "R1 type=ctx expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_",
  },
  {
    name: "spill/fill of different pointers stx - leak sock",
    type: "sched_cls",
    asm: `r8 = r1
      ${SK_LOOKUP}
      ${SOCK_OR_CTX("r2", "r1")}
      r3 = 42
      *(u32 *)(r1 + 8) = r3
      exit`,
    err: "BPF_EXIT instruction in main prog would lead to reference leak",
  },
  {
    name: "spill/fill of different pointers stx - sock and ctx (read)",
    type: "sched_cls",
    asm: `r8 = r1
      ${SK_LOOKUP}
      ${SOCK_OR_CTX("r1", "r2")}
      if r1 == 0 goto l2
      r3 = *(u32 *)(r1 + 16)
      call bpf_sk_release
    l2:
      r0 = 0
      exit`,
    err: "same insn cannot be used with different pointers",
  },
  {
    name: "spill/fill of different pointers stx - sock and ctx (write)",
    type: "sched_cls",
    asm: `r8 = r1
      ${SK_LOOKUP}
      ${SOCK_OR_CTX("r1", "r2")}
      if r1 == 0 goto l2
      r3 = 42
      *(u32 *)(r1 + 16) = r3
      call bpf_sk_release
    l2:
      r0 = 0
      exit`,
    err: "R1 cannot write into sock",
  },
  {
    name: "write pointer into map elem value",
    maps: [MAP_HASH_8B],
    asm: `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto l0
      *(u64 *)(r0 + 0) = r0
    l0:
      exit`,
    unpriv: "R0 leaks addr into map",
  },
  {
    name: "alu32: mov u32 const",
    asm: `w7 = 0
      w7 ^= w7
      w0 = w7
      if r0 == 0 goto l0
      r0 = *(u64 *)(r7 + 0)
    l0:
      exit`,
    unpriv: "ok",
  },
  {
    name: "partial copy of pointer",
    asm: `w1 = w10\n r0 = 0\n exit`,
    unpriv: "R10 partial copy of pointer",
  },
  {
    name: "pass pointer to tail_call",
    maps: [PROG1],
    asm: `r3 = r1
      r2 = map[id:0]
      call bpf_tail_call
      r0 = 0
      exit`,
    unpriv: "R3 leaks addr into helper function",
  },
  {
    name: "cmp map pointer with zero",
    maps: [MAP_HASH_8B],
    asm: `r1 = map[id:0]\n if r1 == 0 goto +0\n r0 = 0\n exit`,
    unpriv: "ok",
  },
  {
    name: "cmp map pointer with const",
    maps: [MAP_HASH_8B],
    asm: `r1 = map[id:0]\n if r1 == 0xbeef goto +0\n r0 = 0\n exit`,
    unpriv: PTR_COMPARISON(1),
  },
  {
    name: "write into frame pointer",
    asm: `r10 = r1\n r0 = 0\n exit`,
    err: "frame pointer is read only",
    unpriv: "frame pointer is read only",
  },
  {
    name: "spill/fill frame pointer",
    asm: `r6 = r10
      r6 += -8
      *(u64 *)(r6 + 0) = r10
      r10 = *(u64 *)(r6 + 0)
      r0 = 0
      exit`,
    err: "frame pointer is read only",
    unpriv: "frame pointer is read only",
  },
  {
    name: "cmp of frame pointer",
    asm: `if r10 == 0 goto +0\n r0 = 0\n exit`,
    unpriv: PTR_COMPARISON(10),
  },
  {
    name: "adding of fp, reg",
    asm: `r0 = 0
      r1 = 0
      r1 += r10
      *(u64 *)(r1 - 8) = r0
      exit`,
    unpriv: "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=0",
  },
  {
    name: "adding of fp, imm",
    asm: `r0 = 0
      r1 = r10
      r1 += 0
      *(u64 *)(r1 - 8) = r0
      exit`,
    unpriv: "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=0",
  },
  {
    name: "cmp of stack pointer",
    asm: `r2 = r10\n r2 += -8\n if r2 == 0 goto +0\n r0 = 0\n exit`,
    unpriv: PTR_COMPARISON(2),
  },
  {
    name: "Spectre v1 path-based type confusion of scalar as stack-ptr",
    maps: [MAP_HASH_8B],
    asm: `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto l2
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      r6 = r10
      r6 += -8
      r9 = 0xffffc900
      r9 <<= 32
      r0 = *(u64 *)(r0 + 0)
      if r0 != 0x0 goto l0
      r6 = r9
    l0:
      if r0 != 0x1 goto l1
      r9 = *(u8 *)(r6 + 0)
    l1:
      r9 &= 1
      r9 <<= 9
      *(u64 *)(r10 - 8) = r9
      call bpf_map_lookup_elem
      if r0 == 0 goto l2
      r0 = *(u64 *)(r0 + 0)
    l2:
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "ldimm64 before Spectre v4 barrier",
    asm: `r1 = 0x2020200005642020 ll
      *(u64 *)(r10 - 8) = r1
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "Spectre v1 and v4 barrier (simple)",
    asm: `r8 = 0
      r8 ^= r8
      r9 = 0
      r9 ^= r9
      r0 = r10
      r1 = 0
      r2 = r10
      if r8 != 0 goto l0
      if r9 != 0 goto l0
      r0 = 0
    l0:
      if r8 != 0 goto l1
      goto l2
    l1:
      if r9 == 0 goto l3
      r2 = r0
    l2:
      *(u64 *)(r2 - 64) = r1
    l3:
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "nospec after dead stack write in helper",
    asm: `r0 = 0
      if r0 != 1 goto l0
      r2 = 0
      r3 = r10
      r3 += -16
      r4 = 4
      r5 = 0
      call bpf_skb_load_bytes_relative
    l0:
      exit`,
    unpriv: "ok",
  },
];
