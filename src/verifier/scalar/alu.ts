// scalarAlu: the abstract effect of one ALU/ALU64 instruction on a scalar
// destination (adjust_scalar_min_max_vals plus the BPF_NEG/BPF_END cases).
// Which ops need a constant source is data (SOURCE_RULE); what each op does
// is one small rule per op in RULES, indexed by the op bits.
import * as opc from "../../isa/opcodes.ts";
import * as ar from "./alu-arith.ts";
import * as ab from "./alu-bits.ts";
import type { BitOp } from "./alu-bits.ts";
import * as bd from "./bounds.ts";
import type { Lane, ScalarBounds } from "./bounds.ts";
import * as co from "./coerce.ts";
import { ScalarDomainError } from "./errors.ts";
import * as int from "./int.ts";
import { scalarMov, scalarMovImm } from "./mov.ts";
import type { Width } from "./int.ts";
import * as tn from "./tnum.ts";
import * as sy from "./sync.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const {
  BPF_ADD,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_END,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_TO_BE,
  BPF_X,
  BPF_XOR,
} = opc;
const { laneAdd, laneMul, laneSdiv, laneSmod, laneSub, laneUdiv, laneUmod } = ar;
const { arsh32, arsh64, bitwiseRange, lsh32, lsh64, rsh32, rsh64 } = ab;
const {
  copyBounds,
  markKnown,
  markUnbounded,
  markUnbounded32,
  markUnbounded64,
  markUnknown,
  newLane,
  readLane,
  knownScalar,
  unknownScalar,
  writeLane,
} = bd;
const { coerceToSize } = co;
const { W32, W64 } = int;
const {
  TNUM_UNKNOWN,
  tnumAdd,
  tnumAnd,
  tnumBswap16,
  tnumBswap32,
  tnumBswap64,
  tnumIsConst,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumSub,
  tnumSubregIsConst,
  tnumXor,
} = tn;
const { boundsSync, zext32to64 } = sy;

/** Instruction details some ops need beyond the op bits and the width. */
export interface AluExtra {
  /** `insn.off == 1` on DIV/MOD: signed division (sdiv/smod). */
  signed?: boolean;
  /** BPF_END: the swap width, `insn.imm` (16, 32 or 64). */
  endBits?: number;
  /** BPF_END in the ALU class: the source bit (BPF_TO_LE 0x00 or BPF_TO_BE 0x08). */
  endSource?: number;
}

type Rule = (dst: ScalarBounds, src: ScalarBounds, is64: boolean, extra: AluExtra) => void;

/** What the source must be for the result range to be computable (is_safe_to_compute_dst_reg_range). */
const enum Need {
  Any,
  Const,
  ShiftCount,
}

const LANE_D32 = newLane();
const LANE_S32 = newLane();
const LANE_D64 = newLane();
const LANE_S64 = newLane();

/** Apply a lane rule to the 32-bit then the 64-bit ranges (the kernel runs both for every width). */
function bothLanes(
  dst: ScalarBounds,
  src: ScalarBounds,
  rule: (d: Lane, s: Lane, w: Width) => void,
): void {
  rule(readLane(dst, false, LANE_D32), readLane(src, false, LANE_S32), W32);
  writeLane(dst, false, LANE_D32);
  rule(readLane(dst, true, LANE_D64), readLane(src, true, LANE_S64), W64);
  writeLane(dst, true, LANE_D64);
}

/** After a div/mod on one width, the other width and var_off are unknown until sync. */
function resetOtherWidth(dst: ScalarBounds, is64: boolean): void {
  if (is64) markUnbounded32(dst);
  else markUnbounded64(dst);
  dst.varOff = TNUM_UNKNOWN;
}

const negScratch = unknownScalar();

function bitwise(op: BitOp, tnumOp: typeof tnumAnd): Rule {
  return (dst, src) => {
    dst.varOff = tnumOp(dst.varOff, src.varOff);
    bitwiseRange(op, dst, src, false);
    bitwiseRange(op, dst, src, true);
  };
}

/** The divisor constant of one width, signed or unsigned. */
const divisor = (src: ScalarBounds, is64: boolean, signed: boolean): bigint =>
  is64 ? (signed ? src.smin : src.umin) : signed ? src.s32min : src.u32min;

const shiftCount = (src: ScalarBounds, is64: boolean): [bigint, bigint] =>
  is64 ? [src.umin, src.umax] : [src.u32min, src.u32max];

function byteSwap(dst: ScalarBounds, is64: boolean, extra: AluExtra): void {
  const bits = extra.endBits;
  if (bits !== 16 && bits !== 32 && bits !== 64)
    throw new ScalarDomainError(`BPF_END: swap width ${String(bits)} is not 16, 32 or 64`);
  // The runtime is little-endian (WebAssembly): to_le only truncates, to_be
  // and the ALU64 bswap swap bytes.
  const swap = is64 || extra.endSource === BPF_TO_BE;
  if (swap) {
    dst.varOff =
      bits === 16
        ? tnumBswap16(dst.varOff)
        : bits === 32
          ? tnumBswap32(dst.varOff)
          : tnumBswap64(dst.varOff);
    // Swapping scrambles ranges; they are rebuilt from var_off by sync.
    markUnbounded(dst);
  }
  if (bits !== 64) coerceToSize(dst, bits / 8);
}

const RULES: Partial<Record<number, readonly [Need, Rule]>> = {
  [BPF_ADD]: [
    Need.Any,
    (dst, src) => {
      bothLanes(dst, src, laneAdd);
      dst.varOff = tnumAdd(dst.varOff, src.varOff);
    },
  ],
  [BPF_SUB]: [
    Need.Any,
    (dst, src) => {
      bothLanes(dst, src, laneSub);
      dst.varOff = tnumSub(dst.varOff, src.varOff);
    },
  ],
  [BPF_NEG]: [
    Need.Any,
    (dst) => {
      // 0 - dst, computed as a subtraction from a known zero.
      copyBounds(negScratch, dst);
      markKnown(dst, 0n);
      bothLanes(dst, negScratch, laneSub);
      dst.varOff = tnumNeg(negScratch.varOff);
    },
  ],
  [BPF_MUL]: [
    Need.Any,
    (dst, src) => {
      dst.varOff = tnumMul(dst.varOff, src.varOff);
      bothLanes(dst, src, laneMul);
    },
  ],
  [BPF_DIV]: [
    Need.Const,
    (dst, src, is64, extra) => {
      const v = divisor(src, is64, false);
      // BPF defines x / 0 = 0.
      if (v === 0n) return markKnown(dst, 0n);
      const w = is64 ? W64 : W32;
      const d = readLane(dst, is64, LANE_D64);
      if (extra.signed) laneSdiv(d, divisor(src, is64, true), w);
      else laneUdiv(d, v, w);
      writeLane(dst, is64, d);
      resetOtherWidth(dst, is64);
    },
  ],
  [BPF_MOD]: [
    Need.Const,
    (dst, src, is64, extra) => {
      // BPF defines x % 0 = x.
      if (divisor(src, is64, false) === 0n) return;
      const w = is64 ? W64 : W32;
      const d = readLane(dst, is64, LANE_D64);
      const changed = extra.signed
        ? laneSmod(d, divisor(src, is64, true), w)
        : laneUmod(d, divisor(src, is64, false), w);
      if (!changed) return;
      writeLane(dst, is64, d);
      resetOtherWidth(dst, is64);
    },
  ],
  [BPF_AND]: [Need.Any, bitwise("and", tnumAnd)],
  [BPF_OR]: [Need.Any, bitwise("or", tnumOr)],
  [BPF_XOR]: [Need.Any, bitwise("xor", tnumXor)],
  [BPF_LSH]: [
    Need.ShiftCount,
    (dst, src, is64) => (is64 ? lsh64 : lsh32)(dst, ...shiftCount(src, is64)),
  ],
  [BPF_RSH]: [
    Need.ShiftCount,
    (dst, src, is64) => (is64 ? rsh64 : rsh32)(dst, ...shiftCount(src, is64)),
  ],
  [BPF_ARSH]: [
    Need.ShiftCount,
    (dst, src, is64) => (is64 ? arsh64 : arsh32)(dst, shiftCount(src, is64)[0]),
  ],
  [BPF_END]: [Need.Any, (dst, _src, is64, extra) => byteSwap(dst, is64, extra)],
};

/** The source is a constant in every view the rule reads (is_safe_to_compute_dst_reg_range). */
function srcIsConst(src: ScalarBounds, is64: boolean): boolean {
  if (is64) return tnumIsConst(src.varOff) && src.smin === src.smax && src.umin === src.umax;
  return tnumSubregIsConst(src.varOff) && src.s32min === src.s32max && src.u32min === src.u32max;
}

function canCompute(need: Need, src: ScalarBounds, is64: boolean): boolean {
  switch (need) {
    case Need.Any:
      return true;
    case Need.Const:
      return srcIsConst(src, is64);
    case Need.ShiftCount:
      // The kernel checks the 64-bit umax even for 32-bit shifts.
      return srcIsConst(src, is64) && src.umax < (is64 ? 64n : 32n);
  }
}

const EMPTY: AluExtra = {};

/**
 * DIV/MOD need to know signedness and END its width: without them the
 * result is unknown (what kernels before their tracking did), never a
 * guess that could be unsound.
 */
function hasDetails(op: number, extra: AluExtra): boolean {
  if (op === BPF_DIV || op === BPF_MOD) return extra.signed !== undefined;
  if (op === BPF_END) return extra.endBits !== undefined;
  return true;
}

/**
 * Apply ALU op `op` (the BPF_OP bits: BPF_ADD ... BPF_END) to the scalar
 * `dst` with scalar source `src`, for a 64-bit (ALU64) or 32-bit (ALU)
 * instruction; `dst` is updated in place and left synced. For a BPF_K
 * source pass knownScalar(BigInt(insn.imm)) (imm sign-extended, as the
 * kernel does for both widths). BPF_NEG and BPF_END ignore `src` (pass
 * `dst` or null). BPF_MOV is scalarMov.
 */
export function scalarAlu(
  op: number,
  dst: ScalarBounds,
  src: ScalarBounds | null,
  is64: boolean,
  extra: AluExtra = EMPTY,
): void {
  const entry = RULES[op];
  if (entry === undefined) throw new ScalarDomainError(`scalarAlu: no rule for ALU op ${op}`);
  const [need, rule] = entry;
  const source = src ?? dst;
  if (!canCompute(need, source, is64) || !hasDetails(op, extra)) {
    // Not even the 32-bit zero extension is kept: the kernel marks the whole register unknown.
    markUnknown(dst);
    return;
  }
  rule(dst, source, is64, extra);
  // 32-bit results are zero-extended, except BPF_END which sized itself.
  if (!is64 && op !== BPF_END) zext32to64(dst);
  boundsSync(dst);
}

/** The fields of an instruction scalarAluInsn reads. */
export interface AluInsn {
  code: number;
  off: number;
  imm: number;
}

/**
 * The whole scalar effect of one ALU/ALU64 instruction on scalar `dst`, read
 * from the instruction itself (op, width, sdiv/smod, END width and
 * direction, MOV/MOVSX, BPF_K immediates). `src` is the source register's
 * scalar for BPF_X; it is ignored for BPF_K.
 */
export function scalarAluInsn(insn: AluInsn, dst: ScalarBounds, src: ScalarBounds | null): void {
  const op = insn.code & 0xf0;
  const is64 = (insn.code & 0x07) === BPF_ALU64;
  const isX = (insn.code & BPF_X) !== 0;
  if (op === BPF_MOV) {
    if (!isX) return scalarMovImm(dst, insn.imm, is64);
    if (src === null) throw new ScalarDomainError("scalarAluInsn: BPF_MOV | BPF_X needs a source");
    return scalarMov(dst, src, is64, insn.off);
  }
  const source =
    op === BPF_END || op === BPF_NEG ? null : isX ? src : knownScalar(BigInt(insn.imm));
  if (source === null && op !== BPF_END && op !== BPF_NEG)
    throw new ScalarDomainError("scalarAluInsn: BPF_X needs a source");
  scalarAlu(op, dst, source, is64, {
    signed: insn.off === 1,
    endBits: insn.imm,
    endSource: insn.code & BPF_X,
  });
}

/**
 * The scalar is [-1, 0] in 64 bits (returns 64) or in its low 32 bits
 * (returns 32), else 0. Before `dst &= K` / `dst |= K` the kernel forks the
 * state on such a register into dst = 0 and dst = -1 (maybe_fork_scalars):
 * the verifier pushes a branch with markKnown(dst, 0) (or markKnown32) that
 * re-executes the instruction and continues here with -1.
 */
export function minusOneOrZeroWidth(b: ScalarBounds): 64 | 32 | 0 {
  if (b.smin === -1n && b.smax === 0n) return 64;
  if (b.s32min === -1n && b.s32max === 0n) return 32;
  return 0;
}
