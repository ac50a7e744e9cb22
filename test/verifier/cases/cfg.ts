// Control flow checked before the main pass (check_subprogs / check_cfg):
// reachability, jump ranges, falling off the end, subprogram boundaries,
// back-edges for unprivileged programs, and bounded loops for root.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";

export const cases: VerifierCase[] = [
  { name: "minimal program", asm: `r0 = 0\n exit`, unpriv: "ok" },
  {
    name: "unreachable insn after exit",
    asm: `r0 = 0
      exit
      r0 = 1
      exit`,
    err: "unreachable insn 2",
  },
  {
    name: "unreachable insn skipped by goto",
    asm: `r0 = 0
      goto +1
      r0 = 1
      exit`,
    err: "unreachable insn 2",
  },
  {
    name: "jump out of range forward",
    asm: `r0 = 0
      if r0 == 0 goto +5
      exit`,
    err: "jump out of range from insn 1 to 7",
  },
  {
    name: "jump out of range backward",
    asm: `r0 = 0
      if r0 == 0 goto -3
      exit`,
    err: "jump out of range from insn 1 to -1",
  },
  {
    name: "goto out of range",
    asm: `goto +2
      exit`,
    err: "jump out of range from insn 0 to 3",
  },
  {
    name: "last insn is not an exit or jmp",
    asm: `r0 = 0`,
    err: "last insn is not an exit or jmp",
  },
  {
    name: "last insn is a conditional jump",
    asm: `r0 = 0
      l: if r0 == 0 goto l`,
    err: "last insn is not an exit or jmp",
  },
  {
    name: "program may end with a backward goto",
    asm: `r0 = 0
      if r0 == 1 goto +1
      exit
      goto -2`,
    unpriv: "ok",
  },
  {
    name: "infinite loop: back-edge for unprivileged, detected for root",
    asm: `r0 = 0
    l:
      goto l`,
    err: "infinite loop detected at insn 1",
    unpriv: "back-edge from insn 1 to 1",
  },
  {
    name: "bounded loop is accepted for root only",
    asm: `r0 = 0
      r1 = 0
    loop:
      r0 += r1
      r1 += 1
      if r1 < 8 goto loop
      exit`,
    unpriv: "back-edge from insn 4 to 2",
    check: (r) => expect(r.stats.insnsProcessed).toBeGreaterThan(8 * 3),
  },
  {
    name: "loop without a bound hits the instruction limit",
    asm: `r0 = 0
    l:
      r0 += 1
      if r0 != 0 goto l
      exit`,
    insnLimit: 5000,
    err: "BPF program is too large. Processed 5001 insn",
  },
  {
    name: "jump into the middle of lddw",
    asm: `r0 = 0
      if r0 == 0 goto +1
      r1 = 0x1122334455667788 ll
      exit`,
    err: "jump into the middle of ldimm64 insn 2",
  },
  {
    name: "lddw as the last instruction",
    asm: `r0 = 0x1122334455667788 ll`,
    err: "last insn is not an exit or jmp",
  },
  {
    name: "call to a subprogram beyond the program",
    asm: `call pc+5
      exit`,
    err: "call to invalid destination",
  },
  {
    name: "BPF-to-BPF calls need CAP_BPF",
    asm: `call pc+2
      r0 = 0
      exit
      r0 = 1
      exit`,
    unpriv:
      "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN",
  },
  {
    name: "subprogram call and return",
    asm: `r1 = 3
      call pc+2
      r0 += 1
      exit
      r0 = r1
      exit`,
    check: (r) => expect(r.stats.stackDepth).toEqual([0, 0]),
  },
  {
    name: "jump from one subprogram into another",
    asm: `call pc+2
      if r0 == 0 goto +2
      exit
      r0 = 1
      exit`,
    err: "jump out of range from insn 1 to 4",
  },
  {
    name: "subprogram falls through into the next one",
    asm: `call pc+1
      r0 = 0
      r0 = 1
      exit`,
    err: "last insn is not an exit or jmp",
  },
  {
    name: "unknown opcode",
    asm: `.insn 0xff 0 0 0 0
      exit`,
    err: "unknown opcode ff",
  },
  {
    name: "both branches explored",
    asm: `r0 = *(u32 *)(r1 + 0)
      if r0 > 5 goto +2
      r0 = 1
      exit
      r0 = 2
      exit`,
    check: (r) => {
      expect(r.aux[1]!.branchTaken).toBe(true);
      expect(r.aux[1]!.fallthroughTaken).toBe(true);
      expect(r.aux.slice(0, 6).every((a) => a.seen)).toBe(true);
    },
  },
  {
    name: "dead branch is not explored (always taken)",
    asm: `r0 = 3
      if r0 > 2 goto +2
      r0 = *(u64 *)(r9 + 0)
      exit
      exit`,
    check: (r) => {
      expect(r.aux[1]!.branchTaken).toBe(true);
      expect(r.aux[1]!.fallthroughTaken).toBe(false);
      expect(r.aux[2]!.seen).toBe(false);
    },
  },
  {
    name: "dead branch is not explored (never taken)",
    asm: `r0 = 1
      if r0 > 2 goto +1
      exit
      r0 = *(u64 *)(r9 + 0)
      exit`,
    check: (r) => {
      expect(r.aux[1]!.branchTaken).toBe(false);
      expect(r.aux[1]!.fallthroughTaken).toBe(true);
      expect(r.aux[3]!.seen).toBe(false);
    },
  },
  {
    name: "gotol (JMP32 | JA with imm offset)",
    asm: `r0 = 0
      gotol +1
      r0 = 1
      exit`,
    err: "unreachable insn 2",
  },
  {
    name: "ja with reserved fields",
    asm: `r0 = 0
      .insn 0x05 0 0 0 1
      exit`,
    err: "BPF_JA uses reserved fields",
  },
  {
    name: "exit with reserved fields",
    asm: `r0 = 0
      .insn 0x95 0 0 0 1`,
    err: "BPF_EXIT uses reserved fields",
  },
];
