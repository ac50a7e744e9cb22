// Branch prediction for `if a <op> b` on two scalars (is_scalar_branch_taken):
// 1 when the jump is always taken, 0 when never, -1 when both can happen.
import * as opc from "../../isa/opcodes.ts";
import type { ScalarBounds } from "./bounds.ts";
import * as int from "./int.ts";
import * as tn from "./tnum.ts";
import type { Tnum } from "./tnum.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const {
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
} = opc;
const { U32_MAX } = int;
const { tnumOverlap, tnumSubreg } = tn;

export type Taken = 0 | 1 | -1;

/** The scalar is a constant in the viewed width (is_reg_const for a scalar). */
export const isConst = (b: ScalarBounds, is32: boolean): boolean =>
  (is32 ? b.varOff.mask & U32_MAX : b.varOff.mask) === 0n;

/** Its value in that width, unsigned (reg_const_value); meaningful when isConst. */
export const constValue = (b: ScalarBounds, is32: boolean): bigint =>
  is32 ? b.varOff.value & U32_MAX : b.varOff.value;

/** A register compared with itself: only the op decides (the kernel checks this first). */
function selfCompare(op: number, t: Tnum, smin: bigint, smax: bigint): Taken {
  switch (op) {
    case BPF_JGE:
    case BPF_JLE:
    case BPF_JSGE:
    case BPF_JSLE:
    case BPF_JEQ:
      return 1;
    case BPF_JGT:
    case BPF_JLT:
    case BPF_JSGT:
    case BPF_JSLT:
    case BPF_JNE:
      return 0;
    case BPF_JSET:
      if (t.mask === 0n) return t.value !== 0n ? 1 : 0;
      return smin <= 0n && smax >= 0n ? -1 : 1;
    default:
      return -1;
  }
}

/** Disjoint in some view: then a != b for sure. */
function provablyDifferent(
  a: ScalarBounds,
  b: ScalarBounds,
  is32: boolean,
  t1: Tnum,
  t2: Tnum,
): boolean {
  if (!tnumOverlap(t1, t2)) return true;
  if (is32) {
    return a.u32min > b.u32max || a.u32max < b.u32min || a.s32min > b.s32max || a.s32max < b.s32min;
  }
  if (a.umin > b.umax || a.umax < b.umin) return true;
  if (a.smin > b.smax || a.smax < b.smin) return true;
  // inconclusive in 64 bits: the subregisters may still be disjoint
  return a.u32min > b.u32max || a.u32max < b.u32min || a.s32min > b.s32max || a.s32max < b.s32min;
}

function ordered(strict: boolean, lo1: bigint, hi1: bigint, lo2: bigint, hi2: bigint): Taken {
  // Decides "x < y" (strict) or "x <= y" for x in [lo1, hi1], y in [lo2, hi2];
  // "a > b" is asked as "b < a".
  if (strict) {
    if (hi1 < lo2) return 1;
    if (lo1 >= hi2) return 0;
  } else {
    if (hi1 <= lo2) return 1;
    if (lo1 > hi2) return 0;
  }
  return -1;
}

/**
 * Predict `if a <op> b` (op = BPF_OP bits of a JMP/JMP32 insn) for scalar
 * operands; `is32` for JMP32. Passing the same record twice means the
 * instruction compares a register with itself.
 */
export function isBranchTaken(op: number, a: ScalarBounds, b: ScalarBounds, is32: boolean): Taken {
  const t1 = is32 ? tnumSubreg(a.varOff) : a.varOff;
  const t2 = is32 ? tnumSubreg(b.varOff) : b.varOff;
  const smin1 = is32 ? a.s32min : a.smin;
  const smax1 = is32 ? a.s32max : a.smax;
  if (a === b) return selfCompare(op, t1, smin1, smax1);
  switch (op) {
    case BPF_JEQ:
      if (t1.mask === 0n && t2.mask === 0n) return t1.value === t2.value ? 1 : 0;
      return provablyDifferent(a, b, is32, t1, t2) ? 0 : -1;
    case BPF_JNE:
      if (t1.mask === 0n && t2.mask === 0n) return t1.value !== t2.value ? 1 : 0;
      return provablyDifferent(a, b, is32, t1, t2) ? 1 : -1;
    case BPF_JSET: {
      // Needs one constant operand; it becomes the bit pattern tested.
      const swap = t2.mask !== 0n;
      const x = swap ? t2 : t1;
      const k = swap ? t1 : t2;
      if (k.mask !== 0n) return -1;
      if (x.value & k.value) return 1;
      if (((x.mask | x.value) & k.value) === 0n) return 0;
      return -1;
    }
  }
  const umin1 = is32 ? a.u32min : a.umin;
  const umax1 = is32 ? a.u32max : a.umax;
  const umin2 = is32 ? b.u32min : b.umin;
  const umax2 = is32 ? b.u32max : b.umax;
  const smin2 = is32 ? b.s32min : b.smin;
  const smax2 = is32 ? b.s32max : b.smax;
  switch (op) {
    case BPF_JLT:
      return ordered(true, umin1, umax1, umin2, umax2);
    case BPF_JLE:
      return ordered(false, umin1, umax1, umin2, umax2);
    case BPF_JGT:
      return ordered(true, umin2, umax2, umin1, umax1);
    case BPF_JGE:
      return ordered(false, umin2, umax2, umin1, umax1);
    case BPF_JSLT:
      return ordered(true, smin1, smax1, smin2, smax2);
    case BPF_JSLE:
      return ordered(false, smin1, smax1, smin2, smax2);
    case BPF_JSGT:
      return ordered(true, smin2, smax2, smin1, smax1);
    case BPF_JSGE:
      return ordered(false, smin2, smax2, smin1, smax1);
    default:
      return -1;
  }
}
