// Differential runs: the same program on the interpreter and the JIT, each in
// its own runtime memory set up identically (same allocations in the same
// order, so the buffer lands at the same address), compared on r0, the
// buffer's final bytes, the executed instruction count and any error.
import { TsbpfError } from "../../src/errors.ts";
import { disasm, type Insn } from "../../src/isa/index.ts";
import {
  interpreter,
  makeEnv,
  ProgramExit,
  type Engine,
  type ExecEnv,
  type HelperFn,
} from "../../src/interp/index.ts";
import { jit } from "../../src/jit/index.ts";
import { VmMemory } from "../../src/memory/index.ts";
import {
  BUF_SIZE,
  KFUNC_ID,
  randomProgram,
  renderProgram,
  shrinkProgram,
  type GenOptions,
  type RandomProgram,
} from "../support/random-programs.ts";

const M64 = (1n << 64n) - 1n;
/** Unallocated bytes after the buffer: covers every out-of-bounds offset the generator uses. */
const GUARD_BYTES = 16 * 1024;

/** Deterministic helpers over the buffer at `buf`: pure, memory-writing, and exiting. */
function helpersFor(mem: VmMemory, buf: number): Map<number, HelperFn> {
  return new Map<number, HelperFn>([
    [1, (a, b, c, d, e) => ((a * 0x9e3779b97f4a7c15n) ^ (b + c) ^ (d << 3n) ^ e) & M64],
    [
      2,
      (a, b) => {
        const off = Number(a & 0xf8n);
        mem.dv.setBigUint64(buf + off, b, true);
        return a ^ b;
      },
    ],
    [
      3,
      (a, b) => {
        if ((b & 7n) === 0n) throw new ProgramExit(a);
        return (a + 1n) & M64;
      },
    ],
  ]);
}

export interface Outcome {
  r0?: bigint;
  error?: string;
  insnCount?: number;
  buf: Uint8Array;
}

/** One engine's runtime: a memory with the buffer allocated first, and an env. */
export class Rig {
  readonly mem = new VmMemory({ initialBytes: 1 << 18 });
  readonly buf: number;
  readonly env: ExecEnv;

  constructor(readonly engine: Engine) {
    this.buf = this.mem.alloc(BUF_SIZE);
    // Keep the memory after the buffer unallocated (a freed large block that
    // small allocations such as engine stacks never reuse), so the generator's
    // deliberate out-of-bounds accesses fault instead of reading whatever
    // engine-private memory would follow.
    this.mem.free(this.mem.alloc(GUARD_BYTES));
    const helpers = helpersFor(this.mem, this.buf);
    const kfn: HelperFn = (a, b) => (a - b) & M64;
    this.env = makeEnv(this.mem, helpers, { kfunc: (id) => (id === KFUNC_ID ? kfn : undefined) });
  }

  run(insns: Insn[], verified: boolean, budget?: number): Outcome {
    const u8 = this.mem.u8;
    for (let i = 0; i < BUF_SIZE; i++) u8[this.buf + i] = (i * 37 + 11) & 0xff;
    try {
      const p = this.engine.prepare({ insns, verified }, this.env);
      const r = p.run({ args: [BigInt(this.buf), BigInt(BUF_SIZE)], budget });
      return { r0: r.r0, insnCount: r.insnCount, buf: this.mem.read(this.buf, BUF_SIZE) };
    } catch (e) {
      if (!(e instanceof TsbpfError)) throw e;
      return { error: `${e.name}: ${e.message}`, buf: this.mem.read(this.buf, BUF_SIZE) };
    }
  }
}

/** Why two outcomes differ, or undefined when they agree. */
export function difference(a: Outcome, b: Outcome): string | undefined {
  if (a.error !== b.error) return `error: interp ${a.error ?? "none"} / jit ${b.error ?? "none"}`;
  if (a.error !== undefined) return undefined;
  if (a.r0 !== b.r0) return `r0: interp 0x${a.r0!.toString(16)} / jit 0x${b.r0!.toString(16)}`;
  if (a.insnCount !== undefined && b.insnCount !== undefined && a.insnCount !== b.insnCount)
    return `instruction count: interp ${a.insnCount} / jit ${b.insnCount}`;
  for (let i = 0; i < a.buf.length; i++) {
    if (a.buf[i] !== b.buf[i]) return `buffer byte ${i}: interp ${a.buf[i]} / jit ${b.buf[i]}`;
  }
  return undefined;
}

export interface Case {
  seed: number;
  verified: boolean;
  /** Budget as a fraction of the program's instruction count (budget-fault runs). */
  budgetFraction?: number;
}

export interface Mismatch {
  seed: number;
  verified: boolean;
  why: string;
  /** The shrunk program as kernel-syntax assembly. */
  asm: string;
}

/** Runs programs on both engines and shrinks the first disagreement. */
export class Differ {
  private readonly interp = new Rig(interpreter);
  private readonly jitRig = new Rig(jit);

  constructor(private readonly gen: GenOptions = {}) {}

  /** The difference for one rendered program, or undefined. */
  compare(insns: Insn[], verified: boolean, budgetFraction?: number): string | undefined {
    let budget: number | undefined;
    if (budgetFraction !== undefined) {
      const full = this.interp.run(insns, false);
      if (full.insnCount === undefined) return undefined;
      budget = Math.max(1, Math.floor(full.insnCount * budgetFraction));
    }
    const a = this.interp.run(insns, verified, budget);
    const b = this.jitRig.run(insns, verified, budget);
    return difference(a, b);
  }

  check(c: Case): Mismatch | undefined {
    const prog = randomProgram(c.seed, { ...this.gen, faults: this.gen.faults && !c.verified });
    const why = this.compare(renderProgram(prog), c.verified, c.budgetFraction);
    if (why === undefined) return undefined;
    const fails = (p: RandomProgram): boolean =>
      this.compare(renderProgram(p), c.verified, c.budgetFraction) !== undefined;
    const small = shrinkProgram(prog, fails);
    const insns = renderProgram(small);
    return {
      seed: c.seed,
      verified: c.verified,
      why: this.compare(insns, c.verified, c.budgetFraction) ?? why,
      asm: disasm(insns, { index: true }).join("\n"),
    };
  }
}

export function formatMismatch(m: Mismatch): string {
  return `seed ${m.seed} (${m.verified ? "verified" : "unverified"}): ${m.why}\n${m.asm}`;
}
