// How a trampoline calls one attached program. A verified program the JIT
// compiled is called directly: its main function is a WebAssembly function
// with the BPF signature (r1..r5: i64, fp: i32) -> i64, so a generated
// trampoline imports it and calls it with r1 = ctx and a stack of its own —
// no BigInt, no driver. Everything else (the interpreter, unverified JIT code
// that needs the run's budget and bounds-check state, programs that tail
// call, whose chain count lives in the JIT's per-run state) goes through the
// engine's run(), which sets all of that up.
import { JitProgram } from "../jit/engine.ts";
import { MAX_CALL_FRAMES } from "../isa/opcodes.ts";
import type { PreparedProgram } from "../interp/env.ts";

/** bpf_tail_call's helper id. */
const TAIL_CALL = 12;

export interface ProgEntry {
  /** The main function as a WebAssembly function (direct calls), when it can be called bare. */
  readonly wasm: ((...a: unknown[]) => unknown) | undefined;
  /** Stack frames (512 bytes each) the program may use: its function count, at most 8. */
  readonly frames: number;
  /** Run the program with r1 = ctx on the stack below `fp` (run()-based entries ignore fp). */
  readonly run: (ctx: number, fp: number) => void;
}

export function entryOf(prepared: PreparedProgram): ProgEntry {
  if (prepared instanceof JitProgram && prepared.program.verified === true) {
    const compiled = prepared.compiled;
    if (!compiled.helperIds.includes(TAIL_CALL)) {
      const fn = prepared.slotFunction(prepared.mainSlot) as unknown as (
        ...a: unknown[]
      ) => unknown;
      return {
        wasm: fn,
        frames: Math.min(MAX_CALL_FRAMES, compiled.funcPcs.length),
        run: (ctx, fp) => void fn(BigInt(ctx), 0n, 0n, 0n, 0n, fp),
      };
    }
  }
  return {
    wasm: undefined,
    frames: 0,
    run: (ctx) => void prepared.run({ args: [BigInt(ctx)] }),
  };
}
