// The interpreter as an Engine (the execution contract of env.ts), plus
// runProgram(), a one-call convenience for tests and tools.
import { UsageError } from "../errors.ts";
import type { Insn } from "../isa/index.ts";
import { VmMemory } from "../memory/index.ts";
import { toU64 } from "./calls.ts";
import {
  DEFAULT_BUDGET,
  ProgramExit,
  type Engine,
  type ExecEnv,
  type ExecProgram,
  type HelperFn,
  type PreparedProgram,
  type RunOptions,
  type RunResult,
} from "./env.ts";
import { exec } from "./exec.ts";
import { loadProgram } from "./load.ts";
import { poolFor } from "./machine.ts";

function budgetFor(prog: ExecProgram, opts: RunOptions): number {
  const b = opts.budget;
  if (b === undefined) return prog.verified ? Infinity : DEFAULT_BUDGET;
  if (!(b > 0)) throw new UsageError(`instruction budget must be positive, got ${b}`);
  return b;
}

function prepare(program: ExecProgram, env: ExecEnv): PreparedProgram {
  const loaded = loadProgram(program);
  const pool = poolFor(env);
  return {
    run(opts: RunOptions = {}): RunResult {
      const args = opts.args ?? [];
      if (args.length > 5) throw new UsageError(`at most 5 arguments (r1..r5), got ${args.length}`);
      const m = pool.take();
      try {
        m.begin(budgetFor(program, opts), loaded.checked);
        for (let i = 0; i < args.length; i++) {
          const v = BigInt.asUintN(64, args[i]!);
          m.lo[i + 1] = Number(v & 0xffffffffn) | 0;
          m.hi[i + 1] = Number(v >> 32n) | 0;
        }
        try {
          exec(m, env, loaded, 0, 0);
        } catch (e) {
          if (!(e instanceof ProgramExit)) throw e;
          return { r0: BigInt.asUintN(64, e.r0), insnCount: m.count };
        }
        return { r0: toU64(m.lo[0]!, m.hi[0]!), insnCount: m.count };
      } finally {
        pool.give(m);
      }
    },
  };
}

/** The reference interpreter. */
export const interpreter: Engine = { name: "interp", prepare };

export interface RunProgramOptions extends RunOptions {
  /** Runtime memory (a fresh 1 MiB one when omitted). */
  mem?: VmMemory;
  /** Helpers by id. */
  helpers?: Readonly<Record<number, HelperFn>> | ReadonlyMap<number, HelperFn>;
  /** Mark the program verified (no bounds checks, no default budget). */
  verified?: boolean;
  /** Extra environment hooks (kfuncs, tail-call targets, packet data). */
  env?: Partial<Omit<ExecEnv, "mem" | "helper">>;
}

/** Build an ExecEnv from a memory and a helper table. */
export function makeEnv(
  mem: VmMemory,
  helpers: RunProgramOptions["helpers"] = {},
  extra: RunProgramOptions["env"] = {},
): ExecEnv {
  const lookup =
    helpers instanceof Map
      ? (id: number) => helpers.get(id)
      : (id: number) => (helpers as Readonly<Record<number, HelperFn>>)[id];
  return { ...extra, mem, helper: lookup };
}

/** Run instructions once on the interpreter: `runProgram(insns, { args, helpers })`. */
export function runProgram(insns: readonly Insn[], opts: RunProgramOptions = {}): RunResult {
  const mem = opts.mem ?? new VmMemory();
  const env = makeEnv(mem, opts.helpers, opts.env);
  return interpreter.prepare({ insns, verified: opts.verified }, env).run(opts);
}
