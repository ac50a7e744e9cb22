// Helpers that call back into the program (bpf_loop, bpf_for_each_map_elem,
// bpf_timer_set_callback): which registers the callback receives (the
// kernel's set_*_callback_state) and what it must return, as a table.
// calls.ts enters the callback frames; check-call.ts dispatches here.
import { BPF_CALL, BPF_HELPER_CALL, BPF_JMP } from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import { MapType } from "../uapi/map-types.ts";
import { tnumIsConst } from "./domain.ts";
import type { Env } from "./env.ts";
import type { MapInfo } from "./map-info.ts";
import { assignReg, markRegKnownZero, markRegNotInit, markRegUnknown } from "./regs.ts";
import { RegType } from "./reg-types.ts";
import type { FuncState } from "./state.ts";

/** How a callback frame returns (in_callback_fn / in_async_callback_fn + callback_ret_range). */
export interface CallbackFrame {
  /** An async callback (timer) runs later on its own stack: a fresh path with one frame. */
  readonly async: boolean;
  /** R0 must be within [retMin, retMax] at the callback's exit. */
  readonly retMin: number;
  readonly retMax: number;
  /** Nesting of async callbacks (async_entry_cnt). */
  readonly asyncEntryCnt: number;
}

/** A callback-calling helper: the callback's return range and its arguments. */
export interface CallbackSpec {
  readonly async: boolean;
  readonly retMin: number;
  readonly retMax: number;
  /** set_*_callback_state(): the callee's R1-R5 from the caller's (may fail the program). */
  setup(env: Env, caller: FuncState, callee: FuncState, callsite: number): void;
}

/** Map types whose ops have map_for_each_callback (arrays and hash tables). */
const FOR_EACH_MAPS: ReadonlySet<number> = new Set([
  MapType.ARRAY,
  MapType.PERCPU_ARRAY,
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
]);

function notInit(env: Env, f: FuncState, ...regnos: number[]): void {
  for (const r of regnos) markRegNotInit(f.regs[r]!, env.bpfCapable);
}

/** A pointer register of `type` into `map` at offset 0. */
function mapPointer(f: FuncState, regno: number, type: number, caller: FuncState): void {
  const reg = f.regs[regno]!;
  markRegKnownZero(reg);
  reg.type = type;
  reg.map = caller.regs[1]!.map;
}

/** Helper id -> callback description. */
export const CALLBACK_HELPERS: ReadonlyMap<number, CallbackSpec> = new Map<number, CallbackSpec>([
  [
    // bpf_for_each_map_elem(map, cb, ctx, flags); cb(map, key, value, ctx)
    164,
    {
      async: false,
      retMin: 0,
      retMax: 1,
      setup(env, caller, callee, callsite) {
        const aux = env.aux[callsite]!;
        if (aux.mapPtrPoisoned) env.fail("tail_call abusing map_ptr");
        const map = aux.mapPtr;
        if (!map || !FOR_EACH_MAPS.has(map.type)) env.fail("callback function not allowed for map");
        assignReg(callee.regs[1]!, caller.regs[1]!);
        mapPointer(callee, 2, RegType.PTR_TO_MAP_KEY, caller);
        mapPointer(callee, 3, RegType.PTR_TO_MAP_VALUE, caller);
        assignReg(callee.regs[4]!, caller.regs[3]!);
        notInit(env, callee, 5);
      },
    },
  ],
  [
    // bpf_timer_set_callback(timer, cb); cb(map, key, value), run later
    170,
    {
      async: true,
      retMin: 0,
      retMax: 0,
      setup(env, caller, callee) {
        mapPointer(callee, 1, RegType.CONST_PTR_TO_MAP, caller);
        mapPointer(callee, 2, RegType.PTR_TO_MAP_KEY, caller);
        mapPointer(callee, 3, RegType.PTR_TO_MAP_VALUE, caller);
        notInit(env, callee, 4, 5);
      },
    },
  ],
  [
    // bpf_loop(nr_loops, cb, ctx, flags); cb(u32 index, ctx)
    181,
    {
      async: false,
      retMin: 0,
      retMax: 1,
      setup(env, caller, callee) {
        markRegUnknown(callee.regs[1]!, env.bpfCapable);
        assignReg(callee.regs[2]!, caller.regs[3]!);
        notInit(env, callee, 3, 4, 5);
      },
    },
  ],
]);

/** Helpers whose callbacks run while the helper runs (is_sync_callback_calling_function). */
const SYNC_CALLBACK_HELPERS: ReadonlySet<number> = new Set([164, 180, 181, 209]);

/** A helper call that runs a callback synchronously: a loop the verifier iterates to convergence. */
export const isSyncCallbackCallingInsn = (x: Insn): boolean =>
  x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_HELPER_CALL && SYNC_CALLBACK_HELPERS.has(x.imm);

/** bpf_timer_set_callback(): the callback is verified as a separate path (is_async_callback_calling_insn). */
export const isAsyncCallbackCallingInsn = (x: Insn): boolean =>
  x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_HELPER_CALL && x.imm === 170;

/**
 * process_timer_func(): `regno` points at the `struct bpf_timer` of a map
 * value; returns the map (the helper's map argument).
 */
export function processTimerFunc(env: Env, regno: number): MapInfo {
  const reg = env.regs[regno]!;
  const map = reg.map!;
  if (!tnumIsConst(reg.varOff)) {
    env.fail(`R${regno} doesn't have constant offset. bpf_timer has to be at the constant offset`);
  }
  if (!map.btfValueTypeId)
    env.fail(`map '${map.name ?? ""}' has to have BTF in order to use bpf_timer`);
  const field = map.btfFields?.find((f) => f.name === "bpf_timer");
  if (!field) env.fail(`map '${map.name ?? ""}' has no valid bpf_timer`);
  const at = Number(BigInt.asIntN(64, reg.varOff.value)) + reg.off;
  if (at !== field.off)
    env.fail(`off ${at} doesn't point to 'struct bpf_timer' that is at ${field.off}`);
  return map;
}
