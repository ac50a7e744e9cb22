// check_reg_arg(): reading an uninitialised register, writing the frame
// pointer, and the 32-bit sub-register definitions that decide where later
// passes must insert explicit zero extension.
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IMM,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MEMSX,
  BPF_PSEUDO_CALL,
  BPF_ST,
  BPF_STX,
  BPF_TO_LE,
  MAX_BPF_REG,
  opAlu,
  opClass,
  opJmp,
  opMode,
  opSize,
  opSource,
} from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import type { Env } from "./env.ts";
import { markRegRead } from "./liveness.ts";
import {
  DEF_NOT_SUBREG,
  markRegUnknown,
  REG_LIVE_READ32,
  REG_LIVE_READ64,
  REG_LIVE_WRITTEN,
  type RegState,
} from "./regs.ts";
import { RegType } from "./reg-types.ts";
import { BPF_REG_FP } from "./state.ts";

export const SRC_OP = 0;
export const DST_OP = 1;
/** Destination checked but its state left for the caller to set. */
export const DST_OP_NO_MARK = 2;

/** is_reg64(): does this insn read/write `regno` as a full 64-bit value? */
export function isReg64(insn: Insn, regno: number, reg: RegState | null, t: number): boolean {
  const code = insn.code;
  const cls = opClass(code);
  const op = opJmp(code);
  if (cls === BPF_JMP) {
    if (op === BPF_EXIT) return true;
    if (op === BPF_CALL) {
      if (insn.src === BPF_PSEUDO_CALL) return false;
      return t === SRC_OP;
    }
  }
  if (cls === BPF_ALU64 && opAlu(code) === BPF_END && (insn.imm === 16 || insn.imm === 32))
    return false;
  if (
    cls === BPF_ALU64 ||
    cls === BPF_JMP ||
    (cls === BPF_ALU && opAlu(code) === BPF_END && insn.imm === 64)
  ) {
    return true;
  }
  if (cls === BPF_ALU || cls === BPF_JMP32) return false;
  if (cls === BPF_LDX) {
    if (t !== SRC_OP) return opSize(code) === BPF_DW || opMode(code) === BPF_MEMSX;
    return true;
  }
  if (cls === BPF_STX) {
    if (t === SRC_OP && reg && reg.type !== RegType.SCALAR_VALUE) return true;
    return opSize(code) === BPF_DW;
  }
  if (cls === BPF_LD) {
    if (opMode(code) === BPF_IMM) return true;
    return t === SRC_OP;
  }
  if (cls === BPF_ST) return true;
  return true;
}

/** insn_def_regno(): the register an insn defines, or -1. */
export function insnDefRegno(insn: Insn): number {
  switch (opClass(insn.code)) {
    case BPF_JMP:
    case BPF_JMP32:
    case BPF_ST:
      return -1;
    case BPF_STX:
      if (opMode(insn.code) === BPF_ATOMIC) {
        if (insn.imm === BPF_CMPXCHG) return 0;
        if (insn.imm & BPF_FETCH) return insn.src;
      }
      return -1;
    default:
      return insn.dst;
  }
}

/** mark_insn_zext(): the value defined as 32 bits at subreg_def is read as 64 bits. */
export function markInsnZext(env: Env, reg: RegState): void {
  const def = reg.subregDef;
  if (def === DEF_NOT_SUBREG) return;
  env.aux[def - 1]!.zextDst = true;
  reg.subregDef = DEF_NOT_SUBREG;
}

/** __check_reg_arg() on the given register file. */
export function checkRegArgIn(env: Env, regs: RegState[], regno: number, t: number): void {
  if (regno >= MAX_BPF_REG) env.fail(`R${regno} is invalid`);
  env.markRegScratched(regno);
  const reg = regs[regno]!;
  const insn = env.insns[env.insnIdx]!;
  const rw64 = isReg64(insn, regno, reg, t);
  if (t === SRC_OP) {
    if (reg.type === RegType.NOT_INIT) env.fail(`R${regno} !read_ok`);
    if (regno === BPF_REG_FP) return;
    if (rw64) markInsnZext(env, reg);
    markRegRead(env, reg, reg.parent, rw64 ? REG_LIVE_READ64 : REG_LIVE_READ32);
    return;
  }
  if (regno === BPF_REG_FP) env.fail("frame pointer is read only");
  reg.live |= REG_LIVE_WRITTEN;
  reg.subregDef = rw64 ? DEF_NOT_SUBREG : env.insnIdx + 1;
  if (t === DST_OP) markRegUnknown(reg, env.bpfCapable);
}

export function checkRegArg(env: Env, regno: number, t: number): void {
  checkRegArgIn(env, env.regs, regno, t);
}

/** Whether a BPF_END is a plain byte swap in a 64-bit op (ALU64 | END | TO_LE is bswap). */
export const isBswap64 = (insn: Insn): boolean =>
  opClass(insn.code) === BPF_ALU64 &&
  opAlu(insn.code) === BPF_END &&
  opSource(insn.code) === BPF_TO_LE;
