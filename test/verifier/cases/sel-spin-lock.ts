// Translations of the kernel selftests in progs/verifier_spin_lock.c
// (bpf_spin_lock / bpf_spin_unlock on a map value whose BTF has a
// `struct bpf_spin_lock` at offset 4), with the 6.14-era messages.
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

/** struct val { int cnt; struct bpf_spin_lock l; } in a one-element array with BTF. */
const MAP_SPIN_LOCK: MapInfo = {
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 8,
  maxEntries: 1,
  flags: 0,
  name: "map_spin_lock",
  btfKeyTypeId: 1,
  btfValueTypeId: 2,
  btfFields: [{ name: "bpf_spin_lock", off: 4, size: 4 }],
};

/** The same value type without BTF (a map created without it). */
const MAP_NO_BTF: MapInfo = { ...MAP_SPIN_LOCK, name: "map_no_btf", btfValueTypeId: 0 };
/** BTF but no lock in the value. */
const MAP_NO_LOCK: MapInfo = { ...MAP_SPIN_LOCK, name: "map_no_lock", btfFields: [] };

/** Lookup of key 0; r6 = the value; exits when NULL. */
const LOOKUP = `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto l0
      exit
    l0:
      r6 = r0`;

const UNPRIV = "program of this type cannot use helper bpf_spin_lock#93";

const spin = (c: Omit<VerifierCase, "type">): VerifierCase => ({
  type: "cgroup_skb",
  maps: [MAP_SPIN_LOCK],
  ...c,
});

export const cases: VerifierCase[] = [
  spin({
    name: "spin_lock: test1 success",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r1 = r6
      r1 += 4
      r0 = *(u32 *)(r6 + 0)
      call bpf_spin_unlock
      r0 = 0
      exit`,
    unpriv: UNPRIV,
  }),
  spin({
    name: "spin_lock: test2 direct ld/st",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r1 = r6
      r1 += 4
      r0 = *(u32 *)(r1 + 0)
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "bpf_spin_lock cannot be accessed directly by load/store",
  }),
  spin({
    name: "spin_lock: test3 direct ld/st",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r1 = r6
      r1 += 4
      r0 = *(u32 *)(r6 + 1)
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "bpf_spin_lock cannot be accessed directly by load/store",
  }),
  spin({
    name: "spin_lock: test4 direct ld/st",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r1 = r6
      r1 += 4
      r0 = *(u16 *)(r6 + 3)
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "bpf_spin_lock cannot be accessed directly by load/store",
  }),
  spin({
    name: "spin_lock: test5 call within a locked region",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      call bpf_get_prandom_u32
      r1 = r6
      r1 += 4
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "function calls are not allowed while holding a lock",
  }),
  spin({
    name: "spin_lock: test6 missing unlock",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r1 = r6
      r1 += 4
      r0 = *(u32 *)(r6 + 0)
      if r0 != 0 goto l1
      call bpf_spin_unlock
    l1:
      r0 = 0
      exit`,
    err: "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region",
  }),
  spin({
    name: "spin_lock: test7 unlock without lock",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      if r1 != 0 goto l1
      call bpf_spin_lock
    l1:
      r1 = r6
      r1 += 4
      r0 = *(u32 *)(r6 + 0)
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "bpf_spin_unlock without taking a lock",
  }),
  spin({
    name: "spin_lock: test8 double lock",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r1 = r6
      r1 += 4
      call bpf_spin_lock
      r1 = r6
      r1 += 4
      r0 = *(u32 *)(r6 + 0)
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "function calls are not allowed while holding a lock",
  }),
  spin({
    name: "spin_lock: test9 different lock",
    asm: `${LOOKUP}
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto l1
      exit
    l1:
      r7 = r0
      r1 = r6
      r1 += 4
      call bpf_spin_lock
      r1 = r7
      r1 += 4
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "bpf_spin_unlock of different lock",
  }),
  spin({
    name: "spin_lock: test10 lock in subprog without unlock",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call sub
      r1 = r6
      r1 += 4
      call bpf_spin_unlock
      r0 = 1
      exit
    sub:
      call bpf_spin_lock
      r0 = 0
      exit`,
  }),
  {
    name: "spin_lock: test11 ld_abs under lock",
    type: "sched_cls",
    maps: [MAP_SPIN_LOCK],
    asm: `r6 = r1
      ${LOOKUP.replace("r6 = r0", "r7 = r0")}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r0 = *(u8 *)skb[0]
      r1 = r7
      r1 += 4
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region",
  },
  {
    name: "spin_lock: regsafe compare reg->id for map value",
    type: "sched_cls",
    maps: [MAP_SPIN_LOCK],
    asm: `r6 = r1
      r6 = *(u32 *)(r6 + 8)
      r1 = map[id:0]
      r9 = r1
      r2 = 0
      *(u32 *)(r10 - 4) = r2
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem
      if r0 != 0 goto l0
      exit
    l0:
      r7 = r0
      r1 = r9
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem
      if r0 != 0 goto l1
      exit
    l1:
      r8 = r0
      r1 = r7
      r1 += 4
      call bpf_spin_lock
      if r6 == 0 goto l2
      goto l3
    l2:
      r7 = r8
    l3:
      r1 = r7
      r1 += 4
      call bpf_spin_unlock
      r0 = 0
      exit`,
    err: "bpf_spin_unlock of different lock",
  },
  spin({
    name: "spin_lock: regsafe() check_ids() similar id mappings",
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto l0
      r9 = r0
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto l1
      r8 = r0
      call bpf_ktime_get_ns
      r7 = r0
      call bpf_ktime_get_ns
      r6 = r0
      if r6 > r7 goto l2
      r1 = r8
      r1 += 4
      call bpf_spin_lock
      r9 = r8
      goto l3
    l2:
      r1 = r9
      r1 += 4
      call bpf_spin_lock
    l3:
      r1 = r9
      r1 += 4
      call bpf_spin_unlock
    l0:
      r0 = 0
    l1:
      exit`,
  }),
  // Checks of the lock argument itself (process_spin_lock).
  spin({
    name: "spin_lock: lock not at the lock's offset",
    asm: `${LOOKUP}
      r1 = r0
      call bpf_spin_lock
      r0 = 0
      exit`,
    err: "off 0 doesn't point to 'struct bpf_spin_lock' that is at 4",
  }),
  spin({
    name: "spin_lock: variable offset",
    asm: `${LOOKUP}
      r2 = *(u32 *)(r6 + 0)
      r2 &= 4
      r1 = r0
      r1 += r2
      call bpf_spin_lock
      r0 = 0
      exit`,
    err: "R1 doesn't have constant offset. bpf_spin_lock has to be at the constant offset",
  }),
  {
    name: "spin_lock: map without BTF",
    type: "cgroup_skb",
    maps: [MAP_NO_BTF],
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r0 = 0
      exit`,
    err: "map 'map_no_btf' has to have BTF in order to use bpf_spin_lock",
  },
  {
    name: "spin_lock: map value without a lock",
    type: "cgroup_skb",
    maps: [MAP_NO_LOCK],
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r0 = 0
      exit`,
    err: "map 'map_no_lock' has no valid bpf_spin_lock",
  },
  spin({
    name: "spin_lock: tail call while holding the lock",
    maps: [
      MAP_SPIN_LOCK,
      { type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 },
    ],
    asm: `r9 = r1
      ${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      r1 = r9
      r2 = map[id:1]
      r3 = 0
      call bpf_tail_call
      r0 = 0
      exit`,
    err: "function calls are not allowed while holding a lock",
  }),
  spin({
    name: "spin_lock: static subprogram called while holding the lock",
    asm: `${LOOKUP}
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      call sub
      r1 = r6
      r1 += 4
      call bpf_spin_unlock
      r0 = 0
      exit
    sub:
      r0 = 1
      exit`,
  }),
];
