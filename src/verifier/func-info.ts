// What BTF says about each subprogram (the kernel's check_btf_func and
// bpf_func_info_aux): its FUNC type, name and linkage from the program's
// func_info records, plus what the verifier learns about it while checking
// (called, verified, unreliable, callback, tail-call reachable, changes
// packet data). Kept beside the Env in a side table so the shared Env and
// SubprogInfo stay as they are.
import type { Btf } from "../btf/btf.ts";
import { BtfKind, BtfLinkage } from "../btf/types.ts";
import {
  BPF_CALL,
  BPF_HELPER_CALL,
  BPF_JMP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  LDDW,
} from "../isa/opcodes.ts";
import type { Env } from "./env.ts";
import type { VerifyOptions } from "./options.ts";
import { helperProtoById } from "./helpers/protos.ts";

/** One func_info record: the function starting at `insnOff` is described by FUNC `typeId`. */
export interface FuncInfoEntry {
  insnOff: number;
  typeId: number;
}

/** How a global function's argument is checked (bpf_subprog_arg_info). */
export interface SubprogArg {
  kind: "ctx" | "scalar" | "mem";
  /** "mem": bytes the function may read and write. */
  memSize: number;
  /** "mem": NULL may be passed (no __arg_nonnull). */
  maybeNull: boolean;
}

export interface SubprogMeta {
  /** FUNC type id from func_info (0 without it). */
  typeId: number;
  /** The function's name (subprog_name), "" without func_info. */
  name: string;
  /** BTF_FUNC_GLOBAL: verified once on its own, calls only check the arguments. */
  global: boolean;
  /** Its BTF prototype does not match what callers pass (func_info_aux.unreliable). */
  unreliable: boolean;
  /** A reachable call of this global function was seen (verify it after main). */
  called: boolean;
  verified: boolean;
  /** Used as a callback / an async (timer) callback. */
  isCb: boolean;
  isAsyncCb: boolean;
  /** A tail call can happen while this function is on the call stack. */
  tailCallReachable: boolean;
  /** It (or a function it calls) may move packet data. */
  changesPktData: boolean;
  /** btf_prepare_func_args() result, once computed. */
  args?: SubprogArg[];
}

export interface FuncInfoState {
  btf: Btf | undefined;
  records: readonly FuncInfoEntry[] | undefined;
  subs: SubprogMeta[];
  /** The JIT keeps the tail call counter across BPF-to-BPF calls (VerifyOptions.subprogTailCalls). */
  subprogTailCalls: boolean;
}

const STATE = new WeakMap<Env, FuncInfoState>();

/** The side table of `env` (empty metadata until checkBtfFunc ran). */
export function funcInfoOf(env: Env): FuncInfoState {
  let st = STATE.get(env);
  if (!st) {
    st = { btf: undefined, records: undefined, subs: [], subprogTailCalls: true };
    STATE.set(env, st);
  }
  while (st.subs.length < env.subprogs.length) st.subs.push(newMeta());
  return st;
}

function newMeta(): SubprogMeta {
  return {
    typeId: 0,
    name: "",
    global: false,
    unreliable: false,
    called: false,
    verified: false,
    isCb: false,
    isAsyncCb: false,
    tailCallReachable: false,
    changesPktData: false,
  };
}

/** subprog_aux(env, i) + subprog_info extras. */
export const subprogMeta = (env: Env, subprog: number): SubprogMeta =>
  funcInfoOf(env).subs[subprog]!;

/** find_subprog(): the subprogram starting exactly at `insn`, or -1. */
export function findSubprog(env: Env, insn: number): number {
  const subs = env.subprogs;
  let lo = 0;
  let hi = subs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = subs[mid]!.start;
    if (s === insn) return mid;
    if (s < insn) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The subprogram an instruction belongs to (find_containing_subprog). */
export function containingSubprog(env: Env, insn: number): number {
  let i = env.subprogs.length - 1;
  while (i > 0 && env.subprogs[i]!.start > insn) i--;
  return i;
}

/** subprog_name(). */
export const subprogName = (env: Env, subprog: number): string => subprogMeta(env, subprog).name;

/** subprog_is_global(). */
export const subprogIsGlobal = (env: Env, subprog: number): boolean =>
  subprogMeta(env, subprog).global;

/** The program has func_info (the kernel's prog->aux->func_info). */
export const hasFuncInfo = (env: Env): boolean => funcInfoOf(env).records !== undefined;

/** check_abnormal_return(): without BTF, subprograms may not end the program early. */
function checkAbnormalReturn(env: Env): void {
  for (let i = 1; i < env.subprogs.length; i++) {
    if (env.subprogs[i]!.hasLdAbs) env.fail("LD_ABS is not allowed in subprogs without BTF");
    if (env.subprogs[i]!.hasTailCall) env.fail("tail_call is not allowed in subprogs without BTF");
  }
}

/** A small int or an enum: what a function returning a value to BPF may return. */
function isScalarReturn(btf: Btf, id: number): boolean {
  const t = btf.type(btf.skipQualifiers(id));
  if (t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) return true;
  // btf_type_is_small_int(): an INT of at most 8 bytes (typedefs are not skipped).
  return t.kind === BtfKind.INT && t.size <= 8;
}

/**
 * check_btf_func_early() + check_btf_func(): every subprogram has a
 * func_info record at its first instruction naming a FUNC; the records give
 * names and linkage. Without func_info, subprograms may not tail call or use
 * LD_ABS (their exit could not be told apart from the program's).
 */
export function checkBtfFunc(env: Env, opts: VerifyOptions): void {
  const st = funcInfoOf(env);
  const { btf, funcInfo: records } = opts;
  st.subprogTailCalls = opts.subprogTailCalls ?? true;
  if (!records || records.length === 0) {
    checkAbnormalReturn(env);
    return;
  }
  if (!btf) env.fail("func_info requires the program's BTF");
  let prev = -1;
  records.forEach((r, i) => {
    if (i === 0 && r.insnOff !== 0)
      env.fail(`nonzero insn_off ${r.insnOff} for the first func info record`);
    if (i > 0 && r.insnOff <= prev) {
      env.fail(
        `same or smaller insn offset (${r.insnOff}) than previous func info record (${prev})`,
      );
    }
    const t = btf.has(r.typeId) ? btf.type(r.typeId) : undefined;
    if (!t || t.kind !== BtfKind.FUNC) env.fail(`invalid type id ${r.typeId} in func info`);
    prev = r.insnOff;
  });
  // Inlinable kfunc instances (kfunc-instances.ts) are hidden subprograms appended
  // after the program's own functions; BTF does not describe them.
  const own = env.subprogs.length - env.kfuncInstances.size;
  if (records.length !== own)
    env.fail("number of funcs in func_info doesn't match number of subprogs");
  records.forEach((r, i) => {
    const sub = env.subprogs[i]!;
    if (sub.start !== r.insnOff)
      env.fail("func_info BTF section doesn't match subprog layout in BPF program");
    const fn = btf.type(r.typeId);
    if (fn.kind !== BtfKind.FUNC) return;
    const meta = st.subs[i]!;
    meta.typeId = r.typeId;
    meta.name = fn.name;
    meta.global = fn.linkage === BtfLinkage.GLOBAL;
    const proto = btf.has(fn.type) ? btf.type(fn.type) : undefined;
    const scalarReturn = proto?.kind === BtfKind.FUNC_PROTO && isScalarReturn(btf, proto.type);
    if (i && !scalarReturn && sub.hasLdAbs)
      env.fail("LD_ABS is only allowed in functions that return 'int'.");
    if (i && !scalarReturn && sub.hasTailCall)
      env.fail("BPF_CALL is only allowed in functions that return 'int'.");
  });
  st.btf = btf;
  st.records = records;
  markChangesPktData(env);
}

/**
 * mark_subprog_changes_pkt_data() + merge_callee_effects(): a function that
 * calls a helper moving packet data, or calls (directly or as a callback) a
 * function that does, changes packet data for its callers.
 */
function markChangesPktData(env: Env): void {
  const subs = funcInfoOf(env).subs;
  const edges: [number, number][] = [];
  env.insns.forEach((x, i) => {
    const isCall = x.code === (BPF_JMP | BPF_CALL);
    if (isCall && x.src === BPF_HELPER_CALL && helperProtoById(x.imm)?.changesPktData) {
      subs[containingSubprog(env, i)]!.changesPktData = true;
    }
    if ((isCall && x.src === BPF_PSEUDO_CALL) || (x.code === LDDW && x.src === BPF_PSEUDO_FUNC)) {
      const callee = findSubprog(env, i + x.imm + 1);
      if (callee >= 0) edges.push([containingSubprog(env, i), callee]);
    }
  });
  for (let changed = true; changed;) {
    changed = false;
    for (const [caller, callee] of edges) {
      if (subs[callee]!.changesPktData && !subs[caller]!.changesPktData) {
        subs[caller]!.changesPktData = true;
        changed = true;
      }
    }
  }
}

/** Entries of subprograms found unreliable, for tracing (prototype contradicted by a call). */
export function unreliableSubprogStarts(env: Env): number[] {
  const st = STATE.get(env);
  if (!st) return [];
  return st.subs.flatMap((m, i) => (m.unreliable ? [env.subprogs[i]!.start] : []));
}
