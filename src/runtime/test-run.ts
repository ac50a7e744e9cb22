// BPF_PROG_TEST_RUN: build the program type's context from the input, run the
// program `repeat` times on it (timing the loop), read data and ctx back, and
// report the return value with what the run recorded (redirects, clones,
// return overrides).
import { UsageError } from "../errors.ts";
import { progTypeName } from "../uapi/index.ts";
import { TestRunError } from "./errors.ts";
import type { MapRegistry } from "./maps/index.ts";
import type { Program } from "./program.ts";
import { runnerFor } from "./progtypes/index.ts";
import type { TestRunOptions, TestRunResult } from "./progtypes/types.ts";

/** ENOSPC from a test run whose output did not fit `dataSizeOut`; the result is still there. */
export class TestRunNoSpaceError extends TestRunError {
  override name = "TestRunNoSpaceError";
  constructor(
    message: string,
    /** The result with `data` cut to dataSizeOut bytes. */
    readonly result: TestRunResult,
    /** The full output size. */
    readonly dataSize: number,
  ) {
    super(message, "ENOSPC");
  }
}

function repeatCount(n: number | undefined): number {
  if (n === undefined || n === 0) return 1;
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)
    throw new UsageError(`repeat must be an integer in 0..2^32-1, got ${n}`);
  return n;
}

export function testRun(maps: MapRegistry, prog: Program, opts: TestRunOptions): TestRunResult {
  prog.assertLive();
  const runner = runnerFor(prog.type);
  if (!runner)
    throw new TestRunError(`program type ${progTypeName(prog.type)} can't be test-run`, "ENOTSUPP");
  const repeat = repeatCount(opts.repeat);
  const savedCpu = maps.currentCpu;
  if (opts.cpu !== undefined) maps.currentCpu = opts.cpu;
  // Compile before the clock starts: the duration is the program's, as in the kernel.
  prog.prepare();
  const ctx = runner.prepare(maps.mem, prog.type, opts, prog.ctxConverted);
  try {
    const args = ctx.args();
    const start = process.hrtime.bigint();
    let last = prog.runOn(ctx, args, opts.budget);
    for (let i = 1; i < repeat; i++) last = prog.runOn(ctx, args, opts.budget);
    const durationNs = Number(process.hrtime.bigint() - start) / repeat;
    const out = runner.finish(ctx, opts);
    const { state } = last;
    const result: TestRunResult = {
      retval: Number(last.r0 & 0xffff_ffffn),
      r0: last.r0,
      durationNs,
      clones: state.clones,
    };
    if (out.data) result.data = out.data;
    if (out.ctx) result.ctx = out.ctx;
    if (state.redirect) result.redirect = state.redirect;
    if (state.overrideReturn !== undefined) result.overrideReturn = state.overrideReturn;
    const cap = opts.dataSizeOut;
    if (cap !== undefined && out.data && out.data.length > cap) {
      const full = out.data.length;
      result.data = out.data.slice(0, cap);
      throw new TestRunNoSpaceError(
        `test run output is ${full} bytes, dataSizeOut is ${cap}`,
        result,
        full,
      );
    }
    return result;
  } finally {
    ctx.dispose();
    maps.currentCpu = savedCpu;
  }
}
