// BPF_STX | BPF_ATOMIC: operand sizes and opcodes, the memory kinds atomics
// may touch (stack, map values — not ctx or packet), the registers they read
// and write, and pointer leaks for unprivileged programs.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import { BPF_F_RDONLY_PROG } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

const HASH_16: MapInfo = { type: MapType.HASH, keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 };
const ARRAY_RO: MapInfo = {
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 8,
  maxEntries: 1,
  flags: BPF_F_RDONLY_PROG,
};

/** fp-8 = 0, r1 = 1. */
const INIT = `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r1 = 1`;

const LOOKUP = `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem`;

const DEAD = `
    bad:
      r0 = *(u64 *)(r9 + 0)
      exit`;

export const cases: VerifierCase[] = [
  {
    name: "atomic add to an initialised stack slot",
    asm: `${INIT}
      lock *(u64 *)(r10 - 8) += r1
      r0 = *(u64 *)(r10 - 8)
      exit`,
    unpriv: "ok",
  },
  {
    name: "32-bit atomic or, and, xor",
    asm: `${INIT}
      lock *(u32 *)(r10 - 8) |= r1
      lock *(u32 *)(r10 - 8) &= r1
      lock *(u32 *)(r10 - 4) ^= r1
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "atomic add to unallocated stack: root only",
    asm: `r1 = 1
      lock *(u64 *)(r10 - 8) += r1
      r0 = 0
      exit`,
    unpriv: "invalid read from stack R10 off=-8 size=8",
  },
  {
    name: "atomic add to allocated but uninitialised stack: root only",
    asm: `r1 = 1
      *(u64 *)(r10 - 16) = r1
      lock *(u64 *)(r10 - 8) += r1
      r0 = 0
      exit`,
    unpriv: "invalid read from stack off -8+0 size 8",
  },
  {
    name: "atomic fetch-add returns the old value in the source register",
    asm: `${INIT}
      r1 = atomic64_fetch_add((u64 *)(r10 - 8), r1)
      r0 = r1
      exit`,
    unpriv: "ok",
    check: (r) => expect(r.accepted).toBe(true),
  },
  {
    name: "fetch from a spilled constant gives the constant",
    asm: `${INIT}
      r1 = atomic64_fetch_add((u64 *)(r10 - 8), r1)
      if r1 != 0 goto bad
      r0 = *(u64 *)(r10 - 8)
      exit${DEAD}`,
  },
  {
    name: "after the atomic the slot holds an unknown scalar",
    asm: `${INIT}
      lock *(u64 *)(r10 - 8) += r1
      r1 = *(u64 *)(r10 - 8)
      if r1 != 0 goto bad
      r0 = 0
      exit${DEAD}`,
    err: "R9 !read_ok",
  },
  {
    name: "32-bit fetch result is zero-extended (upper half known zero)",
    maps: [HASH_16],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = 1
      r1 = atomic_fetch_add((u32 *)(r0 + 0), r1)
      r1 >>= 32
      if r1 != 0 goto bad
    out:
      r0 = 0
      exit${DEAD}`,
  },
  {
    name: "64-bit fetch result is unknown",
    maps: [HASH_16],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = 1
      r1 = atomic64_fetch_or((u64 *)(r0 + 0), r1)
      r1 >>= 32
      if r1 != 0 goto bad
    out:
      r0 = 0
      exit${DEAD}`,
    err: "R9 !read_ok",
  },
  {
    name: "xchg on the stack",
    asm: `${INIT}
      r1 = atomic64_xchg((u64 *)(r10 - 8), r1)
      r0 = r1
      exit`,
    unpriv: "ok",
  },
  {
    name: "cmpxchg reads R0",
    asm: `${INIT}
      r0 = atomic64_cmpxchg((u64 *)(r10 - 8), r0, r1)
      exit`,
    err: "R0 !read_ok",
  },
  {
    name: "cmpxchg with R0 set",
    asm: `${INIT}
      r0 = 0
      r0 = atomic64_cmpxchg((u64 *)(r10 - 8), r0, r1)
      exit`,
    unpriv: "ok",
  },
  {
    name: "atomic source register must be initialised",
    asm: `r1 = 0
      *(u64 *)(r10 - 8) = r1
      lock *(u64 *)(r10 - 8) += r2
      r0 = 0
      exit`,
    err: "R2 !read_ok",
  },
  {
    name: "atomic on a map value after the NULL check",
    maps: [HASH_16],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = 1
      lock *(u64 *)(r0 + 8) += r1
      r1 = atomic64_fetch_add((u64 *)(r0 + 0), r1)
    out:
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "atomic past the end of a map value",
    maps: [HASH_16],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = 1
      lock *(u64 *)(r0 + 16) += r1
    out:
      r0 = 0
      exit`,
    err: "invalid access to map value, value_size=16 off=16 size=8",
  },
  {
    name: "atomics need natural alignment even without strict alignment",
    maps: [HASH_16],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = 1
      lock *(u64 *)(r0 + 4) += r1
    out:
      r0 = 0
      exit`,
    err: "misaligned value access off 0+0+4 size 8",
  },
  {
    name: "atomic on a map value that may be NULL",
    maps: [HASH_16],
    asm: `${LOOKUP}
      r1 = 1
      lock *(u64 *)(r0 + 0) += r1
      r0 = 0
      exit`,
    err: "R0 invalid mem access 'map_value_or_null'",
  },
  {
    name: "atomic on a read-only map value",
    maps: [ARRAY_RO],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = 1
      lock *(u64 *)(r0 + 0) += r1
    out:
      r0 = 0
      exit`,
    err: "write into map forbidden, value_size=8 off=0 size=8",
  },
  {
    name: "atomic on the context",
    asm: `r2 = 1
      lock *(u32 *)(r1 + 0) += r2
      r0 = 0
      exit`,
    err: "BPF_ATOMIC stores into R1 ctx is not allowed",
  },
  {
    name: "atomic on packet data",
    type: "xdp",
    asm: `r2 = *(u32 *)(r1 + 0)
      r3 = *(u32 *)(r1 + 4)
      r4 = r2
      r4 += 8
      if r4 > r3 goto out
      r1 = 1
      lock *(u64 *)(r2 + 0) += r1
    out:
      r0 = 2
      exit`,
    err: "BPF_ATOMIC stores into R2 pkt is not allowed",
  },
  {
    name: "atomic on a scalar",
    asm: `r2 = 0
      r1 = 1
      lock *(u64 *)(r2 + 0) += r1
      r0 = 0
      exit`,
    err: "R2 invalid mem access 'scalar'",
  },
  {
    name: "atomic with a 16-bit operand",
    asm: `${INIT}
      .insn 0xcb 10 1 -8 0
      r0 = 0
      exit`,
    err: "invalid atomic operand size",
  },
  {
    name: "atomic with an unknown operation",
    asm: `${INIT}
      .insn 0xdb 10 1 -8 0x10
      r0 = 0
      exit`,
    err: "BPF_ATOMIC uses invalid atomic opcode 10",
  },
  {
    name: "fetch into the frame pointer",
    asm: `${INIT}
      .insn 0xdb 10 10 -8 0x01
      r0 = 0
      exit`,
    err: "frame pointer is read only",
  },
  {
    name: "atomic add of a pointer: a leak for unprivileged",
    asm: `${INIT}
      lock *(u64 *)(r10 - 8) += r10
      r0 = 0
      exit`,
    unpriv: "R10 leaks addr into mem",
  },
  {
    name: "cmpxchg comparing against a pointer: a leak for unprivileged",
    asm: `${INIT}
      r0 = r10
      r0 = atomic64_cmpxchg((u64 *)(r10 - 8), r0, r1)
      r0 = 0
      exit`,
    unpriv: "R0 leaks addr into mem",
  },
  {
    name: "atomic on a spilled pointer turns the slot into a scalar",
    asm: `*(u64 *)(r10 - 8) = r1
      r2 = 1
      lock *(u64 *)(r10 - 8) += r2
      r1 = *(u64 *)(r10 - 8)
      r0 = *(u32 *)(r1 + 0)
      exit`,
    err: "R1 invalid mem access 'scalar'",
  },
];
