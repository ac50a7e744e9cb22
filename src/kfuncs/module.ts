// A kfunc module: a named set of kfuncs registered and unregistered together
// (the kernel's module BTF kfunc sets). Defining one only checks the
// declarations; registering it in a runtime's KfuncRegistry gives its kfuncs
// ids in that runtime's kernel BTF.
import { KfuncError } from "./errors.ts";
import type { KfuncDef } from "./types.ts";

export class KfuncModule {
  readonly name: string;
  readonly kfuncs: readonly KfuncDef[];

  constructor(name: string, kfuncs: readonly KfuncDef[]) {
    const seen = new Set<string>();
    for (const k of kfuncs) {
      if (seen.has(k.name)) throw new KfuncError(`module '${name}' defines '${k.name}' twice`);
      if (typeof k.impl !== "function")
        throw new KfuncError(`kfunc '${k.name}' needs a host implementation`);
      seen.add(k.name);
    }
    this.name = name;
    this.kfuncs = kfuncs;
  }
}

/** A module of kfuncs: `defineKfuncModule("my_mod", [{ name, proto, flags, impl, body }])`. */
export const defineKfuncModule = (name: string, kfuncs: readonly KfuncDef[]): KfuncModule =>
  new KfuncModule(name, kfuncs);
