// Dynptrs on the stack (the kernel's STACK_DYNPTR tracking): a `struct
// bpf_dynptr` takes two 8-byte stack slots whose state says the dynptr's type
// (local, ringbuf, skb, xdp), which half is the first, its id (slices taken
// from it carry it) and, for ringbuf dynptrs, the reference that must be
// released (bpf_ringbuf_submit/discard_dynptr). Helpers and kfuncs initialise
// dynptrs through MEM_UNINIT arguments and read them through initialised ones
// (process_dynptr_func); writing over a dynptr's slots destroys it, unless it
// holds a reference.
import { BPF_DW } from "../isa/opcodes.ts";
import { BPF_WRITE, checkMemAccess } from "./check-mem.ts";
import type { Env } from "./env.ts";
import { markRegKnownZero, markRegNotInit, type RegState } from "./regs.ts";
import { baseType, RegType, TypeFlag } from "./reg-types.ts";
import { BPF_REG_SIZE, getSpi, StackType, type StackSlot } from "./stack.ts";
import { forEachReg, type FuncState } from "./state.ts";
import { markStackSlotRead } from "./liveness.ts";
import { acquireReference, markRegInvalid, releaseReference } from "./refs.ts";
import { dynptrTypeStr } from "./kfuncs/dynptr-text.ts";
import { DynptrType } from "./kfuncs/types.ts";

/** BPF_DYNPTR_NR_SLOTS. */
const NR_SLOTS = 2;
/** dynptr_get_spi(): the stack is not that deep yet (-ERANGE, not an error for MEM_UNINIT). */
export const SPI_ERANGE = -2;
/** dynptr_get_spi(): a bad offset, already logged. */
export const SPI_BAD = -1;

/** dynptr_type_refcounted(): ringbuf records must be submitted or discarded. */
export const dynptrTypeRefcounted = (t: number): boolean => t === DynptrType.RINGBUF;

/** Packet dynptr slices die with the packet (the kernel's DYNPTR_TYPE_SKB/XDP register flag). */
export const isDynptrPktSlice = (reg: RegState): boolean =>
  baseType(reg.type) === RegType.PTR_TO_MEM &&
  (reg.dynptrType === DynptrType.SKB || reg.dynptrType === DynptrType.XDP);

const allocatedSlots = (f: FuncState): number => f.stack.length;

/**
 * stack_slot_obj_get_spi() for dynptrs: the first slot's spi, SPI_ERANGE when
 * the frame's stack does not reach it yet, SPI_BAD (logged) for an offset
 * that is not constant or not 8-byte aligned.
 */
export function dynptrGetSpi(env: Env, reg: RegState): number {
  if (reg.varOff.mask !== 0n) {
    env.errorLine("dynptr has to be at a constant offset");
    return SPI_BAD;
  }
  const off = reg.off + Number(BigInt.asIntN(64, reg.varOff.value));
  if (off % BPF_REG_SIZE) {
    env.errorLine(`cannot pass in dynptr at an offset=${off}`);
    return SPI_BAD;
  }
  const spi = getSpi(off);
  if (spi + 1 < NR_SLOTS) {
    env.errorLine(`cannot pass in dynptr at an offset=${off}`);
    return SPI_BAD;
  }
  const state = env.frameOf(reg);
  if (spi - NR_SLOTS + 1 < 0 || spi >= allocatedSlots(state)) return SPI_ERANGE;
  return spi;
}

const isDynptrSlot = (s: StackSlot): boolean => s.slotType[0] === StackType.DYNPTR;

function setSlotTypes(slot: StackSlot, type: number): void {
  slot.slotType.fill(type);
}

/** __mark_dynptr_reg(): the state kept in one of a dynptr's slots. */
function markDynptrReg(reg: RegState, type: number, first: boolean, id: number): void {
  markRegKnownZero(reg);
  reg.type = RegType.CONST_PTR_TO_DYNPTR;
  reg.id = id;
  reg.dynptrType = type;
  reg.dynptrFirst = first;
}

/** Both halves become plain invalid stack (invalidate_dynptr). */
function invalidateDynptr(env: Env, state: FuncState, spi: number): void {
  for (const s of [spi, spi - 1]) {
    setSlotTypes(state.stack[s]!, StackType.INVALID);
    markRegNotInit(state.stack[s]!.spilled, env.bpfCapable);
    env.markStackSlotScratched(s);
  }
}

/**
 * destroy_if_dynptr_stack_slot(): a write touching slot `spi` of a dynptr
 * destroys both halves (and the slices taken from it); a referenced dynptr
 * may not be overwritten.
 */
export function destroyIfDynptrStackSlot(env: Env, state: FuncState, spi: number): void {
  const slot = state.stack[spi];
  if (!slot || !isDynptrSlot(slot)) return;
  const first = slot.spilled.dynptrFirst ? spi : spi + 1;
  const head = state.stack[first]!.spilled;
  if (dynptrTypeRefcounted(head.dynptrType)) env.fail("cannot overwrite referenced dynptr");
  env.markStackSlotScratched(first);
  env.markStackSlotScratched(first - 1);
  const dynptrId = head.id;
  setSlotTypes(state.stack[first]!, StackType.INVALID);
  setSlotTypes(state.stack[first - 1]!, StackType.INVALID);
  // Slices of this dynptr (PTR_TO_MEM, maybe NULL) die with it; packet slices
  // carry the packet flag in the kernel's type and are left alone, as there.
  forEachReg(env.cur, (reg) => {
    if (
      reg.type !== RegType.PTR_TO_MEM &&
      reg.type !== (RegType.PTR_TO_MEM | TypeFlag.PTR_MAYBE_NULL)
    )
      return;
    if (isDynptrPktSlice(reg)) return;
    if (reg.dynptrId === dynptrId) markRegInvalid(env, reg);
  });
  markRegNotInit(state.stack[first]!.spilled, env.bpfCapable);
  markRegNotInit(state.stack[first - 1]!.spilled, env.bpfCapable);
}

/** Write bytes [minOff, maxOff) of a frame's stack: destroy the dynptrs they touch. */
export function destroyDynptrsInRange(
  env: Env,
  state: FuncState,
  minOff: number,
  maxOff: number,
): void {
  for (let i = minOff; i < maxOff; i++) destroyIfDynptrStackSlot(env, state, getSpi(i));
}

/** check_stack_range_initialized() in raw mode: a helper may not write over a dynptr. */
export function checkNoDynptrWrite(
  env: Env,
  state: FuncState,
  minOff: number,
  maxOff: number,
): void {
  for (let i = minOff; i < maxOff; i++) {
    const slotIdx = -i - 1;
    if (slotIdx >= state.stack.length * BPF_REG_SIZE) continue;
    const slot = state.stack[Math.floor(slotIdx / BPF_REG_SIZE)]!;
    if (slot.slotType[slotIdx % BPF_REG_SIZE] === StackType.DYNPTR)
      env.fail(`potential write to dynptr at off=${i} disallowed`);
  }
}

/** is_dynptr_reg_valid_uninit(): the slots may take a new dynptr. */
function isValidUninit(env: Env, reg: RegState): boolean {
  if (reg.type === RegType.CONST_PTR_TO_DYNPTR) return false;
  const spi = dynptrGetSpi(env, reg);
  return spi >= 0 || spi === SPI_ERANGE;
}

/** is_dynptr_reg_valid_init(): an initialised dynptr starts at this pointer. */
function isValidInit(env: Env, reg: RegState): boolean {
  if (reg.type === RegType.CONST_PTR_TO_DYNPTR) return true;
  const spi = dynptrGetSpi(env, reg);
  if (spi < 0) return false;
  const state = env.frameOf(reg);
  const a = state.stack[spi]!;
  const b = state.stack[spi - 1]!;
  if (!a.spilled.dynptrFirst) return false;
  for (let i = 0; i < BPF_REG_SIZE; i++)
    if (a.slotType[i] !== StackType.DYNPTR || b.slotType[i] !== StackType.DYNPTR) return false;
  return true;
}

/** The state of an initialised dynptr argument: its first slot's, or the register's. */
export function dynptrState(env: Env, reg: RegState): RegState {
  if (reg.type === RegType.CONST_PTR_TO_DYNPTR) return reg;
  const spi = dynptrGetSpi(env, reg);
  if (spi < 0) env.fail("verifier internal error: failed to obtain dynptr id");
  return env.frameOf(reg).stack[spi]!.spilled;
}

/** mark_stack_slots_dynptr(): a new dynptr of `type` at reg (refcounted ones acquire). */
function markStackSlotsDynptr(env: Env, reg: RegState, type: number, cloneRefObjId: number): void {
  const spi = dynptrGetSpi(env, reg);
  if (spi < 0) env.abort();
  const state = env.frameOf(reg);
  destroyIfDynptrStackSlot(env, state, spi);
  destroyIfDynptrStackSlot(env, state, spi - 1);
  setSlotTypes(state.stack[spi]!, StackType.DYNPTR);
  setSlotTypes(state.stack[spi - 1]!, StackType.DYNPTR);
  const id = ++env.idGen;
  markDynptrReg(state.stack[spi]!.spilled, type, true, id);
  markDynptrReg(state.stack[spi - 1]!.spilled, type, false, id);
  if (dynptrTypeRefcounted(type)) {
    const ref = cloneRefObjId || acquireReference(env);
    state.stack[spi]!.spilled.refObjId = ref;
    state.stack[spi - 1]!.spilled.refObjId = ref;
  }
  env.markStackSlotScratched(spi);
  env.markStackSlotScratched(spi - 1);
}

/**
 * unmark_stack_slots_dynptr(): bpf_ringbuf_submit/discard_dynptr ends the
 * dynptr, its reference, its slices and its clones.
 */
export function unmarkStackSlotsDynptr(env: Env, reg: RegState): void {
  if (reg.type === RegType.CONST_PTR_TO_DYNPTR)
    env.fail("verifier internal error: CONST_PTR_TO_DYNPTR cannot be released");
  const spi = dynptrGetSpi(env, reg);
  if (spi < 0) env.abort();
  const state = env.frameOf(reg);
  const head = state.stack[spi]!.spilled;
  if (!dynptrTypeRefcounted(head.dynptrType)) {
    invalidateDynptr(env, state, spi);
    return;
  }
  const ref = head.refObjId;
  releaseReference(env, ref);
  for (let i = 1; i < state.stack.length; i++) {
    const s = state.stack[i]!;
    if (s.spilled.refObjId !== ref || !isDynptrSlot(s)) continue;
    if (s.spilled.dynptrFirst) invalidateDynptr(env, state, i);
  }
}

/** What a dynptr argument asks for (the ARG_PTR_TO_DYNPTR flags). */
export interface DynptrArg {
  /** MEM_UNINIT: the callee constructs a dynptr there. */
  uninit: boolean;
  /** MEM_RDONLY: the callee neither changes nor destroys the dynptr. */
  rdonly: boolean;
  /** DYNPTR_TYPE_*: the kind constructed, or required (0: any). */
  type: number;
  /** bpf_dynptr_clone: the reference the clone shares with its parent. */
  cloneRefObjId?: number;
}

/** process_dynptr_func(): check (and for MEM_UNINIT, create) the dynptr behind `regno`. */
export function processDynptrArg(env: Env, regno: number, arg: DynptrArg): void {
  const reg = env.regs[regno]!;
  if (arg.uninit && arg.rdonly)
    env.fail("verifier internal error: misconfigured dynptr helper type flags");
  if (arg.uninit) {
    if (!isValidUninit(env, reg)) env.fail("Dynptr has to be an uninitialized dynptr");
    // The callee writes all 16 bytes (8 at a time), which also destroys old dynptrs there.
    for (let i = 0; i < 16; i += 8)
      checkMemAccess(env, regno, i, BPF_DW, BPF_WRITE, -1, false, false);
    if (arg.type === DynptrType.INVALID) env.fail("verifier internal error: no dynptr type");
    markStackSlotsDynptr(env, env.regs[regno]!, arg.type, arg.cloneRefObjId ?? 0);
    return;
  }
  if (reg.type === RegType.CONST_PTR_TO_DYNPTR && !arg.rdonly)
    env.fail("cannot pass pointer to const bpf_dynptr, the helper mutates it");
  if (!isValidInit(env, reg)) env.fail(`Expected an initialized dynptr as arg #${regno}`);
  if (arg.type !== DynptrType.INVALID && dynptrState(env, reg).dynptrType !== arg.type) {
    env.fail(`Expected a dynptr of type ${dynptrTypeStr(arg.type)} as arg #${regno}`);
  }
  markDynptrRead(env, reg);
}

/** mark_dynptr_read(): both slots are live for pruning (what they hold was used). */
function markDynptrRead(env: Env, reg: RegState): void {
  if (reg.type === RegType.CONST_PTR_TO_DYNPTR) return;
  const spi = dynptrGetSpi(env, reg);
  const frame = env.frameOf(reg);
  markStackSlotRead(env, frame, spi);
  markStackSlotRead(env, frame, spi - 1);
}
