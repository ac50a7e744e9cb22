// From a ProgramSpec's instructions to what an engine runs: every pseudo-map
// lddw becomes the map's runtime address (BPF_PSEUDO_MAP_FD → the map header,
// BPF_PSEUDO_MAP_VALUE → the value address plus offset), kfunc calls get the
// runtime's id for the function, ksyms an address (0 for weak ones nobody
// provides), and every helper call must name a helper the runtime has.
import {
  BPF_CALL,
  BPF_JMP,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  type Insn,
} from "../../isa/index.ts";
import type { ProgramSpec } from "../../spec/types.ts";
import type { BpfMap } from "../maps/index.ts";
import { LoadError } from "../errors.ts";
import { helperLabel, isHelperImplemented } from "../helpers/index.ts";

export interface ResolveEnv {
  /** The loaded map of a spec index (undefined when that map was not loaded). */
  mapAt(index: number): BpfMap | undefined;
  /** The runtime's id of a kfunc, or undefined when it provides none of that name. */
  kfuncId(name: string): number | undefined;
  /** The extern was declared __weak (unresolved is then allowed). */
  isWeak(name: string): boolean;
}

export interface Resolved {
  /** Instructions for the engine (runtime addresses in every lddw). */
  exec: Insn[];
  /** The same with pseudo-map lddws naming map ids, as the verifier takes them. */
  forVerifier: Insn[];
  /** Distinct maps used, in first-use order. */
  maps: BpfMap[];
}

const CALL = BPF_JMP | BPF_CALL;

/** Every helper the program calls must exist (the kernel's "unknown func" at load). */
export function checkHelpers(prog: ProgramSpec | { name: string; insns: readonly Insn[] }): void {
  const insns = prog.insns;
  for (let pc = 0; pc < insns.length; pc++) {
    const x = insns[pc]!;
    if (x.code === CALL && x.src === 0 && !isHelperImplemented(x.imm))
      throw new LoadError(
        `program '${prog.name}' calls ${helperLabel(x.imm)} at insn ${pc}, which the runtime does not implement`,
        "EINVAL",
      );
  }
}

export function resolveProgram(prog: ProgramSpec, env: ResolveEnv): Resolved {
  checkHelpers(prog);
  const exec = prog.insns.map((x) => ({ ...x }));
  const forVerifier = prog.insns.map((x) => ({ ...x }));
  const maps: BpfMap[] = [];
  for (const ref of prog.mapRefs) {
    const map = env.mapAt(ref.mapIndex);
    if (!map)
      throw new LoadError(
        `program '${prog.name}' uses map '${ref.mapName}', which was not loaded`,
        "ENOENT",
      );
    if (!maps.includes(map)) maps.push(map);
    let addr = map.addr;
    if (ref.kind === "value") {
      addr = map.directValueAddr(ref.offset);
      if (addr < 0)
        throw new LoadError(
          `program '${prog.name}': insn ${ref.insnOff} points ${ref.offset} bytes into map '${ref.mapName}', which has no such value`,
          "EINVAL",
        );
    }
    const lo = exec[ref.insnOff]!;
    const hi = exec[ref.insnOff + 1]!;
    if (lo.src !== BPF_PSEUDO_MAP_FD && lo.src !== BPF_PSEUDO_MAP_VALUE)
      throw new LoadError(
        `program '${prog.name}': insn ${ref.insnOff} is not a map load`,
        "EINVAL",
      );
    lo.src = 0;
    lo.imm = addr | 0;
    hi.imm = 0;
    forVerifier[ref.insnOff]!.imm = map.id;
  }
  for (const ext of prog.externRefs) {
    const x = exec[ext.insnOff]!;
    if (ext.kind === "kfunc") {
      const id = env.kfuncId(ext.name);
      if (id === undefined) {
        // A weak kfunc nobody provides stays an unknown call: it faults if reached.
        if (!env.isWeak(ext.name)) throw unresolved(prog, "kfunc", ext.name);
        continue;
      }
      if (x.code !== CALL || x.src !== BPF_PSEUDO_KFUNC_CALL)
        throw new LoadError(
          `program '${prog.name}': insn ${ext.insnOff} is not a kfunc call`,
          "EINVAL",
        );
      x.imm = id;
      forVerifier[ext.insnOff]!.imm = id;
    } else {
      // ksyms: the runtime has no kernel variables; weak ones read as NULL.
      if (!env.isWeak(ext.name)) throw unresolved(prog, "ksym", ext.name);
      x.src = 0;
      x.imm = 0;
      exec[ext.insnOff + 1]!.imm = 0;
      if (forVerifier[ext.insnOff]!.src === BPF_PSEUDO_BTF_ID) forVerifier[ext.insnOff]!.src = 0;
    }
  }
  return { exec, forVerifier, maps };
}

function unresolved(prog: ProgramSpec, kind: string, name: string): LoadError {
  return new LoadError(
    `program '${prog.name}': extern ${kind} '${name}' is not provided by the runtime`,
    "ESRCH",
  );
}
