// A runtime's kfuncs: modules register their kfuncs (each gets a FUNC in the
// runtime's kernel BTF, whose id is what a program's `call` names) and
// unregister them. The verifier sees the registered kfuncs through byId();
// the engines call implementations through impl(), which keeps every kfunc
// ever registered, so programs loaded while a module was registered keep
// working after it goes (ids are never reused: the kernel BTF only grows).
import type { HelperFn } from "../interp/index.ts";
import type { Insn } from "../isa/index.ts";
import type { HostKernel } from "../link/kernel/host-kernel.ts";
import type { Kernel } from "../runtime/kernel.ts";
import type { Btf } from "../btf/btf.ts";
import type { KfuncDesc, KfuncTable } from "../verifier/kfuncs/types.ts";
import { loadBody } from "./body.ts";
import { KfuncError } from "./errors.ts";
import { KfuncModule } from "./module.ts";
import { declareKfuncProto } from "./proto.ts";
import type { KfuncDef } from "./types.ts";

interface Entry {
  readonly def: KfuncDef;
  readonly module: KfuncModule;
  readonly id: number;
  readonly protoId: number;
  body: Insn[] | undefined;
  /** The verifier's view, rebuilt when the kernel BTF grows. */
  desc: KfuncDesc | undefined;
}

export class KfuncRegistry implements KfuncTable {
  private readonly byName = new Map<string, Entry>();
  private readonly registered = new Map<number, Entry>();
  private readonly impls = new Map<number, HelperFn>();
  private readonly modules = new Map<KfuncModule, Entry[]>();

  constructor(
    /** The runtime's "vmlinux" BTF, where prototypes go. */
    private readonly kernel: HostKernel,
    /** What implementations are bound to. */
    private readonly host: Kernel,
  ) {}

  /** Register every kfunc of a module; nothing is registered if one fails. */
  register(mod: KfuncModule): void {
    if (this.modules.has(mod)) throw new KfuncError(`module '${mod.name}' is already registered`);
    for (const def of mod.kfuncs) {
      const other = this.byName.get(def.name);
      if (other)
        throw new KfuncError(
          `kfunc '${def.name}' is already registered by module '${other.module.name}'`,
        );
    }
    const entries: Entry[] = mod.kfuncs.map((def) => {
      const { funcId, protoId } = declareKfuncProto(this.kernel, def.name, def.proto);
      return { def, module: mod, id: funcId, protoId, body: undefined, desc: undefined };
    });
    // Bodies may call any registered host function, or one of this module.
    const own = new Map(entries.map((e) => [e.def.name, e.id]));
    const resolve = (name: string): number | undefined =>
      own.get(name) ?? this.byName.get(name)?.id;
    for (const e of entries) if (e.def.body) e.body = loadBody(e.def.name, e.def.body, resolve);
    for (const e of entries) {
      this.byName.set(e.def.name, e);
      this.registered.set(e.id, e);
      this.impls.set(e.id, this.bind(e.def));
    }
    this.modules.set(mod, entries);
  }

  /** Unregister a module: new programs cannot call its kfuncs; loaded ones keep them. */
  unregister(mod: KfuncModule): void {
    const entries = this.modules.get(mod);
    if (!entries) throw new KfuncError(`module '${mod.name}' is not registered`);
    for (const e of entries) {
      this.byName.delete(e.def.name);
      this.registered.delete(e.id);
    }
    this.modules.delete(mod);
  }

  /** Registered modules, in registration order. */
  get moduleList(): KfuncModule[] {
    return [...this.modules.keys()];
  }

  /** The id (kernel BTF FUNC id) of a kfunc programs may call, by name. */
  id(name: string): number | undefined {
    const e = this.byName.get(name);
    return e && !e.def.internal ? e.id : undefined;
  }

  /** KfuncTable: what the verifier knows of a kfunc programs may call. */
  byId(btfId: number): KfuncDesc | undefined {
    const e = this.registered.get(btfId);
    if (!e || e.def.internal) return undefined;
    const btf: Btf = this.kernel.btf;
    if (e.desc?.btf !== btf) {
      e.desc = {
        name: e.def.name,
        btf,
        protoId: e.protoId,
        flags: e.def.flags ?? 0,
        progTypes: e.def.progTypes,
        body: e.body,
      };
    }
    return e.desc;
  }

  /** The implementation behind an id, for the engines (ExecEnv.kfunc). */
  impl(btfId: number): HelperFn | undefined {
    return this.impls.get(btfId);
  }

  /** The inlinable body of a registered kfunc (as loaded), if any. */
  body(name: string): readonly Insn[] | undefined {
    return this.byName.get(name)?.body;
  }

  private bind(def: KfuncDef): HelperFn {
    const impl = def.impl;
    const host = this.host;
    return (r1, r2, r3, r4, r5, call) => {
      const r = impl(host, r1, r2, r3, r4, r5, call);
      return typeof r === "bigint" ? r : BigInt(r);
    };
  }
}
