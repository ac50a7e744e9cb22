// Conditional jumps (check_cond_jmp_op): branch prediction for scalars,
// pointers and packet pointers, refinement of both branches (scalar bounds,
// linked scalars, NULL checks of map values and sockets, packet ranges from
// comparisons with pkt_end), and the per-insn facts about which way it went.
import {
  BPF_JCOND,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JA,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP32,
  BPF_JNE,
  BPF_X,
  opClass,
  opJmp,
  opSource,
} from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import { isPointerValue } from "./check-mem.ts";
import {
  boundsSync,
  flipJmpOp,
  isBranchTaken as scalarBranchTaken,
  negateJmpOp,
  refineCondOp,
  scalarAlu,
} from "./domain.ts";
import type { Env } from "./env.ts";
import { pushStack } from "./explore.ts";
import { checkRegArg, SRC_OP } from "./reg-access.ts";
import {
  BPF_ADD_CONST,
  cloneReg,
  constReg,
  copyRegState,
  isRegConst,
  regConstValue,
  varOffIsZero,
  type RegState,
} from "./regs.ts";
import { baseType, isPktPointerAny, RegType, TypeFlag, typeMayBeNull } from "./reg-types.ts";
import { MapType } from "../uapi/map-types.ts";
import { forEachReg, type VerifierState } from "./state.ts";
import { mayPointToSpinLock } from "./refs.ts";
import { printInsnState } from "./explore.ts";
import { markChainPrecision } from "./precision.ts";
import { checkMayGoto } from "./may-goto.ts";
import { INSN_F_DST_REG_STACK, INSN_F_SRC_REG_STACK } from "./history.ts";

/** reg->range values below zero: the pointer is at / beyond pkt_end. */
const AT_PKT_END = -1;
const BEYOND_PKT_END = -2;
/** find_good_pkt_pointers() refuses ranges past this. */
const MAX_PACKET_OFF = 0xffff;
/** At most this many registers share bounds through one id (LINKED_REGS_MAX). */
const LINKED_REGS_MAX = 6;

/** reg_not_null(): pointer kinds that are never NULL once checked. */
function regNotNull(reg: RegState): boolean {
  if (typeMayBeNull(reg.type)) return false;
  const t = baseType(reg.type);
  return (
    t === RegType.PTR_TO_SOCKET ||
    t === RegType.PTR_TO_TCP_SOCK ||
    t === RegType.PTR_TO_MAP_VALUE ||
    t === RegType.PTR_TO_MAP_KEY ||
    t === RegType.PTR_TO_SOCK_COMMON ||
    (t === RegType.PTR_TO_MEM && !(reg.type & TypeFlag.PTR_UNTRUSTED)) ||
    // A map pointer from an lddw is never NULL (kernel >= 6.11).
    t === RegType.CONST_PTR_TO_MAP
  );
}

function isPktPtrBranchTaken(dst: RegState, src: RegState, opcode: number): number {
  let pkt: RegState;
  if (src.type === RegType.PTR_TO_PACKET_END) {
    pkt = dst;
  } else if (dst.type === RegType.PTR_TO_PACKET_END) {
    pkt = src;
    opcode = flipJmpOp(opcode);
  } else {
    return -1;
  }
  if (pkt.range >= 0) return -1;
  switch (opcode) {
    case BPF_JLE:
    case BPF_JGT:
      if (pkt.range === BEYOND_PKT_END) return opcode === BPF_JGT ? 1 : 0;
      break;
    case BPF_JLT:
    case BPF_JGE:
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END)
        return opcode === BPF_JGE ? 1 : 0;
      break;
  }
  return -1;
}

/** is_branch_taken(): 1 taken, 0 not taken, -1 unknown. */
export function isBranchTaken(
  reg1: RegState,
  reg2: RegState,
  opcode: number,
  is32: boolean,
): number {
  if (isPktPointerAny(reg1.type) && isPktPointerAny(reg2.type) && !is32) {
    return isPktPtrBranchTaken(reg1, reg2, opcode);
  }
  if (reg1.type !== RegType.SCALAR_VALUE || reg2.type !== RegType.SCALAR_VALUE) {
    if (!isRegConst(reg2, is32)) {
      opcode = flipJmpOp(opcode);
      [reg1, reg2] = [reg2, reg1];
    }
    if (!isRegConst(reg2, is32)) return -1;
    if (!regNotNull(reg1)) return -1;
    if (regConstValue(reg2, is32) !== 0n) return -1;
    if (opcode === BPF_JEQ) return 0;
    if (opcode === BPF_JNE) return 1;
    return -1;
  }
  return scalarBranchTaken(opcode, reg1, reg2, is32);
}

/** reg_set_min_max(): refine scalar operands in both branches. */
function regSetMinMax(
  trueReg1: RegState,
  trueReg2: RegState,
  falseReg1: RegState,
  falseReg2: RegState,
  opcode: number,
  is32: boolean,
): void {
  if (falseReg1.type !== RegType.SCALAR_VALUE || falseReg2.type !== RegType.SCALAR_VALUE) return;
  refineCondOp(falseReg1, falseReg2, negateJmpOp(opcode), is32);
  boundsSync(falseReg1);
  boundsSync(falseReg2);
  refineCondOp(trueReg1, trueReg2, opcode, is32);
  boundsSync(trueReg1);
  boundsSync(trueReg2);
}

/** mark_ptr_not_null_reg(): a checked map value may really be an inner map or a socket. */
export function markPtrNotNullReg(reg: RegState): void {
  if (baseType(reg.type) === RegType.PTR_TO_MAP_VALUE) {
    const map = reg.map!;
    if (map.innerMap) {
      reg.type = RegType.CONST_PTR_TO_MAP;
      reg.map = map.innerMap;
    } else if (map.type === MapType.XSKMAP) {
      reg.type = RegType.PTR_TO_XDP_SOCK;
    } else if (map.type === MapType.SOCKMAP || map.type === MapType.SOCKHASH) {
      reg.type = RegType.PTR_TO_SOCKET;
    } else {
      reg.type = RegType.PTR_TO_MAP_VALUE;
    }
    return;
  }
  reg.type &= ~TypeFlag.PTR_MAYBE_NULL;
}

/** mark_ptr_or_null_regs(): every copy of a maybe-NULL pointer learns the outcome of its check. */
function markPtrOrNullRegs(vstate: VerifierState, regno: number, isNull: boolean): void {
  const regs = vstate.frames[vstate.curframe]!.regs;
  const id = regs[regno]!.id;
  const refObjId = regs[regno]!.refObjId;
  if (refObjId && refObjId === id && isNull) {
    // The NULL branch holds no reference.
    const i = vstate.refs.findIndex((r) => r.id === id);
    if (i >= 0) vstate.refs.splice(i, 1);
  }
  forEachReg(vstate, (reg) => {
    if (!typeMayBeNull(reg.type) || reg.id !== id || !id) return;
    if (reg.smin || reg.smax || !varOffIsZero(reg) || reg.off) return;
    if (isNull) {
      reg.type = RegType.SCALAR_VALUE;
      reg.id = 0;
      reg.refObjId = 0;
      return;
    }
    markPtrNotNullReg(reg);
    // The id of a map value with a spin lock pairs bpf_spin_lock with its unlock.
    if (!mayPointToSpinLock(reg)) reg.id = 0;
  });
}

/** find_good_pkt_pointers(): copies of `dst` may now access `range` bytes. */
function findGoodPktPointers(
  vstate: VerifierState,
  dst: RegState,
  type: number,
  rangeRightOpen: boolean,
): void {
  if (dst.off < 0 || (dst.off === 0 && rangeRightOpen)) return;
  if (dst.umax > BigInt(MAX_PACKET_OFF) || dst.umax + BigInt(dst.off) > BigInt(MAX_PACKET_OFF))
    return;
  let newRange = dst.off;
  if (rangeRightOpen) newRange++;
  const id = dst.id;
  forEachReg(vstate, (reg) => {
    if (reg.type === type && reg.id === id) reg.range = Math.max(reg.range, newRange);
  });
}

function markPktEnd(vstate: VerifierState, regno: number, rangeOpen: boolean): void {
  const reg = vstate.frames[vstate.curframe]!.regs[regno]!;
  if (reg.type !== RegType.PTR_TO_PACKET) return;
  reg.range = rangeOpen ? BEYOND_PKT_END : AT_PKT_END;
}

/** reg_is_init_pkt_pointer(): an unmodified packet pointer loaded from the context. */
const isInitPktPointer = (reg: RegState, which: number): boolean =>
  reg.type === which && reg.id === 0 && reg.off === 0 && varOffIsZero(reg);

/** try_match_pkt_pointers(): comparisons of packet pointers with pkt_end (or meta with data). */
function tryMatchPktPointers(
  insn: Insn,
  dst: RegState,
  src: RegState,
  thisBranch: VerifierState,
  otherBranch: VerifierState,
): boolean {
  if (opSource(insn.code) !== BPF_X || opClass(insn.code) === BPF_JMP32) return false;
  const P = RegType;
  const dataVsEnd =
    (dst.type === P.PTR_TO_PACKET && src.type === P.PTR_TO_PACKET_END) ||
    (dst.type === P.PTR_TO_PACKET_META && isInitPktPointer(src, P.PTR_TO_PACKET));
  const endVsData =
    (dst.type === P.PTR_TO_PACKET_END && src.type === P.PTR_TO_PACKET) ||
    (isInitPktPointer(dst, P.PTR_TO_PACKET) && src.type === P.PTR_TO_PACKET_META);
  const thisRegs = thisBranch.frames[thisBranch.curframe]!.regs;
  const otherRegs = otherBranch.frames[otherBranch.curframe]!.regs;
  const d = thisRegs.indexOf(dst);
  const s = thisRegs.indexOf(src);
  const dOther = otherRegs[d]!;
  const sOther = otherRegs[s]!;
  switch (opJmp(insn.code)) {
    case BPF_JGT:
      if (dataVsEnd) {
        findGoodPktPointers(thisBranch, dst, dst.type, false);
        markPktEnd(otherBranch, insn.dst, true);
      } else if (endVsData) {
        findGoodPktPointers(otherBranch, sOther, src.type, true);
        markPktEnd(thisBranch, insn.src, false);
      } else return false;
      return true;
    case BPF_JLT:
      if (dataVsEnd) {
        findGoodPktPointers(otherBranch, dOther, dst.type, true);
        markPktEnd(thisBranch, insn.dst, false);
      } else if (endVsData) {
        findGoodPktPointers(thisBranch, src, src.type, false);
        markPktEnd(otherBranch, insn.src, true);
      } else return false;
      return true;
    case BPF_JGE:
      if (dataVsEnd) {
        findGoodPktPointers(thisBranch, dst, dst.type, true);
        markPktEnd(otherBranch, insn.dst, false);
      } else if (endVsData) {
        findGoodPktPointers(otherBranch, sOther, src.type, false);
        markPktEnd(thisBranch, insn.src, true);
      } else return false;
      return true;
    case BPF_JLE:
      if (dataVsEnd) {
        findGoodPktPointers(otherBranch, dOther, dst.type, false);
        markPktEnd(thisBranch, insn.dst, true);
      } else if (endVsData) {
        findGoodPktPointers(thisBranch, src, src.type, true);
        markPktEnd(otherBranch, insn.src, false);
      } else return false;
      return true;
    default:
      return false;
  }
}

interface LinkedReg {
  frameno: number;
  isReg: boolean;
  /** Register number or stack slot. */
  idx: number;
}

/** collect_linked_regs(): scalars sharing an id with the compared register. */
function collectLinkedRegs(vstate: VerifierState, id: number, out: LinkedReg[]): void {
  id &= ~BPF_ADD_CONST;
  for (let i = vstate.curframe; i >= 0; i--) {
    const f = vstate.frames[i]!;
    const visit = (reg: RegState, isReg: boolean, idx: number): void => {
      if (reg.type !== RegType.SCALAR_VALUE || (reg.id & ~BPF_ADD_CONST) !== id) return;
      if (out.some((e) => e.frameno === i && e.isReg === isReg && e.idx === idx)) return;
      if (out.length < LINKED_REGS_MAX) out.push({ frameno: i, isReg, idx });
      else reg.id = 0;
    };
    for (let j = 0; j < 10; j++) visit(f.regs[j]!, true, j);
    f.stack.forEach((slot, j) => {
      if (slot.slotType[7] === 1 /* SPILL */) visit(slot.spilled, false, j);
    });
  }
}

/** sync_linked_regs(): copy the refined bounds of `known` to every linked scalar. */
function syncLinkedRegs(
  vstate: VerifierState,
  known: RegState,
  linked: readonly LinkedReg[],
): void {
  for (const e of linked) {
    const f = vstate.frames[e.frameno]!;
    const reg = e.isReg ? f.regs[e.idx]! : f.stack[e.idx]!.spilled;
    if (reg.type !== RegType.SCALAR_VALUE || reg === known) continue;
    if ((reg.id & ~BPF_ADD_CONST) !== (known.id & ~BPF_ADD_CONST)) continue;
    const subregDef = reg.subregDef;
    if ((!(reg.id & BPF_ADD_CONST) && !(known.id & BPF_ADD_CONST)) || reg.off === known.off) {
      copyRegState(reg, known);
      reg.subregDef = subregDef;
    } else {
      const savedOff = reg.off;
      const delta = constReg((savedOff | 0) - (known.off | 0));
      copyRegState(reg, known);
      const id = reg.id;
      scalarAlu(0 /* BPF_ADD */, reg, delta, true);
      reg.id = id;
      reg.off = savedOff;
      reg.subregDef = subregDef;
    }
  }
}

/** check_cond_jmp_op(): returns the index of the next insn to verify on this path. */
export function checkCondJmpOp(env: Env, insn: Insn): number {
  const idx = env.insnIdx;
  const op = opJmp(insn.code);
  if (op === BPF_JA || op > BPF_JCOND) env.fail(`invalid BPF_JMP/JMP32 opcode ${op.toString(16)}`);
  if (op === BPF_JCOND) return checkMayGoto(env, insn);

  const thisBranch = env.cur;
  const regs = env.regs;
  checkRegArg(env, insn.dst, SRC_OP);
  const dst = regs[insn.dst]!;
  let src: RegState;
  const isX = opSource(insn.code) === BPF_X;
  if (isX) {
    if (insn.imm !== 0) env.fail("BPF_JMP/JMP32 uses reserved fields");
    checkRegArg(env, insn.src, SRC_OP);
    src = regs[insn.src]!;
    if (!(isPktPointerAny(dst.type) && isPktPointerAny(src.type)) && isPointerValue(env, src)) {
      env.fail(`R${insn.src} pointer comparison prohibited`);
    }
  } else {
    if (insn.src !== 0) env.fail("BPF_JMP/JMP32 uses reserved fields");
    src = constReg(insn.imm);
  }
  // A stack pointer operand: backtracking must not follow it (history.ts).
  const stackFlags =
    (dst.type === RegType.PTR_TO_STACK ? INSN_F_DST_REG_STACK : 0) |
    (isX && src.type === RegType.PTR_TO_STACK ? INSN_F_SRC_REG_STACK : 0);
  if (stackFlags) env.hist.push(env.cur, idx, stackFlags, null);

  const is32 = opClass(insn.code) === BPF_JMP32;
  const aux = env.aux[idx]!;
  const pred = isBranchTaken(dst, src, op, is32);
  if (pred >= 0) {
    // Only one way is followed: the scalars that decided it must stay exact.
    if (dst.type === RegType.SCALAR_VALUE) markChainPrecision(env, insn.dst);
    if (isX && src.type === RegType.SCALAR_VALUE) markChainPrecision(env, insn.src);
  }
  if (pred === 1) {
    aux.branchTaken = true;
    printInsnState(env);
    return idx + insn.off + 1;
  }
  if (pred === 0) {
    aux.fallthroughTaken = true;
    printInsnState(env);
    return idx + 1;
  }
  aux.branchTaken = true;
  aux.fallthroughTaken = true;

  const linked: LinkedReg[] = [];
  if (isX && src.type === RegType.SCALAR_VALUE && src.id)
    collectLinkedRegs(thisBranch, src.id, linked);
  if (dst.type === RegType.SCALAR_VALUE && dst.id) collectLinkedRegs(thisBranch, dst.id, linked);
  // Both branches' histories record the link (for backtracking).
  if (linked.length > 1) env.hist.push(thisBranch, idx, 0, linked);

  const other = pushStack(env, idx + insn.off + 1, idx);
  const otherRegs = other.frames[other.curframe]!.regs;

  if (isX) {
    regSetMinMax(otherRegs[insn.dst]!, otherRegs[insn.src]!, dst, src, op, is32);
  } else {
    regSetMinMax(otherRegs[insn.dst]!, src, dst, cloneReg(src), op, is32);
  }
  if (linked.length > 1) {
    if (isX && src.type === RegType.SCALAR_VALUE && src.id) {
      syncLinkedRegs(thisBranch, src, linked);
      syncLinkedRegs(other, otherRegs[insn.src]!, linked);
    }
    if (dst.type === RegType.SCALAR_VALUE && dst.id) {
      syncLinkedRegs(thisBranch, dst, linked);
      syncLinkedRegs(other, otherRegs[insn.dst]!, linked);
    }
  }

  // Comparing a maybe-NULL pointer with a non-NULL one tells equality branches it is not NULL.
  if (
    !is32 &&
    isX &&
    src.type !== RegType.SCALAR_VALUE &&
    dst.type !== RegType.SCALAR_VALUE &&
    typeMayBeNull(src.type) !== typeMayBeNull(dst.type) &&
    baseType(src.type) !== RegType.PTR_TO_BTF_ID &&
    baseType(dst.type) !== RegType.PTR_TO_BTF_ID
  ) {
    const eqRegs = op === BPF_JEQ ? otherRegs : op === BPF_JNE ? regs : null;
    if (eqRegs) markPtrNotNullReg(eqRegs[typeMayBeNull(src.type) ? insn.src : insn.dst]!);
  }

  if (
    !is32 &&
    !isX &&
    insn.imm === 0 &&
    (op === BPF_JEQ || op === BPF_JNE) &&
    typeMayBeNull(dst.type)
  ) {
    markPtrOrNullRegs(thisBranch, insn.dst, op === BPF_JNE);
    markPtrOrNullRegs(other, insn.dst, op === BPF_JEQ);
  } else if (
    !tryMatchPktPointers(insn, dst, regs[insn.src]!, thisBranch, other) &&
    isPointerValue(env, dst)
  ) {
    env.fail(`R${insn.dst} pointer comparison prohibited`);
  }
  printInsnState(env);
  return idx + 1;
}
