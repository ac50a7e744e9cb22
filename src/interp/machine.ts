// The interpreter's mutable state for one run: the register file (two 32-bit
// halves per register), the call-frame records and the stack block. Machines
// are pooled per environment, so a run allocates nothing in runtime memory
// and a nested run (a helper running another program) simply takes another.
import { ExecError } from "../errors.ts";
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../isa/opcodes.ts";
import type { VmMemory } from "../memory/index.ts";
import type { Decoded } from "./decode.ts";
import type { ExecEnv, ExecProgram } from "./env.ts";

/** A decoded program together with what the loop needs to know about it. */
export interface Loaded extends Decoded {
  readonly prog: ExecProgram;
  /** Unverified: every access is bounds-checked. */
  readonly checked: boolean;
}

/** Each frame gets its own 512-byte stack; frame d's r10 is `stackTop - d * FRAME_SIZE`. */
export const FRAME_SIZE = MAX_BPF_STACK;
export const STACK_BYTES = MAX_CALL_FRAMES * FRAME_SIZE;
/** r1..r9, low and high words, saved per frame on a BPF-to-BPF call. */
const SAVED_WORDS = 18;
/** Size of the heap window remembered after a successful bounds check. */
const WINDOW = 256;

export class Machine {
  readonly lo = new Int32Array(16);
  readonly hi = new Int32Array(16);
  private readonly saved = new Int32Array(MAX_CALL_FRAMES * SAVED_WORDS);
  readonly retPc = new Int32Array(MAX_CALL_FRAMES);
  readonly retProg: Loaded[] = [];
  readonly retLoops = new Int32Array(MAX_CALL_FRAMES);
  readonly stackBase: number;
  readonly stackTop: number;

  // Per-run state, reset by begin().
  /** Instructions executed so far. */
  count = 0;
  /** Instruction budget (Infinity when unlimited). */
  limit = Infinity;
  tailCalls = 0;
  /** Bounds checks on (the running program is unverified). */
  checked = false;
  /** The heap window [winLo, winHi) known to be accessible; emptied after every call out. */
  winLo = 0;
  winHi = 0;

  constructor(readonly mem: VmMemory) {
    this.stackBase = mem.alloc(STACK_BYTES, 16);
    this.stackTop = this.stackBase + STACK_BYTES;
  }

  begin(limit: number, checked: boolean): void {
    this.count = 0;
    this.limit = limit;
    this.tailCalls = 0;
    this.checked = checked;
    this.winLo = this.winHi = 0;
    this.lo.fill(0);
    this.hi.fill(0);
  }

  frameTop(depth: number): number {
    return this.stackTop - depth * FRAME_SIZE;
  }

  /** Save the caller's r1..r9 and return point before entering frame depth + 1. */
  pushFrame(depth: number, retPc: number, prog: Loaded, loops: number): void {
    const s = depth * SAVED_WORDS;
    this.saved.set(this.lo.subarray(1, 10), s);
    this.saved.set(this.hi.subarray(1, 10), s + 9);
    this.retPc[depth] = retPc;
    this.retProg[depth] = prog;
    this.retLoops[depth] = loops;
  }

  /** Restore the caller's r1..r9 and r10 when returning to frame `depth`. */
  popFrame(depth: number): void {
    const s = depth * SAVED_WORDS;
    this.lo.set(this.saved.subarray(s, s + 9), 1);
    this.hi.set(this.saved.subarray(s + 9, s + 18), 1);
    this.lo[10] = this.frameTop(depth);
    this.hi[10] = 0;
  }

  /**
   * Slow path of an unverified access: fault unless [a, a+size) is live
   * memory, else remember a window around it so neighbouring accesses are
   * checked with two compares.
   */
  checkSlow(a: number, size: number, baseHi: number, pc: number, store: boolean): void {
    if (baseHi !== 0 || !this.mem.isAccessible(a, size)) {
      const addr = baseHi === 0 ? BigInt(a) : (BigInt(baseHi >>> 0) << 32n) + BigInt(a);
      const hex = BigInt.asUintN(64, addr).toString(16);
      throw new ExecError(
        `out-of-bounds ${store ? "store" : "load"} of ${size} bytes at 0x${hex}`,
        pc,
      );
    }
    const w = a - (a % WINDOW);
    if (a + size <= w + WINDOW && this.mem.isAccessible(w, WINDOW)) {
      this.winLo = w;
      this.winHi = w + WINDOW;
    } else {
      this.winLo = a;
      this.winHi = a + size;
    }
  }
}

/** Machines of one environment that are not running. */
class MachinePool {
  private readonly idle: Machine[] = [];
  constructor(private readonly mem: VmMemory) {}

  take(): Machine {
    return this.idle.pop() ?? new Machine(this.mem);
  }

  give(m: Machine): void {
    this.idle.push(m);
  }
}

// Keyed by memory, not by env: machines only need the memory, and callers that
// build a fresh env per run (runProgram) must not leave a stack behind each time.
const pools = new WeakMap<VmMemory, MachinePool>();

export function poolFor(env: ExecEnv): MachinePool {
  let p = pools.get(env.mem);
  if (!p) pools.set(env.mem, (p = new MachinePool(env.mem)));
  return p;
}

/** Fault raised when a call would need a ninth frame. */
export const tooDeep = (pc: number): ExecError =>
  new ExecError(`call stack too deep: more than ${MAX_CALL_FRAMES} frames`, pc);
