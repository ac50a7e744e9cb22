// Translations of the kernel selftests in verifier/calls.c (test_verifier's
// BPF-to-BPF call tests; the kfunc ones belong to the kfunc tests). Calls
// are written `call pc+N` (BPF_PSEUDO_CALL with imm N); raw encodings use
// `.insn CODE DST SRC OFF IMM`.
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

const UNPRIV_CALLS =
  "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN";
const MAP_HASH_8B: MapInfo = {
  type: MapType.HASH,
  keySize: 8,
  valueSize: 8,
  maxEntries: 1,
  flags: 0,
};
const MAP_HASH_48B: MapInfo = {
  type: MapType.HASH,
  keySize: 8,
  valueSize: 48,
  maxEntries: 1,
  flags: 0,
};

/**
 * main passes fp-8 and fp-16 to subprog 1, which stores two map lookups
 * there and passes (fp-8, found1, fp-16, found2) to subprog 2; subprog 2
 * writes 8 bytes at `off` into the second value.
 */
const CALLER_STACK_MAP_VALUES = (off: number): string => `r1 = r10
      r1 += -8
      r2 = r10
      r2 += -16
      call pc+2
      r0 = 0
      exit
      r6 = r1
      r7 = r2
      *(u64 *)(r10 - 8) = 0
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto pc+2
      r8 = 0
      goto pc+2
      *(u64 *)(r6 + 0) = r0
      r8 = 1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto pc+2
      r9 = 0
      goto pc+2
      *(u64 *)(r7 + 0) = r0
      r9 = 1
      r1 = r6
      r2 = r8
      r3 = r7
      r4 = r9
      call pc+1
      exit
      if r2 != 1 goto pc+2
      r0 = *(u64 *)(r1 + 0)
      *(u64 *)(r0 + 0) = 0
      if r4 != 1 goto pc+2
      r0 = *(u64 *)(r3 + 0)
      *(u64 *)(r0 + ${off}) = 0
      exit`;

const tp = (c: Omit<VerifierCase, "type">): VerifierCase => ({ type: "tracepoint", ...c });
const cls = (c: Omit<VerifierCase, "type">): VerifierCase => ({ type: "sched_cls", ...c });
const xdp = (c: Omit<VerifierCase, "type">): VerifierCase => ({ type: "xdp", ...c });

export const cases: VerifierCase[] = [
  tp({
    name: "calls: basic sanity",
    asm: `call pc+2
      r0 = 1
      exit
      r0 = 2
      exit`,
  }),
  {
    name: "calls: not on unprivileged",
    asm: `call pc+2
      r0 = 1
      exit
      r0 = 2
      exit`,
    unpriv: UNPRIV_CALLS,
  },
  cls({
    name: "calls: div by 0 in subprog",
    asm: `r6 = r1
      call pc+8
      r1 = r6
      r1 = *(u32 *)(r1 + 80)
      r2 = r0
      r2 += 8
      if r2 > r1 goto pc+1
      r0 = *(u8 *)(r0 + 0)
      r0 = 1
      exit
      w2 = 0
      w3 = 1
      w3 /= w2
      r0 = *(u32 *)(r1 + 76)
      exit`,
  }),
  cls({
    name: "calls: multiple ret types in subprog 1",
    asm: `r6 = r1
      call pc+8
      r1 = r6
      r1 = *(u32 *)(r1 + 80)
      r2 = r0
      r2 += 8
      if r2 > r1 goto pc+1
      r0 = *(u8 *)(r0 + 0)
      r0 = 1
      exit
      r0 = *(u32 *)(r1 + 76)
      if r0 != 0 goto pc+1
      w0 = 42
      exit`,
    err: "R0 invalid mem access 'scalar'",
  }),
  cls({
    name: "calls: multiple ret types in subprog 2",
    maps: [MAP_HASH_8B],
    asm: `r6 = r1
      call pc+8
      r1 = r6
      r1 = *(u32 *)(r1 + 80)
      r2 = r0
      r2 += 8
      if r2 > r1 goto pc+1
      r0 = *(u8 *)(r0 + 0)
      r0 = 1
      exit
      r0 = *(u32 *)(r1 + 76)
      r6 = r1
      if r0 != 0 goto pc+9
      *(u64 *)(r10 - 8) = 0
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto pc+1
      r0 = *(u32 *)(r6 + 76)
      r0 += 64
      exit`,
    err: "R0 min value is outside of the allowed memory range",
  }),
  tp({
    name: "calls: overlapping caller/callee",
    asm: `call pc+0
      r0 = 1
      exit`,
    err: "last insn is not an exit or jmp",
  }),
  tp({
    name: "calls: wrong recursive calls",
    asm: `goto pc+4
      goto pc+4
      call pc-2
      call pc-2
      call pc-2
      r0 = 1
      exit`,
    err: "jump out of range from insn 0 to 5",
  }),
  tp({
    name: "calls: wrong src reg",
    asm: `.insn 0x85 0 3 0 0
      r0 = 1
      exit`,
    err: "BPF_CALL uses reserved fields",
  }),
  tp({
    name: "calls: wrong off value",
    asm: `.insn 0x85 0 1 -1 2
      r0 = 1
      exit
      r0 = 2
      exit`,
    err: "BPF_CALL uses reserved fields",
  }),
  tp({
    name: "calls: jump back loop",
    asm: `call pc-1
      r0 = 1
      exit`,
    // 6.7+: call back-edges are loops for CAP_BPF; recursion ends at the frame limit.
    err: "the call stack of 9 frames is too deep",
  }),
  tp({
    name: "calls: conditional call",
    asm: `r0 = *(u32 *)(r1 + 8)
      if r0 == 0 goto pc+3
      call pc+2
      r0 = 1
      exit
      r0 = 2
      exit`,
    err: "jump out of range from insn 1 to 5",
  }),
  tp({
    name: "calls: conditional call 2",
    asm: `r0 = *(u32 *)(r1 + 8)
      if r0 == 0 goto pc+3
      call pc+4
      r0 = 1
      exit
      r0 = 2
      exit
      r0 = 3
      exit`,
  }),
  {
    name: "calls: conditional call 3",
    asm: `r0 = *(u32 *)(r1 + 8)
      if r0 == 0 goto pc+3
      goto pc+4
      r0 = 1
      exit
      r0 = 1
      goto pc-6
      r0 = 3
      goto pc-6`,
    unpriv: "back-edge from insn 6 to 1",
  },
  tp({
    name: "calls: conditional call 4",
    asm: `r0 = *(u32 *)(r1 + 8)
      if r0 == 0 goto pc+3
      call pc+4
      r0 = 1
      exit
      r0 = 1
      goto pc-5
      r0 = 3
      exit`,
  }),
  cls({
    name: "calls: conditional call 5",
    asm: `r0 = *(u32 *)(r1 + 8)
      if r0 == 0 goto pc+3
      call pc+4
      r0 = 1
      exit
      r0 = 1
      goto pc-6
      r0 = 3
      exit`,
  }),
  cls({
    name: "calls: conditional call 6",
    asm: `r6 = r1
      r1 = r6
      call pc+2
      if r0 == 0 goto pc-3
      exit
      r0 = *(u32 *)(r1 + 8)
      exit`,
    err: "infinite loop detected at insn 1",
  }),
  tp({
    name: "calls: using r0 returned by callee",
    asm: `call pc+1
      exit
      r0 = 2
      exit`,
  }),
  tp({
    name: "calls: using uninit r0 from callee",
    asm: `call pc+1
      exit
      exit`,
    err: "R0 !read_ok",
  }),
  {
    name: "calls: callee is using r1",
    type: "sched_act",
    asm: `call pc+1
      exit
      r0 = *(u32 *)(r1 + 0)
      exit`,
  },
  {
    name: "calls: callee using args1",
    asm: `call pc+1
      exit
      r0 = r1
      exit`,
    unpriv: UNPRIV_CALLS,
  },
  tp({
    name: "calls: callee using wrong args2",
    asm: `call pc+1
      exit
      r0 = r2
      exit`,
    err: "R2 !read_ok",
  }),
  {
    name: "calls: callee using two args",
    asm: `r6 = r1
      r1 = *(u32 *)(r6 + 0)
      r2 = *(u32 *)(r6 + 0)
      call pc+1
      exit
      r0 = r1
      r0 += r2
      exit`,
    unpriv: UNPRIV_CALLS,
  },
  xdp({
    name: "calls: callee changing pkt pointers",
    asm: `r6 = *(u32 *)(r1 + 0)
      r7 = *(u32 *)(r1 + 4)
      r8 = r6
      r8 += 8
      if r8 > r7 goto pc+2
      call pc+3
      r0 = *(u64 *)(r6 + 0)
      w0 = 0
      exit
      r2 = 0
      call bpf_xdp_adjust_head
      exit`,
    err: "R6 invalid mem access 'scalar'",
  }),
  {
    name: "calls: ptr null check in subprog",
    maps: [MAP_HASH_48B],
    asm: `*(u64 *)(r10 - 8) = 0
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r1 = r0
      r6 = r0
      call pc+3
      if r0 == 0 goto pc+1
      r0 = *(u8 *)(r6 + 0)
      exit
      r0 = 0
      if r1 == 0 goto pc+1
      r0 = 1
      exit`,
    unpriv: UNPRIV_CALLS,
  },
  cls({
    name: "calls: two calls with args",
    asm: `call pc+1
      exit
      r6 = r1
      call pc+6
      r7 = r0
      r1 = r6
      call pc+3
      r7 += r0
      r0 = r7
      exit
      r0 = *(u32 *)(r1 + 0)
      exit`,
  }),
  cls({
    name: "calls: calls with stack arith",
    asm: `r2 = r10
      r2 += -64
      call pc+1
      exit
      r2 += -64
      call pc+1
      exit
      r2 += -64
      r0 = 42
      *(u64 *)(r2 + 0) = r0
      exit`,
  }),
  cls({
    name: "calls: calls control flow, jump test",
    asm: `r0 = 42
      goto pc+2
      r0 = 43
      goto pc+1
      goto pc-3
      exit`,
  }),
  cls({
    name: "calls: calls control flow, jump test 2",
    asm: `r0 = 42
      goto pc+2
      r0 = 43
      goto pc+1
      call pc-3
      exit`,
    err: "jump out of range from insn 1 to 4",
  }),
  tp({
    name: "calls: two calls with bad jump",
    asm: `call pc+1
      exit
      r6 = r1
      call pc+6
      r7 = r0
      r1 = r6
      call pc+3
      r7 += r0
      r0 = r7
      exit
      r0 = *(u32 *)(r1 + 0)
      if r0 == 0 goto pc-3
      exit`,
    err: "jump out of range from insn 11 to 9",
  }),
  tp({
    name: "calls: recursive call. test1",
    asm: `call pc+1
      exit
      call pc-1
      exit`,
    err: "the call stack of 9 frames is too deep",
  }),
  tp({
    name: "calls: recursive call. test2",
    asm: `call pc+1
      exit
      call pc-3
      exit`,
    err: "the call stack of 9 frames is too deep",
  }),
  tp({
    name: "calls: unreachable code",
    asm: `call pc+1
      exit
      call pc+1
      exit
      r0 = 0
      exit
      r0 = 0
      exit`,
    err: "unreachable insn 6",
  }),
  tp({
    name: "calls: invalid call",
    asm: `call pc+1
      exit
      call pc-4
      exit`,
    err: "call to invalid destination",
  }),
  tp({
    name: "calls: invalid call 2",
    asm: `call pc+1
      exit
      .insn 0x85 0 1 0 0x7fffffff
      exit`,
    err: "call to invalid destination",
  }),
  tp({
    name: "calls: jumping across function bodies. test1",
    asm: `call pc+2
      r0 = 0
      exit
      if r1 == 0 goto pc-3
      exit`,
    err: "jump out of range from insn 3 to 1",
  }),
  tp({
    name: "calls: jumping across function bodies. test2",
    asm: `if r1 == 0 goto pc+3
      call pc+2
      r0 = 0
      exit
      exit`,
    err: "jump out of range from insn 0 to 4",
  }),
  tp({
    name: "calls: call without exit",
    asm: `call pc+1
      exit
      call pc+1
      exit
      r0 = 0
      if r1 == 0 goto pc-2`,
    err: "last insn is not an exit or jmp",
  }),
  tp({
    name: "calls: call into middle of ld_imm64",
    asm: `call pc+3
      call pc+3
      r0 = 0
      exit
      r0 = 0 ll
      exit`,
    err: "last insn is not an exit or jmp",
  }),
  tp({
    name: "calls: call into middle of other call",
    asm: `call pc+3
      call pc+3
      r0 = 0
      exit
      r0 = 0
      r0 = 0
      exit`,
    err: "last insn is not an exit or jmp",
  }),
  cls({
    name: "calls: subprog call with ld_abs in main prog",
    asm: `r6 = r1
      r0 = *(u8 *)skb[0]
      r0 = *(u16 *)skb[0]
      r0 = *(u32 *)skb[0]
      r7 = r6
      r1 = r6
      call pc+5
      r6 = r7
      r0 = *(u8 *)skb[0]
      r0 = *(u16 *)skb[0]
      r0 = *(u32 *)skb[0]
      exit
      r2 = 1
      r3 = 2
      call bpf_skb_vlan_push
      exit`,
  }),
  tp({
    name: "calls: two calls with bad fallthrough",
    asm: `call pc+1
      exit
      r6 = r1
      call pc+6
      r7 = r0
      r1 = r6
      call pc+3
      r7 += r0
      r0 = r7
      r0 = r0
      r0 = *(u32 *)(r1 + 0)
      exit`,
    err: "last insn is not an exit or jmp",
  }),
  xdp({
    name: "calls: two calls with stack read",
    asm: `*(u64 *)(r10 - 8) = 0
      r1 = r10
      r1 += -8
      call pc+1
      exit
      r6 = r1
      call pc+6
      r7 = r0
      r1 = r6
      call pc+3
      r7 += r0
      r0 = r7
      exit
      r0 = *(u32 *)(r1 + 0)
      exit`,
  }),
  xdp({
    name: "calls: two calls with stack write",
    asm: `*(u64 *)(r10 - 8) = 0
      r1 = r10
      r1 += -8
      r2 = r10
      r2 += -16
      call pc+2
      r0 = *(u64 *)(r10 - 16)
      exit
      r6 = r1
      r7 = r2
      call pc+7
      r8 = r0
      r1 = r6
      call pc+4
      r8 += r0
      r0 = r8
      *(u64 *)(r7 + 0) = r0
      exit
      r0 = *(u32 *)(r1 + 0)
      exit`,
  }),
  xdp({
    name: "calls: stack overflow using two frames (pre-call access)",
    asm: `*(u8 *)(r10 - 300) = 0
      call pc+1
      exit
      *(u8 *)(r10 - 300) = 0
      r0 = 0
      exit`,
    err: "combined stack size of 2 calls is 608. Too large",
  }),
  xdp({
    name: "calls: stack overflow using two frames (post-call access)",
    asm: `call pc+2
      *(u8 *)(r10 - 300) = 0
      exit
      *(u8 *)(r10 - 300) = 0
      r0 = 0
      exit`,
    err: "combined stack size of 2 calls is 608. Too large",
  }),
  xdp({
    name: "calls: stack depth check using three frames. test1",
    asm: `call pc+4
      call pc+5
      *(u8 *)(r10 - 32) = 0
      r0 = 0
      exit
      *(u8 *)(r10 - 256) = 0
      exit
      call pc-3
      *(u8 *)(r10 - 64) = 0
      exit`,
  }),
  xdp({
    name: "calls: stack depth check using three frames. test2",
    asm: `call pc+4
      call pc+5
      *(u8 *)(r10 - 32) = 0
      r0 = 0
      exit
      *(u8 *)(r10 - 64) = 0
      exit
      call pc-3
      *(u8 *)(r10 - 256) = 0
      exit`,
  }),
  xdp({
    name: "calls: stack depth check using three frames. test3",
    asm: `r6 = r1
      call pc+6
      r1 = r6
      call pc+8
      if r6 >= 0 goto pc+1
      *(u8 *)(r10 - 64) = 0
      r0 = 0
      exit
      if r1 < 10 goto pc+1
      exit
      *(u8 *)(r10 - 224) = 0
      goto pc-3
      if r1 > 2 goto pc+1
      call pc-6
      *(u8 *)(r10 - 256) = 0
      exit`,
    err: "combined stack size of 3 calls is 544. Too large",
  }),
  xdp({
    name: "calls: stack depth check using three frames. test4",
    asm: `r1 = 0
      call pc+6
      r1 = 1
      call pc+4
      r1 = 1
      call pc+7
      r0 = 0
      exit
      if r1 == 0 goto pc+2
      *(u8 *)(r10 - 300) = 0
      exit
      call pc+1
      exit
      if r1 == 0 goto pc+1
      *(u8 *)(r10 - 300) = 0
      exit`,
    err: "combined stack size of 3 calls is 608. Too large",
  }),
  xdp({
    name: "calls: stack depth check using three frames. test5",
    asm: `call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      r0 = 0
      exit`,
    err: "the call stack of 9 frames is too deep",
  }),
  xdp({
    name: "calls: stack depth check in dead code",
    asm: `r1 = 0
      call pc+1
      exit
      if r1 == 0 goto pc+1
      call pc+2
      r0 = 0
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      call pc+1
      exit
      r0 = 0
      exit`,
    // Never reached, but check_max_stack_depth walks every call.
    err: "the call stack of 8 frames is too deep !",
  }),
  xdp({
    name: "calls: spill into caller stack frame",
    asm: `*(u64 *)(r10 - 8) = 0
      r1 = r10
      r1 += -8
      call pc+1
      exit
      *(u64 *)(r1 + 0) = r1
      r0 = 0
      exit`,
    err: "cannot spill pointers to stack into stack frame of the caller",
  }),
  xdp({
    name: "calls: write into caller stack frame",
    asm: `r1 = r10
      r1 += -8
      r6 = r1
      call pc+2
      r0 = *(u64 *)(r6 + 0)
      exit
      *(u64 *)(r1 + 0) = 42
      r0 = 0
      exit`,
  }),
  xdp({
    name: "calls: write into callee stack frame",
    asm: `call pc+2
      *(u64 *)(r0 + 0) = 42
      exit
      r0 = r10
      r0 += -8
      exit`,
    err: "cannot return stack pointer to the caller",
  }),
  xdp({
    name: "calls: two calls with stack write and void return",
    asm: `*(u64 *)(r10 - 8) = 0
      r1 = r10
      r1 += -8
      r2 = r10
      r2 += -16
      call pc+2
      r0 = *(u64 *)(r10 - 16)
      exit
      r6 = r1
      r7 = r2
      call pc+3
      r1 = r7
      call pc+1
      exit
      *(u64 *)(r1 + 0) = 0
      exit`,
  }),
  {
    name: "calls: ambiguous return value",
    asm: `r6 = r1
      call pc+5
      r1 = r0
      r1 = r6
      call pc+2
      r1 = r0
      exit
      if r1 == 0 goto pc+1
      r0 = 0
      exit`,
    err: "R0 !read_ok",
    unpriv: UNPRIV_CALLS,
  },
  xdp({
    name: "calls: two calls that return map_value",
    maps: [MAP_HASH_8B],
    asm: `r1 = r10
      r1 += -8
      r2 = r10
      r2 += -16
      call pc+8
      r0 = *(u64 *)(r10 - 8)
      if r0 == 0 goto pc+1
      *(u64 *)(r0 + 0) = 0
      r0 = *(u64 *)(r10 - 16)
      if r0 == 0 goto pc+1
      *(u64 *)(r0 + 0) = 0
      r0 = 0
      exit
      r6 = r1
      r7 = r2
      call pc+3
      r1 = r7
      call pc+1
      exit
      r6 = r1
      *(u64 *)(r10 - 8) = 0
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      *(u64 *)(r6 + 0) = r0
      r0 = 0
      exit`,
  }),
  xdp({
    name: "calls: two calls that return map_value with bool condition",
    maps: [MAP_HASH_8B],
    asm: `r1 = r10
      r1 += -8
      r2 = r10
      r2 += -16
      call pc+2
      r0 = 0
      exit
      r6 = r1
      r7 = r2
      call pc+9
      if r0 != 1 goto pc+2
      r0 = *(u64 *)(r6 + 0)
      *(u64 *)(r0 + 0) = 0
      r1 = r7
      call pc+4
      if r0 != 1 goto pc+2
      r0 = *(u64 *)(r7 + 0)
      *(u64 *)(r0 + 0) = 0
      exit
      r6 = r1
      *(u64 *)(r10 - 8) = 0
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto pc+2
      r0 = 0
      exit
      *(u64 *)(r6 + 0) = r0
      r0 = 1
      exit`,
  }),
  xdp({
    name: "calls: two calls that return map_value with incorrect bool check",
    maps: [MAP_HASH_8B],
    asm: `r1 = r10
      r1 += -8
      r2 = r10
      r2 += -16
      call pc+2
      r0 = 0
      exit
      r6 = r1
      r7 = r2
      call pc+9
      if r0 != 1 goto pc+2
      r0 = *(u64 *)(r6 + 0)
      *(u64 *)(r0 + 0) = 0
      r1 = r7
      call pc+4
      if r0 != 0 goto pc+2
      r0 = *(u64 *)(r7 + 0)
      *(u64 *)(r0 + 0) = 0
      exit
      r6 = r1
      *(u64 *)(r10 - 8) = 0
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto pc+2
      r0 = 0
      exit
      *(u64 *)(r6 + 0) = r0
      r0 = 1
      exit`,
    // CAP_PERFMON reads uninitialised stack as an unknown scalar (6.3+).
    err: "R0 invalid mem access 'scalar'",
  }),
  xdp({
    name: "calls: two calls that return map_value with incorrect bool check (CAP_BPF without CAP_PERFMON)",
    maps: [MAP_HASH_8B],
    asm: `r1 = r10
      r1 += -8
      r2 = r10
      r2 += -16
      call pc+2
      r0 = 0
      exit
      r6 = r1
      r7 = r2
      call pc+9
      if r0 != 1 goto pc+2
      r0 = *(u64 *)(r6 + 0)
      *(u64 *)(r0 + 0) = 0
      r1 = r7
      call pc+4
      if r0 != 0 goto pc+2
      r0 = *(u64 *)(r7 + 0)
      *(u64 *)(r0 + 0) = 0
      exit
      r6 = r1
      *(u64 *)(r10 - 8) = 0
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto pc+2
      r0 = 0
      exit
      *(u64 *)(r6 + 0) = r0
      r0 = 1
      exit`,
    opts: { caps: { bpf: true, perfmon: false } },
    err: "invalid read from stack R7 off=-16 size=8",
  }),
  cls({
    name: "calls: two calls that receive map_value via arg=ptr_stack_of_caller. test1",
    maps: [MAP_HASH_8B],
    asm: CALLER_STACK_MAP_VALUES(2),
    err: "invalid access to map value, value_size=8 off=2 size=8",
  }),
  cls({
    name: "calls: two calls that receive map_value via arg=ptr_stack_of_caller. test2",
    maps: [MAP_HASH_8B],
    asm: CALLER_STACK_MAP_VALUES(0),
  }),
];
