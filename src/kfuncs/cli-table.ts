// The kfuncs `tsbpf verify` checks calls against: a runtime's registry (the
// built-in dynptr kfuncs) plus the modules given with --kfuncs, and the
// resolution libbpf does at load time — a program's `extern ... __ksym`
// calls get the kfunc's id, assembly `call NAME` becomes `call NAME#id`.
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../errors.ts";
import { BPF_PSEUDO_KFUNC_CALL, type Insn } from "../isa/index.ts";
import { Runtime } from "../runtime/runtime.ts";
import type { CollectionSpec, ProgramSpec } from "../spec/types.ts";
import { KfuncModule } from "./module.ts";
import type { KfuncRegistry } from "./registry.ts";

/** A registry with the built-in kfuncs and every module the files export. */
export async function cliKfuncs(moduleFiles: readonly string[]): Promise<KfuncRegistry> {
  const rt = new Runtime({ memory: { initialBytes: 1 << 17 } });
  for (const file of moduleFiles) {
    const mod: Record<string, unknown> = await import(pathToFileURL(resolvePath(file)).href);
    const found = Object.values(mod).flatMap((v) => {
      const x = typeof v === "function" && v.length === 0 ? (v as () => unknown)() : v;
      return x instanceof KfuncModule ? [x] : [];
    });
    if (found.length === 0)
      throw new UsageError(`--kfuncs ${file}: exports no kfunc module (or function returning one)`);
    for (const m of found) rt.kfuncs.register(m);
  }
  return rt.kfuncs;
}

/** The program's instructions with every kfunc extern call resolved to its id. */
export function resolveKfuncCalls(
  spec: CollectionSpec,
  prog: ProgramSpec,
  kfuncs: KfuncRegistry,
): Insn[] {
  const insns = prog.insns.map((x) => ({ ...x }));
  for (const ext of prog.externRefs) {
    if (ext.kind !== "kfunc") continue;
    const id = kfuncs.id(ext.name);
    const weak = spec.externs[ext.externIndex]?.weak ?? false;
    if (id === undefined) {
      if (weak) continue;
      throw new UsageError(
        `program '${prog.name}' calls kfunc '${ext.name}', which tsbpf does not provide (--kfuncs MODULE adds kfuncs)`,
      );
    }
    const x = insns[ext.insnOff]!;
    if (x.src === BPF_PSEUDO_KFUNC_CALL) x.imm = id;
  }
  return insns;
}

/** Assembly: `call NAME` of a kfunc becomes `call NAME#id` (the assembler's kfunc call). */
export function resolveAsmKfuncs(text: string, kfuncs: KfuncRegistry): string {
  return text.replace(/\bcall\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?=$|[;\n#/])/gm, (m, name: string) => {
    const id = kfuncs.id(name);
    return id === undefined ? m : `call ${name}#${id}`;
  });
}
