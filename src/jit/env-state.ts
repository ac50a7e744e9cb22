// Per-environment state shared by every program the JIT prepares for one
// ExecEnv: the function table all their functions live in (so a tail call or
// a trampoline can reach any of them), the globals their code shares (budget,
// stack area, live-region hand-off, the per-run tail-call count), and one
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
  /** The run's tail-call count, a global so direct tail calls count without leaving wasm. */
  readonly tailCnt = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
  /** Instruction budget of the run in progress (for the exhaustion message). */
  limit = 0;
  /** Nesting level of runs in progress. */
  depth = 0;
  private readonly stacks: number[] = [];
  readonly prepared = new WeakMap<ExecProgram, unknown>();

  constructor(readonly env: ExecEnv) {}

  /** Tail calls taken (or attempted on an empty slot) in the current run. */
  get tailCalls(): number {
    return this.tailCnt.value as number;
  }

  set tailCalls(n: number) {
    this.tailCnt.value = n;
  }

  /** Reserve `count` consecutive table slots; returns the first. */
  reserveSlots(count: number): number {
    // Slots of disposed programs first (first fit).
    const i = this.freeRuns.findIndex(([, n]) => n >= count);
    if (i >= 0) {
      const [start, n] = this.freeRuns[i]!;
      if (n === count) this.freeRuns.splice(i, 1);
      else this.freeRuns[i] = [start + count, n - count];
      return start;
    }
    // Grow geometrically: Table.grow copies, so growing by a few slots per
    // program would make loading n programs quadratic. Unused slots are null.
    const first = this.slotsUsed;
    this.slotsUsed += count;
    const len = this.table.length;
    if (this.slotsUsed > len) this.table.grow(Math.max(this.slotsUsed - len, len));
    return first;
  }

  /** Table slots handed out so far (the table may be longer). */
  private slotsUsed = 0;
  /** Runs of slots given back by disposed programs: [start, count]. */
  private readonly freeRuns: Array<[number, number]> = [];

  /** Empty `count` slots from `start` (dropping the functions, so their module can go) for reuse. */
  releaseSlots(start: number, count: number): void {
    for (let i = start; i < start + count; i++) this.table.set(i, null);
    this.freeRuns.push([start, count]);
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
      tailCnt: this.tailCnt,
    };
  }
}

const states = new WeakMap<ExecEnv, EnvState>();

export function stateFor(env: ExecEnv): EnvState {
  let s = states.get(env);
  if (!s) states.set(env, (s = new EnvState(env)));
  return s;
}
