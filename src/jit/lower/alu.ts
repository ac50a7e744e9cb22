// ALU and ALU64 instructions. The simple binary operations are a table from
// the BPF operation to the WebAssembly one (shift counts need no masking:
// WebAssembly already takes them modulo 64 / 32, as BPF does); division,
// modulo, byte swaps and sign-extending moves have their own small emitters
// because BPF defines results where WebAssembly traps (x/0, INT_MIN/-1).
import * as op from "../../isa/opcodes.ts";
import { F_DST, F_IMM, F_OFF, F_OP, F_SRC, STRIDE } from "../../interp/decode.ts";
import { Op as IOp } from "../../interp/ops.ts";
import { Op, T } from "../wasm/ops.ts";
import { L } from "../layout.ts";
import type { Gen } from "./gen.ts";

/** BPF operation → [i64 op, i32 op] for the plain binary operations. */
const BINARY: ReadonlyMap<number, readonly [number, number]> = new Map([
  [op.BPF_ADD, [Op.i64_add, Op.i32_add]],
  [op.BPF_SUB, [Op.i64_sub, Op.i32_sub]],
  [op.BPF_MUL, [Op.i64_mul, Op.i32_mul]],
  [op.BPF_OR, [Op.i64_or, Op.i32_or]],
  [op.BPF_AND, [Op.i64_and, Op.i32_and]],
  [op.BPF_XOR, [Op.i64_xor, Op.i32_xor]],
  [op.BPF_LSH, [Op.i64_shl, Op.i32_shl]],
  [op.BPF_RSH, [Op.i64_shr_u, Op.i32_shr_u]],
  [op.BPF_ARSH, [Op.i64_shr_s, Op.i32_shr_s]],
] as const);

/** Lower the ALU/ALU64 instruction at pc (decoded op in the F_OP word). */
export function lowerAlu(g: Gen, pc: number): void {
  const b = pc * STRIDE;
  const c = g.code[b + F_OP]!;
  const dst = g.code[b + F_DST]!;
  const src = g.code[b + F_SRC]!;
  const imm = g.code[b + F_IMM]!;
  if (c >= 0x100) {
    lowerInternal(g, c, dst, src, imm, g.code[b + F_OFF]!);
    return;
  }
  const is64 = (c & 0x07) === op.BPF_ALU64;
  const isX = (c & 0x08) === op.BPF_X;
  const aluOp = c & 0xf0;
  const bin = BINARY.get(aluOp);
  if (bin) {
    if (is64) {
      g.reg(dst);
      operand64(g, isX, src, imm);
      g.op(bin[0]).setReg(dst);
    } else {
      g.reg32(dst);
      operand32(g, isX, src, imm);
      g.op(bin[1]).op(Op.i64_extend_i32_u).setReg(dst);
    }
    return;
  }
  switch (aluOp) {
    case op.BPF_MOV:
      if (is64) operand64(g, isX, src, imm);
      else if (isX) g.reg32(src).op(Op.i64_extend_i32_u);
      else g.i64Pair(imm, 0);
      g.setReg(dst);
      return;
    case op.BPF_NEG:
      if (is64) g.i64(0).reg(dst).op(Op.i64_sub).setReg(dst);
      else g.i32(0).reg32(dst).op(Op.i32_sub).op(Op.i64_extend_i32_u).setReg(dst);
      return;
    case op.BPF_DIV:
    case op.BPF_MOD:
      divMod(g, is64, aluOp === op.BPF_MOD, false, isX, dst, src, imm);
      return;
    case op.BPF_END:
      byteSwap(g, dst, imm, is64 || isX);
      return;
  }
  throw new Error(`jit: unhandled ALU opcode 0x${c.toString(16)}`);
}

function operand64(g: Gen, isX: boolean, src: number, imm: number): void {
  if (isX) g.reg(src);
  else g.i64(imm);
}

function operand32(g: Gen, isX: boolean, src: number, imm: number): void {
  if (isX) g.reg32(src);
  else g.i32(imm);
}

function lowerInternal(
  g: Gen,
  c: number,
  dst: number,
  src: number,
  imm: number,
  off: number,
): void {
  if (c === IOp.MOVSX64) {
    g.reg(src);
    g.op(off === 8 ? Op.i64_extend8_s : off === 16 ? Op.i64_extend16_s : Op.i64_extend32_s);
    g.setReg(dst);
    return;
  }
  if (c === IOp.MOVSX32) {
    g.reg32(src).op(off === 8 ? Op.i32_extend8_s : Op.i32_extend16_s);
    g.op(Op.i64_extend_i32_u).setReg(dst);
    return;
  }
  // SDIV32_K + (mod ? 2 : 0) + (reg ? 1 : 0), then the same for 64 bits.
  const k = c - IOp.SDIV32_K;
  if (k >= 0 && k < 8) {
    divMod(g, k >= 4, (k & 2) !== 0, true, (k & 1) !== 0, dst, src, imm);
    return;
  }
  throw new Error(`jit: unhandled ALU op 0x${c.toString(16)}`);
}

/**
 * dst = dst / src or dst % src, unsigned or signed, 32 or 64 bits, with BPF's
 * results where WebAssembly would trap: x / 0 = 0, x % 0 = x, and for signed
 * division INT_MIN / -1 = INT_MIN (the negation wraps). Signed remainder
 * INT_MIN % -1 is 0 in WebAssembly already.
 */
/** Division opcodes: [64-bit][signed][mod]. */
const DIV_OPS = [
  [
    [Op.i32_div_u, Op.i32_rem_u],
    [Op.i32_div_s, Op.i32_rem_s],
  ],
  [
    [Op.i64_div_u, Op.i64_rem_u],
    [Op.i64_div_s, Op.i64_rem_s],
  ],
] as const;

function divMod(
  g: Gen,
  is64: boolean,
  isMod: boolean,
  signed: boolean,
  isX: boolean,
  dst: number,
  src: number,
  imm: number,
): void {
  const w = is64 ? 1 : 0;
  const opDiv = DIV_OPS[w][signed ? 1 : 0][isMod ? 1 : 0];
  if (!isX && imm === 0) {
    // x / 0 = 0; x % 0 = x (a 32-bit operation still zero-extends).
    if (!isMod) g.i64(0).setReg(dst);
    else if (!is64) g.reg32(dst).op(Op.i64_extend_i32_u).setReg(dst);
    return;
  }
  if (!isX && signed && imm === -1) {
    // x / -1 = -x (wrapping); x % -1 = 0.
    if (isMod) g.i64(0).setReg(dst);
    else
      g.constW(0, is64)
        .regW(dst, is64)
        .op(is64 ? Op.i64_sub : Op.i32_sub)
        .zextW(is64)
        .setReg(dst);
    return;
  }
  if (!isX) {
    g.regW(dst, is64).constW(imm, is64).op(opDiv).zextW(is64).setReg(dst);
    return;
  }
  // Register divisor: branch on 0 (and on -1 for signed division).
  const ty = is64 ? T.i64 : T.i32;
  g.regW(src, is64)
    .op(is64 ? Op.i64_eqz : Op.i32_eqz)
    .op(Op.if)
    .op(ty);
  if (isMod) g.regW(dst, is64);
  else g.constW(0, is64);
  g.op(Op.else);
  if (signed && !isMod) {
    g.regW(src, is64)
      .constW(-1, is64)
      .op(is64 ? Op.i64_eq : Op.i32_eq)
      .op(Op.if)
      .op(ty);
    g.constW(0, is64)
      .regW(dst, is64)
      .op(is64 ? Op.i64_sub : Op.i32_sub);
    g.op(Op.else).regW(dst, is64).regW(src, is64).op(opDiv).op(Op.end);
  } else {
    g.regW(dst, is64).regW(src, is64).op(opDiv);
  }
  g.op(Op.end).zextW(is64).setReg(dst);
}

/**
 * Byte order: `le` truncates to the width (the host is little-endian), `be`
 * and ALU64 `bswap` reverse the low `width` bits; both zero-extend.
 */
function byteSwap(g: Gen, dst: number, width: number, swap: boolean): void {
  if (!swap) {
    if (width === 16) g.reg(dst).i64(0xffff).op(Op.i64_and).setReg(dst);
    else if (width === 32) g.reg32(dst).op(Op.i64_extend_i32_u).setReg(dst);
    return;
  }
  if (width === 16) {
    // ((x & 0xff) << 8) | ((x >> 8) & 0xff), on the low 32 bits.
    g.reg32(dst).tee(L.tmp32).i32(0xff).op(Op.i32_and).i32(8).op(Op.i32_shl);
    g.get(L.tmp32).i32(8).op(Op.i32_shr_u).i32(0xff).op(Op.i32_and).op(Op.i32_or);
    g.op(Op.i64_extend_i32_u).setReg(dst);
  } else if (width === 32) {
    g.reg32(dst).set(L.tmp32);
    bswap32(g);
    g.op(Op.i64_extend_i32_u).setReg(dst);
  } else {
    // (bswap32(low) << 32) | bswap32(high)
    g.reg32(dst).set(L.tmp32);
    bswap32(g);
    g.op(Op.i64_extend_i32_u).i64(32).op(Op.i64_shl);
    g.reg(dst).i64(32).op(Op.i64_shr_u).op(Op.i32_wrap_i64).set(L.tmp32);
    bswap32(g);
    g.op(Op.i64_extend_i32_u).op(Op.i64_or).setReg(dst);
  }
}

/** Push bswap32(tmp32): rotl(x & 0x00ff00ff, 24) | rotl(x & 0xff00ff00, 8). */
function bswap32(g: Gen): void {
  g.get(L.tmp32).i32(0x00ff00ff).op(Op.i32_and).i32(24).op(Op.i32_rotl);
  g.get(L.tmp32)
    .i32(0xff00ff00 | 0)
    .op(Op.i32_and)
    .i32(8)
    .op(Op.i32_rotl);
  g.op(Op.i32_or);
}
