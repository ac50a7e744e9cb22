// Facts recorded for later passes (InsnAux): zero-extension needs of 32-bit
// definitions, the pointer type of each memory access, tail-call keys, and
// prune/jump points.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import { RegType } from "../../../src/verifier/index.ts";

const PROG_ARRAY = { type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };

export const cases: VerifierCase[] = [
  {
    name: "32-bit result read as 64 bits needs zero extension",
    asm: `w0 = 1
      r1 = r0
      r0 = 0
      exit`,
    check: (r) => expect(r.aux[0]!.zextDst).toBe(true),
  },
  {
    name: "32-bit result read as 32 bits does not",
    asm: `w0 = 1
      w1 = w0
      r0 = 0
      exit`,
    check: (r) => {
      expect(r.aux[0]!.zextDst).toBe(false);
      expect(r.aux[1]!.zextDst).toBe(false);
    },
  },
  {
    name: "64-bit result never needs zero extension",
    asm: `r0 = 1
      r1 = r0
      exit`,
    check: (r) => expect(r.aux[0]!.zextDst).toBe(false),
  },
  {
    name: "the program's return value is read as 64 bits",
    asm: `w0 = 1
      exit`,
    check: (r) => expect(r.aux[0]!.zextDst).toBe(true),
  },
  {
    name: "helper arguments are read as 64 bits",
    maps: [PROG_ARRAY],
    asm: `w3 = 0
      r2 = map[id:0]
      call bpf_tail_call
      r0 = 0
      exit`,
    check: (r) => expect(r.aux[0]!.zextDst).toBe(true),
  },
  {
    name: "registers a helper does not take are not read",
    asm: `w1 = 3
      call bpf_get_prandom_u32
      exit`,
    check: (r) => expect(r.aux[0]!.zextDst).toBe(false),
  },
  {
    name: "32-bit ALU on a 32-bit value keeps the need open until a 64-bit read",
    asm: `w0 = 1
      w0 += 2
      r1 = r0
      r0 = 0
      exit`,
    check: (r) => {
      expect(r.aux[0]!.zextDst).toBe(false);
      expect(r.aux[1]!.zextDst).toBe(true);
    },
  },
  {
    name: "memory accesses record their pointer type",
    asm: `r2 = *(u32 *)(r1 + 0)
      *(u64 *)(r10 - 8) = r2
      r0 = *(u64 *)(r10 - 8)
      exit`,
    check: (r) => {
      expect(r.aux[0]!.ptrType).toBe(RegType.PTR_TO_CTX);
      expect(r.aux[1]!.ptrType).toBe(RegType.PTR_TO_STACK);
      expect(r.aux[2]!.ptrType).toBe(RegType.PTR_TO_STACK);
    },
  },
  {
    name: "tail call with a constant index records the key",
    maps: [PROG_ARRAY],
    asm: `r2 = map[id:0]
      r3 = 2
      call bpf_tail_call
      r0 = 0
      exit`,
    check: (r) => {
      expect(r.aux[3]!.mapKey).toBe(2n);
      expect(r.aux[3]!.mapPtr).toBe(PROG_ARRAY);
    },
  },
  {
    name: "tail call with two different indices poisons the key",
    maps: [PROG_ARRAY],
    asm: `r6 = r1
      call bpf_get_prandom_u32
      r1 = r6
      r2 = map[id:0]
      r3 = 1
      if r0 == 0 goto call
      r3 = 2
    call:
      call bpf_tail_call
      r0 = 0
      exit`,
    check: (r) => expect(r.aux[8]!.mapKey).toBe("poisoned"),
  },
  {
    name: "jump targets and the insn after a call are prune points",
    asm: `call bpf_get_prandom_u32
      if r0 == 0 goto out
      r0 = 1
    out:
      exit`,
    check: (r) => {
      expect(r.aux[1]!.prunePoint).toBe(true);
      expect(r.aux[3]!.prunePoint).toBe(true);
      expect(r.aux[3]!.jmpPoint).toBe(true);
      // A fall-through of a conditional jump is not.
      expect(r.aux[2]!.prunePoint).toBe(false);
      expect(r.aux[0]!.prunePoint).toBe(false);
    },
  },
];
