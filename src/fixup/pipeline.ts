// The rewrite pipeline after verification, in the kernel's order (bpf_check
// after do_check): dead code (privileged: hard-wire, remove, drop nops;
// unprivileged: sanitize), convert_ctx_accesses, do_misc_fixups (map lookup
// inlining), then the zero extensions. All passes edit one patch list;
// nothing is renumbered until the single linearize() at the end.
import type { Insn } from "../isa/index.ts";
import { PatchList, type InsnOffRecord } from "../patch/index.ts";
import type { InsnAux } from "../verifier/index.ts";
import { newInsnAux } from "../verifier/aux.ts";
import { convertCtxAccesses } from "./ctx/convert.ts";
import { kernCtxFor } from "./ctx/index.ts";
import { hardWireBranches, removeDeadCode, removeNops, sanitizeDeadCode } from "./dead-code.ts";
import { FixupError } from "./errors.ts";
import { inlineKfuncCalls } from "./inline-kfunc.ts";
import { inlineMapLookups } from "./map-lookup.ts";
import { markDirectTailCalls, pokeIndexOf } from "./tail-calls.ts";
import {
  emptyStats,
  type FixupOptions,
  type FixupStats,
  type PassContext,
  type TailCallPoke,
} from "./types.ts";
import { insertZext } from "./zext.ts";

export interface FixupInput<F extends InsnOffRecord, L extends InsnOffRecord> {
  /** The instructions as verified (one slot per aux record). */
  insns: readonly Insn[];
  /** The verifier's facts, one per slot (VerifyResult.aux). */
  aux: readonly InsnAux[];
  subprogStarts?: readonly number[];
  funcInfo?: readonly F[];
  lineInfo?: readonly L[];
}

export interface FixupResult<F extends InsnOffRecord, L extends InsnOffRecord> {
  insns: Insn[];
  aux: InsnAux[];
  subprogStarts: number[];
  funcInfo: F[];
  lineInfo: L[];
  /** Original slot → new slot (see PatchedProgram.oldToNew). */
  oldToNew: Int32Array;
  /** The ctx accesses now use the runtime-side structure (run with a converted context). */
  ctxConverted: boolean;
  /** Direct tail call sites by poke index (tail-calls.ts): the prog_array slot each jumps through. */
  pokes: TailCallPoke[];
  stats: FixupStats;
}

/** A new instruction's aux: zeroed, with the patched instruction's `seen` (as the kernel). */
function newAux(from: InsnAux): InsnAux {
  const a = newInsnAux();
  a.seen = from.seen;
  return a;
}

/** The subprogram starts of a program whose BPF-to-BPF calls name them. */
function subprogStartsOf(insns: readonly Insn[]): number[] {
  const starts = new Set<number>([0]);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i]!;
    if (x.code === 0x85 && x.src === 1) starts.add(i + x.imm + 1);
    if (x.code === 0x18 && x.src === 4) starts.add(i + x.imm + 1);
    if (x.code === 0x18) i++;
  }
  return [...starts].sort((a, b) => a - b);
}

/** Run the rewrite passes on a verified program. */
export function fixupProgram<
  F extends InsnOffRecord = InsnOffRecord,
  L extends InsnOffRecord = InsnOffRecord,
>(input: FixupInput<F, L>, opts: FixupOptions): FixupResult<F, L> {
  if (input.aux.length !== input.insns.length)
    throw new FixupError(
      `${input.aux.length} aux records for ${input.insns.length} instructions: fix up the program that was verified`,
    );
  const list = new PatchList<InsnAux, F, L>(
    {
      insns: input.insns,
      aux: input.aux,
      subprogStarts: input.subprogStarts ?? subprogStartsOf(input.insns),
      funcInfo: input.funcInfo,
      lineInfo: input.lineInfo,
    },
    { newAux },
  );
  const pc: PassContext = { opts, stats: emptyStats(), pokeNodes: [] };
  if (opts.deadCode !== false) {
    if (opts.unprivileged) sanitizeDeadCode(list, pc);
    else {
      hardWireBranches(list, pc);
      removeDeadCode(list, pc);
      removeNops(list, pc);
    }
  }
  // After dead code: each instance body is simplified for its call site (inline-kfunc.ts).
  inlineKfuncCalls(
    list,
    pc,
    opts.kfuncInstances ?? [],
    opts.inlineKfuncs !== false,
    opts.pruneKfuncs !== false,
  );
  const convert = opts.convertCtx === true && kernCtxFor(opts.progType) !== undefined;
  if (convert) convertCtxAccesses(list, pc);
  inlineMapLookups(list, pc);
  markDirectTailCalls(list, pc);
  insertZext(list, pc);
  const out = list.linearize({ gotol: opts.gotol !== false });
  const pokes: TailCallPoke[] = pc.pokeNodes.map(({ map, key }) => ({ pc: -1, map, key }));
  out.insns.forEach((x, i) => {
    const p = pokeIndexOf(x);
    if (p >= 0) pokes[p]!.pc = i;
  });
  return {
    insns: out.insns,
    aux: out.aux,
    subprogStarts: out.subprogStarts,
    funcInfo: out.funcInfo,
    lineInfo: out.lineInfo,
    oldToNew: out.oldToNew,
    ctxConverted: convert,
    pokes,
    stats: pc.stats,
  };
}
