// Inlinable kfunc bodies: BPF code a call site may be replaced with. A body
// comes as assembly text, instructions, or a function of a clang-built
// object; host functions it calls are named (`call NAME` in assembly,
// `extern ... __ksym` in C) and resolved to their kfunc ids here. A body
// must be self-contained straight BPF: no BPF-to-BPF calls, maps, tail calls
// or callx; it ends in `exit`.
import { CollectionSpec } from "../spec/index.ts";
import type { CollectionSpec as Spec } from "../spec/types.ts";
import {
  assemble,
  BPF_CALL,
  BPF_EXIT,
  BPF_JMP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_X,
  LDDW,
  validate,
  type Insn,
} from "../isa/index.ts";
import { TsbpfError } from "../errors.ts";
import { KfuncError } from "./errors.ts";
import type { KfuncBody } from "./types.ts";

/** Resolves a host function's name to its kfunc id. */
export type NameResolver = (name: string) => number | undefined;

const CALL = BPF_JMP | BPF_CALL;
const BPF_FUNC_TAIL_CALL = 12;

/** `call NAME` of a registered host function becomes `call NAME#id` (a kfunc call). */
function resolveAsmCalls(text: string, resolve: NameResolver): string {
  return text.replace(/\bcall\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?=$|[;\n#/])/gm, (m, name: string) => {
    const id = resolve(name);
    return id === undefined ? m : `call ${name}#${id}`;
  });
}

function fromObject(
  name: string,
  body: { object: Uint8Array | Spec; function?: string },
  resolve: NameResolver,
): Insn[] {
  const spec =
    body.object instanceof Uint8Array ? CollectionSpec.fromBuffer(body.object) : body.object;
  const fn = body.function ?? name;
  const prog = spec.programs.find((p) => p.name === fn);
  if (!prog) throw new KfuncError(`kfunc '${name}': the object has no function '${fn}'`);
  if (prog.functions.length > 1)
    throw new KfuncError(
      `kfunc '${name}': body '${fn}' calls BPF functions (${prog.functions[1]!.name})`,
    );
  if (prog.mapRefs.length)
    throw new KfuncError(`kfunc '${name}': body '${fn}' uses map '${prog.mapRefs[0]!.mapName}'`);
  const insns = prog.insns.map((x) => ({ ...x }));
  for (const ext of prog.externRefs) {
    if (ext.kind !== "kfunc")
      throw new KfuncError(`kfunc '${name}': body '${fn}' uses ksym '${ext.name}'`);
    const id = resolve(ext.name);
    if (id === undefined)
      throw new KfuncError(
        `kfunc '${name}': body '${fn}' calls '${ext.name}', which is not registered`,
      );
    insns[ext.insnOff]!.imm = id;
  }
  return insns;
}

/** The body's instructions, resolved and checked. */
export function loadBody(name: string, body: KfuncBody, resolve: NameResolver): Insn[] {
  let insns: Insn[];
  try {
    if ("asm" in body) insns = assemble(resolveAsmCalls(body.asm, resolve), { file: name });
    else if ("insns" in body) insns = body.insns.map((x) => ({ ...x }));
    else insns = fromObject(name, body, resolve);
    validate(insns);
  } catch (e) {
    if (e instanceof KfuncError || !(e instanceof TsbpfError)) throw e;
    throw new KfuncError(`kfunc '${name}': bad body: ${e.message}`);
  }
  checkBody(name, insns);
  return insns;
}

/** What inlining needs of a body. */
function checkBody(name: string, insns: readonly Insn[]): void {
  const bad = (pc: number, why: string): never => {
    throw new KfuncError(`kfunc '${name}': body insn ${pc}: ${why}`);
  };
  for (let pc = 0; pc < insns.length; pc++) {
    const x = insns[pc]!;
    if (x.code === LDDW) {
      if (x.src !== 0) bad(pc, "loads a map or function address");
      pc++;
      continue;
    }
    if ((x.code & ~BPF_X) !== CALL) continue;
    if (x.code & BPF_X) bad(pc, "callx is not allowed");
    if (x.src === BPF_PSEUDO_CALL) bad(pc, "calls a BPF function");
    if (x.src === 0 && x.imm === BPF_FUNC_TAIL_CALL) bad(pc, "tail calls are not allowed");
    if (x.src === BPF_PSEUDO_KFUNC_CALL && x.imm === 0) bad(pc, "calls an unresolved kfunc");
  }
  if (
    insns[insns.length - 1]!.code !== (BPF_JMP | BPF_EXIT) &&
    !insns.some((x) => x.code === (BPF_JMP | BPF_EXIT))
  )
    bad(insns.length - 1, "never exits");
}
