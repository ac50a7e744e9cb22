// Translations of the kernel selftests in progs/verifier_stack_ptr.c (the
// default 512-byte stack; the large-stack, may_goto and loop-widening
// variants are left out).
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";

const OUT_OF_RANGE = (off: number): string =>
  `R1 stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`;

/** r1 = r10 + add...; store/load one byte at r1 + off. */
function byteAt(adds: number[], off: number): string {
  const o = off < 0 ? `- ${-off}` : `+ ${off}`;
  return [
    "r1 = r10",
    ...adds.map((a) => `r1 += ${a}`),
    "r0 = 42",
    `*(u8 *)(r1 ${o}) = r0`,
    `r0 = *(u8 *)(r1 ${o})`,
    "exit",
  ].join("\n");
}

const BIG = (1 << 29) - 1;

export const cases: VerifierCase[] = [
  {
    name: "PTR_TO_STACK store/load",
    asm: `r1 = r10
      r1 += -10
      r0 = 0xfaceb00c
      *(u64 *)(r1 + 2) = r0
      r0 = *(u64 *)(r1 + 2)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK store/load - out of bounds low",
    asm: `r1 = r10
      r1 += -80000
      r0 = 0xfaceb00c
      *(u64 *)(r1 + 8) = r0
      r0 = *(u64 *)(r1 + 8)
      exit`,
    err: "invalid write to stack R1 off=-79992 size=8",
    unpriv: OUT_OF_RANGE(-80000),
  },
  {
    name: "PTR_TO_STACK store/load - out of bounds high",
    asm: `r1 = r10
      r1 += -8
      r0 = 0xfaceb00c
      *(u64 *)(r1 + 8) = r0
      r0 = *(u64 *)(r1 + 8)
      exit`,
    err: "invalid write to stack R1 off=0 size=8",
    unpriv: "invalid write to stack R1 off=0 size=8",
  },
  { name: "PTR_TO_STACK check high 1", asm: byteAt([-1], 0), unpriv: "ok" },
  { name: "PTR_TO_STACK check high 2", asm: byteAt([], -1), unpriv: "ok" },
  { name: "PTR_TO_STACK check high 3", asm: byteAt([0], -1), unpriv: OUT_OF_RANGE(0) },
  {
    name: "PTR_TO_STACK check high 4",
    asm: byteAt([0], 0),
    err: "invalid write to stack R1 off=0 size=1",
    unpriv: OUT_OF_RANGE(0),
  },
  {
    name: "PTR_TO_STACK check high 5",
    asm: byteAt([BIG], 0),
    err: `invalid write to stack R1 off=${BIG} size=1`,
    unpriv: OUT_OF_RANGE(BIG),
  },
  {
    name: "PTR_TO_STACK check high 6",
    asm: byteAt([BIG], 32767),
    err: `invalid write to stack R1 off=${BIG + 32767} size=1`,
    unpriv: OUT_OF_RANGE(BIG),
  },
  {
    name: "PTR_TO_STACK check high 7",
    asm: byteAt([BIG, BIG], 32767),
    err: `fp pointer offset ${2 * BIG} is not allowed`,
    unpriv: OUT_OF_RANGE(BIG),
  },
  { name: "PTR_TO_STACK check low 1", asm: byteAt([-512], 0), unpriv: "ok" },
  { name: "PTR_TO_STACK check low 2", asm: byteAt([-513], 1), unpriv: OUT_OF_RANGE(-513) },
  {
    name: "PTR_TO_STACK check low 3",
    asm: byteAt([-513], 0),
    err: "invalid write to stack R1 off=-513 size=1",
    unpriv: OUT_OF_RANGE(-513),
  },
  {
    name: "PTR_TO_STACK check low 4",
    asm: byteAt([-2147483648], 0),
    err: "math between fp pointer and -2147483648 is not allowed",
    unpriv: "math between fp pointer and -2147483648 is not allowed",
  },
  {
    name: "PTR_TO_STACK check low 5",
    asm: byteAt([-BIG], 0),
    err: `invalid write to stack R1 off=${-BIG} size=1`,
    unpriv: OUT_OF_RANGE(-BIG),
  },
  {
    name: "PTR_TO_STACK check low 6",
    asm: byteAt([-BIG], -32768),
    err: `invalid write to stack R1 off=${-BIG - 32768} size=1`,
    unpriv: OUT_OF_RANGE(-BIG),
  },
  {
    name: "PTR_TO_STACK check low 7",
    asm: byteAt([-BIG, -BIG], -32768),
    err: `fp pointer offset ${-2 * BIG} is not allowed`,
    unpriv: OUT_OF_RANGE(-BIG),
  },
  {
    name: "PTR_TO_STACK mixed reg/k, 1",
    asm: `r1 = r10
      r1 += -3
      r2 = -3
      r1 += r2
      r0 = 42
      *(u8 *)(r1 + 0) = r0
      r0 = *(u8 *)(r1 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK mixed reg/k, 2",
    asm: `r0 = 0
      *(u64 *)(r10 - 8) = r0
      r0 = 0
      *(u64 *)(r10 - 16) = r0
      r1 = r10
      r1 += -3
      r2 = -3
      r1 += r2
      r0 = 42
      *(u8 *)(r1 + 0) = r0
      r5 = r10
      r0 = *(u8 *)(r5 - 6)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK mixed reg/k, 3",
    asm: `r1 = r10
      r1 += -3
      r2 = -3
      r1 += r2
      r0 = 42
      *(u8 *)(r1 + 0) = r0
      r0 = r2
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK reg",
    asm: `r1 = r10
      r2 = -3
      r1 += r2
      r0 = 42
      *(u8 *)(r1 + 0) = r0
      r0 = *(u8 *)(r1 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "stack pointer arithmetic",
    asm: `r1 = 4
      goto l0
    l0:
      r7 = r10
      r7 += -10
      r7 += -10
      r2 = r7
      r2 += r1
      r0 = 0
      *(u32 *)(r2 + 4) = r0
      r2 = r7
      r2 += 8
      r0 = 0
      *(u32 *)(r2 + 4) = r0
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "store PTR_TO_STACK in R10 to array map using BPF_B",
    type: "sched_cls",
    maps: [{ type: MapType.ARRAY, keySize: 4, valueSize: 48, maxEntries: 1, flags: 0 }],
    asm: `r2 = r10
      r2 += -8
      r1 = 0
      *(u64 *)(r2 + 0) = r1
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 != 0 goto l0
      r0 = 2
      exit
    l0:
      r1 = r0
      r9 = r10
      r2 = -1
      r3 = -1
      r4 = -1
      r5 = -1
      r6 = -1
      r7 = -1
      r8 = -1
      *(u8 *)(r1 + 0) = r10
      r2 = *(u8 *)(r1 + 0)
      *(u8 *)(r1 + 0) = r9
      r3 = *(u8 *)(r1 + 0)
      if r2 == r3 goto l1
      r0 = 1
      exit
    l1:
      r0 = 42
      exit`,
  },
  {
    name: "PTR_TO_STACK stack size > 512",
    asm: `r1 = r10
      r1 += -520
      r0 = 42
      *(u64 *)(r1 + 0) = r0
      exit`,
    err: "invalid write to stack R1 off=-520 size=8",
  },
];
