// Loads, stores and atomics. A BPF address is the low 32 bits of base + off
// (runtime memory is below 4 GiB). Verified programs access memory directly;
// unverified ones first compare the full 64-bit address against a cached
// region of memory known to be live (two locals: its start and its span - 8),
// which costs one subtract and one unsigned compare, and call the `miss`
// import only when the access falls outside it: the import either faults
// (ExecError naming the pc) or hands back a new live region.
import * as op from "../../isa/opcodes.ts";
import { F_AUX, F_DST, F_IMM, F_OFF, F_OP, F_SRC, STRIDE } from "../../interp/decode.ts";
import { Op as IOp } from "../../interp/ops.ts";
import { Op, T } from "../wasm/ops.ts";
import { L, regLocal } from "../layout.ts";
import type { Gen } from "./gen.ts";

/** Access size in bytes by the size field (B/H/W/DW) → index 0..3. */
const sizeIndex = (c: number): number => {
  const s = c & 0x18;
  return s === op.BPF_B ? 0 : s === op.BPF_H ? 1 : s === op.BPF_W ? 2 : 3;
};
const BYTES = [1, 2, 4, 8] as const;
const LOAD_U = [Op.i64_load8_u, Op.i64_load16_u, Op.i64_load32_u, Op.i64_load] as const;
const LOAD_S = [Op.i64_load8_s, Op.i64_load16_s, Op.i64_load32_s, Op.i64_load] as const;
const STORE = [Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store] as const;

/**
 * Push the i32 address of [base + off, +size) and return the memarg offset
 * to use with it (non-zero only when the offset can be folded in).
 */
function address(
  g: Gen,
  base: number,
  off: number,
  size: number,
  pc: number,
  store: boolean,
): number {
  if (g.opts.verified) {
    g.reg32(base);
    if (off >= 0) return off;
    g.i32(off).op(Op.i32_add);
    return 0;
  }
  g.reg(base);
  if (off !== 0) g.i64(off).op(Op.i64_add);
  g.tee(L.tmp).get(L.regLo).op(Op.i64_sub).get(L.regLim).op(Op.i64_gt_u);
  // Out of line (a small internal function) to keep each access short.
  // It learns size and direction in one word: size | 16 for a store.
  g.op(Op.if).op(T.void);
  g.get(L.tmp)
    .i32(size | (store ? 16 : 0))
    .i32(pc)
    .call(g.imp.missFn);
  g.set(L.regLim).set(L.regLo);
  g.op(Op.end);
  g.get(L.tmp).op(Op.i32_wrap_i64);
  return 0;
}

/** memarg: alignment hint 0 (BPF allows any alignment here), then the offset. */
function memarg(g: Gen, offset: number): void {
  g.w.u8(0).u32(offset);
}

export function lowerLoad(g: Gen, pc: number): void {
  const b = pc * STRIDE;
  const c = g.code[b + F_OP]!;
  const si = sizeIndex(c);
  const offset = address(g, g.code[b + F_SRC]!, g.code[b + F_OFF]!, BYTES[si], pc, false);
  const signed = (c & 0xe0) === op.BPF_MEMSX;
  g.op(signed ? LOAD_S[si] : LOAD_U[si]);
  memarg(g, offset);
  g.setReg(g.code[b + F_DST]!);
}

export function lowerStore(g: Gen, pc: number): void {
  const b = pc * STRIDE;
  const c = g.code[b + F_OP]!;
  const si = sizeIndex(c);
  const offset = address(g, g.code[b + F_DST]!, g.code[b + F_OFF]!, BYTES[si], pc, true);
  if ((c & 0x07) === op.BPF_ST) g.i64(g.code[b + F_IMM]!);
  else g.reg(g.code[b + F_SRC]!);
  g.op(STORE[si]);
  memarg(g, offset);
}

/** Read-modify-write operation → i64 op (32-bit variants store the low half). */
const RMW: ReadonlyMap<number, number> = new Map([
  [op.BPF_ADD, Op.i64_add],
  [op.BPF_OR, Op.i64_or],
  [op.BPF_AND, Op.i64_and],
  [op.BPF_XOR, Op.i64_xor],
]);

/** Atomics, load-acquire and store-release (a single thread: plain accesses). */
export function lowerAtomic(g: Gen, pc: number): void {
  const b = pc * STRIDE;
  const c = g.code[b + F_OP]!;
  const dst = g.code[b + F_DST]!;
  const src = g.code[b + F_SRC]!;
  const off = g.code[b + F_OFF]!;
  const imm = g.code[b + F_IMM]!;
  // The decoded op no longer carries the size; F_AUX does (in bytes).
  const size = g.code[b + F_AUX]!;
  const si = size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3;
  if (c === IOp.LOAD_ACQ) {
    // dst = *(size *)(src + off)
    const offset = address(g, src, off, size, pc, false);
    g.op(LOAD_U[si]);
    memarg(g, offset);
    g.setReg(dst);
    return;
  }
  if (c === IOp.STORE_REL) {
    const offset = address(g, dst, off, size, pc, true);
    g.reg(src).op(STORE[si]);
    memarg(g, offset);
    return;
  }
  // Keep the address in tmp32 (with the offset added) for the load and the store.
  const offset = address(g, dst, off, size, pc, true);
  if (offset !== 0) g.i32(offset).op(Op.i32_add);
  g.set(L.tmp32);
  // old value (zero-extended) → tmp2
  g.get(L.tmp32).op(LOAD_U[si]);
  memarg(g, 0);
  g.set(L.tmp2);
  const fetch = (imm & op.BPF_FETCH) !== 0;
  if (imm === op.BPF_CMPXCHG) {
    // if (old == r0) *addr = src; r0 = old   (32-bit: compare the low halves)
    g.get(L.tmp2).reg(0);
    if (si === 2) g.op(Op.i32_wrap_i64).op(Op.i64_extend_i32_u);
    g.op(Op.i64_eq).op(Op.if).op(T.void);
    g.get(L.tmp32).reg(src).op(STORE[si]);
    memarg(g, 0);
    g.op(Op.end);
    g.get(L.tmp2).setReg(0);
    return;
  }
  g.get(L.tmp32);
  if (imm === op.BPF_XCHG) g.reg(src);
  else
    g.get(L.tmp2)
      .reg(src)
      .op(RMW.get(imm & ~op.BPF_FETCH)!);
  g.op(STORE[si]);
  memarg(g, 0);
  if (fetch) g.get(L.tmp2).set(regLocal(src));
}
