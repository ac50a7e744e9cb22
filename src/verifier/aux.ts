// Per-instruction facts the verifier records for later passes (dead-code
// removal, ctx access conversion, helper inlining, tail-call pokes, zero
// extension), like the kernel's `struct bpf_insn_aux_data`.
import type { MapInfo } from "./map-info.ts";

export interface InsnAux {
  /** Reached on some verified (non-speculative) path. */
  seen: boolean;
  /** Conditional jumps: the jump was taken on some path. */
  branchTaken: boolean;
  /** Conditional jumps: the fall-through was taken on some path. */
  fallthroughTaken: boolean;
  /** Helper calls on maps: the map passed (null: none seen yet). */
  mapPtr: MapInfo | null;
  /** Different maps reached this call site (the kernel's BPF_MAP_PTR_POISON). */
  mapPtrPoisoned: boolean;
  /** bpf_tail_call key: "unseen", a constant index, or "poisoned" (varies / unknown). */
  mapKey: "unseen" | "poisoned" | bigint;
  /** Narrow ctx load: the full field size to load and mask, 0 if not narrow. */
  ctxFieldSize: number;
  /** The 32-bit result of this insn is read as 64 bits: needs explicit zero extension. */
  zextDst: boolean;
  /** Pointer type this load/store used (save_aux_ptr_type), 0 when not a memory access. */
  ptrType: number;
  /** Branch target or after a call: state checkpoints are considered here. */
  prunePoint: boolean;
  /** A jump lands here (non-linear history). */
  jmpPoint: boolean;
  /** Always checkpoint here (callback-calling helpers, may_goto). */
  forceCheckpoint: boolean;
}

export function newInsnAux(): InsnAux {
  return {
    seen: false,
    branchTaken: false,
    fallthroughTaken: false,
    mapPtr: null,
    mapPtrPoisoned: false,
    mapKey: "unseen",
    ctxFieldSize: 0,
    zextDst: false,
    ptrType: 0,
    prunePoint: false,
    jmpPoint: false,
    forceCheckpoint: false,
  };
}
