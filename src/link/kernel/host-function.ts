// One attachable host function: its name, BTF identity, distilled model, the
// JavaScript implementation, and the stable callable handed to application
// code. The callable is generated with the function's exact arity and calls
// whatever is installed — the implementation itself while nothing is
// attached, the trampoline otherwise — so application code keeps one
// reference for life and an unattached call costs one extra (inlinable) call.
import { uniqueTag } from "../codegen-id.ts";
import type { FuncModel } from "../model.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HostImpl = (...args: any[]) => unknown;

/** A JS identifier safe to use as the generated function's name. */
const identifier = (name: string): string => {
  const s = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
};

interface Router<F> {
  call: F;
  set(f: HostImpl): void;
}

let routers = 0;

function makeRouter<F extends HostImpl>(name: string, arity: number, impl: F): Router<F> {
  const params = Array.from({ length: arity }, (_, i) => `a${i}`).join(", ");
  // The target lives in an object field, not a `let`: V8 tracks that a field
  // was never reassigned and folds the load, so until the first attach the
  // call is inlined as if the application called the implementation itself.
  // Constness is tracked per hidden class, and objects with the same field
  // names share one, so each router's field has a name of its own. Internal
  // names contain `$`, which no C identifier has, so the function's own name
  // never shadows them.
  const field = `f$${routers++}`;
  const src =
    uniqueTag() +
    `const $R = { ${field}: $impl };\n` +
    `return { call: function ${identifier(name)}(${params}) { return $R.${field}(${params}); },\n` +
    `  set(f) { $R.${field} = f; } };`;
  return new Function("$impl", src)(impl) as Router<F>;
}

export class HostFunction<F extends HostImpl = HostImpl> {
  /** What application code calls; stable for the life of the definition. */
  readonly call: F;
  private readonly router: Router<F>;
  private installed: HostImpl;

  constructor(
    readonly name: string,
    /** BTF id of the FUNC in the kernel's BTF. */
    readonly btfId: number,
    /** BTF id of its FUNC_PROTO. */
    readonly protoId: number,
    readonly model: FuncModel,
    readonly impl: F,
  ) {
    this.router = makeRouter(name, model.args.length, impl);
    this.call = this.router.call;
    this.installed = impl;
  }

  /** Route calls through `f` (a trampoline), or back to the implementation. */
  route(f: HostImpl | undefined): void {
    this.installed = f ?? this.impl;
    this.router.set(this.installed);
  }

  /** True while calls go through something other than the implementation. */
  get routed(): boolean {
    return this.installed !== this.impl;
  }
}
