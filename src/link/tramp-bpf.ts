// fentry/fexit on a function of a JIT-compiled BPF program (its main function
// or a subprogram): the function's table slot is swapped to the generated
// trampoline and restored when the last program leaves. Calls through the
// slot — the program's entry, BPF-to-BPF calls, tail calls into it,
// callbacks — all go through the trampoline.
import type { JitProgram } from "../jit/engine.ts";
import { stateFor } from "../jit/env-state.ts";
import { genBpfTrampoline } from "./codegen-bpf.ts";
import { MAX_TRAMP_DEPTH, type FramePool } from "./frames.ts";
import type { FuncModel } from "./model.ts";
import { buildPhase, type PhaseItem, type PhaseRunner } from "./phase.ts";
import { Trampoline, type TrampolineHost } from "./trampoline.ts";

const jsItem = (run: (ctx: number) => void): PhaseItem => ({
  entry: { wasm: undefined, frames: 0, run },
  stats: { runCount: 0, runTimeNs: 0 },
});

export class BpfTrampoline extends Trampoline {
  private readonly table: WebAssembly.Table;
  private readonly orig: unknown;
  private readonly fallback: unknown;

  constructor(
    host: TrampolineHost,
    name: string,
    model: FuncModel,
    readonly prepared: JitProgram,
    /** Entry pc of the traced function in the prepared program. */
    readonly pc: number,
    readonly slot: number,
    private readonly ip: number,
    private readonly pool: FramePool,
  ) {
    super(host, name, model);
    this.table = stateFor(prepared.env).table;
    this.orig = this.table.get(slot);
    const generic =
      (kind: "fentry" | "fexit"): PhaseRunner =>
      (ctx, fp) => {
        for (const it of this.liveItems(kind)) it.entry.run(ctx, fp);
      };
    this.fallback = this.generate(
      [jsItem((ctx) => this.onPool(ctx, generic("fentry")))],
      [jsItem((ctx) => this.onPool(ctx, generic("fexit")))],
      () => {},
    );
  }

  /** Run a phase on a frame of the host pool (JS; typed faults, depth limit). */
  private onPool(ctx: number, run: PhaseRunner): void {
    const pool = this.pool;
    const d = pool.depth;
    if (d >= MAX_TRAMP_DEPTH) pool.tooDeep(this.name);
    pool.depth = d + 1;
    try {
      run(ctx, pool.fp(d));
    } catch (e) {
      const f = pool.fault(e, this.name);
      if (f) throw f;
    } finally {
      pool.depth = d;
    }
  }

  private generate(
    fentry: PhaseItem[],
    fexit: PhaseItem[],
    slow: (phase: number, ctx: number) => void,
  ): unknown {
    return genBpfTrampoline({
      model: this.model,
      ip: this.ip,
      orig: this.orig,
      memory: this.prepared.env.mem.memory,
      stackLo: stateFor(this.prepared.env).stackLo,
      fentry,
      fexit,
      slow,
    });
  }

  protected install(fentry: PhaseItem[], fexit: PhaseItem[], stats: boolean): void {
    let f: unknown;
    if (stats) {
      // Statistics read the clock around each program: a JS phase on a pool frame.
      const wrap = (items: PhaseItem[]): PhaseItem[] => {
        const run = buildPhase(items, true);
        return run ? [jsItem((ctx) => this.onPool(ctx, run))] : [];
      };
      f = this.generate(wrap(fentry), wrap(fexit), () => {});
    } else {
      const phases = [fentry, fexit];
      f = this.generate(fentry, fexit, (phase, ctx) =>
        this.onPool(ctx, (c, fp) => {
          for (const it of phases[phase]!) it.entry.run(c, fp);
        }),
      );
    }
    this.table.set(this.slot, f as WebAssembly.ExportValue);
  }

  protected installFallback(): void {
    this.table.set(this.slot, this.fallback as WebAssembly.ExportValue);
  }

  protected restore(): void {
    this.table.set(this.slot, this.orig as WebAssembly.ExportValue);
  }
}
