// Branch refinement: what `a <op> b` being true teaches about both scalars
// (regs_refine_cond_op followed by reg_bounds_sync on each, as the kernel's
// reg_set_min_max does per branch). Arithmetic wraps like the kernel's C
// (u32/s32/u64/s64), so even a call on a dead branch matches it.
import * as opc from "../../isa/opcodes.ts";
import * as bd from "./bounds.ts";
import type { ScalarBounds } from "./bounds.ts";
import * as br from "./branch.ts";
import * as int from "./int.ts";
import * as jo from "./jmp-ops.ts";
import * as tn from "./tnum.ts";
import * as sy from "./sync.ts";

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
const { markUnbounded } = bd;
const { constValue, isConst } = br;
const { W32, W64, maxBig, minBig } = int;
const { JSET_NOT, flipJmpOp } = jo;
const { tnumAnd, tnumConst, tnumIntersect, tnumOr, tnumSubreg, tnumWithSubreg } = tn;
const { boundsSync } = sy;

const isPowerOf2 = (v: bigint): boolean => v !== 0n && (v & (v - 1n)) === 0n;

function refineEq(a: ScalarBounds, b: ScalarBounds, is32: boolean): void {
  if (is32) {
    a.u32min = maxBig(a.u32min, b.u32min);
    a.u32max = minBig(a.u32max, b.u32max);
    a.s32min = maxBig(a.s32min, b.s32min);
    a.s32max = minBig(a.s32max, b.s32max);
    b.u32min = a.u32min;
    b.u32max = a.u32max;
    b.s32min = a.s32min;
    b.s32max = a.s32max;
    const t = tnumIntersect(tnumSubreg(a.varOff), tnumSubreg(b.varOff));
    a.varOff = tnumWithSubreg(a.varOff, t);
    b.varOff = tnumWithSubreg(b.varOff, t);
  } else {
    a.umin = maxBig(a.umin, b.umin);
    a.umax = minBig(a.umax, b.umax);
    a.smin = maxBig(a.smin, b.smin);
    a.smax = minBig(a.smax, b.smax);
    b.umin = a.umin;
    b.umax = a.umax;
    b.smin = a.smin;
    b.smax = a.smax;
    a.varOff = tnumIntersect(a.varOff, b.varOff);
    b.varOff = a.varOff;
  }
}

/** a != K: a range end equal to K moves one step inward. */
function refineNe(a: ScalarBounds, k: bigint, is32: boolean): void {
  if (is32) {
    if (a.u32min === W32.toU(k)) a.u32min = W32.toU(a.u32min + 1n);
    if (a.u32max === W32.toU(k)) a.u32max = W32.toU(a.u32max - 1n);
    if (a.s32min === W32.toS(k)) a.s32min = W32.toS(a.s32min + 1n);
    if (a.s32max === W32.toS(k)) a.s32max = W32.toS(a.s32max - 1n);
  } else {
    if (a.umin === k) a.umin = W64.toU(a.umin + 1n);
    if (a.umax === k) a.umax = W64.toU(a.umax - 1n);
    if (a.smin === W64.toS(k)) a.smin = W64.toS(a.smin + 1n);
    if (a.smax === W64.toS(k)) a.smax = W64.toS(a.smax - 1n);
  }
}

/** a & K != 0: only a single-bit K tells which bit is set. */
function refineSet(a: ScalarBounds, k: bigint, is32: boolean): void {
  if (!isPowerOf2(k)) return;
  if (is32) a.varOff = tnumWithSubreg(a.varOff, tnumOr(tnumSubreg(a.varOff), tnumConst(k)));
  else a.varOff = tnumOr(a.varOff, tnumConst(k));
}

/** a & K == 0: every bit of K is clear. */
function refineNotSet(a: ScalarBounds, k: bigint, is32: boolean): void {
  // Ranges are dropped first so a dead branch cannot leave them contradicting the tnum.
  markUnbounded(a);
  const notK = tnumConst(~k);
  if (is32) a.varOff = tnumWithSubreg(a.varOff, tnumAnd(tnumSubreg(a.varOff), notK));
  else a.varOff = tnumAnd(a.varOff, notK);
}

/** a <= b (strict: a < b), unsigned or signed, in one width. */
function refineLe(
  a: ScalarBounds,
  b: ScalarBounds,
  is32: boolean,
  signed: boolean,
  strict: boolean,
): void {
  const w = is32 ? W32 : W64;
  const one = strict ? 1n : 0n;
  if (signed) {
    if (is32) {
      a.s32max = minBig(a.s32max, w.toS(b.s32max - one));
      b.s32min = maxBig(w.toS(a.s32min + one), b.s32min);
    } else {
      a.smax = minBig(a.smax, w.toS(b.smax - one));
      b.smin = maxBig(w.toS(a.smin + one), b.smin);
    }
  } else if (is32) {
    a.u32max = minBig(a.u32max, w.toU(b.u32max - one));
    b.u32min = maxBig(w.toU(a.u32min + one), b.u32min);
  } else {
    a.umax = minBig(a.umax, w.toU(b.umax - one));
    b.umin = maxBig(w.toU(a.umin + one), b.umin);
  }
}

/** For JNE/JSET: the operand that is a constant goes second; false when neither is. */
function constSecond(
  a: ScalarBounds,
  b: ScalarBounds,
  is32: boolean,
): [ScalarBounds, ScalarBounds] | null {
  if (isConst(b, is32)) return [a, b];
  if (isConst(a, is32)) return [b, a];
  return null;
}

function refineRaw(a: ScalarBounds, b: ScalarBounds, op: number, is32: boolean): void {
  // GE/GT/SGE/SGT are LE/LT/SLE/SLT with the operands swapped.
  if (op === BPF_JGE || op === BPF_JGT || op === BPF_JSGE || op === BPF_JSGT) {
    [a, b] = [b, a];
    op = flipJmpOp(op);
  }
  switch (op) {
    case BPF_JEQ:
      return refineEq(a, b, is32);
    case BPF_JNE:
    case BPF_JSET:
    case JSET_NOT: {
      const pair = constSecond(a, b, is32);
      if (pair === null) return;
      const k = constValue(pair[1], is32);
      if (op === BPF_JNE) refineNe(pair[0], k, is32);
      else if (op === BPF_JSET) refineSet(pair[0], k, is32);
      else refineNotSet(pair[0], k, is32);
      return;
    }
    case BPF_JLE:
      return refineLe(a, b, is32, false, false);
    case BPF_JLT:
      return refineLe(a, b, is32, false, true);
    case BPF_JSLE:
      return refineLe(a, b, is32, true, false);
    case BPF_JSLT:
      return refineLe(a, b, is32, true, true);
  }
}

/**
 * Refine scalars `a` and `b` in place for the branch where `a <op> b` holds
 * (op: BPF_OP bits, or negateJmpOp(op) for the fall-through branch, which
 * may be JSET_NOT), then sync both. Passing one record twice (a register
 * compared with itself) changes nothing, as in the kernel.
 */
export function refineCondOp(a: ScalarBounds, b: ScalarBounds, op: number, is32: boolean): void {
  if (a === b) return;
  refineRaw(a, b, op, is32);
  boundsSync(a);
  boundsSync(b);
}
