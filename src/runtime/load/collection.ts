// Runtime.loadCollection: maps first (pins, initial values, freezing), then
// each program resolved against them, verified when asked and handed to the
// engine, then the slot initialisers (`.values` of prog_arrays and maps of
// maps), and last the global variables. Any failure releases everything
// created so far.
import { ProgType } from "../../uapi/index.ts";
import type { CollectionSpec, ProgramSpec } from "../../spec/types.ts";
import type { Engine } from "../../interp/index.ts";
import { ProgArrayMap, type MapHandle, type MapRegistry } from "../maps/index.ts";
import { Collection } from "../collection.ts";
import { LoadError } from "../errors.ts";
import type { Program, ProgramInit } from "../program.ts";
import { Variable, variablesOf } from "./globals.ts";
import { createMaps } from "./maps.ts";
import type { LoadCollectionOptions } from "./options.ts";
import type { PinNamespace } from "./pins.ts";
import { resolveProgram } from "./resolve.ts";
import { pokeTargets, verifyAndRewrite } from "./verify.ts";
import type { HostKernel } from "../../link/kernel/host-kernel.ts";
import type { KfuncTable } from "../../verifier/kfuncs/types.ts";
import { isFentryFexit, noteProgram, resolveTracingTarget } from "../../link/runtime-glue.ts";

export interface LoaderHost {
  readonly maps: MapRegistry;
  readonly pins: PinNamespace;
  engine(choice: LoadCollectionOptions["engine"]): Engine;
  kfuncId(name: string): number | undefined;
  /** The kfuncs the verifier checks calls against (src/kfuncs). */
  readonly kfuncs?: KfuncTable;
  newProgram(init: ProgramInit): Program;
  /** Host functions fentry/fexit programs may trace (src/link). */
  readonly kernel: HostKernel;
  collectionClosed(c: Collection): void;
}

/** The programs to load and the names of the maps they need. */
function selection(
  spec: CollectionSpec,
  names: readonly string[] | undefined,
): { progs: ProgramSpec[]; maps: Set<string> | undefined } {
  if (!names) return { progs: spec.programs, maps: undefined };
  const progs: ProgramSpec[] = [];
  for (const n of names) {
    const p = spec.programs.find((q) => q.name === n);
    if (!p) throw new LoadError(`no program '${n}' in the object`, "ENOENT");
    progs.push(p);
  }
  const maps = new Set<string>();
  const add = (name: string): void => {
    if (maps.has(name)) return;
    maps.add(name);
    for (const s of spec.maps.find((m) => m.name === name)?.init ?? [])
      if (s.kind === "map") add(s.name);
  };
  for (const p of progs) for (const r of p.mapRefs) add(r.mapName);
  return { progs, maps };
}

function programType(p: ProgramSpec, opts: LoadCollectionOptions): number {
  const t = opts.types?.[p.name];
  if (t !== undefined) return t;
  return p.type === ProgType.UNSPEC && opts.defaultType !== undefined ? opts.defaultType : p.type;
}

function loadPrograms(
  host: LoaderHost,
  spec: CollectionSpec,
  progs: readonly ProgramSpec[],
  byIndex: readonly (MapHandle | undefined)[],
  opts: LoadCollectionOptions,
): Map<string, Program> {
  const engine = host.engine(opts.engine);
  const weak = new Set(spec.externs.filter((e) => e.weak).map((e) => e.name));
  const out = new Map<string, Program>();
  try {
    for (const ps of progs) {
      const type = programType(ps, opts);
      const r = resolveProgram(ps, {
        mapAt: (i) => byIndex[i]?.map,
        kfuncId: (n) => host.kfuncId(n),
        isWeak: (n) => weak.has(n),
      });
      const license = ps.license || spec.license;
      // fentry/fexit: the traced function, resolved before verification (src/link).
      const tracing = isFentryFexit(type, ps.expectedAttachType)
        ? resolveTracingTarget(host.kernel, ps.attachTo, opts.attachTarget)
        : undefined;
      let verifierLog: string | undefined;
      let insns = r.exec;
      let ctxConverted = false;
      let oldToNew: Int32Array | undefined;
      let tailCallPokes: ProgramInit["tailCallPokes"];
      if (opts.verify) {
        // Verify, then the rewrite passes (src/fixup) on the engine's instructions.
        const v = verifyAndRewrite(host.maps, {
          insns: r.forVerifier,
          exec: r.exec,
          type,
          expectedAttachType: ps.expectedAttachType,
          license,
          logLevel: opts.logLevel,
          caps: opts.caps,
          attachTarget: tracing?.attach,
          directTailCalls: opts.directTailCalls,
          kfuncs: host.kfuncs,
          inlineKfuncs: opts.inlineKfuncs,
          pruneKfuncs: opts.pruneKfuncs,
        });
        verifierLog = v.log;
        insns = v.insns;
        ctxConverted = v.ctxConverted;
        oldToNew = v.oldToNew;
        tailCallPokes = pokeTargets(host.maps, v.pokes);
      }
      const prog = host.newProgram({
        name: ps.name,
        type,
        expectedAttachType: ps.expectedAttachType,
        exec: {
          insns,
          name: ps.name,
          verified: opts.verify === true && !opts.boundsChecks,
        },
        engine,
        maps: r.maps,
        license,
        verifierLog,
        ctxConverted,
        tailCallPokes,
      });
      // What tracing needs: BTF and func_info (in the final indexes) of a possible target.
      noteProgram(prog, {
        btf: spec.btf,
        funcInfo: ps.funcInfo.map((fi) => ({
          insnOff: oldToNew ? oldToNew[fi.insnOff]! : fi.insnOff,
          typeId: fi.typeId,
        })),
        tracing,
      });
      out.set(out.has(ps.name) ? `${ps.section}/${ps.name}` : ps.name, prog);
      // All programs of a prog_array share its owner's type (bpf_prog_map_compatible).
      for (const m of r.maps)
        if (m instanceof ProgArrayMap && !m.checkCompatible(prog))
          throw new LoadError(
            `program '${ps.name}' (type ${type}) can't use prog_array '${m.name}' owned by type ${m.ownerType}`,
            "EINVAL",
          );
    }
  } catch (e) {
    for (const p of out.values()) p.close();
    throw e;
  }
  return out;
}

/** `.values = { [k] = &prog / &map }` of prog_arrays and maps of maps. */
function applySlotInits(
  spec: CollectionSpec,
  handles: ReadonlyMap<string, MapHandle>,
  programs: ReadonlyMap<string, Program>,
): void {
  for (const ms of spec.maps) {
    const h = handles.get(ms.name);
    if (!h) continue;
    for (const slot of ms.init) {
      if (slot.kind === "program") {
        const p = programs.get(slot.name);
        if (p) h.setProgram(slot.key, p);
      } else {
        const inner = handles.get(slot.name);
        if (!inner)
          throw new LoadError(
            `map '${ms.name}' slot ${slot.key}: map '${slot.name}' not loaded`,
            "ENOENT",
          );
        h.setInnerMap(slot.key, inner);
      }
    }
  }
}

export function loadCollection(
  host: LoaderHost,
  spec: CollectionSpec,
  opts: LoadCollectionOptions = {},
): Collection {
  const { progs, maps: wanted } = selection(spec, opts.programs);
  const { handles, byIndex } = createMaps(host.maps, host.pins, spec, wanted, opts);
  let programs: Map<string, Program> | undefined;
  try {
    programs = loadPrograms(host, spec, progs, byIndex, opts);
    applySlotInits(spec, handles, programs);
  } catch (e) {
    for (const p of programs?.values() ?? []) p.close();
    for (const h of handles.values()) h.close();
    throw e;
  }
  const variables = new Map<string, Variable>();
  for (const ms of spec.maps) {
    const h = handles.get(ms.name);
    if (h) for (const v of variablesOf(spec, ms)) variables.set(v.name, new Variable(v, h));
  }
  return new Collection(programs, handles, variables, (c) => host.collectionClosed(c));
}
