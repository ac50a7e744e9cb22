// Execution speed: the three long-running programs of ../shared/bench/ on every
// registered engine (src/cli/engines.ts: the interpreter, and the JIT once it
// registers), side by side in one process. Each program is prepared once
// (excluded from timing) and run several times; the figure is the median
// time divided by the executed instruction count from expected.txt, in ns per
// BPF instruction. Both wall time and process CPU time are measured: the
// machine is shared, and CPU time (what the JSON reports) is the figure that
// a busy neighbour does not inflate; on an idle machine the two agree. r0 (and, where the engine counts, the executed
// instruction count) must match expected.txt or the bench fails.
//
//   npx tsx bench/exec.ts [--quick] [--reps N] [--engine NAME] [--only PROG] [--json]
//
// With --json the last line is {"interp": {"arith_loop": NS, ...}, "jit": {...},
// "jitCompileInsnsPerSec": N}.
// Goal: the interpreter within 3x of uBPF's C interpreter (7-10 ns/insn on the
// project's machine kind, see ../shared/bench/README.md), i.e. <= 30 ns/insn.
import { readFileSync } from "node:fs";
import { engineByName, engineNames } from "../src/cli/engines.ts";
import type { Engine } from "../src/interp/index.ts";
import { assembleUbpf, type Insn } from "../src/isa/index.ts";
import { VmMemory } from "../src/memory/index.ts";
import { largeProgram, renderProgram } from "../test/support/random-programs.ts";

const BENCH_DIR = new URL("../../shared/bench/", import.meta.url).pathname;

interface BenchProgram {
  name: string;
  insns: Insn[];
  /** Bytes passed as r1 = address, r2 = length. */
  mem?: Uint8Array;
  expectedR0: bigint;
  expectedCount: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function loadPrograms(): BenchProgram[] {
  const expected = readFileSync(BENCH_DIR + "expected.txt", "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => l.trim().split(/\s+/));
  return expected.map(([name, r0, count]) => ({
    name: name!,
    insns: assembleUbpf(readFileSync(`${BENCH_DIR}${name}.asm`, "utf8"), `${name}.asm`),
    // fnv_hash hashes mem64k.bin; the others take no memory.
    mem: name === "fnv_hash" ? new Uint8Array(readFileSync(BENCH_DIR + "mem64k.bin")) : undefined,
    expectedR0: BigInt(r0!),
    expectedCount: Number(count),
  }));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Figures {
  wall: number;
  cpu: number;
}

/** Median ns per executed instruction (wall and CPU) of `p` on `engine` over `reps` runs. */
function measure(engine: Engine, p: BenchProgram, reps: number): Figures {
  const mem = new VmMemory({ initialBytes: (p.mem?.length ?? 0) + (1 << 20) });
  let addr = 0;
  if (p.mem) {
    addr = mem.alloc(p.mem.length);
    mem.write(addr, p.mem);
  }
  const env = { mem, helper: () => undefined };
  const prepared = engine.prepare({ insns: p.insns, name: p.name }, env);
  const args = [BigInt(addr), BigInt(p.mem?.length ?? 0)];
  const wall: number[] = [];
  const cpu: number[] = [];
  // One untimed run first: it warms up the interpreter's JS, and the JIT's
  // first run executes V8's baseline (Liftoff) code, which triggers the
  // optimising tier (TurboFan) for the hot function; later runs use that.
  prepared.run({ args, budget: p.expectedCount });
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    // Unverified programs run under a budget: exactly the expected count.
    const r = prepared.run({ args, budget: p.expectedCount });
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (r.r0 !== p.expectedR0) {
      throw new Error(
        `${engine.name}/${p.name}: r0 = 0x${r.r0.toString(16)}, expected 0x${p.expectedR0.toString(16)}`,
      );
    }
    if (r.insnCount !== undefined && r.insnCount !== p.expectedCount) {
      throw new Error(
        `${engine.name}/${p.name}: executed ${r.insnCount} instructions, expected ${p.expectedCount}`,
      );
    }
  }
  const ns = (ms: number[]): number => Math.round((median(ms) * 1e8) / p.expectedCount) / 100;
  return { wall: ns(wall), cpu: ns(cpu) };
}

const quick = process.argv.includes("--quick");
const reps = Number(arg("--reps") ?? (quick ? 1 : 3));
const only = arg("--only");
const engineArg = arg("--engine");
const engines = (engineArg ? [engineArg] : engineNames()).map((n) => engineByName(n));
const programs = loadPrograms().filter((p) => !only || p.name === only);

const results: Record<string, Record<string, Figures>> = {};
for (const e of engines) results[e.name] = {};
// Interleave engines per program so a noisy neighbour hits all columns alike.
for (const p of programs) {
  for (const e of engines) results[e.name]![p.name] = measure(e, p, reps);
}

const names = engines.map((e) => e.name);
const runs = `median of ${reps} run${reps > 1 ? "s" : ""}`;
console.log(`ns per executed BPF instruction, CPU time (wall time), ${runs}`);
const head = names.map((n) => n.padStart(18));
console.log(["program".padEnd(12), "insns".padStart(11), ...head].join(" "));
for (const p of programs) {
  const cells = names.map((n) => {
    const f = results[n]![p.name]!;
    return `${f.cpu.toFixed(2)} (${f.wall.toFixed(2)})`.padStart(18);
  });
  console.log([p.name.padEnd(12), String(p.expectedCount).padStart(11), ...cells].join(" "));
}
// Speed-ups of every other engine over the first one, measured in this run.
for (const n of names.slice(1)) {
  const ratios = programs.map((p) => {
    const x = results[names[0]!]![p.name]!.cpu / results[n]![p.name]!.cpu;
    return `${p.name} ${x.toFixed(1)}x`;
  });
  console.log(`${n} vs ${names[0]}: ${ratios.join(", ")}`);
}
// JIT compile throughput: prepare (our compiler, WebAssembly.Module and
// instantiation) of a 100,000-instruction random program, in CPU time like the
// figures above. The first compile also warms up the compiler's own JS code;
// the figure is the median of the next three (the cold one is printed too).
let jitCompileInsnsPerSec: number | undefined;
if (names.includes("jit") && !only) {
  const insns = renderProgram(largeProgram(100_000));
  const times = [0, 1, 2, 3].map(() => {
    const env = { mem: new VmMemory(), helper: () => undefined };
    const c0 = process.cpuUsage();
    engineByName("jit").prepare({ insns }, env);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  });
  const warm = median(times.slice(1));
  jitCompileInsnsPerSec = Math.round((insns.length / warm) * 1000);
  console.log(
    `jit compile: ${insns.length} instructions in ${warm.toFixed(0)} ms = ` +
      `${jitCompileInsnsPerSec} insns/s (first, cold: ${times[0]!.toFixed(0)} ms)`,
  );
}
if (process.argv.includes("--json")) {
  const cpu = (n: string) =>
    Object.fromEntries(programs.map((p) => [p.name, results[n]![p.name]!.cpu]));
  const out: Record<string, unknown> = Object.fromEntries(names.map((n) => [n, cpu(n)]));
  if (jitCompileInsnsPerSec !== undefined) out.jitCompileInsnsPerSec = jitCompileInsnsPerSec;
  console.log(JSON.stringify(out));
}
