// Instruction constructors, named after the kernel's BPF_* macros in
// include/linux/filter.h, for code that emits instructions (rewrite passes,
// tests, trampolines).
import { insn, splitImm64, type Insn } from "./insn.ts";
import * as op from "./opcodes.ts";

export const alu64Imm = (aluOp: number, dst: number, imm: number): Insn =>
  insn(op.BPF_ALU64 | aluOp | op.BPF_K, dst, 0, 0, imm);
export const alu64Reg = (aluOp: number, dst: number, src: number): Insn =>
  insn(op.BPF_ALU64 | aluOp | op.BPF_X, dst, src);
export const alu32Imm = (aluOp: number, dst: number, imm: number): Insn =>
  insn(op.BPF_ALU | aluOp | op.BPF_K, dst, 0, 0, imm);
export const alu32Reg = (aluOp: number, dst: number, src: number): Insn =>
  insn(op.BPF_ALU | aluOp | op.BPF_X, dst, src);

export const mov64Imm = (dst: number, imm: number): Insn => alu64Imm(op.BPF_MOV, dst, imm);
export const mov64Reg = (dst: number, src: number): Insn => alu64Reg(op.BPF_MOV, dst, src);
export const mov32Imm = (dst: number, imm: number): Insn => alu32Imm(op.BPF_MOV, dst, imm);
export const mov32Reg = (dst: number, src: number): Insn => alu32Reg(op.BPF_MOV, dst, src);
/** `w_dst = w_dst` with off=0 used by the kernel as an explicit zero extension. */
export const zext32 = (dst: number): Insn =>
  insn(op.BPF_ALU | op.BPF_MOV | op.BPF_X, dst, dst, 0, 1);

/** `lddw dst, imm64` (two instructions); `src` selects a pseudo source. */
export function ld64Imm(dst: number, value: bigint, src = 0): [Insn, Insn] {
  const { lo, hi } = splitImm64(value);
  return [insn(op.LDDW, dst, src, 0, lo), insn(0, 0, 0, 0, hi)];
}

export const ldxMem = (size: number, dst: number, src: number, off: number): Insn =>
  insn(op.BPF_LDX | op.BPF_MEM | size, dst, src, off);
export const ldxMemSx = (size: number, dst: number, src: number, off: number): Insn =>
  insn(op.BPF_LDX | op.BPF_MEMSX | size, dst, src, off);
export const stxMem = (size: number, dst: number, src: number, off: number): Insn =>
  insn(op.BPF_STX | op.BPF_MEM | size, dst, src, off);
export const stMem = (size: number, dst: number, off: number, imm: number): Insn =>
  insn(op.BPF_ST | op.BPF_MEM | size, dst, 0, off, imm);
export const atomic = (
  size: number,
  atomicOp: number,
  dst: number,
  src: number,
  off: number,
): Insn => insn(op.BPF_STX | op.BPF_ATOMIC | size, dst, src, off, atomicOp);

export const jmpImm = (jmpOp: number, dst: number, imm: number, off: number): Insn =>
  insn(op.BPF_JMP | jmpOp | op.BPF_K, dst, 0, off, imm);
export const jmpReg = (jmpOp: number, dst: number, src: number, off: number): Insn =>
  insn(op.BPF_JMP | jmpOp | op.BPF_X, dst, src, off);
export const jmp32Imm = (jmpOp: number, dst: number, imm: number, off: number): Insn =>
  insn(op.BPF_JMP32 | jmpOp | op.BPF_K, dst, 0, off, imm);
export const jmp32Reg = (jmpOp: number, dst: number, src: number, off: number): Insn =>
  insn(op.BPF_JMP32 | jmpOp | op.BPF_X, dst, src, off);
export const ja = (off: number): Insn => insn(op.BPF_JMP | op.BPF_JA, 0, 0, off);
/** `gotol`: BPF_JMP32 | BPF_JA with a 32-bit offset in imm. */
export const gotol = (imm: number): Insn => insn(op.BPF_JMP32 | op.BPF_JA, 0, 0, 0, imm);

export const callHelper = (id: number): Insn => insn(op.BPF_JMP | op.BPF_CALL, 0, 0, 0, id);
export const callLocal = (relOff: number): Insn =>
  insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_PSEUDO_CALL, 0, relOff);
export const callKfunc = (btfId: number, btfFdIdx = 0): Insn =>
  insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_PSEUDO_KFUNC_CALL, btfFdIdx, btfId);
export const exit = (): Insn => insn(op.BPF_JMP | op.BPF_EXIT);

// ---- Linux extensions and the less common forms ------------------------------

export const neg64 = (dst: number): Insn => insn(op.BPF_ALU64 | op.BPF_NEG, dst);
export const neg32 = (dst: number): Insn => insn(op.BPF_ALU | op.BPF_NEG, dst);
/** sdiv/smod: BPF_DIV or BPF_MOD with off = 1. */
export const signedAlu64Imm = (aluOp: number, dst: number, imm: number): Insn =>
  insn(op.BPF_ALU64 | aluOp | op.BPF_K, dst, 0, 1, imm);
export const signedAlu64Reg = (aluOp: number, dst: number, src: number): Insn =>
  insn(op.BPF_ALU64 | aluOp | op.BPF_X, dst, src, 1);
export const signedAlu32Imm = (aluOp: number, dst: number, imm: number): Insn =>
  insn(op.BPF_ALU | aluOp | op.BPF_K, dst, 0, 1, imm);
export const signedAlu32Reg = (aluOp: number, dst: number, src: number): Insn =>
  insn(op.BPF_ALU | aluOp | op.BPF_X, dst, src, 1);
/** `rD = (s8|s16|s32)rS`: off is the source width. */
export const movsx64 = (dst: number, src: number, width: 8 | 16 | 32): Insn =>
  insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, dst, src, width);
export const movsx32 = (dst: number, src: number, width: 8 | 16): Insn =>
  insn(op.BPF_ALU | op.BPF_MOV | op.BPF_X, dst, src, width);
/** `rD = be16/le32 rD` (BPF_ALU | BPF_END). */
export const endian = (toBe: boolean, dst: number, width: 16 | 32 | 64): Insn =>
  insn(op.BPF_ALU | op.BPF_END | (toBe ? op.BPF_TO_BE : op.BPF_TO_LE), dst, 0, 0, width);
/** `rD = bswapN rD` (BPF_ALU64 | BPF_END). */
export const bswap = (dst: number, width: 16 | 32 | 64): Insn =>
  insn(op.BPF_ALU64 | op.BPF_END, dst, 0, 0, width);
/** callx as LLVM encodes it: the target register in dst. */
export const callx = (reg: number): Insn => insn(op.BPF_JMP | op.BPF_CALL | op.BPF_X, reg);
export const mayGoto = (off: number): Insn =>
  insn(op.BPF_JMP | op.BPF_JCOND, 0, op.BPF_MAY_GOTO, off);
export const ldAbs = (size: number, imm: number): Insn =>
  insn(op.BPF_LD | op.BPF_ABS | size, 0, 0, 0, imm);
export const ldInd = (size: number, src: number, imm: number): Insn =>
  insn(op.BPF_LD | op.BPF_IND | size, 0, src, 0, imm);
export const loadAcquire = (size: number, dst: number, src: number, off: number): Insn =>
  insn(op.BPF_STX | op.BPF_ATOMIC | size, dst, src, off, op.BPF_LOAD_ACQ);
export const storeRelease = (size: number, dst: number, src: number, off: number): Insn =>
  insn(op.BPF_STX | op.BPF_ATOMIC | size, dst, src, off, op.BPF_STORE_REL);
/** `lddw dst, map fd` (BPF_PSEUDO_MAP_FD). */
export const ldMapFd = (dst: number, fd: number): [Insn, Insn] =>
  ld64Imm(dst, BigInt(fd >>> 0), op.BPF_PSEUDO_MAP_FD);
