// Register state: the scalar domain (tnum + bounds) extended with the pointer
// part of the kernel's `struct bpf_reg_state`. Records are flat and copied field
// by field; the verifier clones states before branching.
import { markKnown, markUnknown, tnumIsConst, tnumSubreg, type ScalarBounds } from "./domain.ts";
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX } from "./bigmath.ts";
import type { BtfRef } from "./btf-ptr.ts";
import { TNUM_UNKNOWN } from "./tnum.ts";
import type { MapInfo } from "./map-info.ts";
import { RegType } from "./reg-types.ts";

/** Liveness marks (only WRITTEN is printed in the current state: `R1_w`). */
export const REG_LIVE_NONE = 0;
export const REG_LIVE_READ32 = 1;
export const REG_LIVE_READ64 = 2;
export const REG_LIVE_READ = REG_LIVE_READ32 | REG_LIVE_READ64;
export const REG_LIVE_WRITTEN = 4;
export const REG_LIVE_DONE = 8;

/**
 * Flag in a scalar's id: the register holds the value of the registers with
 * the same id plus `off` (from `rX = rY; rX += K`), so bounds learnt on one
 * carry over to the other.
 */
export const BPF_ADD_CONST = 0x80000000;

/** `subreg_def` value of a register whose upper half is known to be defined. */
export const DEF_NOT_SUBREG = 0;

export interface RegState extends ScalarBounds {
  /** Base RegType | TypeFlag bits. */
  type: number;
  /** Fixed offset of a pointer (kernel `reg->off`). */
  off: number;
  /** Identity shared by copies: null checks and linked scalar bounds follow it. */
  id: number;
  /** Reference the register holds (acquired by a helper), 0 if none. */
  refObjId: number;
  /** The map for CONST_PTR_TO_MAP / PTR_TO_MAP_VALUE / PTR_TO_MAP_KEY. */
  map: MapInfo | null;
  /** Unique id of an inner map returned by a map-in-map lookup. */
  mapUid: number;
  /** The BTF type behind a PTR_TO_BTF_ID (btf + btf_id), interned. */
  btf: BtfRef | null;
  /** Bytes known readable past a packet pointer; negative: AT/BEYOND_PKT_END. */
  range: number;
  /** Size of the memory behind PTR_TO_MEM. */
  memSize: number;
  /** Frame a PTR_TO_STACK points into. */
  frameno: number;
  /** Subprogram of a PTR_TO_FUNC. */
  subprogno: number;
  /** Scalar whose exact value matters for safety (precision tracking). */
  precise: boolean;
  /** REG_LIVE_* marks. */
  live: number;
  /**
   * The same register (or stack slot) in the last checkpoint of this path:
   * liveness.ts marks reads there (the kernel's `parent`). Copies share it.
   */
  parent: RegState | null;
  /** Index+1 of the insn that last wrote only the low 32 bits, or DEF_NOT_SUBREG. */
  subregDef: number;
  /**
   * Dynptrs (dynptr.ts): the BPF_DYNPTR_TYPE_* of a STACK_DYNPTR slot's
   * spilled state or a CONST_PTR_TO_DYNPTR; on a slice (PTR_TO_MEM) the type
   * of the dynptr it came from, 0 otherwise.
   */
  dynptrType: number;
  /** STACK_DYNPTR: this slot is the dynptr's first (higher) slot. */
  dynptrFirst: boolean;
  /** A dynptr slice: the id of the dynptr it was taken from (invalidated with it). */
  dynptrId: number;
}

/** A register with no value (NOT_INIT), bounds unknown. */
export function newReg(): RegState {
  // Every field is in the literal, none added afterwards: all registers then
  // share one hidden class and V8 keeps accesses to them monomorphic.
  const r: RegState = {
    type: RegType.NOT_INIT,
    off: 0,
    id: 0,
    refObjId: 0,
    map: null,
    mapUid: 0,
    btf: null,
    range: 0,
    memSize: 0,
    frameno: 0,
    subprogno: 0,
    precise: false,
    live: REG_LIVE_NONE,
    parent: null,
    subregDef: DEF_NOT_SUBREG,
    dynptrType: 0,
    dynptrFirst: false,
    dynptrId: 0,
    varOff: TNUM_UNKNOWN,
    smin: S64_MIN,
    smax: S64_MAX,
    umin: 0n,
    umax: U64_MAX,
    s32min: S32_MIN,
    s32max: S32_MAX,
    u32min: 0n,
    u32max: U32_MAX,
  };
  return r;
}

/** Copy every field of `src` into `dst` (the kernel's struct assignment). */
export function assignReg(dst: RegState, src: RegState): void {
  dst.type = src.type;
  dst.off = src.off;
  dst.id = src.id;
  dst.refObjId = src.refObjId;
  dst.map = src.map;
  dst.mapUid = src.mapUid;
  dst.btf = src.btf;
  dst.range = src.range;
  dst.memSize = src.memSize;
  dst.frameno = src.frameno;
  dst.subprogno = src.subprogno;
  dst.precise = src.precise;
  dst.live = src.live;
  dst.parent = src.parent;
  dst.subregDef = src.subregDef;
  dst.dynptrType = src.dynptrType;
  dst.dynptrFirst = src.dynptrFirst;
  dst.dynptrId = src.dynptrId;
  dst.varOff = src.varOff;
  dst.smin = src.smin;
  dst.smax = src.smax;
  dst.umin = src.umin;
  dst.umax = src.umax;
  dst.s32min = src.s32min;
  dst.s32max = src.s32max;
  dst.u32min = src.u32min;
  dst.u32max = src.u32max;
}

/** copy_register_state(): like assignReg but the destination keeps its liveness marks and parent. */
export function copyRegState(dst: RegState, src: RegState): void {
  const live = dst.live;
  const parent = dst.parent;
  assignReg(dst, src);
  dst.live = live;
  dst.parent = parent;
}

/**
 * A copy of `src` built as one object literal with newReg()'s fields in
 * newReg()'s order (same hidden class), generated so that fields added to
 * RegState are copied too. States are cloned at every branch and checkpoint:
 * this is several times cheaper than newReg() followed by assignReg().
 */
export const cloneReg = new Function(
  "s",
  `return { ${Object.keys(newReg())
    .map((k) => `${k}: s.${k}`)
    .join(", ")} };`,
) as (src: RegState) => RegState;

/** Clear the pointer part (off, map, range, mem size, ids) as __mark_reg_known does. */
function clearPointerPart(reg: RegState): void {
  reg.off = 0;
  reg.map = null;
  reg.mapUid = 0;
  reg.btf = null;
  reg.range = 0;
  reg.memSize = 0;
  reg.subprogno = 0;
  reg.id = 0;
  reg.refObjId = 0;
  reg.dynptrType = 0;
  reg.dynptrFirst = false;
  reg.dynptrId = 0;
}

/** __mark_reg_known(): value known to be `imm` (the type is left alone). */
export function markRegKnown(reg: RegState, imm: bigint): void {
  clearPointerPart(reg);
  markKnown(reg, imm);
}

/** __mark_reg_known_zero(): a pointer with no offset. */
export function markRegKnownZero(reg: RegState): void {
  markRegKnown(reg, 0n);
}

/** __mark_reg_const_zero(): the scalar 0. */
export function markRegConstZero(reg: RegState, bpfCapable: boolean): void {
  markRegKnown(reg, 0n);
  reg.type = RegType.SCALAR_VALUE;
  reg.precise = !bpfCapable;
}

/** __mark_reg_unknown(): an unbounded scalar. */
export function markRegUnknown(reg: RegState, bpfCapable: boolean): void {
  clearPointerPart(reg);
  reg.type = RegType.SCALAR_VALUE;
  reg.frameno = 0;
  markUnknown(reg);
  reg.precise = !bpfCapable;
}

/** __mark_reg_not_init(). */
export function markRegNotInit(reg: RegState, bpfCapable: boolean): void {
  markRegUnknown(reg, bpfCapable);
  reg.type = RegType.NOT_INIT;
}

/** A scalar register holding exactly zero (register_is_null). */
export function regIsNull(reg: RegState): boolean {
  return reg.type === RegType.SCALAR_VALUE && tnumIsConst(reg.varOff) && reg.varOff.value === 0n;
}

/** is_reg_const(): a scalar whose (sub)register value is known. */
export function isRegConst(reg: RegState, subreg32: boolean): boolean {
  return (
    reg.type === RegType.SCALAR_VALUE && tnumIsConst(subreg32 ? tnumSubreg(reg.varOff) : reg.varOff)
  );
}

/** reg_const_value() (unsigned). */
export function regConstValue(reg: RegState, subreg32: boolean): bigint {
  return subreg32 ? tnumSubreg(reg.varOff).value : reg.varOff.value;
}

/** Recent BPF_K operands: a copy shares the BigInts instead of making new ones. */
const constRegs = new Map<number, RegState>();

/** A fake scalar register holding `imm` sign-extended to 64 bits (BPF_K operands). */
export function constReg(imm: number): RegState {
  let r = constRegs.get(imm);
  if (!r) {
    r = newReg();
    r.type = RegType.SCALAR_VALUE;
    markRegKnown(r, BigInt.asUintN(64, BigInt(imm)));
    if (constRegs.size >= 4096) constRegs.clear();
    constRegs.set(imm, r);
  }
  return cloneReg(r);
}

/** Fixed `var_off` equal to zero (pointers never moved by a variable amount). */
export function varOffIsZero(reg: RegState): boolean {
  return tnumIsConst(reg.varOff) && reg.varOff.value === 0n;
}
