// Per-call cost of tracing a host function, side by side in one run:
//
//   bare          the JS implementation called directly
//   registered    the callable kernel.define() returned, nothing attached
//   fentry        one empty fentry program (JIT, verified)
//   fentryFexit   one empty fentry and one empty fexit program
//   tenProgs      five fentry and five fexit programs
//   naive         a generic wrapper: a closure that spreads its arguments,
//                 stores them as u64 with BigInt, and loops over the same two
//                 programs' entry functions (what one writes without codegen)
//
// Each variant gets its own call loop (new Function), so every call site stays
// monomorphic; rounds are interleaved and the best round counts. The machine
// is shared, so absolute figures are noisy; ratios within one run are what
// matter. Goals: registered <= 1.1x bare; fentry+fexit overhead at least 3x
// smaller than the naive wrapper's.
//
//   npm run bench:trampoline [-- --json] [--quick]
import { assemble } from "../src/isa/index.ts";
import { makeEnv } from "../src/interp/index.ts";
import { jit, JitProgram } from "../src/jit/index.ts";
import { VmMemory } from "../src/memory/index.ts";
import { AttachType } from "../src/uapi/prog-types.ts";
import { HostKernel, Trampolines, type TracingProgram } from "../src/link/index.ts";

const argv = process.argv.slice(2);
const json = argv.includes("--json");
const quick = argv.includes("--quick");
const CALLS = quick ? 200_000 : 2_000_000;
const ROUNDS = quick ? 3 : 7;

type Fn = (method: number, start: number) => number;

const mem = new VmMemory();
const env = makeEnv(mem, new Map());

/** A fresh kernel + trampolines with `nEntry` fentry and `nExit` fexit empty programs on handle(). */
function variant(nEntry: number, nExit: number): Fn {
  const kernel = new HostKernel();
  const tramps = new Trampolines(mem, kernel);
  const f = kernel.define("handle", "long handle(u32 method, u64 start)", impl);
  for (let i = 0; i < nEntry + nExit; i++) {
    tramps.attachHost(emptyProgram(i < nEntry ? AttachType.TRACE_FENTRY : AttachType.TRACE_FEXIT), {
      name: "handle",
    });
  }
  return f;
}

let progCount = 0;
function emptyProgram(attachType: number): TracingProgram {
  const insns = assemble("r0 = 0\nexit");
  const name = `empty${progCount++}`;
  return { name, attachType, prepared: jit.prepare({ insns, name, verified: true }, env) };
}

function impl(method: number, start: number): number {
  return (method * 31 + start) | 0;
}

/** The naive generic wrapper over the same compiled programs. */
function naiveWrapper(fn: Fn): Fn {
  const fentry = [emptyProgram(AttachType.TRACE_FENTRY)];
  const fexit = [emptyProgram(AttachType.TRACE_FEXIT)];
  const entry = (p: TracingProgram) => {
    const j = p.prepared as JitProgram;
    return j.slotFunction(j.mainSlot);
  };
  const progs = { fentry: fentry.map(entry), fexit: fexit.map(entry) };
  const frame = mem.alloc(4096 + 128, 16);
  const fp = frame + 4096;
  const ctx = fp + 16;
  return ((...args: number[]) => {
    const dv = mem.dv;
    for (let i = 0; i < args.length; i++) {
      dv.setBigUint64(ctx + 8 * i, BigInt.asUintN(64, BigInt(args[i]!)), true);
    }
    for (const p of progs.fentry) p(BigInt(ctx), 0n, 0n, 0n, 0n, fp);
    const r = fn(...(args as [number, number]));
    dv.setBigUint64(ctx + 8 * args.length, BigInt.asUintN(64, BigInt(r)), true);
    for (const p of progs.fexit) p(BigInt(ctx), 0n, 0n, 0n, 0n, fp);
    return r;
  }) as Fn;
}

/**
 * A call loop of its own for each variant, so each call site is monomorphic.
 * The comment makes each source unique: V8 shares type feedback between
 * functions made by `new Function` from identical source.
 */
let loopId = 0;
const makeLoop = (): ((f: Fn, n: number) => number) =>
  new Function(
    "f",
    "n",
    `/* loop ${loopId++} */ let s = 0; for (let i = 0; i < n; i++) s = (s + f(i & 7, i)) | 0; return s;`,
  ) as (f: Fn, n: number) => number;

const variants: Record<string, Fn> = {
  bare: impl,
  registered: variant(0, 0),
  fentry: variant(1, 0),
  fentryFexit: variant(1, 1),
  tenProgs: variant(5, 5),
  naive: naiveWrapper(impl),
};
const loops = Object.fromEntries(Object.keys(variants).map((k) => [k, makeLoop()]));

// Every variant computes the same sum: the trampolines do not change results.
const expected = loops.bare!(impl, 1000);
for (const [k, f] of Object.entries(variants)) {
  const got = makeLoop()(f, 1000);
  if (got !== expected) throw new Error(`${k}: sum ${got}, expected ${expected}`);
}

const best: Record<string, number> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, f] of Object.entries(variants)) {
    const t = performance.now();
    loops[k]!(f, CALLS);
    const ns = ((performance.now() - t) * 1e6) / CALLS;
    best[k] = Math.min(best[k] ?? Infinity, ns);
  }
}

const bare = best.bare!;
const result = {
  bareNs: round(bare),
  registeredNs: round(best.registered!),
  fentryNs: round(best.fentry!),
  fentryFexitNs: round(best.fentryFexit!),
  tenProgsNs: round(best.tenProgs!),
  naiveNs: round(best.naive!),
};
function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const overhead = (k: string): number => best[k]! - bare;
if (!json) {
  console.log(`trampoline per-call cost (${CALLS} calls x ${ROUNDS} rounds, best round)\n`);
  console.log("variant        ns/call   vs bare   overhead ns");
  for (const k of Object.keys(variants)) {
    console.log(
      `${k.padEnd(14)} ${best[k]!.toFixed(2).padStart(7)}   ${(best[k]! / bare).toFixed(2).padStart(6)}x   ${overhead(k).toFixed(2).padStart(8)}`,
    );
  }
  const ratio = overhead("naive") / overhead("fentryFexit");
  console.log(`\nregistered / bare: ${(best.registered! / bare).toFixed(2)}x (goal <= 1.1x)`);
  console.log(`naive overhead / fentry+fexit overhead: ${ratio.toFixed(1)}x (goal >= 3x)`);
}
console.log(JSON.stringify(result));
