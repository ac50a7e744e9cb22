// Which instructions refer to another instruction, and in which field.
//
// The rule is the kernel's (bpf_adj_branches in kernel/bpf/core.c), so that a
// program patched here relocates exactly the instructions the kernel would:
// every BPF_JMP/BPF_JMP32 instruction except call and exit is a jump with its
// distance in `off`, except `gotol` (BPF_JMP32 | BPF_JA) which keeps it in
// `imm`; a call with src = BPF_PSEUDO_CALL and an `lddw` with
// src = BPF_PSEUDO_FUNC refer to a subprogram through `imm`. All distances are
// relative to the next instruction: target = pc + distance + 1.
import type { Insn } from "../isa/index.ts";
import {
  BPF_CALL,
  BPF_EXIT,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  LDDW,
  opClass,
  opJmp,
} from "../isa/index.ts";

/** How an instruction names its target. */
export const TargetKind = {
  None: 0,
  /** Jump with a signed 16-bit distance in `off`. */
  Off: 1,
  /** `gotol`: signed 32-bit distance in `imm`. */
  Gotol: 2,
  /** Pseudo call or `lddw` of a function address: signed 32-bit distance in `imm`. */
  Imm: 3,
} as const;
export type TargetKind = (typeof TargetKind)[keyof typeof TargetKind];

// Per opcode: the kind, or a marker that the kind depends on `src`.
const BY_SRC_CALL = 4;
const BY_SRC_LDDW = 5;

const KIND_BY_CODE: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let code = 0; code < 256; code++) {
    const cls = opClass(code);
    if (cls !== BPF_JMP && cls !== BPF_JMP32) continue;
    const op = opJmp(code);
    if (op === BPF_EXIT) continue;
    if (op === BPF_CALL) t[code] = BY_SRC_CALL;
    else t[code] = code === (BPF_JMP32 | BPF_JA) ? TargetKind.Gotol : TargetKind.Off;
  }
  t[LDDW] = BY_SRC_LDDW;
  return t;
})();

/** The target kind of an instruction given its opcode and src register. */
export function targetKind(code: number, src: number): TargetKind {
  const k = KIND_BY_CODE[code & 0xff]!;
  if (k === BY_SRC_CALL) return src === BPF_PSEUDO_CALL ? TargetKind.Imm : TargetKind.None;
  if (k === BY_SRC_LDDW) return src === BPF_PSEUDO_FUNC ? TargetKind.Imm : TargetKind.None;
  return k as TargetKind;
}

export const insnTargetKind = (x: Insn): TargetKind => targetKind(x.code, x.src);

/** The distance an instruction of the given kind carries (target = pc + distance + 1). */
export function distanceOf(x: Insn, kind: TargetKind): number {
  return kind === TargetKind.Off ? x.off : x.imm;
}

export const S16_MIN = -0x8000;
export const S16_MAX = 0x7fff;
export const S32_MIN = -0x80000000;
export const S32_MAX = 0x7fffffff;
export const fitsS16 = (v: number): boolean => v >= S16_MIN && v <= S16_MAX;
export const fitsS32 = (v: number): boolean => v >= S32_MIN && v <= S32_MAX;
