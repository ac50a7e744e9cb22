// Memory the host-function trampolines run their programs in. Each nesting
// level of trampoline calls (a traced host function called from a program
// attached to a traced host function, ...) has one frame in runtime memory:
//
//   [ stack: 8 x 512 bytes ][ ip ][ nr_args ][ arg0 .. arg11, ret ]
//                           ^ fp of the programs   ^ ctx (r1)
//
// ctx[-1] holds the argument count and ctx[-2] the traced function's BTF id,
// where Linux's trampoline keeps them for bpf_get_func_arg_cnt() and
// bpf_get_func_ip(). A level is taken on entry and given back in a `finally`,
// so a fault never leaks one. The depth limit is what stops unbounded
// recursion (a program calling the function it traces): Linux has no
// recursion guard for fentry/fexit either, and tsbpf does not add one — it
// only turns "the process' stack overflows" into a typed TrampolineError.
import { TsbpfError } from "../errors.ts";
import { ProgramExit } from "../interp/env.ts";
import { STACK_SIZE } from "../jit/layout.ts";
import type { VmMemory } from "../memory/index.ts";
import { TrampolineError } from "./errors.ts";
import { MAX_BPF_FUNC_ARGS } from "./model.ts";

/** Nesting levels of host trampolines before a call fails. */
export const MAX_TRAMP_DEPTH = 32;
/** Bytes from a frame's fp to its ctx array (ip and nr_args sit between). */
export const CTX_AFTER_FP = 16;
const FRAME_BYTES = STACK_SIZE + CTX_AFTER_FP + 8 * (MAX_BPF_FUNC_ARGS + 1);

/** Int32Array view of the runtime memory that follows memory.grow(). */
export class Views {
  i32: Int32Array;
  constructor(mem: VmMemory) {
    this.i32 = new Int32Array(mem.memory.buffer);
    mem.onGrow(() => (this.i32 = new Int32Array(mem.memory.buffer)));
  }
}

export class FramePool {
  /** Nesting level of the host trampoline calls in progress. */
  depth = 0;
  private readonly fps: number[] = [];

  constructor(private readonly mem: VmMemory) {}

  /** Levels allocated so far. */
  get levels(): number {
    return this.fps.length;
  }

  /** The fp of level `d` (its ctx array is at fp + CTX_AFTER_FP); allocated on first use. */
  fp(d: number): number {
    return this.fps[d] ?? this.grow(d);
  }

  private grow(d: number): number {
    while (this.fps.length <= d) this.fps.push(this.mem.alloc(FRAME_BYTES, 16) + STACK_SIZE);
    return this.fps[d]!;
  }

  /** Thrown instead of entering level MAX_TRAMP_DEPTH. */
  tooDeep(name: string): never {
    throw new TrampolineError(
      `trampoline of ${name}: calls nested ${MAX_TRAMP_DEPTH} deep ` +
        `(a traced function called again from its own programs?)`,
    );
  }

  /**
   * What a fault inside tracing programs becomes: typed errors pass, a
   * ProgramExit (a helper ending the program) ends the phase quietly (undefined),
   * anything else (a WebAssembly trap, a host stack overflow) is a TrampolineError.
   */
  fault(e: unknown, name: string): unknown {
    if (e instanceof TsbpfError) return e;
    if (e instanceof ProgramExit) return undefined;
    const msg = e instanceof Error ? e.message : String(e);
    return new TrampolineError(`execution fault in a program attached to ${name}: ${msg}`);
  }

  /** Free every frame (the runtime is going away). */
  dispose(): void {
    for (const fp of this.fps) this.mem.free(fp - STACK_SIZE);
    this.fps.length = 0;
  }
}
