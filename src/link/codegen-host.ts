// The trampoline of a host (JavaScript) function, generated as JS source for
// one function model and one set of phases:
//
//   function handle(a0, a1) {
//     take a frame level; store ip, nr_args, a0 and a1 as u64 into ctx;
//     fentry(ctx, fp);              // every fentry program, in attach order
//     const r = impl(a0, a1);       // fentry only: return impl(a0, a1)
//     store r into ctx[nr_args];
//     fexit(ctx, fp);               // every fexit program
//     return r;                     // (the level is given back in finally)
//   }
//
// Each argument is stored the way the C type holds it: signed types
// sign-extended into the u64 slot, unsigned ones zero-extended, _Bool as 0/1,
// 64-bit values from a number or a bigint. No loop over arguments or
// programs happens at call time.
import type { FuncModel, ValueModel } from "./model.ts";
import { CTX_AFTER_FP, MAX_TRAMP_DEPTH, type FramePool, type Views } from "./frames.ts";
import type { PhaseRunner } from "./phase.ts";
import type { HostImpl } from "./kernel/host-function.ts";
import { uniqueTag } from "./codegen-id.ts";

export interface HostTrampSpec {
  /** Name for messages. */
  name: string;
  model: FuncModel;
  /** What ctx[-2] (bpf_get_func_ip) holds: the function's BTF id. */
  ip: number;
  /** The original; undefined for an empty callback slot (then 0 is returned, or undefined if void). */
  impl: HostImpl | undefined;
  fentry: PhaseRunner | undefined;
  fexit: PhaseRunner | undefined;
}

/** Statements storing JS value `v` as the u64 at Int32Array index `j` of `w`. */
export function storeValue(v: string, j: string, m: ValueModel): string {
  const hi = `${j} + 1`;
  if (m.size === 8) {
    return (
      `if (typeof ${v} === "bigint") { w[${j}] = Number(${v} & 0xffffffffn); ` +
      `w[${hi}] = Number((${v} >> 32n) & 0xffffffffn); } ` +
      `else { w[${j}] = ${v}; w[${hi}] = Math.floor(${v} / 4294967296); }`
    );
  }
  // Narrow values are numbers; a bigint is taken modulo 2^32 first.
  const n = `(typeof ${v} === "bigint" ? Number(BigInt.asUintN(32, ${v})) : ${v})`;
  if (m.kind === "bool") return `w[${j}] = ${v} ? 1 : 0; w[${hi}] = 0;`;
  if (!m.signed) {
    const mask = m.size === 4 ? "" : m.size === 2 ? " & 0xffff" : " & 0xff";
    return `w[${j}] = ${n}${mask}; w[${hi}] = 0;`;
  }
  const shift = 32 - 8 * m.size;
  const t = shift === 0 ? `${n} | 0` : `(${n} << ${shift}) >> ${shift}`;
  return `{ const t = ${t}; w[${j}] = t; w[${hi}] = t >> 31; }`;
}

/** Generate the trampoline function. */
export function genHostTrampoline(spec: HostTrampSpec, pool: FramePool, views: Views): HostImpl {
  const { model } = spec;
  const n = model.args.length;
  const params = Array.from({ length: n }, (_, i) => `a${i}`).join(", ");
  const callImpl = spec.impl ? `$impl(${params})` : model.ret ? "0" : "undefined";
  const body: string[] = [];
  body.push(`const d = $K.depth;`);
  body.push(`if (d >= ${MAX_TRAMP_DEPTH}) $K.tooDeep($name);`);
  body.push(`$K.depth = d + 1;`);
  body.push(`try {`);
  body.push(`  const fp = $K.fp(d), c = fp + ${CTX_AFTER_FP}, i = c >> 2;`);
  body.push(`  let w = $V.i32;`);
  // ip and nr_args below ctx (bpf_get_func_ip / bpf_get_func_arg_cnt).
  body.push(`  w[i - 4] = ${spec.ip | 0}; w[i - 3] = 0; w[i - 2] = ${n}; w[i - 1] = 0;`);
  model.args.forEach((m, k) => body.push(`  ${storeValue(`a${k}`, `i + ${2 * k}`, m)}`));
  if (spec.fentry)
    body.push(`  try { $E(c, fp); } catch (e) { const f = $K.fault(e, $name); if (f) throw f; }`);
  if (!spec.fexit) {
    body.push(`  return ${callImpl};`);
  } else {
    body.push(`  const r = ${callImpl};`);
    if (model.ret) {
      // The original may have grown the memory: take the view again.
      body.push(`  w = $V.i32;`);
      body.push(`  ${storeValue("r", `i + ${2 * n}`, model.ret)}`);
    }
    body.push(`  try { $X(c, fp); } catch (e) { const f = $K.fault(e, $name); if (f) throw f; }`);
    body.push(`  return r;`);
  }
  body.push(`} finally { $K.depth = d; }`);
  // Closure names and the function's name contain `$`, which no C
  // identifier has, so a traced function called `Number` or `$K` cannot
  // shadow anything the body uses.
  const fname = spec.name.replace(/[^A-Za-z0-9_]/g, "_");
  const src = `${uniqueTag()}return function ${fname}$trampoline(${params}) {\n  ${body.join("\n  ")}\n};`;
  return new Function("$impl", "$K", "$V", "$E", "$X", "$name", src)(
    spec.impl,
    pool,
    views,
    spec.fentry,
    spec.fexit,
    spec.name,
  ) as HostImpl;
}
