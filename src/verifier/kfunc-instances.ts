// Before verification, every call site of an inlinable kfunc gets its own copy
// of the kfunc's BPF body, appended to the program as a hidden subprogram (the
// RFC's instantiate_inlinable_kfuncs). The main pass visits each copy in the
// context of its call (kernel-value.ts); afterwards the rewrite passes
// simplify the copies with their branch facts and paste them over the calls
// (src/fixup/inline-kfunc.ts), and the copies themselves are removed.
import { BPF_CALL, BPF_JMP, BPF_PSEUDO_KFUNC_CALL, LDDW } from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import type { Env } from "./env.ts";
import type { KfuncInstance } from "./kernel-value.ts";
import type { VerifyOptions } from "./options.ts";

/** What the rewrite pass needs to paste an instance over its call. */
export interface KfuncInstanceInfo extends KfuncInstance {
  /** Stack depth of the calling subprogram: the pasted body's stack goes below it. */
  readonly callerStackDepth: number;
}

export interface Instantiated {
  /** The program with the instance bodies appended (the input itself when there are none). */
  readonly insns: readonly Insn[];
  readonly instances: readonly KfuncInstance[];
}

const CALL = BPF_JMP | BPF_CALL;

/** Append one copy of the body of every inlinable kfunc call's callee. */
export function instantiateKfuncs(insns: readonly Insn[], opts: VerifyOptions): Instantiated {
  const table = opts.kfuncs;
  if (!table || opts.inlineKfuncs === false) return { insns, instances: [] };
  const out: Insn[] = [];
  const instances: KfuncInstance[] = [];
  let len = insns.length;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i]!;
    if (x.code === LDDW) {
      i++;
      continue;
    }
    if (x.code !== CALL || x.src !== BPF_PSEUDO_KFUNC_CALL || x.imm === 0 || x.off !== 0) continue;
    const desc = table.byId(x.imm);
    const body = desc?.body;
    if (!desc || !body || body.length === 0) continue;
    instances.push({ call: i, start: len, end: len + body.length, name: desc.name, body });
    for (const b of body) out.push({ ...b });
    len += body.length;
  }
  if (instances.length === 0) return { insns, instances };
  return { insns: [...insns, ...out], instances };
}

/** Each instance with its caller's final stack depth (for the rewrite pass). */
export function instanceReport(env: Env): KfuncInstanceInfo[] {
  const out: KfuncInstanceInfo[] = [];
  for (const inst of env.kfuncInstances.values()) {
    let sub = 0;
    for (let s = 0; s < env.subprogs.length; s++) if (env.subprogs[s]!.start <= inst.call) sub = s;
    out.push({ ...inst, callerStackDepth: env.subprogs[sub]?.stackDepth ?? 0 });
  }
  return out;
}
