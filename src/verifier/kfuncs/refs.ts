// Reference state for what kfuncs and dynptrs acquire and release: a ringbuf
// dynptr and a KF_ACQUIRE result hold a reference until released
// (acquire_reference / release_reference in the kernel); releasing one
// invalidates every register derived from it (slices, copies).
import type { Env } from "../env.ts";
import { markRegNotInit, markRegUnknown, type RegState } from "../regs.ts";
import { forEachReg } from "../state.ts";

/** acquire_reference(): a new reference id owned by the current path. */
export function acquireRef(env: Env, insnIdx: number): number {
  const id = ++env.idGen;
  env.cur.refs.push({ id, insnIdx });
  return id;
}

/** mark_reg_invalid(): a pointer that must not be used any more. */
export function markRegInvalid(env: Env, reg: RegState): void {
  if (!env.allowPtrLeaks) markRegNotInit(reg, env.bpfCapable);
  else markRegUnknown(reg, env.bpfCapable);
}

/** release_reference(): false when the path holds no such reference. */
export function releaseRef(env: Env, refObjId: number): boolean {
  const refs = env.cur.refs;
  const i = refs.findIndex((r) => r.id === refObjId);
  if (i < 0) return false;
  refs.splice(i, 1);
  forEachReg(env.cur, (reg) => {
    if (reg.refObjId === refObjId) markRegInvalid(env, reg);
  });
  return true;
}
