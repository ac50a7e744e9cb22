// A "phase" is the programs a trampoline runs at one point — every fentry
// program before the traced function, or every fexit program after it — in
// attach order. It is generated for the exact list: a small WebAssembly
// module that imports each program's main function and calls them one after
// the other with r1 = ctx (no loop, no list at call time, no BigInt), or with
// statistics on, JS that reads the clock around each call.
import { ByteWriter } from "../jit/wasm/bytes.ts";
import { ModuleBuilder } from "../jit/wasm/module.ts";
import { Op, T } from "../jit/wasm/ops.ts";
import type { ProgEntry } from "./entry.ts";
import { uniqueTag } from "./codegen-id.ts";
import { nowNs, type ProgStats } from "./stats.ts";

/** Runs a phase: ctx address (r1 of each program) and the fp their stacks start below. */
export type PhaseRunner = (ctx: number, fp: number) => void;

export interface PhaseItem {
  entry: ProgEntry;
  stats: ProgStats;
}

/** The BPF function signature: (r1..r5: i64, fp: i32) -> i64. */
export function bpfSig(mb: ModuleBuilder): number {
  return mb.type([T.i64, T.i64, T.i64, T.i64, T.i64, T.i32], [T.i64]);
}

/** Imported program functions of a module, in call order. */
export type ProgImport = { index: number; bare: boolean };

/**
 * Import each program: bare WebAssembly functions with the BPF signature,
 * the others as JS functions (ctx: i32, fp: i32) -> ().
 */
export function importPrograms(
  mb: ModuleBuilder,
  items: readonly PhaseItem[],
  prefix: string,
  imports: Record<string, unknown>,
): ProgImport[] {
  const sig = bpfSig(mb);
  const jsSig = mb.type([T.i32, T.i32], []);
  return items.map((it, i) => {
    const name = `${prefix}${i}`;
    const bare = it.entry.wasm !== undefined;
    imports[name] = bare ? it.entry.wasm : it.entry.run;
    return { index: mb.importFunc("p", name, bare ? sig : jsSig), bare };
  });
}

/** Code calling each program with r1 = ctx (i32 local) and fp (i32 local). */
export function emitCalls(
  w: ByteWriter,
  progs: readonly ProgImport[],
  ctxLocal: number,
  fpLocal: number,
): void {
  for (const p of progs) {
    w.u8(Op.local_get).u32(ctxLocal);
    if (p.bare) {
      w.u8(Op.i64_extend_i32_u);
      for (let k = 0; k < 4; k++) w.u8(Op.i64_const).u8(0);
    }
    w.u8(Op.local_get).u32(fpLocal);
    w.u8(Op.call).u32(p.index);
    if (p.bare) w.u8(Op.drop);
  }
}

function wasmPhase(items: readonly PhaseItem[]): PhaseRunner {
  const mb = new ModuleBuilder();
  const imports: Record<string, unknown> = {};
  const progs = importPrograms(mb, items, "", imports);
  const w = new ByteWriter(64);
  emitCalls(w, progs, 0, 1);
  const fn = mb.addFunc(mb.type([T.i32, T.i32], []), [], w.view().slice());
  mb.exportFunc("run", fn);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), {
    p: imports as WebAssembly.ModuleImports,
  });
  return inst.exports.run as unknown as PhaseRunner;
}

function statsPhase(items: readonly PhaseItem[]): PhaseRunner {
  const lines = ["let t0 = now(), t1;"];
  items.forEach((_, i) => {
    lines.push(
      `run${i}(ctx, fp); t1 = now(); s${i}.runCount++; s${i}.runTimeNs += t1 - t0; t0 = t1;`,
    );
  });
  const names = items.flatMap((_, i) => [`run${i}`, `s${i}`]);
  const values = items.flatMap((it) => [it.entry.run, it.stats]);
  const body = `${uniqueTag()}return function phase(ctx, fp) {\n  ${lines.join("\n  ")}\n};`;
  return new Function("now", ...names, body)(nowNs, ...values) as PhaseRunner;
}

/** The runner of one phase, or undefined when it has no programs. */
export function buildPhase(items: readonly PhaseItem[], stats: boolean): PhaseRunner | undefined {
  if (items.length === 0) return undefined;
  return stats ? statsPhase(items) : wasmPhase(items);
}

/** A generic runner over a live list: the fallback that needs no code generation. */
export function genericPhase(items: () => readonly PhaseItem[]): PhaseRunner {
  return (ctx, fp) => {
    for (const it of items()) it.entry.run(ctx, fp);
  };
}
