// The fallback trampoline of a host function: the same steps as the
// generated code, written once as a loop over the arguments and the live
// program lists. It is made when a trampoline is created, so a detach whose
// regeneration fails still leaves a working function behind.
import { CTX_AFTER_FP, MAX_TRAMP_DEPTH, type FramePool, type Views } from "./frames.ts";
import type { HostImpl } from "./kernel/host-function.ts";
import type { FuncModel, ValueModel } from "./model.ts";
import type { PhaseItem } from "./phase.ts";

/** Store JS value `v` as the u64 at Int32Array index `j` (the semantics codegen-host emits). */
export function storeValueJs(w: Int32Array, j: number, v: unknown, m: ValueModel): void {
  if (m.size === 8) {
    if (typeof v === "bigint") {
      w[j] = Number(v & 0xffffffffn);
      w[j + 1] = Number((v >> 32n) & 0xffffffffn);
    } else {
      const x = Number(v);
      w[j] = x;
      w[j + 1] = Math.floor(x / 4294967296);
    }
    return;
  }
  if (m.kind === "bool") {
    w[j] = v ? 1 : 0;
    w[j + 1] = 0;
    return;
  }
  const n = typeof v === "bigint" ? Number(BigInt.asUintN(32, v)) : Number(v);
  if (!m.signed) {
    w[j] = m.size === 4 ? n : n & (m.size === 2 ? 0xffff : 0xff);
    w[j + 1] = 0;
    return;
  }
  const shift = 32 - 8 * m.size;
  const t = (n << shift) >> shift;
  w[j] = t;
  w[j + 1] = t >> 31;
}

export interface GenericHostSpec {
  name: string;
  model: FuncModel;
  ip: number;
  impl: HostImpl | undefined;
  fentry: () => readonly PhaseItem[];
  fexit: () => readonly PhaseItem[];
}

export function genericHostTrampoline(
  spec: GenericHostSpec,
  pool: FramePool,
  views: Views,
): HostImpl {
  const { model } = spec;
  const run = (items: readonly PhaseItem[], c: number, fp: number): void => {
    try {
      for (const it of items) it.entry.run(c, fp);
    } catch (e) {
      const f = pool.fault(e, spec.name);
      if (f) throw f;
    }
  };
  return function generic(...args: unknown[]): unknown {
    const d = pool.depth;
    if (d >= MAX_TRAMP_DEPTH) pool.tooDeep(spec.name);
    pool.depth = d + 1;
    try {
      const fp = pool.fp(d);
      const c = fp + CTX_AFTER_FP;
      const i = c >> 2;
      let w = views.i32;
      w[i - 4] = spec.ip;
      w[i - 3] = 0;
      w[i - 2] = model.args.length;
      w[i - 1] = 0;
      model.args.forEach((m, k) => storeValueJs(w, i + 2 * k, args[k], m));
      run(spec.fentry(), c, fp);
      const call = spec.impl;
      const r = call ? call(...args.slice(0, model.args.length)) : model.ret ? 0 : undefined;
      w = views.i32;
      if (model.ret) storeValueJs(w, i + 2 * model.args.length, r, model.ret);
      run(spec.fexit(), c, fp);
      return r;
    } finally {
      pool.depth = d;
    }
  };
}
