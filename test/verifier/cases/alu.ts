// ALU instructions: reserved fields, division by zero, shift ranges, moves,
// the pointer arithmetic rules, and the scalar facts the domain provides
// (including the 32-bit jump tightening the 64-bit view).
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";

const UNINIT_IN_DEAD_BRANCH = `
    bad:
      r0 = *(u64 *)(r9 + 0)
      exit`;

export const cases: VerifierCase[] = [
  {
    name: "arithmetic on scalars",
    asm: `r0 = 1
      r0 *= 3
      r0 -= 1
      r0 |= 8
      r0 &= 0xff
      r0 ^= 2
      r0 <<= 2
      r0 >>= 1
      r0 s>>= 1
      r0 /= 3
      r0 %= 5
      r0 = -r0
      w0 += 1
      w0 = -w0
      exit`,
    unpriv: "ok",
  },
  { name: "div by zero (64-bit)", asm: `r0 = 1\n r0 /= 0\n exit`, err: "div by zero" },
  { name: "div by zero (32-bit)", asm: `r0 = 1\n w0 /= 0\n exit`, err: "div by zero" },
  { name: "mod by zero", asm: `r0 = 1\n r0 %= 0\n exit`, err: "div by zero" },
  {
    name: "division by a zero register is defined",
    asm: `r1 = 0
      r0 = 1
      r0 /= r1
      r0 %= r1
      exit`,
    unpriv: "ok",
  },
  { name: "shift by 64", asm: `r0 = 1\n r0 <<= 64\n exit`, err: "invalid shift 64" },
  { name: "32-bit shift by 32", asm: `r0 = 1\n w0 >>= 32\n exit`, err: "invalid shift 32" },
  { name: "arithmetic shift by 70", asm: `r0 = 1\n r0 s>>= 70\n exit`, err: "invalid shift 70" },
  { name: "shift by -1", asm: `r0 = 1\n .insn 0x67 0 0 0 -1\n exit`, err: "invalid shift -1" },
  { name: "shift by 63 is fine", asm: `r0 = 1\n r0 <<= 63\n exit`, unpriv: "ok" },
  {
    name: "shift by a register is fine",
    asm: `r0 = 1
      r1 = 70
      r0 <<= r1
      exit`,
  },
  {
    name: "ALU K with a source register",
    asm: `r0 = 1\n .insn 0x07 0 1 0 1\n exit`,
    err: "BPF_ALU uses reserved fields",
  },
  {
    name: "ALU X with an immediate",
    asm: `r0 = 1\n r1 = 1\n .insn 0x0f 0 1 0 1\n exit`,
    err: "BPF_ALU uses reserved fields",
  },
  {
    name: "ALU with an offset",
    asm: `r0 = 1\n .insn 0x07 0 0 2 1\n exit`,
    err: "BPF_ALU uses reserved fields",
  },
  {
    name: "signed division (off=1) is defined",
    asm: `r0 = 7\n r1 = 2\n .insn 0x3f 0 1 1 0\n exit`,
  },
  {
    name: "offset 1 is only for div and mod",
    asm: `r0 = 7\n .insn 0x07 0 0 1 1\n exit`,
    err: "BPF_ALU uses reserved fields",
  },
  {
    name: "MOV K with an offset",
    asm: `.insn 0xb7 0 0 1 0\n exit`,
    err: "BPF_MOV uses reserved fields",
  },
  {
    name: "MOV K with a source register",
    asm: `.insn 0xb7 0 1 0 0\n exit`,
    err: "BPF_MOV uses reserved fields",
  },
  {
    name: "MOV X with an immediate",
    asm: `.insn 0xbf 0 1 0 1\n exit`,
    err: "BPF_MOV uses reserved fields",
  },
  {
    name: "MOV32 X with offset 32",
    asm: `.insn 0xbc 0 1 32 0\n exit`,
    err: "BPF_MOV uses reserved fields",
  },
  {
    name: "NEG with an immediate",
    asm: `r0 = 1\n .insn 0x87 0 0 0 1\n exit`,
    err: "BPF_NEG uses reserved fields",
  },
  {
    name: "END with width 8",
    asm: `r0 = 1\n .insn 0xd4 0 0 0 8\n exit`,
    err: "BPF_END uses reserved fields",
  },
  {
    name: "ALU64 END with TO_BE is not an opcode",
    asm: `r0 = 1\n .insn 0xdf 0 0 0 16\n exit`,
    err: "unknown opcode df",
  },
  {
    name: "byte swaps",
    asm: `r0 = 0x1234
      r0 = be16 r0
      r0 = le32 r0
      r0 = bswap64 r0
      exit`,
    unpriv: "ok",
  },
  { name: "unknown ALU op", asm: `r0 = 1\n .insn 0xe7 0 0 0 1\n exit`, err: "unknown opcode e7" },
  {
    name: "register 11 is invalid",
    asm: `.insn 0xb7 11 0 0 0\n r0 = 0\n exit`,
    err: "R11 is invalid",
  },
  {
    name: "source register 12 is invalid",
    asm: `.insn 0xbf 0 12 0 0\n exit`,
    err: "R12 is invalid",
  },
  { name: "reading an uninitialised register", asm: `r0 = r2\n exit`, err: "R2 !read_ok" },
  { name: "adding an uninitialised register", asm: `r0 += r3\n exit`, err: "R3 !read_ok" },
  { name: "adding to an uninitialised register", asm: `r0 += 1\n exit`, err: "R0 !read_ok" },
  { name: "32-bit move of an uninitialised register", asm: `w0 = w5\n exit`, err: "R5 !read_ok" },
  {
    name: "negating a pointer",
    asm: `r1 = -r1
      r0 = 0
      exit`,
    unpriv: "R1 pointer arithmetic prohibited",
  },
  {
    name: "byte-swapping a pointer",
    asm: `r1 = be64 r1
      r0 = 0
      exit`,
    unpriv: "R1 pointer arithmetic prohibited",
  },
  {
    name: "multiplying a pointer",
    asm: `r1 *= 2
      r0 = 0
      exit`,
    err: "R1 pointer arithmetic with *= operator prohibited",
  },
  {
    name: "shifting a pointer",
    asm: `r1 <<= 1
      r0 = 0
      exit`,
    err: "R1 pointer arithmetic with <<= operator prohibited",
  },
  {
    name: "dividing a pointer",
    asm: `r1 /= 2
      r0 = 0
      exit`,
    err: "R1 pointer arithmetic with /= operator prohibited",
  },
  {
    name: "AND on a pointer",
    asm: `r1 &= 0xff
      r0 = 0
      exit`,
    err: "R1 bitwise operator &= on pointer prohibited",
  },
  {
    name: "OR on a pointer",
    asm: `r1 |= 1
      r0 = 0
      exit`,
    err: "R1 bitwise operator |= on pointer prohibited",
  },
  {
    name: "XOR on a pointer",
    asm: `r2 = r10
      r2 ^= 1
      r0 = 0
      exit`,
    err: "R2 bitwise operator ^= on pointer prohibited",
  },
  {
    name: "32-bit pointer arithmetic",
    asm: `w1 += 4
      r0 = 0
      exit`,
    err: "R1 32-bit pointer arithmetic prohibited",
  },
  {
    name: "32-bit pointer subtraction makes a scalar for root",
    asm: `w1 -= 4
      r0 = r1
      exit`,
    unpriv: "R1 32-bit pointer arithmetic prohibited",
  },
  {
    name: "pointer plus pointer",
    asm: `r2 = r10
      r1 += r2
      r0 = 0
      exit`,
    err: "R1 pointer += pointer prohibited",
  },
  {
    name: "pointer minus pointer is a scalar for root",
    asm: `r2 = r10
      r3 = r10
      r3 += -8
      r2 -= r3
      r0 = r2
      exit`,
    unpriv: "R2 pointer -= pointer prohibited",
  },
  {
    name: "scalar minus pointer",
    asm: `r0 = 0
      r0 -= r1
      exit`,
    err: "R0 tried to subtract pointer from scalar",
  },
  {
    name: "scalar plus pointer becomes the pointer",
    asm: `r0 = 4
      r0 += r1
      r0 = *(u32 *)(r0 + 0)
      exit`,
    err: "dereference of modified ctx ptr R0 off=4 disallowed",
  },
  {
    name: "math with an unbounded scalar",
    asm: `call bpf_get_prandom_u32
      r1 = r10
      r1 += r0
      r0 = 0
      exit`,
    err: "math between fp pointer and register with unbounded min value is not allowed",
  },
  {
    name: "pointer plus a huge constant",
    asm: `r1 = r10
      r2 = 0x40000000
      r1 += r2
      r0 = 0
      exit`,
    err: "math between fp pointer and 1073741824 is not allowed",
  },
  {
    name: "scalar with a huge minimum added to a pointer",
    asm: `call bpf_get_prandom_u32
      r0 |= 0x40000000
      r0 &= 0x7fffffff
      r1 = r10
      r1 += r0
      r0 = 0
      exit`,
    err: "value 1073741824 makes fp pointer be out of bounds",
  },
  {
    name: "arithmetic on map_ptr",
    maps: [{ type: 1, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 }],
    asm: `r1 = map[id:0]
      r1 += 8
      r0 = 0
      exit`,
    err: "R1 pointer arithmetic on map_ptr prohibited",
  },
  {
    name: "map_ptr plus zero is allowed",
    maps: [{ type: 1, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 }],
    asm: `r1 = map[id:0]
      r1 += 0
      r0 = 0
      exit`,
  },
  {
    name: "32-bit copy of a pointer",
    asm: `w0 = w1
      exit`,
    unpriv: "R1 partial copy of pointer",
  },
  {
    name: "sign-extending move of a pointer",
    asm: `r0 = (s8)r1
      exit`,
    unpriv: "R1 sign-extension part of pointer",
  },
  {
    name: "returning a pointer",
    asm: `r0 = r1
      exit`,
    unpriv: "R0 leaks addr as return value",
  },
  {
    name: "jmp32 check bounds the 64-bit register (zero-extending move)",
    asm: `call bpf_get_prandom_u32
      if w0 > 0x1 goto out
      w6 = w0
      r6 <<= 32
      r6 >>= 32
      if r6 > 1 goto bad
    out:
      r0 = 0
      exit${UNINIT_IN_DEAD_BRANCH}`,
    check: (r) => {
      expect(r.aux[5]!.branchTaken).toBe(false);
      expect(r.aux[9]!.seen).toBe(false);
    },
  },
  {
    name: "jmp32 check: umax=1 is printed for r6",
    asm: `call bpf_get_prandom_u32
      if w0 > 0x1 goto out
      w6 = w0
      r6 <<= 32
      r6 >>= 32
    out:
      r0 = 0
      exit`,
    check: (r) => expect(r.error).toBeUndefined(),
  },
  {
    name: "64-bit check after 32-bit ALU",
    asm: `call bpf_get_prandom_u32
      w0 &= 7
      if r0 > 7 goto bad
      r0 = 0
      exit${UNINIT_IN_DEAD_BRANCH}`,
    check: (r) => expect(r.aux[2]!.branchTaken).toBe(false),
  },
  {
    name: "sign extension keeps a known negative constant",
    asm: `r1 = 0xff
      r0 = (s8)r1
      if r0 != -1 goto bad
      r0 = 0
      exit${UNINIT_IN_DEAD_BRANCH}`,
  },
  {
    name: "AND with a mask bounds the value",
    asm: `call bpf_get_prandom_u32
      r0 &= 0xf
      if r0 > 15 goto bad
      if r0 s< 0 goto bad
      r0 = 0
      exit${UNINIT_IN_DEAD_BRANCH}`,
  },
  {
    name: "right shift bounds the value",
    asm: `call bpf_get_prandom_u32
      r0 >>= 60
      if r0 > 15 goto bad
      r0 = 0
      exit${UNINIT_IN_DEAD_BRANCH}`,
  },
  {
    name: "32-bit ALU zero-extends",
    asm: `r0 = -1
      w0 += 0
      if r0 > 0xffffffff goto bad
      r0 = 0
      exit${UNINIT_IN_DEAD_BRANCH}`,
  },
  {
    name: "linked registers share bounds learnt from a compare",
    asm: `call bpf_get_prandom_u32
      r1 = r0
      if r0 > 10 goto out
      if r1 > 10 goto bad
    out:
      r0 = 0
      exit${UNINIT_IN_DEAD_BRANCH}`,
  },
  {
    name: "linked registers with a constant delta",
    asm: `call bpf_get_prandom_u32
      r1 = r0
      r1 += 1
      if r0 > 10 goto out
      if r1 > 11 goto bad
      if r1 < 1 goto bad
    out:
      r0 = 0
      exit${UNINIT_IN_DEAD_BRANCH}`,
  },
  {
    name: "a write breaks the link",
    asm: `call bpf_get_prandom_u32
      r1 = r0
      r1 *= 1
      if r0 > 10 goto out
      if r1 > 10 goto bad
    out:
      r0 = 0
      exit
    bad:
      r0 = 0
      exit`,
    check: (r) => expect(r.aux[4]!.branchTaken).toBe(true),
  },
];
