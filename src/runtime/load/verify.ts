// Running the verifier at load time: maps are described by id (the runtime's
// stand-in for an fd), the license decides GPL-only helpers, and the
// runtime's CPU count bounds bpf_get_smp_processor_id. A rejection throws the
// verifier's VerifierError with the full log.
import type { Insn } from "../../isa/index.ts";
import { ProgType } from "../../uapi/index.ts";
import { licenseIsGplCompatible } from "../../verifier/from-spec.ts";
import { verifyOrThrow, type MapInfo, type VerifierCaps } from "../../verifier/index.ts";
import { fixupProgram } from "../../fixup/index.ts";
import { MapHeader, ProgArrayMap, type MapRegistry } from "../maps/index.ts";
import { LoadError } from "../errors.ts";
import type { TracingAttach } from "../../verifier/tracing.ts";
import { tracingRewrite } from "../../link/runtime-glue.ts";
import type { KfuncTable } from "../../verifier/kfuncs/types.ts";

export interface VerifyRequest {
  insns: readonly Insn[];
  type: number;
  expectedAttachType: number;
  license: string;
  logLevel?: number;
  caps?: Partial<VerifierCaps>;
  /** kfuncs calls may name (the runtime's registry, src/kfuncs). */
  kfuncs?: KfuncTable;
  /** Inline inlinable kfuncs (default true). */
  inlineKfuncs?: boolean;
  /** Simplify inlined bodies per call site (default true). */
  pruneKfuncs?: boolean;
}

/** Verify; returns the log of an accepted program, throws VerifierError otherwise. */
export function verifyLoaded(registry: MapRegistry, req: VerifyRequest): string {
  const r = verifyOrThrow(req.insns, {
    // A program whose section names no type is checked as the loader tools do (kprobe).
    progType: req.type === ProgType.UNSPEC ? ProgType.KPROBE : req.type,
    expectedAttachType: req.expectedAttachType,
    maps: (_kind, id) => registry.fromId(id)?.verifierInfo(),
    logLevel: req.logLevel ?? 1,
    caps: req.caps ?? { bpf: true, perfmon: true },
    gplCompatible: licenseIsGplCompatible(req.license),
    nrCpuIds: registry.ncpus,
    kfuncs: req.kfuncs,
    inlineKfuncs: req.inlineKfuncs,
  });
  return r.log;
}

// ---- Rewrite passes after verification (src/fixup; added with the fixup passes) ----

export interface RewriteRequest extends VerifyRequest {
  /** The resolved instructions the engine will run (same shape as `insns`). */
  exec: readonly Insn[];
  /** fentry/fexit programs: the traced function (src/link/runtime-glue.ts resolves it). */
  attachTarget?: TracingAttach;
  /** Jump straight to the target of tail calls with a constant map and key (default true). */
  directTailCalls?: boolean;
}

export interface Rewritten {
  log: string;
  /** `exec` after the rewrite passes. */
  insns: Insn[];
  /** ctx accesses use the runtime-side structure: run on contexts built that way. */
  ctxConverted: boolean;
  /** Verified instruction index → index in `insns` (func_info of the rewritten program). */
  oldToNew: Int32Array;
  /** Direct tail call sites by poke index: the prog_array (by id) and slot each jumps through. */
  pokes: { mapId: number; key: number }[];
}

/**
 * Verify, then run the rewrite passes (dead code, ctx conversion, array
 * lookup inlining) on the engine's instructions with the verifier's facts.
 * Map infos are made once per map id so the per-call-site map facts compare
 * by identity.
 */
export function verifyAndRewrite(registry: MapRegistry, req: RewriteRequest): Rewritten {
  const infos = new Map<number, MapInfo | undefined>();
  const progType = req.type === ProgType.UNSPEC ? ProgType.KPROBE : req.type;
  const caps = req.caps ?? { bpf: true, perfmon: true };
  const r = verifyOrThrow(req.insns, {
    progType,
    expectedAttachType: req.expectedAttachType,
    maps: (_kind, id) => {
      if (!infos.has(id)) infos.set(id, registry.fromId(id)?.verifierInfo());
      return infos.get(id);
    },
    logLevel: req.logLevel ?? 1,
    caps,
    gplCompatible: licenseIsGplCompatible(req.license),
    nrCpuIds: registry.ncpus,
    attachTarget: req.attachTarget,
    kfuncs: req.kfuncs,
    inlineKfuncs: req.inlineKfuncs,
  });
  // Inlinable kfunc instances were appended to what was verified: the engine's
  // form gets the same bodies (they hold no map references to resolve).
  const exec = r.insns ? [...req.exec, ...r.insns.slice(req.insns.length)] : req.exec;
  const f = fixupProgram(
    { insns: exec, aux: r.aux },
    {
      progType,
      unprivileged: caps.bpf === false || caps.perfmon === false,
      convertCtx: true,
      arrayValuesOffset: MapHeader.VALUES_ADDR,
      directTailCalls: req.directTailCalls !== false,
      kfuncInstances: r.kfuncInstances,
      inlineKfuncs: req.inlineKfuncs,
      pruneKfuncs: req.pruneKfuncs,
    },
  );
  // fentry/fexit: loads through BTF-typed pointers become safe reads (BPF_PROBE_MEM).
  const insns = req.attachTarget ? tracingRewrite(f.insns, f.aux) : f.insns;
  // The pokes name maps by the infos handed to the verifier (one object per id).
  const idOf = new Map<MapInfo, number>();
  for (const [id, info] of infos) if (info) idOf.set(info, id);
  const pokes = f.pokes.map((p) => ({ mapId: idOf.get(p.map)!, key: p.key }));
  return { log: r.log, insns, ctxConverted: f.ctxConverted, oldToNew: f.oldToNew, pokes };
}

/** The prog_arrays behind a rewrite's pokes, for ProgramInit.tailCallPokes (undefined: none). */
export function pokeTargets(
  registry: MapRegistry,
  pokes: readonly { mapId: number; key: number }[],
): { map: ProgArrayMap; key: number }[] | undefined {
  if (pokes.length === 0) return undefined;
  return pokes.map(({ mapId, key }) => {
    const map = registry.fromId(mapId);
    if (!(map instanceof ProgArrayMap))
      throw new LoadError(`direct tail call through map ${mapId}, which is not a prog_array`);
    return { map, key };
  });
}
