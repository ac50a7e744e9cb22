// Translations of the kernel selftests in progs/verifier_ref_tracking.c:
// references acquired by socket lookups and ring buffer reservations, their
// NULL checks, releases, leaks (at exit, across tail calls and LD_ABS),
// pointer casts that share the reference, and BPF-to-BPF calls. Messages
// are the 6.14-era ones ("... would lead to reference leak"). The bpf_key
// kfunc tests (lsm.s) and the two bpf_skc_to_tcp_sock ones (they need the
// kernel's BTF) are not translated.
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

/** sizeof(struct bpf_sock_tuple). */
const TUPLE = 36;

/** struct bpf_sock_tuple tuple = {}; sk = func(ctx, &tuple, sizeof tuple, 0, 0) */
const SK_LOOKUP = (func: string): string => `r2 = 0
      *(u32 *)(r10 - 8) = r2
      *(u64 *)(r10 - 16) = r2
      *(u64 *)(r10 - 24) = r2
      *(u64 *)(r10 - 32) = r2
      *(u64 *)(r10 - 40) = r2
      *(u64 *)(r10 - 48) = r2
      r2 = r10
      r2 += -48
      r3 = ${TUPLE}
      r4 = 0
      r5 = 0
      call ${func}`;
const LOOKUP_TCP = SK_LOOKUP("bpf_sk_lookup_tcp");
const LOOKUP_SKC = SK_LOOKUP("bpf_skc_lookup_tcp");

const MAP_PROG1_TC: MapInfo = {
  type: MapType.PROG_ARRAY,
  keySize: 4,
  valueSize: 4,
  maxEntries: 4,
  flags: 0,
};
const MAP_ARRAY_48B: MapInfo = {
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 48,
  maxEntries: 1,
  flags: 0,
};
const MAP_RINGBUF: MapInfo = {
  type: MapType.RINGBUF,
  keySize: 0,
  valueSize: 0,
  maxEntries: 4096,
  flags: 0,
};

/**
 * The line the kernel prints for a leaked reference acquired by the lookup
 * (insn 12): id 1 is R0's maybe-NULL id, the reference gets the next one.
 */
const LEAK_12 = "Unreleased reference id=2 alloc_insn=12";
const SOCK_COMMON_ARG = "expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_";
/** BPF_LD_IND(BPF_W, BPF_REG_7, -0x200000) */
const LD_IND = ".insn 0x40 0 7 0 -2097152";

const tc = (c: Omit<VerifierCase, "type">): VerifierCase => ({ type: "sched_cls", ...c });

export const cases: VerifierCase[] = [
  tc({
    name: "reference tracking: leak potential reference",
    asm: `${LOOKUP_TCP}
      r6 = r0
      exit`,
    err: `${LEAK_12}\nBPF_EXIT instruction in main prog would lead to reference leak`,
  }),
  tc({
    name: "reference tracking: leak potential reference to sock_common",
    asm: `${LOOKUP_SKC}
      r6 = r0
      exit`,
    err: LEAK_12,
  }),
  tc({
    name: "reference tracking: leak potential reference on stack",
    asm: `${LOOKUP_TCP}
      r4 = r10
      r4 += -8
      *(u64 *)(r4 + 0) = r0
      r0 = 0
      exit`,
    err: LEAK_12,
  }),
  tc({
    name: "reference tracking: leak potential reference on stack 2",
    asm: `${LOOKUP_TCP}
      r4 = r10
      r4 += -8
      *(u64 *)(r4 + 0) = r0
      r0 = 0
      r1 = 0
      *(u64 *)(r4 + 0) = r1
      exit`,
    err: LEAK_12,
  }),
  tc({
    name: "reference tracking: zero potential reference",
    asm: `${LOOKUP_TCP}
      r0 = 0
      exit`,
    err: LEAK_12,
  }),
  tc({
    name: "reference tracking: zero potential reference to sock_common",
    asm: `${LOOKUP_SKC}
      r0 = 0
      exit`,
    err: LEAK_12,
  }),
  tc({
    name: "reference tracking: copy and zero potential references",
    asm: `${LOOKUP_TCP}
      r7 = r0
      r0 = 0
      r7 = 0
      exit`,
    err: LEAK_12,
  }),
  tc({
    name: "reference tracking: release reference without check",
    asm: `${LOOKUP_TCP}
      r1 = r0
      r2 = 0
      call bpf_sk_release
      exit`,
    err: `R1 type=sock_or_null ${SOCK_COMMON_ARG}`,
  }),
  tc({
    name: "reference tracking: release reference to sock_common without check",
    asm: `${LOOKUP_SKC}
      r1 = r0
      r2 = 0
      call bpf_sk_release
      exit`,
    err: `R1 type=sock_common_or_null ${SOCK_COMMON_ARG}`,
  }),
  tc({
    name: "reference tracking: release reference",
    asm: `${LOOKUP_TCP}
      r1 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
    l0:
      exit`,
  }),
  tc({
    name: "reference tracking: release reference to sock_common",
    asm: `${LOOKUP_SKC}
      r1 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
    l0:
      exit`,
  }),
  tc({
    name: "reference tracking: release reference 2",
    asm: `${LOOKUP_TCP}
      r1 = r0
      if r0 != 0 goto l0
      exit
    l0:
      call bpf_sk_release
      exit`,
  }),
  tc({
    name: "reference tracking: release reference twice",
    asm: `${LOOKUP_TCP}
      r1 = r0
      r6 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
    l0:
      r1 = r6
      call bpf_sk_release
      exit`,
    err: `R1 type=scalar ${SOCK_COMMON_ARG}`,
  }),
  tc({
    name: "reference tracking: release reference twice inside branch",
    asm: `${LOOKUP_TCP}
      r1 = r0
      r6 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
      r1 = r6
      call bpf_sk_release
    l0:
      exit`,
    err: `R1 type=scalar ${SOCK_COMMON_ARG}`,
  }),
  tc({
    name: "reference tracking: alloc, check, free in one subbranch",
    asm: `r2 = *(u32 *)(r1 + 76)
      r3 = *(u32 *)(r1 + 80)
      r0 = r2
      r0 += 16
      if r0 <= r3 goto l0
      exit
    l0:
      r6 = *(u32 *)(r2 + 8)
      ${LOOKUP_TCP}
      if r6 == 0 goto l1
      exit
    l1:
      if r0 == 0 goto l2
      r1 = r0
      call bpf_sk_release
    l2:
      exit`,
    err: "Unreleased reference id=2 alloc_insn=19",
  }),
  tc({
    name: "reference tracking: alloc, check, free in both subbranches",
    asm: `r2 = *(u32 *)(r1 + 76)
      r3 = *(u32 *)(r1 + 80)
      r0 = r2
      r0 += 16
      if r0 <= r3 goto l0
      exit
    l0:
      r6 = *(u32 *)(r2 + 8)
      ${LOOKUP_TCP}
      if r6 == 0 goto l1
      if r0 == 0 goto l2
      r1 = r0
      call bpf_sk_release
    l2:
      exit
    l1:
      if r0 == 0 goto l3
      r1 = r0
      call bpf_sk_release
    l3:
      exit`,
  }),
  tc({
    name: "reference tracking in call: free reference in subprog",
    asm: `${LOOKUP_TCP}
      r1 = r0
      call sub
      r0 = 0
      exit
    sub:
      r2 = r1
      if r2 == 0 goto l0
      call bpf_sk_release
    l0:
      exit`,
  }),
  tc({
    name: "reference tracking in call: free reference in subprog and outside",
    asm: `${LOOKUP_TCP}
      r1 = r0
      r6 = r0
      call sub
      r1 = r6
      call bpf_sk_release
      exit
    sub:
      r2 = r1
      if r2 == 0 goto l0
      call bpf_sk_release
    l0:
      exit`,
    err: `R1 type=scalar ${SOCK_COMMON_ARG}`,
  }),
  tc({
    name: "reference tracking in call: alloc & leak reference in subprog",
    asm: `r4 = r10
      r4 += -8
      call sub
      r1 = r0
      r0 = 0
      exit
    sub:
      r6 = r4
      ${LOOKUP_TCP}
      *(u64 *)(r6 + 0) = r0
      r1 = r0
      exit`,
    err: "Unreleased reference id=2 alloc_insn=19",
  }),
  tc({
    name: "reference tracking in call: alloc in subprog, release outside",
    asm: `r4 = r10
      call sub
      r1 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
    l0:
      exit
    sub:
      ${LOOKUP_TCP}
      exit`,
    // The socket pointer is the program's return value: only root may leak it.
    unpriv:
      "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN",
  }),
  tc({
    name: "reference tracking in call: sk_ptr leak into caller stack",
    asm: `r4 = r10
      r4 += -8
      call sub1
      r0 = 0
      exit
    sub1:
      r5 = r10
      r5 += -8
      *(u64 *)(r5 + 0) = r4
      call sub2
      r5 = r10
      r5 += -8
      r4 = *(u64 *)(r5 + 0)
      *(u64 *)(r4 + 0) = r0
      exit
    sub2:
      ${LOOKUP_TCP}
      exit`,
    err: "Unreleased reference id=2 alloc_insn=26",
  }),
  tc({
    name: "reference tracking in call: sk_ptr spill into caller stack",
    asm: `r4 = r10
      r4 += -8
      call sub1
      r0 = 0
      exit
    sub1:
      r5 = r10
      r5 += -8
      *(u64 *)(r5 + 0) = r4
      call sub2
      r5 = r10
      r5 += -8
      r4 = *(u64 *)(r5 + 0)
      *(u64 *)(r4 + 0) = r0
      if r0 == 0 goto l0
      r1 = *(u64 *)(r4 + 0)
      call bpf_sk_release
    l0:
      exit
    sub2:
      ${LOOKUP_TCP}
      exit`,
  }),
  tc({
    name: "reference tracking: allow LD_ABS",
    asm: `r6 = r1
      ${LOOKUP_TCP}
      r1 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
    l0:
      r0 = *(u8 *)skb[0]
      r0 = *(u16 *)skb[0]
      r0 = *(u32 *)skb[0]
      exit`,
  }),
  tc({
    name: "reference tracking: forbid LD_ABS while holding reference",
    asm: `r6 = r1
      ${LOOKUP_TCP}
      r0 = *(u8 *)skb[0]
      r0 = *(u16 *)skb[0]
      r0 = *(u32 *)skb[0]
      r1 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
    l0:
      exit`,
    err: "Unreleased reference id=2 alloc_insn=13\nBPF_LD_[ABS|IND] would lead to reference leak",
  }),
  tc({
    name: "reference tracking: allow LD_IND",
    asm: `r6 = r1
      ${LOOKUP_TCP}
      r1 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
    l0:
      r7 = 1
      ${LD_IND}
      r0 = r7
      exit`,
  }),
  tc({
    name: "reference tracking: forbid LD_IND while holding reference",
    asm: `r6 = r1
      ${LOOKUP_TCP}
      r4 = r0
      r7 = 1
      ${LD_IND}
      r0 = r7
      r1 = r4
      if r1 == 0 goto l0
      call bpf_sk_release
    l0:
      exit`,
    err: "BPF_LD_[ABS|IND] would lead to reference leak",
  }),
  tc({
    name: "reference tracking: check reference or tail call",
    maps: [MAP_PROG1_TC],
    asm: `r7 = r1
      ${LOOKUP_TCP}
      r1 = r0
      if r1 != 0 goto l0
      r3 = 3
      r2 = map[id:0]
      r1 = r7
      call bpf_tail_call
      r0 = 0
      exit
    l0:
      call bpf_sk_release
      exit`,
  }),
  tc({
    name: "reference tracking: release reference then tail call",
    maps: [MAP_PROG1_TC],
    asm: `r7 = r1
      ${LOOKUP_TCP}
      r1 = r0
      if r1 == 0 goto l0
      call bpf_sk_release
    l0:
      r3 = 3
      r2 = map[id:0]
      r1 = r7
      call bpf_tail_call
      r0 = 0
      exit`,
  }),
  tc({
    name: "reference tracking: leak possible reference over tail call",
    maps: [MAP_PROG1_TC],
    asm: `r7 = r1
      ${LOOKUP_TCP}
      r6 = r0
      r3 = 3
      r2 = map[id:0]
      r1 = r7
      call bpf_tail_call
      r0 = 0
      r1 = r6
      if r1 == 0 goto l0
      call bpf_sk_release
    l0:
      exit`,
    err: "tail_call would lead to reference leak",
  }),
  tc({
    name: "reference tracking: leak checked reference over tail call",
    maps: [MAP_PROG1_TC],
    asm: `r7 = r1
      ${LOOKUP_TCP}
      r6 = r0
      if r0 == 0 goto l0
      r3 = 0
      r2 = map[id:0]
      r1 = r7
      call bpf_tail_call
      r0 = 0
      r1 = r6
    l0:
      call bpf_sk_release
      exit`,
    err: "tail_call would lead to reference leak",
  }),
  tc({
    name: "reference tracking: mangle and release sock_or_null",
    asm: `${LOOKUP_TCP}
      r1 = r0
      r1 += 5
      if r0 == 0 goto l0
      call bpf_sk_release
    l0:
      exit`,
    err: "R1 pointer arithmetic on sock_or_null prohibited, null-check it first",
  }),
  tc({
    name: "reference tracking: mangle and release sock",
    asm: `${LOOKUP_TCP}
      r1 = r0
      if r0 == 0 goto l0
      r1 += 5
      call bpf_sk_release
    l0:
      exit`,
    err: "R1 pointer arithmetic on sock prohibited",
  }),
  tc({
    name: "reference tracking: access member",
    asm: `${LOOKUP_TCP}
      r6 = r0
      if r0 == 0 goto l0
      r2 = *(u32 *)(r0 + 4)
      r1 = r6
      call bpf_sk_release
    l0:
      exit`,
  }),
  tc({
    name: "reference tracking: write to member",
    asm: `${LOOKUP_TCP}
      r6 = r0
      if r0 == 0 goto l0
      r1 = r6
      r2 = 42 ll
      *(u32 *)(r1 + 16) = r2
      r1 = r6
    l0:
      call bpf_sk_release
      r0 = 0 ll
      exit`,
    err: "R1 cannot write into sock",
  }),
  tc({
    name: "reference tracking: invalid 64-bit access of member",
    asm: `${LOOKUP_TCP}
      r6 = r0
      if r0 == 0 goto l0
      r2 = *(u64 *)(r0 + 0)
      r1 = r6
      call bpf_sk_release
    l0:
      exit`,
    err: "R0 invalid sock access off=0 size=8",
  }),
  tc({
    name: "reference tracking: access after release",
    asm: `${LOOKUP_TCP}
      r1 = r0
      if r0 == 0 goto l0
      call bpf_sk_release
      r2 = *(u32 *)(r1 + 0)
    l0:
      exit`,
    err: "R1 !read_ok",
  }),
  tc({
    name: "reference tracking: direct access for lookup",
    asm: `r2 = *(u32 *)(r1 + 76)
      r3 = *(u32 *)(r1 + 80)
      r0 = r2
      r0 += 64
      if r0 > r3 goto l0
      r3 = ${TUPLE}
      r4 = 0
      r5 = 0
      call bpf_sk_lookup_tcp
      r6 = r0
      if r0 == 0 goto l0
      r2 = *(u32 *)(r0 + 4)
      r1 = r6
      call bpf_sk_release
    l0:
      exit`,
  }),
  tc({
    name: "reference tracking: use ptr from bpf_tcp_sock() after release",
    asm: `${LOOKUP_TCP}
      if r0 != 0 goto l0
      exit
    l0:
      r6 = r0
      r1 = r0
      call bpf_tcp_sock
      if r0 != 0 goto l1
      r1 = r6
      call bpf_sk_release
      exit
    l1:
      r7 = r0
      r1 = r6
      call bpf_sk_release
      r0 = *(u32 *)(r7 + 8)
      exit`,
    err: "R7 invalid mem access 'scalar'",
  }),
  tc({
    name: "reference tracking: use ptr from bpf_sk_fullsock() after release",
    asm: `${LOOKUP_TCP}
      if r0 != 0 goto l0
      exit
    l0:
      r6 = r0
      r1 = r0
      call bpf_sk_fullsock
      if r0 != 0 goto l1
      r1 = r6
      call bpf_sk_release
      exit
    l1:
      r7 = r0
      r1 = r6
      call bpf_sk_release
      r0 = *(u32 *)(r7 + 8)
      exit`,
    err: "R7 invalid mem access 'scalar'",
  }),
  tc({
    name: "reference tracking: use ptr from bpf_sk_fullsock(tp) after release",
    asm: `${LOOKUP_TCP}
      if r0 != 0 goto l0
      exit
    l0:
      r6 = r0
      r1 = r0
      call bpf_tcp_sock
      if r0 != 0 goto l1
      r1 = r6
      call bpf_sk_release
      exit
    l1:
      r1 = r0
      call bpf_sk_fullsock
      r1 = r6
      r6 = r0
      call bpf_sk_release
      if r6 != 0 goto l2
      exit
    l2:
      r0 = *(u32 *)(r6 + 8)
      exit`,
    err: "R6 invalid mem access 'scalar'",
  }),
  tc({
    name: "reference tracking: use sk after bpf_sk_release(tp)",
    asm: `${LOOKUP_TCP}
      if r0 != 0 goto l0
      exit
    l0:
      r6 = r0
      r1 = r0
      call bpf_tcp_sock
      if r0 != 0 goto l1
      r1 = r6
      call bpf_sk_release
      exit
    l1:
      r1 = r0
      call bpf_sk_release
      r0 = *(u32 *)(r6 + 8)
      exit`,
    err: "R6 invalid mem access 'scalar'",
  }),
  tc({
    name: "reference tracking: use ptr from bpf_get_listener_sock() after bpf_sk_release(sk)",
    asm: `${LOOKUP_TCP}
      if r0 != 0 goto l0
      exit
    l0:
      r6 = r0
      r1 = r0
      call bpf_get_listener_sock
      if r0 != 0 goto l1
      r1 = r6
      call bpf_sk_release
      exit
    l1:
      r1 = r6
      r6 = r0
      call bpf_sk_release
      r0 = *(u32 *)(r6 + 44)
      exit`,
  }),
  tc({
    name: "reference tracking: bpf_sk_release(listen_sk)",
    asm: `${LOOKUP_TCP}
      if r0 != 0 goto l0
      exit
    l0:
      r6 = r0
      r1 = r0
      call bpf_get_listener_sock
      if r0 != 0 goto l1
      r1 = r6
      call bpf_sk_release
      exit
    l1:
      r1 = r0
      call bpf_sk_release
      r0 = *(u32 *)(r6 + 8)
      r1 = r6
      call bpf_sk_release
      exit`,
    err: "R1 must be referenced when passed to release function",
  }),
  tc({
    name: "reference tracking: tp->snd_cwnd after bpf_sk_fullsock(sk) and bpf_tcp_sock(sk)",
    asm: `${LOOKUP_TCP}
      if r0 != 0 goto l0
      exit
    l0:
      r6 = r0
      r1 = r0
      call bpf_sk_fullsock
      r7 = r0
      r1 = r6
      call bpf_tcp_sock
      r8 = r0
      if r7 != 0 goto l1
      r1 = r6
      call bpf_sk_release
      exit
    l1:
      r0 = *(u32 *)(r8 + 8)
      r1 = r6
      call bpf_sk_release
      exit`,
    err: "R8 invalid mem access 'tcp_sock_or_null'",
  }),
  tc({
    name: "reference tracking: branch tracking valid pointer null comparison",
    asm: `${LOOKUP_TCP}
      r6 = r0
      r3 = 1
      if r6 != 0 goto l0
      r3 = 0
    l0:
      if r6 == 0 goto l1
      r1 = r6
      call bpf_sk_release
    l1:
      exit`,
  }),
  tc({
    name: "reference tracking: branch tracking valid pointer value comparison",
    asm: `${LOOKUP_TCP}
      r6 = r0
      r3 = 1
      if r6 == 0 goto l0
      r3 = 0
      if r6 == 1234 goto l0
      r1 = r6
      call bpf_sk_release
    l0:
      exit`,
    err: LEAK_12,
  }),
  {
    name: "reference tracking: try to leak released ptr reg",
    maps: [MAP_ARRAY_48B, MAP_RINGBUF],
    asm: `r0 = 0
      *(u32 *)(r10 - 4) = r0
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto l0
      exit
    l0:
      r9 = r0
      r0 = 0
      r1 = map[id:1]
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 != 0 goto l1
      exit
    l1:
      r8 = r0
      r1 = r8
      r2 = 0
      call bpf_ringbuf_discard
      r0 = 0
      *(u64 *)(r9 + 0) = r8
      exit`,
    unpriv: "R8 !read_ok",
  },
  // Ring buffer records (bpf_ringbuf_reserve is an acquire, submit/discard release it).
  {
    name: "ringbuf: record not submitted",
    maps: [MAP_RINGBUF],
    asm: `r1 = map[id:0]
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 == 0 goto l0
      r1 = 7
      *(u64 *)(r0 + 0) = r1
    l0:
      r0 = 0
      exit`,
    err: "Unreleased reference id=2 alloc_insn=4",
  },
  {
    name: "ringbuf: record written and submitted",
    maps: [MAP_RINGBUF],
    asm: `r1 = map[id:0]
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 == 0 goto l0
      r1 = 7
      *(u64 *)(r0 + 0) = r1
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit
    l0:
      r0 = 0
      exit`,
  },
  {
    name: "ringbuf: write past the reserved size",
    maps: [MAP_RINGBUF],
    asm: `r1 = map[id:0]
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 == 0 goto l0
      r1 = 7
      *(u64 *)(r0 + 4) = r1
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit
    l0:
      r0 = 0
      exit`,
    err: "invalid access to memory, mem_size=8 off=4 size=8",
  },
  {
    name: "ringbuf: submit of a pointer that is not the record",
    maps: [MAP_RINGBUF],
    asm: `r1 = map[id:0]
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 == 0 goto l0
      r1 = r0
      r1 += 4
      r2 = 0
      call bpf_ringbuf_submit
    l0:
      r0 = 0
      exit`,
    err: "R1 must have zero offset when passed to release func or trusted arg to kfunc",
  },
  {
    name: "ringbuf: submit of a NULL-checked-away record",
    maps: [MAP_RINGBUF],
    asm: `r1 = map[id:0]
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit
      r0 = 0
      exit`,
    err: "R1 type=ringbuf_mem_or_null expected=ringbuf_mem",
  },
];
