// Per-environment state shared by every program the JIT prepares for one
// ExecEnv: the function table all their functions live in (so a tail call or
// a trampoline can reach any of them), the globals their code shares (budget,
// stack area, live-region hand-off), the per-run tail-call count, and one
// stack area per level of nested runs (a helper may run another program).
import type { ExecEnv, ExecProgram } from "../interp/env.ts";
import { STACK_SIZE } from "./layout.ts";

/** i64 budget value that stands for "unlimited" (no run can execute 2^62 instructions). */
export const UNLIMITED = 2 ** 62;

export class EnvState {
  readonly table = new WebAssembly.Table({ element: "anyfunc", initial: 0 });
  readonly budget = new WebAssembly.Global({ value: "i64", mutable: true }, 0n);
  readonly stackLo = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
  readonly regionLo = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
  readonly regionLim = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
  /** Tail calls taken (or attempted on an empty slot) in the current run. */
  tailCalls = 0;
  /** Instruction budget of the run in progress (for the exhaustion message). */
  limit = 0;
  /** Nesting level of runs in progress. */
  depth = 0;
  private readonly stacks: number[] = [];
  readonly prepared = new WeakMap<ExecProgram, unknown>();

  constructor(readonly env: ExecEnv) {}

  /** Reserve `count` consecutive table slots; returns the first. */
  reserveSlots(count: number): number {
    return this.table.grow(count);
  }

  /** The stack area for the run at the current nesting level (allocated once, reused). */
  stackFor(level: number): number {
    while (this.stacks.length <= level) this.stacks.push(this.env.mem.alloc(STACK_SIZE, 16));
    return this.stacks[level]!;
  }

  get imports(): Record<string, WebAssembly.ImportValue> {
    return {
      memory: this.env.mem.memory,
      table: this.table,
      budget: this.budget,
      stackLo: this.stackLo,
      regionLo: this.regionLo,
      regionLim: this.regionLim,
    };
  }
}

const states = new WeakMap<ExecEnv, EnvState>();

export function stateFor(env: ExecEnv): EnvState {
  let s = states.get(env);
  if (!s) states.set(env, (s = new EnvState(env)));
  return s;
}
