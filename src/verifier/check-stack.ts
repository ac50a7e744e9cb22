// Stack accesses: bounds, spills and fills that keep a register's state
// (pointers and scalar bounds), zero tracking, uninitialised reads, and
// variable-offset accesses (check_stack_* in the kernel).
import { BPF_MEM, BPF_ST, opClass, opMode, MAX_BPF_STACK } from "../isa/opcodes.ts";
import { fls64 } from "./bigmath.ts";
import { tnumIsConst } from "./domain.ts";
import type { Env } from "./env.ts";
import { tnumText } from "./log.ts";
import { BPF_MAX_VAR_OFF } from "./cfg.ts";
import {
  constReg,
  copyRegState,
  markRegConstZero,
  markRegUnknown,
  regIsNull,
  REG_LIVE_WRITTEN,
  type RegState,
} from "./regs.ts";
import { isSpillableRegType, RegType } from "./reg-types.ts";
import {
  BPF_REG_SIZE,
  getSpi,
  isSpilledReg,
  isSpilledScalarReg,
  markStackSlotMisc,
  scrubSpilledSlot,
  StackType,
  type StackSlot,
} from "./stack.ts";
import { allocatedStack, growStack, type FuncState } from "./state.ts";
import { stackAccessFlags } from "./history.ts";
import { markStackSlotRead } from "./liveness.ts";
import { markChainPrecision } from "./precision.ts";
import { checkNoDynptrWrite, destroyDynptrsInRange, destroyIfDynptrStackSlot } from "./dynptr.ts";

export const BPF_READ = 1;
export const BPF_WRITE = 2;

/** grow_stack_state(): also records the subprogram's stack depth. */
function growStackState(env: Env, state: FuncState, size: number): void {
  const rounded = Math.ceil(size / BPF_REG_SIZE) * BPF_REG_SIZE;
  if (allocatedStack(state) >= rounded) return;
  growStack(state, rounded, env.bpfCapable);
  const sub = env.subprogs[state.subprogno];
  if (sub && sub.stackDepth < rounded) sub.stackDepth = rounded;
}

/** check_stack_access_within_bounds(): `off` includes reg->off but not var_off. */
export function checkStackAccessWithinBounds(
  env: Env,
  regno: number,
  off: number,
  size: number,
  type: number,
): void {
  const reg = env.regs[regno]!;
  const state = env.frameOf(reg);
  const extra = type === BPF_READ ? " read from" : " write to";
  let minOff: bigint;
  let maxOff: bigint;
  if (tnumIsConst(reg.varOff)) {
    minOff = BigInt.asIntN(64, reg.varOff.value) + BigInt(off);
    maxOff = minOff + BigInt(size);
  } else {
    if (reg.smax >= BigInt(BPF_MAX_VAR_OFF) || reg.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
      env.fail(`invalid unbounded variable-offset${extra} stack R${regno}`);
    }
    minOff = reg.smin + BigInt(off);
    maxOff = reg.smax + BigInt(off) + BigInt(size);
  }
  const minValid =
    type === BPF_WRITE || env.allowUninitStack ? -MAX_BPF_STACK : -allocatedStack(state);
  const bad = minOff < BigInt(minValid) || minOff > -1n || maxOff > 0n || size < 0;
  if (bad) {
    if (tnumIsConst(reg.varOff))
      env.fail(`invalid${extra} stack R${regno} off=${off} size=${size}`);
    env.fail(
      `invalid variable-offset${extra} stack R${regno} var_off=${tnumText(reg.varOff)} off=${off} size=${size}`,
    );
  }
  growStackState(env, state, Number(-minOff));
}

/** save_register_state(): spill `reg` (size bytes) into slot `spi`. */
function saveRegisterState(env: Env, slot: StackSlot, reg: RegState, size: number): void {
  copyRegState(slot.spilled, reg);
  if (size === BPF_REG_SIZE) slot.spilled.live |= REG_LIVE_WRITTEN;
  let i = BPF_REG_SIZE;
  for (; i > BPF_REG_SIZE - size; i--) slot.slotType[i - 1] = StackType.SPILL;
  for (; i; i--) markStackSlotMisc(slot.slotType, i - 1, env.allowPtrLeaks);
}

const isStackSlotSpecial = (s: StackSlot): boolean =>
  s.slotType[BPF_REG_SIZE - 1] === StackType.SPILL;

/** check_stack_write_fixed_off(): `off` is the final frame offset. */
function checkStackWriteFixedOff(
  env: Env,
  state: FuncState,
  off: number,
  size: number,
  valueRegno: number,
): void {
  const slotIdx = -off - 1;
  const spi = Math.floor(slotIdx / BPF_REG_SIZE);
  const slot = state.stack[spi]!;
  const insn = env.insns[env.insnIdx]!;
  if (
    !env.allowPtrLeaks &&
    isSpilledReg(slot) &&
    !isSpilledScalarReg(slot) &&
    size !== BPF_REG_SIZE
  ) {
    env.fail("attempt to corrupt spilled pointer on stack");
  }
  destroyIfDynptrStackSlot(env, state, spi);
  const cur = env.frame;
  const reg = valueRegno >= 0 ? cur.regs[valueRegno]! : null;
  const isStMem = opClass(insn.code) === BPF_ST && opMode(insn.code) === BPF_MEM;
  env.markStackSlotScratched(spi);
  if (reg && off % BPF_REG_SIZE === 0 && reg.type === RegType.SCALAR_VALUE && env.bpfCapable) {
    const fits = fls64(reg.umax) <= 8 * size;
    if (fits) env.assignScalarIdBeforeMov(reg);
    saveRegisterState(env, slot, reg, size);
    if (!fits) slot.spilled.id = 0;
  } else if (!reg && off % BPF_REG_SIZE === 0 && isStMem && env.bpfCapable) {
    saveRegisterState(env, slot, constReg(insn.imm), size);
  } else if (reg && isSpillableRegType(reg.type)) {
    if (size !== BPF_REG_SIZE) env.fail("invalid size of register spill");
    if (state !== cur && reg.type === RegType.PTR_TO_STACK) {
      env.fail("cannot spill pointers to stack into stack frame of the caller");
    }
    saveRegisterState(env, slot, reg, size);
  } else {
    slot.spilled.type = RegType.NOT_INIT;
    if (isStackSlotSpecial(slot))
      for (let i = 0; i < BPF_REG_SIZE; i++) scrubSpilledSlot(slot.slotType, i);
    if (size === BPF_REG_SIZE) slot.spilled.live |= REG_LIVE_WRITTEN;
    let type: number = StackType.MISC;
    if ((reg && regIsNull(reg)) || (!reg && isStMem && insn.imm === 0)) {
      // Not a spill (misaligned or unprivileged): STACK_ZERO is only right
      // if the zero is exact.
      if (reg) markChainPrecision(env, valueRegno);
      type = StackType.ZERO;
    }
    for (let i = 0; i < size; i++) slot.slotType[(slotIdx - i) % BPF_REG_SIZE] = type;
    return;
  }
  // A spill: precision backtracking follows the value through this slot.
  env.hist.push(env.cur, env.insnIdx, stackAccessFlags(state.frameno, spi), null);
}

/** check_stack_write_var_off(). */
function checkStackWriteVarOff(
  env: Env,
  state: FuncState,
  ptrRegno: number,
  off: number,
  size: number,
  valueRegno: number,
): void {
  const ptr = env.regs[ptrRegno]!;
  const insn = env.insns[env.insnIdx]!;
  const minOff = Number(ptr.smin) + off;
  const maxOff = Number(ptr.smax) + off + size;
  const value = valueRegno >= 0 ? env.regs[valueRegno]! : null;
  const isStMem = opClass(insn.code) === BPF_ST && opMode(insn.code) === BPF_MEM;
  const writingZero = (value !== null && regIsNull(value)) || (!value && isStMem && insn.imm === 0);
  let zeroUsed = false;
  destroyDynptrsInRange(env, state, minOff, maxOff);
  for (let i = minOff; i < maxOff; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    const slot = state.stack[spi]!;
    const k = slotIdx % BPF_REG_SIZE;
    const st = slot.slotType[k]!;
    env.markStackSlotScratched(spi);
    if (!env.allowPtrLeaks && st !== StackType.MISC && st !== StackType.ZERO) {
      env.fail(
        `spilled ptr in range of var-offset stack write; insn ${env.insnIdx}, ptr off: ${i}`,
      );
    }
    if (writingZero && st === StackType.SPILL && isSpilledScalarReg(slot)) {
      const s = slot.spilled;
      if (tnumIsConst(s.varOff) && s.varOff.value === 0n) continue;
    }
    slot.spilled.type = RegType.NOT_INIT;
    let newType: number = StackType.MISC;
    if (writingZero && st === StackType.ZERO) newType = StackType.ZERO;
    if (st === StackType.INVALID && !env.allowUninitStack) {
      env.fail(
        `uninit stack in range of var-offset write prohibited for !root; insn ${env.insnIdx}, off: ${i}`,
      );
    }
    slot.slotType[k] = newType;
    if (newType === StackType.ZERO) zeroUsed = true;
  }
  if (zeroUsed && valueRegno >= 0) markChainPrecision(env, valueRegno);
}

/** check_stack_write(): dispatch on a constant or variable offset. */
export function checkStackWrite(
  env: Env,
  ptrRegno: number,
  off: number,
  size: number,
  valueRegno: number,
): void {
  const reg = env.regs[ptrRegno]!;
  const state = env.frameOf(reg);
  if (tnumIsConst(reg.varOff)) {
    checkStackWriteFixedOff(
      env,
      state,
      off + Number(BigInt.asIntN(64, reg.varOff.value)),
      size,
      valueRegno,
    );
  } else {
    checkStackWriteVarOff(env, state, ptrRegno, off, size, valueRegno);
  }
}

/** mark_reg_stack_read(): a load of stack bytes [minOff, maxOff) into dst: zero if all ZERO. */
function markRegStackRead(
  env: Env,
  ptrState: FuncState,
  minOff: number,
  maxOff: number,
  dstRegno: number,
): void {
  const regs = env.regs;
  let zeros = 0;
  for (let i = minOff; i < maxOff; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    env.markStackSlotScratched(spi);
    if (ptrState.stack[spi]!.slotType[slotIdx % BPF_REG_SIZE] !== StackType.ZERO) break;
    zeros++;
  }
  if (zeros === maxOff - minOff) markRegConstZero(regs[dstRegno]!, env.bpfCapable);
  else markRegUnknown(regs[dstRegno]!, env.bpfCapable);
  regs[dstRegno]!.live |= REG_LIVE_WRITTEN;
}

function readStackByte(env: Env, off: number, i: number, size: number, t: number): void {
  if (t === StackType.MISC || t === StackType.ZERO) return;
  if (t === StackType.INVALID && env.allowUninitStack) return;
  env.fail(`invalid read from stack off ${off}+${i} size ${size}`);
}

/** check_stack_read_fixed_off(): fills restore spilled registers. */
function checkStackReadFixedOff(
  env: Env,
  regState: FuncState,
  off: number,
  size: number,
  dstRegno: number,
): void {
  const slotIdx = -off - 1;
  const spi = Math.floor(slotIdx / BPF_REG_SIZE);
  const slot = regState.stack[spi]!;
  const stype = slot.slotType;
  const reg = slot.spilled;
  const regs = env.regs;
  env.markStackSlotScratched(spi);
  if (isSpilledReg(slot)) {
    let fill = true;
    let spillSize = 1;
    for (let i = BPF_REG_SIZE - 1; i > 0 && stype[i - 1] === StackType.SPILL; i--) spillSize++;
    if (size !== BPF_REG_SIZE || spillSize !== BPF_REG_SIZE) {
      if (reg.type !== RegType.SCALAR_VALUE) env.fail("invalid size of register fill");
      markStackSlotRead(env, regState, spi);
      if (dstRegno < 0) return;
      const dst = regs[dstRegno]!;
      if (size <= spillSize && off % BPF_REG_SIZE === 0) {
        const subregDef = dst.subregDef;
        copyRegState(dst, reg);
        dst.subregDef = subregDef;
        if (fls64(reg.umax) > size * 8) dst.id = 0;
      } else {
        let spillCnt = 0;
        let zeroCnt = 0;
        for (let i = 0; i < size; i++) {
          const t = stype[(slotIdx - i) % BPF_REG_SIZE]!;
          if (t === StackType.SPILL) spillCnt++;
          else if (t === StackType.ZERO) zeroCnt++;
          else readStackByte(env, off, i, size, t);
        }
        if (spillCnt === size && tnumIsConst(reg.varOff) && reg.varOff.value === 0n) {
          markRegConstZero(dst, env.bpfCapable);
        } else if (zeroCnt === size) {
          markRegConstZero(dst, env.bpfCapable);
          fill = false;
        } else {
          markRegUnknown(dst, env.bpfCapable);
          fill = false;
        }
      }
      dst.live |= REG_LIVE_WRITTEN;
    } else if (dstRegno >= 0) {
      copyRegState(regs[dstRegno]!, reg);
      regs[dstRegno]!.live |= REG_LIVE_WRITTEN;
    } else if (!env.allowPtrLeaks && reg.type !== RegType.SCALAR_VALUE) {
      env.fail(`leaking pointer from stack off ${off}`);
    }
    markStackSlotRead(env, regState, spi);
    // A fill restores the spilled register: backtracking follows it to the slot.
    if (fill) {
      const flags = stackAccessFlags(regState.frameno, spi);
      env.hist.push(env.cur, env.insnIdx, flags, null);
    }
    return;
  }
  for (let i = 0; i < size; i++)
    readStackByte(env, off, i, size, stype[(slotIdx - i) % BPF_REG_SIZE]!);
  markStackSlotRead(env, regState, spi);
  if (dstRegno >= 0) markRegStackRead(env, regState, off, off + size, dstRegno);
}

/** check_stack_read(): dispatch on a constant or variable offset. */
export function checkStackRead(
  env: Env,
  ptrRegno: number,
  off: number,
  size: number,
  dstRegno: number,
): void {
  const reg = env.regs[ptrRegno]!;
  const state = env.frameOf(reg);
  const varOff = !tnumIsConst(reg.varOff);
  if (dstRegno < 0 && varOff) {
    env.fail(
      `variable offset stack pointer cannot be passed into helper function; var_off=${tnumText(reg.varOff)} off=${off} size=${size}`,
    );
  }
  if (!varOff) {
    checkStackReadFixedOff(
      env,
      state,
      off + Number(BigInt.asIntN(64, reg.varOff.value)),
      size,
      dstRegno,
    );
    return;
  }
  checkStackRangeInitialized(env, ptrRegno, off, size, false, BPF_READ, null);
  const minOff = Number(reg.smin) + off;
  const maxOff = Number(reg.smax) + off;
  markRegStackRead(env, state, minOff, maxOff + size, dstRegno);
}

/** What a helper call learns from its memory arguments (part of bpf_call_arg_meta). */
export interface RawModeMeta {
  /** The helper writes the memory without reading it (MEM_UNINIT). */
  rawMode: boolean;
  /** Set for raw-mode stack accesses: the bytes to mark written after the call. */
  accessSize: number;
  regno: number;
}

/**
 * check_stack_range_initialized(): a helper reads (or, in raw mode, fills)
 * `accessSize` bytes of stack at regno+off.
 */
export function checkStackRangeInitialized(
  env: Env,
  regno: number,
  off: number,
  accessSize: number,
  zeroSizeAllowed: boolean,
  type: number,
  meta: RawModeMeta | null,
): void {
  const reg = env.regs[regno]!;
  const state = env.frameOf(reg);
  if (accessSize === 0 && !zeroSizeAllowed) env.fail("invalid zero-sized read");
  const clobber = type === BPF_WRITE;
  checkStackAccessWithinBounds(env, regno, off, accessSize, type);
  let minOff: number;
  let maxOff: number;
  if (tnumIsConst(reg.varOff)) {
    minOff = maxOff = Number(BigInt.asIntN(64, reg.varOff.value)) + off;
  } else {
    if (!env.bypassSpecV1) {
      env.fail(
        `R${regno} variable offset stack access prohibited for !root, var_off=${tnumText(reg.varOff)}`,
      );
    }
    if (meta && meta.rawMode) meta = null;
    minOff = Number(reg.smin) + off;
    maxOff = Number(reg.smax) + off;
  }
  if (meta && meta.rawMode) {
    checkNoDynptrWrite(env, state, minOff, maxOff + accessSize);
    meta.accessSize = accessSize;
    meta.regno = regno;
    return;
  }
  for (let i = minOff; i < maxOff + accessSize; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    if (allocatedStack(state) <= slotIdx) env.fail("allocated_stack too small");
    const slot = state.stack[spi]!;
    const k = slotIdx % BPF_REG_SIZE;
    const st = slot.slotType[k]!;
    env.markStackSlotScratched(spi);
    // Any byte read makes the whole slot live (a failed check rejects anyway).
    markStackSlotRead(env, state, spi);
    if (st === StackType.MISC) continue;
    if (st === StackType.ZERO || (st === StackType.INVALID && env.allowUninitStack)) {
      if (clobber) slot.slotType[k] = StackType.MISC;
      continue;
    }
    if (isSpilledReg(slot) && (slot.spilled.type === RegType.SCALAR_VALUE || env.allowPtrLeaks)) {
      if (clobber) {
        markRegUnknown(slot.spilled, env.bpfCapable);
        for (let j = 0; j < BPF_REG_SIZE; j++) scrubSpilledSlot(slot.slotType, j);
      }
      continue;
    }
    if (tnumIsConst(reg.varOff)) {
      env.fail(`invalid read from stack R${regno} off ${minOff}+${i - minOff} size ${accessSize}`);
    }
    env.fail(
      `invalid read from stack R${regno} var_off ${tnumText(reg.varOff)}+${i - minOff} size ${accessSize}`,
    );
  }
}

export { getSpi };
