// What changes without CAP_BPF / CAP_PERFMON: pointer leaks (into maps, the
// context, helpers, return values, partial copies), pointer arithmetic and
// comparisons, uninitialised stack, and the helpers left to such programs.
// Each case states the privileged verdict (err) and the unprivileged one.
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

const HASH_16: MapInfo = { type: MapType.HASH, keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 };
const ARRAY_16: MapInfo = {
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 16,
  maxEntries: 1,
  flags: 0,
};

const LOOKUP = `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto out`;

export const cases: VerifierCase[] = [
  {
    name: "store a pointer into a map value",
    maps: [HASH_16],
    asm: `${LOOKUP}
      *(u64 *)(r0 + 0) = r10
    out:
      r0 = 0
      exit`,
    unpriv: "R10 leaks addr into map",
  },
  {
    name: "store a pointer into the context",
    asm: `*(u32 *)(r1 + 48) = r1
      r0 = 0
      exit`,
    unpriv: "R1 leaks addr into ctx",
  },
  {
    name: "return a pointer",
    asm: `r0 = r1
      exit`,
    unpriv: "R0 leaks addr as return value",
  },
  {
    name: "pointer as a helper's plain argument",
    maps: [HASH_16],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      *(u64 *)(r10 - 24) = r1
      *(u64 *)(r10 - 16) = r1
      r2 = r10
      r2 += -4
      r3 = r10
      r3 += -24
      r4 = r10
      r1 = map[id:0]
      call bpf_map_update_elem
      r0 = 0
      exit`,
    unpriv: "R4 leaks addr into helper function",
  },
  {
    name: "32-bit copy of a pointer",
    asm: `w0 = w1
      r0 = 0
      exit`,
    unpriv: "R1 partial copy of pointer",
  },
  {
    name: "pointer minus pointer",
    asm: `r0 = r10
      r0 -= r10
      exit`,
    unpriv: "R0 pointer -= pointer prohibited",
  },
  {
    name: "pointer plus pointer",
    asm: `r0 = r10
      r0 += r10
      r0 = 0
      exit`,
    err: "R0 pointer += pointer prohibited",
  },
  {
    name: "pointer multiplied",
    asm: `r0 = r10
      r0 *= 2
      r0 = 0
      exit`,
    err: "R0 pointer arithmetic with *= operator prohibited",
  },
  {
    name: "32-bit pointer arithmetic",
    asm: `r0 = r10
      w0 += 8
      r0 = 0
      exit`,
    err: "R0 32-bit pointer arithmetic prohibited",
    unpriv: "R0 32-bit pointer arithmetic prohibited",
  },
  {
    name: "stack pointer moved out of the stack",
    asm: `r0 = r10
      r0 += 8
      r0 = 0
      exit`,
    unpriv: "R0 stack pointer arithmetic goes out of range, prohibited for !root; off=8",
  },
  {
    name: "stack pointer moved below the stack",
    asm: `r0 = r10
      r0 += -520
      r0 = 0
      exit`,
    unpriv: "R0 stack pointer arithmetic goes out of range, prohibited for !root; off=-520",
  },
  {
    name: "stack pointer with a variable offset",
    asm: `call bpf_get_prandom_u32
      r0 &= 8
      r1 = r10
      r1 += -16
      r1 += r0
      r0 = 0
      exit`,
    unpriv: "R1 variable stack access prohibited for !root, var_off=(0x0; 0x8) off=-16",
  },
  {
    name: "map value pointer moved past the value",
    maps: [ARRAY_16],
    asm: `${LOOKUP}
      r0 += 16
    out:
      r0 = 0
      exit`,
    unpriv: "R0 pointer arithmetic of map value goes out of range, prohibited for !root",
  },
  {
    name: "map value pointer moved inside the value",
    maps: [ARRAY_16],
    asm: `${LOOKUP}
      r0 += 8
      r1 = *(u64 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "uninitialised stack read",
    asm: `r1 = 0
      *(u64 *)(r10 - 16) = r1
      r0 = *(u64 *)(r10 - 8)
      exit`,
    unpriv: "invalid read from stack off -8+0 size 8",
  },
  {
    name: "spill and fill a pointer",
    asm: `*(u64 *)(r10 - 8) = r1
      r1 = *(u64 *)(r10 - 8)
      r0 = *(u32 *)(r1 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "partial read of a spilled pointer",
    asm: `*(u64 *)(r10 - 8) = r1
      r0 = *(u32 *)(r10 - 8)
      r0 = 0
      exit`,
    err: "invalid size of register fill",
    unpriv: "invalid size of register fill",
  },
  {
    name: "partial overwrite of a spilled pointer",
    asm: `*(u64 *)(r10 - 8) = r1
      r2 = 0
      *(u32 *)(r10 - 8) = r2
      r0 = 0
      exit`,
    unpriv: "attempt to corrupt spilled pointer on stack",
  },
  {
    name: "trace_printk needs CAP_PERFMON",
    asm: `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r1 = r10
      r1 += -8
      r2 = 8
      call bpf_trace_printk
      r0 = 0
      exit`,
    unpriv: "program of this type cannot use helper bpf_trace_printk#6",
  },
  {
    name: "spin locks need CAP_BPF",
    asm: `r1 = r10
      r1 += -8
      call bpf_spin_lock
      r0 = 0
      exit`,
    err: "R1 type=fp expected=map_value, ptr_",
    unpriv: "program of this type cannot use helper bpf_spin_lock#93",
  },
  {
    name: "prandom is available to everyone",
    asm: `call bpf_get_prandom_u32
      exit`,
    unpriv: "ok",
  },
  {
    name: "ktime is available to everyone",
    asm: `call bpf_ktime_get_ns
      exit`,
    unpriv: "ok",
  },
];
