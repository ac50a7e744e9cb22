// Conditional jumps: what each compare teaches about its operands (64- and
// 32-bit, signed and unsigned, register and immediate), branch prediction on
// known values and non-NULL pointers, linked registers, reserved fields, and
// the branch facts recorded in InsnAux.
//
// The pattern: after the refinement a second jump is provably never taken,
// so its target `bad` (which reads the uninitialised R9) is never explored.
// Where the fact must NOT hold, the case expects "R9 !read_ok".
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";

const DEAD = `
    bad:
      r0 = *(u64 *)(r9 + 0)
      exit`;
const REACHED = "R9 !read_ok";

/** R0 = unknown 64-bit scalar. */
const RND = `call bpf_get_prandom_u32
      r6 = r0
      r6 <<= 32
      call bpf_get_prandom_u32
      r0 |= r6`;

/** `refine` then `probe` (which jumps to bad); then exit. */
function refined(refine: string, probe: string): string {
  return `${RND}
      ${refine}
      ${probe}
    out:
      r0 = 0
      exit${DEAD}`;
}

export const cases: VerifierCase[] = [
  // --- 64-bit unsigned ---
  {
    name: "JGT imm bounds the fall-through",
    asm: refined("if r0 > 10 goto out", "if r0 > 10 goto bad"),
  },
  {
    name: "JGT imm: fall-through is not tighter",
    asm: refined("if r0 > 10 goto out", "if r0 > 9 goto bad"),
    err: REACHED,
  },
  { name: "JGE imm", asm: refined("if r0 >= 10 goto out", "if r0 > 9 goto bad") },
  { name: "JLT imm", asm: refined("if r0 < 10 goto out", "if r0 < 10 goto bad") },
  { name: "JLE imm", asm: refined("if r0 <= 10 goto out", "if r0 < 11 goto bad") },
  {
    name: "JEQ imm: the taken side is the constant",
    asm: `${RND}
      if r0 == 7 goto seven
      r0 = 0
      exit
    seven:
      if r0 != 7 goto bad
      exit${DEAD}`,
  },
  {
    name: "JNE imm: the fall-through is the constant",
    asm: refined("if r0 != 3 goto out", "if r0 > 3 goto bad"),
  },
  {
    name: "JEQ 0 on a scalar: other branch is non-zero only as a range",
    asm: refined("if r0 == 0 goto out", "if r0 == 0 goto bad"),
  },
  // --- 64-bit signed ---
  {
    name: "JSGT/JSLT bound both sides",
    asm: refined("if r0 s> 100 goto out\n      if r0 s< 0 goto out", "if r0 > 100 goto bad"),
  },
  {
    name: "JSGT alone leaves negatives",
    asm: refined("if r0 s> 100 goto out", "if r0 > 100 goto bad"),
    err: REACHED,
  },
  {
    name: "JSGE",
    asm: refined("if r0 s>= 5 goto out\n      if r0 s< -5 goto out", "if r0 s> 4 goto bad"),
  },
  { name: "JSLE", asm: refined("if r0 s<= -1 goto out", "if r0 s< 0 goto bad") },
  {
    name: "unsigned bound implies signed bound",
    asm: refined("if r0 > 50 goto out", "if r0 s< 0 goto bad"),
  },
  // --- register compares ---
  {
    name: "compare with a constant register",
    asm: refined("r2 = 10\n      if r0 > r2 goto out", "if r0 > 10 goto bad"),
  },
  {
    name: "compare with an unknown register refines both",
    asm: `${RND}
      r6 = r0
      call bpf_get_prandom_u32
      if r0 > 20 goto out
      if r6 < r0 goto lt
      goto out
    lt:
      if r6 > 19 goto bad
    out:
      r0 = 0
      exit${DEAD}`,
  },
  // --- JSET ---
  {
    name: "JSET on a bit known zero is never taken",
    asm: refined("r0 &= 6", "if r0 & 1 goto bad"),
  },
  {
    name: "JSET on a bit known one is always taken",
    asm: refined("r0 |= 4", "if r0 & 4 goto out\n      goto bad"),
  },
  {
    name: "JSET on an unknown bit goes both ways",
    asm: refined("r0 &= 6", "if r0 & 2 goto bad"),
    err: REACHED,
  },
  // --- 32-bit jumps ---
  {
    name: "JMP32 JGT bounds the subregister",
    asm: refined("if w0 > 5 goto out", "if w0 > 5 goto bad"),
  },
  {
    name: "JMP32 bound says nothing about the upper half",
    asm: refined("if w0 > 5 goto out", "if r0 > 5 goto bad"),
    err: REACHED,
  },
  {
    name: "JMP32 bound carries over through a 32-bit move",
    asm: refined("if w0 > 5 goto out", "w1 = w0\n      if r1 > 5 goto bad"),
  },
  {
    name: "JMP32 signed bounds",
    asm: refined(
      "if w0 s> 5 goto out\n      if w0 s< 0 goto out",
      "w1 = w0\n      if r1 > 5 goto bad",
    ),
  },
  {
    name: "JMP32 JEQ gives a known subregister",
    asm: `${RND}
      if w0 == 9 goto nine
      r0 = 0
      exit
    nine:
      w1 = w0
      if r1 != 9 goto bad
      r0 = 0
      exit${DEAD}`,
  },
  {
    name: "64-bit bound below 2^31 tightens the 32-bit view",
    asm: refined("if r0 > 1000 goto out", "if w0 s< 0 goto bad"),
  },
  {
    name: "JMP32 with a register",
    asm: refined("w2 = 8\n      if w0 >= w2 goto out", "if w0 > 7 goto bad"),
  },
  // --- known values ---
  {
    name: "constant compare is decided",
    asm: `r0 = 5\n if r0 > 4 goto ok\n r0 = *(u64 *)(r9 + 0)\n ok:\n exit`,
  },
  {
    name: "constant compare records the facts",
    asm: `r0 = 5
      if r0 > 4 goto ok
      r0 = *(u64 *)(r9 + 0)
    ok:
      exit`,
    check: (r) => {
      expect(r.aux[1]!.branchTaken).toBe(true);
      expect(r.aux[1]!.fallthroughTaken).toBe(false);
      expect(r.aux[2]!.seen).toBe(false);
    },
  },
  {
    name: "unknown compare records both directions",
    asm: `call bpf_get_prandom_u32
      if r0 > 4 goto ok
      r0 = 1
    ok:
      exit`,
    check: (r) => {
      expect(r.aux[1]!.branchTaken).toBe(true);
      expect(r.aux[1]!.fallthroughTaken).toBe(true);
      expect(r.aux[2]!.seen).toBe(true);
    },
  },
  {
    name: "signed view of a large constant",
    asm: `r0 = -1
      if r0 s> 0 goto bad
      if r0 > 0 goto ok
      goto bad
    ok:
      exit${DEAD}`,
  },
  {
    name: "imm is sign-extended in 64-bit compares",
    asm: `call bpf_get_prandom_u32
      if r0 > 0xffffffff goto bad
      exit${DEAD}`,
  },
  // --- pointers ---
  // reg_not_null() covers map values, sockets and memory, not the stack or ctx.
  {
    name: "frame pointer against 0 is not predicted",
    asm: `if r10 == 0 goto bad\n r0 = 0\n exit${DEAD}`,
    err: REACHED,
  },
  {
    name: "context pointer against 0 is not predicted",
    asm: `if r1 != 0 goto ok\n goto bad\n ok:\n r0 = 0\n exit${DEAD}`,
    err: REACHED,
  },
  {
    name: "a NULL-checked map value is never NULL again",
    maps: [{ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 }],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto out
      if r0 == 0 goto bad
      if r0 != 0 goto out
      goto bad
    out:
      r0 = 0
      exit${DEAD}`,
    check: (r) => {
      expect(r.aux[8]!.branchTaken).toBe(false);
      expect(r.aux[9]!.fallthroughTaken).toBe(false);
    },
  },
  {
    name: "pointer compared with a non-zero constant goes both ways",
    asm: `if r1 == 8 goto bad\n r0 = 0\n exit${DEAD}`,
    err: REACHED,
  },
  {
    name: "pointer compares need privileges",
    asm: `r2 = r10
      if r1 > r2 goto out
    out:
      r0 = 0
      exit`,
    unpriv: "R2 pointer comparison prohibited",
  },
  {
    name: "pointer compared with an immediate: unprivileged",
    asm: `if r1 > 8 goto out
    out:
      r0 = 0
      exit`,
    unpriv: "R1 pointer comparison prohibited",
  },
  {
    name: "only maybe-NULL pointers may be compared with 0 unprivileged",
    asm: `if r1 == 0 goto out
    out:
      r0 = 0
      exit`,
    unpriv: "R1 pointer comparison prohibited",
  },
  // --- linked registers ---
  {
    name: "a copy's bound applies to the original",
    asm: refined("r1 = r0\n      if r1 > 5 goto out", "if r0 > 5 goto bad"),
  },
  {
    name: "a copy plus a constant stays linked",
    asm: refined(
      "r0 &= 0xff\n      r1 = r0\n      r1 += 2\n      if r1 > 7 goto out",
      "if r0 > 5 goto bad",
    ),
  },
  {
    name: "writing the copy breaks the link",
    asm: refined("r1 = r0\n      r1 = 0\n      if r1 > 5 goto out", "if r0 > 5 goto bad"),
    err: REACHED,
  },
  {
    name: "a value spilled and filled stays linked",
    asm: refined(
      "*(u64 *)(r10 - 8) = r0\n      r1 = *(u64 *)(r10 - 8)\n      if r1 > 5 goto out",
      "if r0 > 5 goto bad",
    ),
  },
  // --- encoding ---
  {
    name: "conditional jump K with a source register",
    asm: `r0 = 0\n .insn 0x15 0 1 1 0\n exit\n exit`,
    err: "BPF_JMP/JMP32 uses reserved fields",
  },
  {
    name: "goto with a register",
    asm: `r0 = 0\n .insn 0x05 1 0 0 0\n exit`,
    err: "BPF_JA uses reserved fields",
  },
  {
    name: "goto with an immediate",
    asm: `r0 = 0\n .insn 0x05 0 0 0 1\n exit`,
    err: "BPF_JA uses reserved fields",
  },
  {
    name: "compare reads an uninitialised register",
    asm: `r0 = 0\n if r2 > 1 goto +0\n exit`,
    err: "R2 !read_ok",
  },
  {
    name: "compare with an uninitialised source register",
    asm: `r0 = 0\n if r0 > r3 goto +0\n exit`,
    err: "R3 !read_ok",
  },
  {
    name: "JMP32 call does not exist",
    asm: `r0 = 0\n .insn 0x86 0 0 0 1\n exit`,
    err: "unknown opcode 86",
  },
];
