// State comparison for pruning (states_equal / regsafe / stacksafe): may the
// current state stop because a finished checkpoint at the same instruction is
// at least as general? Ids are compared up to renaming (check_ids).
import { markUnknown, tnumEquals, tnumIn } from "./domain.ts";
import type { Env } from "./env.ts";
import { BPF_ADD_CONST, newReg, REG_LIVE_READ, type RegState } from "./regs.ts";
import { baseType, RegType } from "./reg-types.ts";
import { BPF_REG_SIZE, isSpilledScalarReg64, StackType, type StackSlot } from "./stack.ts";
import type { FuncState, VerifierState } from "./state.ts";
import { refsEquivalent } from "./refs.ts";

/**
 * How strictly states_equal() compares (enum exact_level): NOT_EXACT for
 * pruning (dead and imprecise values match anything), EXACT for
 * infinite-loop detection, RANGE_WITHIN for loop convergence (ranges, but
 * every value counts).
 */
export const NOT_EXACT = 0;
export const EXACT = 1;
export const RANGE_WITHIN = 2;

/** Old id -> current id, plus a generator for "fresh" ids of zero scalar ids. */
// Most comparisons fail before any id is met, so the tables are made lazily.
class IdMap {
  private map: Map<number, number> | undefined;
  private used: Set<number> | undefined;
  private tmp: number;
  constructor(base: number) {
    this.tmp = base;
  }
  check(oldId: number, curId: number): boolean {
    if (!!oldId !== !!curId) return false;
    if (!oldId) return true;
    const map = (this.map ??= new Map());
    const used = (this.used ??= new Set());
    const seen = map.get(oldId);
    if (seen !== undefined) return seen === curId;
    if (used.has(curId)) return false;
    map.set(oldId, curId);
    used.add(curId);
    return true;
  }
  checkScalar(oldId: number, curId: number): boolean {
    return this.check(oldId || ++this.tmp, curId || ++this.tmp);
  }
}

/** tnum_in(old, cur); states cloned from one another share their tnums, and BigInt masks allocate. */
const varOffIn = (old: RegState, cur: RegState): boolean =>
  old.varOff === cur.varOff || tnumIn(old.varOff, cur.varOff);

/** range_within(): every bound of cur inside old's. */
function rangeWithin(old: RegState, cur: RegState): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max
  );
}

/** The fields the kernel compares with memcmp up to var_off: type, off and the pointer union. */
function pointerPartEqual(a: RegState, b: RegState): boolean {
  return (
    a.type === b.type &&
    a.off === b.off &&
    a.map === b.map &&
    a.mapUid === b.mapUid &&
    a.btf === b.btf &&
    a.range === b.range &&
    a.memSize === b.memSize &&
    a.subprogno === b.subprogno &&
    a.dynptrType === b.dynptrType &&
    a.dynptrFirst === b.dynptrFirst &&
    a.dynptrId === b.dynptrId
  );
}

function boundsEqual(a: RegState, b: RegState): boolean {
  return (
    tnumEquals(a.varOff, b.varOff) &&
    a.smin === b.smin &&
    a.smax === b.smax &&
    a.umin === b.umin &&
    a.umax === b.umax &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max
  );
}

function regsExact(old: RegState, cur: RegState, ids: IdMap): boolean {
  return (
    pointerPartEqual(old, cur) &&
    boundsEqual(old, cur) &&
    ids.check(old.id, cur.id) &&
    ids.check(old.refObjId, cur.refObjId)
  );
}

/** regsafe(): is `old` (verified safe) at least as general as `cur`? */
function regsafe(old: RegState, cur: RegState, ids: IdMap, exact: number): boolean {
  if (exact === EXACT) return regsExact(old, cur, ids);
  // The old state's continuation never read it.
  if (!(old.live & REG_LIVE_READ) && exact === NOT_EXACT) return true;
  if (old.type === RegType.NOT_INIT && (exact === NOT_EXACT || cur.type === RegType.NOT_INIT))
    return true;
  if (old.type !== cur.type) return false;
  switch (baseType(old.type)) {
    case RegType.SCALAR_VALUE:
      // Nothing relied on its exact value.
      if (!old.precise && exact === NOT_EXACT) return true;
      if ((old.id & BPF_ADD_CONST) !== (cur.id & BPF_ADD_CONST)) return false;
      if (old.id & BPF_ADD_CONST && old.off !== cur.off) return false;
      return rangeWithin(old, cur) && varOffIn(old, cur) && ids.checkScalar(old.id, cur.id);
    case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MEM:
    case RegType.PTR_TO_BUF:
    case RegType.PTR_TO_TP_BUFFER:
      return (
        pointerPartEqual(old, cur) &&
        rangeWithin(old, cur) &&
        varOffIn(old, cur) &&
        ids.check(old.id, cur.id) &&
        ids.check(old.refObjId, cur.refObjId)
      );
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_PACKET:
      if (old.range > cur.range) return false;
      if (old.off !== cur.off) return false;
      if (!ids.check(old.id, cur.id)) return false;
      return rangeWithin(old, cur) && varOffIn(old, cur);
    case RegType.PTR_TO_STACK:
      return regsExact(old, cur, ids) && old.frameno === cur.frameno;
    default:
      return regsExact(old, cur, ids);
  }
}

const UNBOUND = ((): RegState => {
  const r = newReg();
  r.type = RegType.SCALAR_VALUE;
  markUnknown(r);
  r.live = REG_LIVE_READ;
  return r;
})();

function scalarRegForStack(env: Env, slot: StackSlot): RegState | null {
  if (isSpilledScalarReg64(slot)) return slot.spilled;
  for (let i = 0; i < BPF_REG_SIZE; i++) {
    const t = slot.slotType[i];
    if (t === StackType.MISC || (t === StackType.INVALID && env.allowUninitStack)) continue;
    return null;
  }
  return UNBOUND;
}

/**
 * The bytes of one old slot in order, as stacksafe() checks them: false when
 * the current slot's bytes do not give at least what they gave.
 */
function slotBytesSafe(
  env: Env,
  oldSlot: StackSlot,
  curSlot: StackSlot,
  ids: IdMap,
  exact: number,
): boolean {
  for (let k = 0; k < BPF_REG_SIZE; k++) {
    const oldType = oldSlot.slotType[k]!;
    if (oldType === StackType.INVALID) continue;
    if (env.allowUninitStack && oldType === StackType.MISC) continue;
    const curType = curSlot.slotType[k]!;
    // What was safe with unknown bytes is safe with zeroes (not the reverse).
    if (oldType === StackType.MISC && curType === StackType.ZERO) continue;
    if (oldType !== curType) return false;
    if (k !== BPF_REG_SIZE - 1) continue;
    if (oldType === StackType.SPILL) {
      if (!regsafe(oldSlot.spilled, curSlot.spilled, ids, exact)) return false;
    } else if (oldType === StackType.DYNPTR) {
      // Same dynptr kind and half; references compared up to renaming (stacksafe).
      const o = oldSlot.spilled;
      const c = curSlot.spilled;
      if (o.dynptrType !== c.dynptrType || o.dynptrFirst !== c.dynptrFirst) return false;
      if (!ids.check(o.refObjId, c.refObjId)) return false;
    }
  }
  return true;
}

/** One slot of stacksafe(): does the old slot cover the current one (absent: never allocated)? */
function slotSafe(
  env: Env,
  oldSlot: StackSlot,
  curSlot: StackSlot | undefined,
  ids: IdMap,
  exact: number,
): boolean {
  if (exact !== NOT_EXACT) {
    if (!curSlot) return false;
    for (let k = 0; k < BPF_REG_SIZE; k++)
      if (oldSlot.slotType[k] !== curSlot.slotType[k]) return false;
  } else if (!(oldSlot.spilled.live & REG_LIVE_READ)) {
    return true; // the old state's continuation never read this slot
  }
  // Only bytes the old state had initialised need checking.
  let k = 0;
  for (; k < BPF_REG_SIZE; k++) {
    const t = oldSlot.slotType[k];
    if (t !== StackType.INVALID && !(env.allowUninitStack && t === StackType.MISC)) break;
  }
  if (k === BPF_REG_SIZE) return true;
  if (!curSlot) return false;
  // A 64-bit scalar spill and all-MISC bytes (an unknown scalar) compare as scalars.
  const oldReg = scalarRegForStack(env, oldSlot);
  const curReg = oldReg && scalarRegForStack(env, curSlot);
  if (oldReg && curReg) return regsafe(oldReg, curReg, ids, exact);
  return slotBytesSafe(env, oldSlot, curSlot, ids, exact);
}

/**
 * Where a comparison found a difference: a frame, and a register (0-10) or
 * STACK_AT + slot. Comparisons are conjunctions whose result does not depend
 * on their order (ids are matched as a bijection), so a checkpoint's last
 * difference can be tried first: most comparisons fail, mostly there.
 */
export interface Mismatch {
  frame: number;
  at: number;
}
const STACK_AT = 16;
let failAt = -1;

/** The kernel walks bytes; slot by slot gives the same answers with far fewer steps. */
function stacksafe(env: Env, old: FuncState, cur: FuncState, ids: IdMap, exact: number): boolean {
  const n = old.stack.length;
  for (let spi = 0; spi < n; spi++) {
    if (!slotSafe(env, old.stack[spi]!, cur.stack[spi], ids, exact)) {
      failAt = STACK_AT + spi;
      return false;
    }
  }
  return true;
}

/** The comparison of one register or slot a Mismatch names (true if it names nothing there). */
function mismatchSafe(
  env: Env,
  old: VerifierState,
  cur: VerifierState,
  m: Mismatch,
  ids: IdMap,
  exact: number,
): boolean {
  const fo = old.frames[m.frame]!;
  const fc = cur.frames[m.frame]!;
  if (fo.callsite !== fc.callsite) return false;
  if (m.at < STACK_AT) return regsafe(fo.regs[m.at]!, fc.regs[m.at]!, ids, exact);
  const spi = m.at - STACK_AT;
  return spi >= fo.stack.length || slotSafe(env, fo.stack[spi]!, fc.stack[spi], ids, exact);
}

/** states_equal(): does `old` cover `cur` (NOT_EXACT), or equal it (EXACT, RANGE_WITHIN)? */
export function statesEqual(
  env: Env,
  old: VerifierState,
  cur: VerifierState,
  exact: number,
  mismatch?: Mismatch,
): boolean {
  if (old.curframe !== cur.curframe) return false;
  const ids = new IdMap(env.idGen);
  if (mismatch) {
    // On its own id map: checking a pair twice on one map is not the same as
    // once (a zero scalar id takes a fresh id each time; the kernel means
    // that). A part that fails on its own fails in the whole.
    if (mismatch.frame >= 0 && mismatch.frame <= old.curframe) {
      if (!mismatchSafe(env, old, cur, mismatch, new IdMap(env.idGen), exact)) return false;
    }
    failAt = -1;
    if (statesEqualIn(env, old, cur, exact, ids)) return true;
    if (failAt >= 0) {
      mismatch.frame = failFrame;
      mismatch.at = failAt;
    }
    return false;
  }
  return statesEqualIn(env, old, cur, exact, ids);
}

let failFrame = -1;

function statesEqualIn(
  env: Env,
  old: VerifierState,
  cur: VerifierState,
  exact: number,
  ids: IdMap,
): boolean {
  // Most states hold no references: no closure for them on this hot path.
  if ((old.refs.length || cur.refs.length) && !refsEquivalent(old, cur, (a, b) => ids.check(a, b)))
    return false;
  for (let i = 0; i <= old.curframe; i++) {
    const fo = old.frames[i]!;
    const fc = cur.frames[i]!;
    if (fo.callsite !== fc.callsite) return false;
    // More callback iterations verified in the old state than in this one: not covered yet.
    if (fo.callbackDepth > fc.callbackDepth) return false;
    failFrame = i;
    for (let r = 0; r < fo.regs.length; r++) {
      if (!regsafe(fo.regs[r]!, fc.regs[r]!, ids, exact)) {
        failAt = r;
        return false;
      }
    }
    if (!stacksafe(env, fo, fc, ids, exact)) return false;
  }
  return true;
}

/** states_maybe_looping(): registers of the current frame bit-identical (cheap pre-check). */
export function statesMaybeLooping(old: VerifierState, cur: VerifierState): boolean {
  const fr = cur.curframe;
  if (old.curframe !== fr) return false;
  const a = old.frames[fr]!.regs;
  const b = cur.frames[fr]!.regs;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!pointerPartEqual(x, y) || !boundsEqual(x, y) || x.id !== y.id || x.refObjId !== y.refObjId)
      return false;
  }
  return true;
}
