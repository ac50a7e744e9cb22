// What a path holds that it must give back: acquired references (sockets
// from bpf_sk_lookup_*, ring buffer records, ...) and bpf_spin_lock.
// Both live in the path's `VerifierState.refs`, as in the kernel since 6.13:
// a reference is an id plus the instruction that acquired it; a lock is an
// entry whose `lock` names what was locked (the map, or the BTF type of an
// allocated object) and whose id is the locked pointer's register id. At
// most one spin lock is held at a time and it must be released in order.
import type { Env } from "./env.ts";
import { markRegNotInit, markRegUnknown, type RegState } from "./regs.ts";
import { RegType } from "./reg-types.ts";
import { forEachReg, type RefState, type VerifierState } from "./state.ts";
import { tnumIsConst } from "./domain.ts";

/** acquire_reference(): a new reference id held by the current path. */
export function acquireReference(env: Env): number {
  const id = ++env.idGen;
  env.cur.refs.push({ id, insnIdx: env.insnIdx });
  return id;
}

/** mark_reg_invalid(): a pointer that is no longer safe to use. */
export function markRegInvalid(env: Env, reg: RegState): void {
  if (!env.allowPtrLeaks) markRegNotInit(reg, env.bpfCapable);
  else markRegUnknown(reg, env.bpfCapable);
}

/** release_reference(): drop a reference and invalidate every copy of the pointer. */
export function releaseReference(env: Env, refObjId: number): boolean {
  const refs = env.cur.refs;
  const i = refs.findIndex((r) => r.id === refObjId && !r.lock);
  if (i < 0) return false;
  refs.splice(i, 1);
  forEachReg(env.cur, (reg) => {
    if (reg.refObjId === refObjId) markRegInvalid(env, reg);
  });
  return true;
}

/** Locks held by the path (the kernel's active_locks). */
export function activeLocks(st: VerifierState): number {
  let n = 0;
  for (const r of st.refs) if (r.lock) n++;
  return n;
}

/**
 * check_reference_leak(): only the main frame's exit (or a tail call from
 * it) must have given every reference back; a subprogram may return one.
 * Logs one line per leaked reference; true when there is a leak.
 */
function referenceLeak(env: Env): boolean {
  if (env.frame.frameno) return false;
  let leak = false;
  for (const r of env.cur.refs) {
    if (r.lock) continue;
    env.errorLine(`Unreleased reference id=${r.id} alloc_insn=${r.insnIdx}`);
    leak = true;
  }
  return leak;
}

/**
 * check_resource_leak(): nothing acquired may outlive the program. `what`
 * names the instruction that would end it: "BPF_EXIT instruction in main
 * prog", "tail_call", "BPF_LD_[ABS|IND]".
 */
export function checkResourceLeak(env: Env, what: string): void {
  if (activeLocks(env.cur)) env.fail(`${what} cannot be used inside bpf_spin_lock-ed region`);
  if (referenceLeak(env)) env.fail(`${what} would lead to reference leak`);
}

/** What a lock entry remembers about the locked object: its map, or its BTF type. */
function lockTarget(reg: RegState): object | null {
  return reg.type === RegType.PTR_TO_MAP_VALUE ? reg.map : reg.btf;
}

/** The most recently taken lock (active_lock_id / active_lock_ptr). */
function lastLock(st: VerifierState): RefState | undefined {
  for (let i = st.refs.length - 1; i >= 0; i--) if (st.refs[i]!.lock) return st.refs[i];
  return undefined;
}

/**
 * process_spin_lock(): `regno` points at the `struct bpf_spin_lock` of a map
 * value (or an allocated object); lock or unlock it.
 */
export function processSpinLock(env: Env, regno: number, isLock: boolean): void {
  const reg = env.regs[regno]!;
  const cur = env.cur;
  if (!tnumIsConst(reg.varOff)) {
    env.fail(
      `R${regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset`,
    );
  }
  const map = reg.type === RegType.PTR_TO_MAP_VALUE ? reg.map : null;
  if (map && !map.btfValueTypeId) {
    env.fail(`map '${map.name ?? ""}' has to have BTF in order to use bpf_spin_lock`);
  }
  const field = map?.btfFields?.find((f) => f.name === "bpf_spin_lock");
  if (!field)
    env.fail(
      `${map ? "map" : "local"} '${map ? (map.name ?? "") : "kptr"}' has no valid bpf_spin_lock`,
    );
  const at = Number(BigInt.asIntN(64, reg.varOff.value)) + reg.off;
  if (at !== field.off) {
    env.fail(`off ${at} doesn't point to 'struct bpf_spin_lock' that is at ${field.off}`);
  }
  const target = lockTarget(reg);
  if (isLock) {
    if (activeLocks(cur)) env.fail("Locking two bpf_spin_locks are not allowed");
    cur.refs.push({ id: reg.id, insnIdx: env.insnIdx, lock: target ?? undefined });
    return;
  }
  if (!activeLocks(cur)) env.fail("bpf_spin_unlock without taking a lock");
  const i = cur.refs.findIndex((r) => r.lock && r.id === reg.id && r.lock === target);
  if (i < 0) env.fail("bpf_spin_unlock of different lock");
  const last = lastLock(cur)!;
  if (last !== cur.refs[i]) env.fail("bpf_spin_unlock cannot be out of order");
  cur.refs.splice(i, 1);
}

/**
 * check_map_access()'s special fields: a load, store or helper access that
 * touches a map value's bpf_spin_lock or bpf_timer (variable offsets by their
 * bounds) is refused.
 */
export function checkMapValueFields(env: Env, regno: number, off: number, size: number): void {
  const reg = env.regs[regno]!;
  const fields = reg.map?.btfFields;
  if (!fields) return;
  const o = BigInt(off);
  for (const f of fields) {
    const p = BigInt(f.off);
    if (reg.smin + o < p + BigInt(f.size) && p < reg.umax + o + BigInt(size)) {
      env.fail(`${f.name} cannot be accessed directly by load/store`);
    }
  }
}

/**
 * refsafe(): an old checkpoint covers the current path only if both hold the
 * same references and locks (ids up to renaming, locks on the same object).
 */
export function refsEquivalent(
  old: VerifierState,
  cur: VerifierState,
  sameIds: (oldId: number, curId: number) => boolean,
): boolean {
  if (old.refs.length !== cur.refs.length) return false;
  for (let i = 0; i < old.refs.length; i++) {
    const a = old.refs[i]!;
    const b = cur.refs[i]!;
    if (!!a.lock !== !!b.lock || a.lock !== b.lock) return false;
    if (!sameIds(a.id, b.id)) return false;
  }
  return true;
}

/** reg_may_point_to_spin_lock(): a map value whose map has a bpf_spin_lock. */
export const mayPointToSpinLock = (reg: RegState): boolean =>
  reg.type === RegType.PTR_TO_MAP_VALUE &&
  !!reg.map?.btfFields?.some((f) => f.name === "bpf_spin_lock");
