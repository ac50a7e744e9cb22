// ALU and ALU64 instructions (check_alu_op): reserved fields, moves (with
// sign extension and the linked-scalar ids used by branch refinement),
// arithmetic on scalars (the scalar domain's transfer functions) and the
// pointer arithmetic rules of adjust_ptr_min_max_vals.
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_END,
  BPF_K,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_TO_LE,
  BPF_X,
  BPF_XOR,
  opAlu,
  opClass,
  opSource,
} from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import { addS64, addU64, fls64, S64_MAX, S64_MIN, subS64, U64_MAX } from "./bigmath.ts";
import { BPF_MAX_VAR_OFF } from "./cfg.ts";
import { isPointerValue } from "./check-mem.ts";
import {
  boundsSync,
  coerceSubregToSizeSx,
  coerceToSizeSx,
  scalarAlu,
  tnumAdd,
  tnumIsConst,
  tnumSub,
  zext32to64,
} from "./domain.ts";
import type { Env } from "./env.ts";
import { tnumText } from "./log.ts";
import { markChainPrecision } from "./precision.ts";
import { checkRegArg, DST_OP, DST_OP_NO_MARK, SRC_OP } from "./reg-access.ts";
import {
  constReg,
  copyRegState,
  isRegConst,
  markRegKnown,
  markRegUnknown,
  regConstValue,
  REG_LIVE_WRITTEN,
  DEF_NOT_SUBREG,
  BPF_ADD_CONST,
  type RegState,
} from "./regs.ts";
import { baseType, isPktPointer, RegType, regTypeStr, TypeFlag } from "./reg-types.ts";

/** bpf_alu_string[]: operator names for messages. */
const ALU_STRING: readonly string[] = [
  "+=",
  "-=",
  "*=",
  "/=",
  "|=",
  "&=",
  "<<=",
  ">>=",
  "neg",
  "%=",
  "^=",
  "=",
  "s>>=",
  "endian",
];

/** check_reg_sane_offset(): keep pointer offsets far from overflow. */
function checkRegSaneOffset(env: Env, reg: RegState, type: number): void {
  const known = tnumIsConst(reg.varOff);
  const val = BigInt.asIntN(64, reg.varOff.value);
  const max = BigInt(BPF_MAX_VAR_OFF);
  if (known && (val >= max || val <= -max)) {
    env.fail(`math between ${regTypeStr(type)} pointer and ${val} is not allowed`);
  }
  if (reg.off >= BPF_MAX_VAR_OFF || reg.off <= -BPF_MAX_VAR_OFF) {
    env.fail(`${regTypeStr(type)} pointer offset ${reg.off} is not allowed`);
  }
  if (reg.smin === S64_MIN) {
    env.fail(
      `math between ${regTypeStr(type)} pointer and register with unbounded min value is not allowed`,
    );
  }
  if (reg.smin >= max || reg.smin <= -max) {
    env.fail(`value ${reg.smin} makes ${regTypeStr(type)} pointer be out of bounds`);
  }
}

const fitsS32 = (x: bigint): boolean => x >= -(1n << 31n) && x < 1n << 31n;

/** Unprivileged programs must keep pointers in bounds so accesses can be masked (sanitize_check_bounds). */
function sanitizeCheckBounds(env: Env, insn: Insn, dst: RegState): void {
  if (env.bypassSpecV1) return;
  if (dst.type === RegType.PTR_TO_STACK) {
    const off = dst.off + Number(BigInt.asIntN(64, dst.varOff.value));
    if (!tnumIsConst(dst.varOff)) {
      env.fail(
        `R${insn.dst} variable stack access prohibited for !root, var_off=${tnumText(dst.varOff)} off=${off}`,
      );
    }
    if (off >= 0 || off < -512) {
      env.fail(
        `R${insn.dst} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`,
      );
    }
  } else if (dst.type === RegType.PTR_TO_MAP_VALUE) {
    const size = dst.map!.valueSize;
    const lo = dst.smin + BigInt(dst.off);
    const hi = dst.umax + BigInt(dst.off);
    if (lo < 0n || hi + 1n > BigInt(size)) {
      env.fail(
        `R${insn.dst} pointer arithmetic of map value goes out of range, prohibited for !root`,
      );
    }
  }
}

/** Pointer kinds that allow arithmetic (flow keys only by a constant, map pointers only += 0). */
function ptrArithmeticAllowed(type: number, known: boolean, sminVal: bigint, op: number): boolean {
  switch (baseType(type)) {
    case RegType.PTR_TO_CTX:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_STACK:
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_TP_BUFFER:
    case RegType.PTR_TO_BTF_ID:
    case RegType.PTR_TO_MEM:
    case RegType.PTR_TO_BUF:
    case RegType.PTR_TO_FUNC:
    case RegType.CONST_PTR_TO_DYNPTR:
      return true;
    case RegType.PTR_TO_FLOW_KEYS:
      return known;
    case RegType.CONST_PTR_TO_MAP:
      return known && sminVal === 0n && op === BPF_ADD;
    default:
      return false;
  }
}

/** adjust_ptr_min_max_vals(): pointer +/- scalar. */
function adjustPtrMinMaxVals(env: Env, insn: Insn, ptr: RegState, offReg: RegState): void {
  const dstno = insn.dst;
  const dst = env.regs[dstno]!;
  const known = tnumIsConst(offReg.varOff);
  const op = opAlu(insn.code);
  const { smin: sminVal, smax: smaxVal, umin: uminVal, umax: umaxVal } = offReg;
  const { smin: sminPtr, smax: smaxPtr, umin: uminPtr, umax: umaxPtr } = ptr;

  if (
    (known && (sminVal !== smaxVal || uminVal !== umaxVal)) ||
    sminVal > smaxVal ||
    uminVal > umaxVal
  ) {
    // Bounds from a dead branch: the result is meaningless, not dangerous.
    markRegUnknown(dst, env.bpfCapable);
    return;
  }
  if (opClass(insn.code) !== BPF_ALU64) {
    if (op === BPF_SUB && env.allowPtrLeaks) {
      markRegUnknown(dst, env.bpfCapable);
      return;
    }
    env.fail(`R${dstno} 32-bit pointer arithmetic prohibited`);
  }
  if (ptr.type & TypeFlag.PTR_MAYBE_NULL) {
    env.fail(
      `R${dstno} pointer arithmetic on ${regTypeStr(ptr.type)} prohibited, null-check it first`,
    );
  }
  if (!ptrArithmeticAllowed(ptr.type, known, sminVal, op)) {
    env.fail(`R${dstno} pointer arithmetic on ${regTypeStr(ptr.type)} prohibited`);
  }

  // scalar += pointer: the destination becomes the pointer.
  const ptrCopy = { ...ptr };
  dst.type = ptr.type;
  dst.id = ptr.id;
  checkRegSaneOffset(env, offReg, ptr.type);
  checkRegSaneOffset(env, ptrCopy, ptr.type);
  // Pointers carry no 32-bit bounds.
  dst.s32min = -(1n << 31n);
  dst.s32max = (1n << 31n) - 1n;
  dst.u32min = 0n;
  dst.u32max = (1n << 32n) - 1n;

  const keepPointerPart = (): void => {
    dst.map = ptrCopy.map;
    dst.mapUid = ptrCopy.mapUid;
    // AT_PKT_END / BEYOND_PKT_END describe this exact pointer: arithmetic moves it.
    dst.range = ptrCopy.range < 0 ? 0 : ptrCopy.range;
    dst.memSize = ptrCopy.memSize;
    dst.frameno = ptrCopy.frameno;
    dst.subprogno = ptrCopy.subprogno;
    dst.refObjId = ptrCopy.refObjId;
  };

  switch (op) {
    case BPF_ADD: {
      const newOff = BigInt(ptrCopy.off) + sminVal;
      if (known && fitsS32(newOff)) {
        dst.smin = sminPtr;
        dst.smax = smaxPtr;
        dst.umin = uminPtr;
        dst.umax = umaxPtr;
        dst.varOff = ptrCopy.varOff;
        dst.off = Number(newOff);
        keepPointerPart();
        break;
      }
      const smin = addS64(sminPtr, sminVal);
      const smax = addS64(smaxPtr, smaxVal);
      if (smin === undefined || smax === undefined) {
        dst.smin = S64_MIN;
        dst.smax = S64_MAX;
      } else {
        dst.smin = smin;
        dst.smax = smax;
      }
      const umin = addU64(uminPtr, uminVal);
      const umax = addU64(umaxPtr, umaxVal);
      if (umin === undefined || umax === undefined) {
        dst.umin = 0n;
        dst.umax = U64_MAX;
      } else {
        dst.umin = umin;
        dst.umax = umax;
      }
      dst.varOff = tnumAdd(ptrCopy.varOff, offReg.varOff);
      dst.off = ptrCopy.off;
      keepPointerPart();
      if (isPktPointer(ptrCopy.type)) {
        dst.id = ++env.idGen;
        dst.range = 0;
      }
      break;
    }
    case BPF_SUB: {
      if (dst === offReg) env.fail(`R${dstno} tried to subtract pointer from scalar`);
      if (ptrCopy.type === RegType.PTR_TO_STACK)
        env.fail(`R${dstno} subtraction from stack pointer prohibited`);
      const newOff = BigInt(ptrCopy.off) - sminVal;
      if (known && fitsS32(newOff)) {
        dst.smin = sminPtr;
        dst.smax = smaxPtr;
        dst.umin = uminPtr;
        dst.umax = umaxPtr;
        dst.varOff = ptrCopy.varOff;
        dst.id = ptrCopy.id;
        dst.off = Number(newOff);
        keepPointerPart();
        break;
      }
      const smin = subS64(sminPtr, smaxVal);
      const smax = subS64(smaxPtr, sminVal);
      if (smin === undefined || smax === undefined) {
        dst.smin = S64_MIN;
        dst.smax = S64_MAX;
      } else {
        dst.smin = smin;
        dst.smax = smax;
      }
      if (uminPtr < umaxVal) {
        dst.umin = 0n;
        dst.umax = U64_MAX;
      } else {
        dst.umin = uminPtr - umaxVal;
        dst.umax = umaxPtr - uminVal;
      }
      dst.varOff = tnumSub(ptrCopy.varOff, offReg.varOff);
      dst.off = ptrCopy.off;
      keepPointerPart();
      if (isPktPointer(ptrCopy.type)) {
        dst.id = ++env.idGen;
        if (sminVal < 0n) dst.range = 0;
      }
      break;
    }
    default:
      if (op === BPF_AND || op === BPF_OR || op === BPF_XOR) {
        env.fail(`R${dstno} bitwise operator ${ALU_STRING[op >> 4]} on pointer prohibited`);
      }
      env.fail(`R${dstno} pointer arithmetic with ${ALU_STRING[op >> 4]} operator prohibited`);
  }
  checkRegSaneOffset(env, dst, ptrCopy.type);
  boundsSync(dst);
  sanitizeCheckBounds(env, insn, dst);
}

/** adjust_reg_min_max_vals(): every ALU op except MOV, NEG and END. */
function adjustRegMinMaxVals(env: Env, insn: Insn): void {
  const regs = env.regs;
  const dst = regs[insn.dst]!;
  const alu32 = opClass(insn.code) !== BPF_ALU64;
  const op = opAlu(insn.code);
  const ptr = dst.type !== RegType.SCALAR_VALUE ? dst : null;
  let src: RegState;
  if (opSource(insn.code) === BPF_X) {
    src = regs[insn.src]!;
    if (src.type !== RegType.SCALAR_VALUE) {
      if (dst.type !== RegType.SCALAR_VALUE) {
        if (op === BPF_SUB && env.allowPtrLeaks) {
          markRegUnknown(dst, env.bpfCapable);
          return;
        }
        env.fail(`R${insn.dst} pointer ${ALU_STRING[op >> 4]} pointer prohibited`);
      }
      // scalar += pointer: the pointer's bounds come from the scalar.
      markChainPrecision(env, insn.dst);
      adjustPtrMinMaxVals(env, insn, src, dst);
      return;
    }
    if (ptr) {
      markChainPrecision(env, insn.src);
      adjustPtrMinMaxVals(env, insn, dst, src);
      return;
    }
    if (dst.precise) markChainPrecision(env, insn.src);
  } else {
    src = constReg(insn.imm);
    if (ptr) {
      adjustPtrMinMaxVals(env, insn, ptr, src);
      return;
    }
  }
  scalarAlu(op, dst, src, !alu32);
  // Remember `rX = rY; rX += K` so a later check on rY also bounds rX (BPF_ADD_CONST).
  if (env.bpfCapable && op === BPF_ADD && !alu32 && dst.id && isRegConst(src, false)) {
    const val = regConstValue(src, false);
    if (dst.id & BPF_ADD_CONST || val > 0x7fffffffn) {
      dst.off = 0;
      dst.id = 0;
    } else {
      // As a negative int32: an id above 2^31 would make V8 store every
      // register's id field as a heap number (and deprecate their shape).
      dst.id = dst.id | BPF_ADD_CONST;
      dst.off = Number(val);
    }
  } else {
    dst.id = 0;
  }
}

/** check_alu_op(). */
export function checkAluOp(env: Env, insn: Insn): void {
  const regs = env.regs;
  const op = opAlu(insn.code);
  const cls = opClass(insn.code);
  const isX = opSource(insn.code) === BPF_X;

  if (op === BPF_END || op === BPF_NEG) {
    if (op === BPF_NEG) {
      if (opSource(insn.code) !== BPF_K || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0) {
        env.fail("BPF_NEG uses reserved fields");
      }
    } else if (
      insn.src !== 0 ||
      insn.off !== 0 ||
      (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) ||
      (cls === BPF_ALU64 && opSource(insn.code) !== BPF_TO_LE)
    ) {
      env.fail("BPF_END uses reserved fields");
    }
    checkRegArg(env, insn.dst, SRC_OP);
    if (isPointerValue(env, regs[insn.dst]!))
      env.fail(`R${insn.dst} pointer arithmetic prohibited`);
    checkRegArg(env, insn.dst, DST_OP);
    return;
  }

  if (op === BPF_MOV) {
    if (isX) {
      if (cls === BPF_ALU) {
        if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16) || insn.imm)
          env.fail("BPF_MOV uses reserved fields");
      } else if (insn.off === 1) {
        env.fail("addr_space_cast insn can only be used in a program that has an associated arena");
      } else if (
        (insn.off !== 0 && insn.off !== 8 && insn.off !== 16 && insn.off !== 32) ||
        insn.imm
      ) {
        env.fail("BPF_MOV uses reserved fields");
      }
      checkRegArg(env, insn.src, SRC_OP);
    } else if (insn.src !== 0 || insn.off !== 0) {
      env.fail("BPF_MOV uses reserved fields");
    }
    checkRegArg(env, insn.dst, DST_OP_NO_MARK);
    const dst = regs[insn.dst]!;
    if (isX) {
      const src = regs[insn.src]!;
      if (cls === BPF_ALU64) {
        if (insn.off === 0) {
          env.assignScalarIdBeforeMov(src);
          copyRegState(dst, src);
          dst.live |= REG_LIVE_WRITTEN;
          dst.subregDef = DEF_NOT_SUBREG;
        } else if (isPointerValue(env, src)) {
          env.fail(`R${insn.src} sign-extension part of pointer`);
        } else if (src.type === RegType.SCALAR_VALUE) {
          const noSext = src.umax < 1n << BigInt(insn.off - 1);
          if (noSext) env.assignScalarIdBeforeMov(src);
          copyRegState(dst, src);
          if (!noSext) dst.id = 0;
          coerceToSizeSx(dst, insn.off >> 3);
          dst.live |= REG_LIVE_WRITTEN;
          dst.subregDef = DEF_NOT_SUBREG;
        } else {
          markRegUnknown(dst, env.bpfCapable);
        }
      } else {
        if (isPointerValue(env, src)) env.fail(`R${insn.src} partial copy of pointer`);
        if (src.type === RegType.SCALAR_VALUE) {
          if (insn.off === 0) {
            const isU32 = fls64(src.umax) <= 32;
            if (isU32) env.assignScalarIdBeforeMov(src);
            copyRegState(dst, src);
            if (!isU32) dst.id = 0;
          } else {
            const noSext = src.umax < 1n << BigInt(insn.off - 1);
            if (noSext) env.assignScalarIdBeforeMov(src);
            copyRegState(dst, src);
            if (!noSext) dst.id = 0;
            coerceSubregToSizeSx(dst, insn.off >> 3);
          }
          dst.live |= REG_LIVE_WRITTEN;
          dst.subregDef = env.insnIdx + 1;
        } else {
          markRegUnknown(dst, env.bpfCapable);
        }
        zext32to64(dst);
        boundsSync(dst);
      }
    } else {
      markRegUnknown(dst, env.bpfCapable);
      dst.type = RegType.SCALAR_VALUE;
      const v = cls === BPF_ALU64 ? BigInt.asUintN(64, BigInt(insn.imm)) : BigInt(insn.imm >>> 0);
      markRegKnown(dst, v);
    }
    return;
  }

  if (op > BPF_END) env.fail(`invalid BPF_ALU opcode ${(op >> 0).toString(16)}`);

  if (isX) {
    if (insn.imm !== 0 || insn.off > 1 || (insn.off === 1 && op !== BPF_MOD && op !== BPF_DIV)) {
      env.fail("BPF_ALU uses reserved fields");
    }
    checkRegArg(env, insn.src, SRC_OP);
  } else if (
    insn.src !== 0 ||
    insn.off > 1 ||
    (insn.off === 1 && op !== BPF_MOD && op !== BPF_DIV)
  ) {
    env.fail("BPF_ALU uses reserved fields");
  }
  checkRegArg(env, insn.dst, SRC_OP);
  if ((op === BPF_MOD || op === BPF_DIV) && !isX && insn.imm === 0) env.fail("div by zero");
  if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && !isX) {
    const size = cls === BPF_ALU64 ? 64 : 32;
    if (insn.imm < 0 || insn.imm >= size) env.fail(`invalid shift ${insn.imm}`);
  }
  checkRegArg(env, insn.dst, DST_OP_NO_MARK);
  adjustRegMinMaxVals(env, insn);
}
