// Stack accesses: bounds, alignment, spills and fills, uninitialised reads
// (allowed for root, rejected unprivileged), stack pointer arithmetic.
// Many are translated from the kernel's progs/verifier_stack_ptr.c.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";

export const cases: VerifierCase[] = [
  {
    name: "PTR_TO_STACK store/load",
    asm: `r1 = r10
      r1 += -10
      r0 = 0xfaceb00c
      *(u64*)(r1 + 2) = r0
      r0 = *(u64*)(r1 + 2)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK store/load - bad alignment on off",
    asm: `r1 = r10
      r1 += -8
      r0 = 0xfaceb00c
      *(u64*)(r1 + 2) = r0
      r0 = *(u64*)(r1 + 2)
      exit`,
    err: "misaligned stack access off 0+-8+2 size 8",
    unpriv: "misaligned stack access off 0+-8+2 size 8",
  },
  {
    name: "PTR_TO_STACK store/load - bad alignment on reg",
    asm: `r1 = r10
      r1 += -10
      r0 = 0xfaceb00c
      *(u64*)(r1 + 8) = r0
      r0 = *(u64*)(r1 + 8)
      exit`,
    err: "misaligned stack access off 0+-10+8 size 8",
  },
  {
    name: "PTR_TO_STACK store/load - out of bounds low",
    asm: `r1 = r10
      r1 += -80000
      r0 = 0xfaceb00c
      *(u64*)(r1 + 8) = r0
      r0 = *(u64*)(r1 + 8)
      exit`,
    err: "invalid write to stack R1 off=-79992 size=8",
    unpriv: "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=-80000",
  },
  {
    name: "PTR_TO_STACK store/load - out of bounds high",
    asm: `r1 = r10
      r1 += -8
      r0 = 0xfaceb00c
      *(u64*)(r1 + 8) = r0
      r0 = *(u64*)(r1 + 8)
      exit`,
    err: "invalid write to stack R1 off=0 size=8",
  },
  {
    name: "PTR_TO_STACK check high 1",
    asm: `r1 = r10
      r1 += -1
      r0 = 42
      *(u8*)(r1 + 0) = r0
      r0 = *(u8*)(r1 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK check high 2",
    asm: `r1 = r10
      r0 = 42
      *(u8*)(r1 - 1) = r0
      r0 = *(u8*)(r1 - 1)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK check high 3",
    asm: `r1 = r10
      r1 += 0
      r0 = 42
      *(u8*)(r1 - 1) = r0
      r0 = *(u8*)(r1 - 1)
      exit`,
    unpriv: "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=0",
  },
  {
    name: "PTR_TO_STACK check high 4",
    asm: `r1 = r10
      r1 += 0
      r0 = 42
      *(u8*)(r1 + 0) = r0
      r0 = *(u8*)(r1 + 0)
      exit`,
    err: "invalid write to stack R1 off=0 size=1",
  },
  {
    name: "PTR_TO_STACK check high 5",
    asm: `r1 = r10
      r1 += 536870911
      r0 = 42
      *(u8*)(r1 + 0) = r0
      r0 = *(u8*)(r1 + 0)
      exit`,
    err: "invalid write to stack R1 off=536870911 size=1",
    unpriv: "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=536870911",
  },
  {
    name: "PTR_TO_STACK check high 6",
    asm: `r1 = r10
      r1 += 536870911
      r0 = 42
      *(u8*)(r1 + 32767) = r0
      r0 = *(u8*)(r1 + 32767)
      exit`,
    err: "invalid write to stack R1 off=536903678 size=1",
  },
  {
    name: "PTR_TO_STACK check high 7",
    asm: `r1 = r10
      r1 += 536870911
      r1 += 536870911
      r0 = 42
      *(u8*)(r1 + 32767) = r0
      exit`,
    err: "fp pointer offset 1073741822 is not allowed",
  },
  {
    name: "PTR_TO_STACK check low 1",
    asm: `r1 = r10
      r1 += -512
      r0 = 42
      *(u8*)(r1 + 0) = r0
      r0 = *(u8*)(r1 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK check low 2",
    asm: `r1 = r10
      r1 += -513
      r0 = 42
      *(u8*)(r1 + 1) = r0
      r0 = *(u8*)(r1 + 1)
      exit`,
    unpriv: "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=-513",
  },
  {
    name: "PTR_TO_STACK check low 3",
    asm: `r1 = r10
      r1 += -513
      r0 = 42
      *(u8*)(r1 + 0) = r0
      r0 = *(u8*)(r1 + 0)
      exit`,
    err: "invalid write to stack R1 off=-513 size=1",
  },
  {
    name: "PTR_TO_STACK check low 4",
    asm: `r1 = r10
      r1 += -2147483648
      r0 = 42
      *(u8*)(r1 + 0) = r0
      exit`,
    err: "math between fp pointer and -2147483648 is not allowed",
    unpriv: "math between fp pointer and -2147483648 is not allowed",
  },
  {
    name: "PTR_TO_STACK check low 5",
    asm: `r1 = r10
      r1 += -536870911
      r0 = 42
      *(u8*)(r1 + 0) = r0
      exit`,
    err: "invalid write to stack R1 off=-536870911 size=1",
  },
  {
    name: "PTR_TO_STACK check low 7",
    asm: `r1 = r10
      r1 += -536870911
      r1 += -536870911
      r0 = 42
      *(u8*)(r1 - 32768) = r0
      exit`,
    err: "fp pointer offset -1073741822 is not allowed",
  },
  {
    name: "PTR_TO_STACK mixed reg/k, 1",
    asm: `r1 = r10
      r1 += -3
      r2 = -3
      r1 += r2
      r0 = 42
      *(u8*)(r1 + 0) = r0
      r0 = *(u8*)(r1 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK mixed reg/k, 2",
    asm: `r0 = 0
      *(u64*)(r10 - 8) = r0
      r0 = 0
      *(u64*)(r10 - 16) = r0
      r1 = r10
      r1 += -3
      r2 = -3
      r1 += r2
      r0 = 42
      *(u8*)(r1 + 0) = r0
      r5 = r10
      r0 = *(u8*)(r5 - 6)
      exit`,
    unpriv: "ok",
  },
  {
    name: "PTR_TO_STACK reg",
    asm: `r1 = r10
      r2 = -3
      r1 += r2
      r0 = 42
      *(u8*)(r1 + 0) = r0
      r0 = *(u8*)(r1 + 0)
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
      *(u32*)(r2 + 4) = r0
      r2 = r7
      r2 += 8
      r0 = 0
      *(u32*)(r2 + 4) = r0
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "uninitialised stack read: root may, unprivileged may not",
    asm: `r0 = *(u64 *)(r10 - 8)
      exit`,
    unpriv: "invalid read from stack R10 off=-8 size=8",
  },
  {
    name: "partly initialised stack read",
    asm: `r1 = 0
      *(u32 *)(r10 - 8) = r1
      r0 = *(u64 *)(r10 - 8)
      exit`,
    unpriv: "invalid read from stack off -8+4 size 8",
  },
  {
    name: "stack read below the allocated stack, unprivileged",
    asm: `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r0 = *(u64 *)(r10 - 16)
      exit`,
    unpriv: "invalid read from stack R10 off=-16 size=8",
  },
  {
    name: "spill and fill of the ctx pointer keeps its type",
    asm: `*(u64 *)(r10 - 8) = r1
      r1 = 0
      r1 = *(u64 *)(r10 - 8)
      r0 = *(u32 *)(r1 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "partial fill of a spilled pointer",
    asm: `*(u64 *)(r10 - 8) = r1
      r0 = *(u32 *)(r10 - 8)
      exit`,
    err: "invalid size of register fill",
    unpriv: "invalid size of register fill",
  },
  {
    name: "partial overwrite of a spilled pointer",
    asm: `*(u64 *)(r10 - 8) = r1
      r0 = 0
      *(u32 *)(r10 - 8) = r0
      exit`,
    unpriv: "attempt to corrupt spilled pointer on stack",
  },
  {
    name: "pointer spill narrower than 8 bytes",
    asm: `*(u32 *)(r10 - 8) = r1
      r0 = 0
      exit`,
    err: "invalid size of register spill",
  },
  {
    name: "misaligned spill",
    asm: `*(u64 *)(r10 - 4) = r1
      r0 = 0
      exit`,
    err: "misaligned stack access off 0+0+-4 size 8",
  },
  {
    name: "store below the 512-byte stack",
    asm: `r0 = 0
      *(u64 *)(r10 - 520) = r0
      exit`,
    err: "invalid write to stack R10 off=-520 size=8",
  },
  {
    name: "store at the frame pointer",
    asm: `r0 = 0
      *(u8 *)(r10 + 0) = r0
      exit`,
    err: "invalid write to stack R10 off=0 size=1",
  },
  {
    name: "store above the frame pointer",
    asm: `r0 = 0
      *(u64 *)(r10 + 8) = r0
      exit`,
    err: "invalid write to stack R10 off=8 size=8",
  },
  {
    name: "load below the 512-byte stack",
    asm: `r0 = *(u64 *)(r10 - 520)
      exit`,
    err: "invalid read from stack R10 off=-520 size=8",
  },
  {
    name: "ST of an immediate onto the stack",
    asm: `*(u64 *)(r10 - 8) = 7
      r0 = *(u64 *)(r10 - 8)
      exit`,
    unpriv: "ok",
  },
  {
    name: "bounds of a spilled scalar survive the fill (root only)",
    asm: `r1 = 5
      *(u64 *)(r10 - 8) = r1
      r2 = *(u64 *)(r10 - 8)
      if r2 != 5 goto bad
      r0 = 0
      exit
    bad:
      r0 = *(u64 *)(r3 + 0)
      exit`,
    unpriv: "R3 !read_ok",
    check: (r) => {
      expect(r.aux[3]!.branchTaken).toBe(false);
      expect(r.aux[3]!.fallthroughTaken).toBe(true);
      expect(r.aux[6]!.seen).toBe(false);
    },
  },
  {
    name: "a zero written to the stack reads back as zero",
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = *(u32 *)(r10 - 4)
      if r2 != 0 goto bad
      r0 = 0
      exit
    bad:
      r0 = *(u64 *)(r3 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "spilled stack pointer fills back as a stack pointer",
    asm: `r2 = r10
      r2 += -16
      *(u64 *)(r10 - 8) = r2
      r3 = *(u64 *)(r10 - 8)
      r0 = 1
      *(u64 *)(r3 + 0) = r0
      r0 = *(u64 *)(r10 - 16)
      exit`,
    unpriv: "ok",
  },
  {
    name: "frame pointer is read only",
    asm: `r10 = 0
      exit`,
    err: "frame pointer is read only",
  },
  {
    name: "frame pointer is read only (alu)",
    asm: `r10 += 8
      r0 = 0
      exit`,
    err: "frame pointer is read only",
  },
  {
    name: "loading into the frame pointer",
    asm: `r10 = *(u64 *)(r10 - 8)
      exit`,
    err: "frame pointer is read only",
  },
  {
    name: "subtraction from the stack pointer",
    asm: `r1 = r10
      r2 = 8
      r1 -= r2
      r0 = 0
      exit`,
    err: "R1 subtraction from stack pointer prohibited",
  },
  {
    name: "stack pointer minus a constant is still prohibited",
    asm: `r1 = r10
      r1 -= 8
      r0 = 0
      *(u64 *)(r1 + 0) = r0
      exit`,
    err: "R1 subtraction from stack pointer prohibited",
  },
];
