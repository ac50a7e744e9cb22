// What the rewrite passes share: the one patch list per program (aux = the
// verifier's InsnAux), the options that say which passes run and what the
// "kernel" offers, and what the pipeline hands back.
import type { PatchList } from "../patch/index.ts";
import type { InsnAux, MapInfo } from "../verifier/index.ts";
import type { KfuncInstanceInfo } from "../verifier/kfunc-instances.ts";

export type FixupList = PatchList<InsnAux>;

export interface FixupOptions {
  /** BPF_PROG_TYPE_* the program was verified as. */
  progType: number;
  /**
   * Verified without CAP_BPF/CAP_PERFMON: dead code is sanitized into traps
   * instead of removed (the kernel's sanitize_dead_code), and inlined array
   * lookups mask the index (no Spectre v1 bypass).
   */
  unprivileged?: boolean;
  /** Hard-wire decided branches, remove dead code and nops (default true). */
  deadCode?: boolean;
  /**
   * Rewrite ctx accesses to the runtime-side structure of the program type
   * (ctx/kern-layouts.ts). Default false: the program then keeps reading the
   * user-visible layout, which is what an unconverted context holds.
   */
  convertCtx?: boolean;
  /**
   * Offset of the u32 "address of element 0" word in an array map's header:
   * bpf_map_lookup_elem on arrays is inlined when given (the runtime's
   * MapHeader.VALUES_ADDR).
   */
  arrayValuesOffset?: number;
  /**
   * Direct tail calls: a bpf_tail_call whose map and key the verifier found
   * constant becomes a call through a poke slot (see tail-calls.ts). Default false.
   */
  directTailCalls?: boolean;
  /**
   * Insert explicit zero extensions after every 32-bit definition read as 64
   * bits (bpf_jit_needs_zext). Our engines zero-extend every 32-bit result
   * themselves, so the default is false; cmpxchg gets one either way, as in
   * the kernel.
   */
  zext?: boolean;
  /** Let a `ja` that no longer fits 16 bits become `gotol` (default true). */
  gotol?: boolean;
  /**
   * The inlinable kfunc instances the verifier appended (VerifyResult.
   * kfuncInstances): pasted over their calls (inline-kfunc.ts), then removed.
   */
  kfuncInstances?: readonly KfuncInstanceInfo[];
  /** Inline kfunc instance bodies (default true); false keeps every kfunc call a call. */
  inlineKfuncs?: boolean;
  /**
   * Paste each call site's instance as the dead-code passes simplified it
   * (default true); false pastes the body as registered (for measurements).
   */
  pruneKfuncs?: boolean;
}

/** A direct tail call site: the constant prog_array and slot the verifier proved. */
export interface TailCallPoke {
  /** Instruction index of the rewritten call in the output. */
  pc: number;
  map: MapInfo;
  key: number;
}

/** How many sites each pass rewrote (for reports and tests). */
export interface FixupStats {
  hardWired: number;
  deadRemoved: number;
  deadSanitized: number;
  nopsRemoved: number;
  ctxConverted: number;
  lookupsInlined: number;
  directTailCalls: number;
  zextInserted: number;
  kfuncsInlined: number;
}

export const emptyStats = (): FixupStats => ({
  hardWired: 0,
  deadRemoved: 0,
  deadSanitized: 0,
  nopsRemoved: 0,
  ctxConverted: 0,
  lookupsInlined: 0,
  directTailCalls: 0,
  zextInserted: 0,
  kfuncsInlined: 0,
});

/** What every pass gets besides the list. */
export interface PassContext {
  readonly opts: FixupOptions;
  readonly stats: FixupStats;
  /** Original slot index of the direct tail call sites (filled by the tail-call pass). */
  readonly pokeNodes: { node: number; map: MapInfo; key: number }[];
}
