// What the table-slot indirection of BPF-to-BPF calls costs in JIT-ed code:
// the same call-heavy programs compiled with calls through the function table
// (call_indirect, the default: a trampoline can swap a slot) and as direct
// calls (the `directCalls` measurement option), run side by side. Figures are
// CPU ns per executed BPF instruction, median of the runs after a warm-up run
// (which lets V8 tier the code up to TurboFan).
//
//   npx tsx bench/jit-calls.ts [--reps N] [--json]
//
// With --json the last line is {"indirect": {...}, "direct": {...}, "ratio": {...}}.
import { assembleUbpf } from "../src/isa/index.ts";
import { makeEnv, type Engine } from "../src/interp/index.ts";
import { createJit } from "../src/jit/index.ts";
import { VmMemory } from "../src/memory/index.ts";

const N = 10_000_000;

/** name → [program, executed instructions] */
const PROGRAMS: Record<string, [string, number]> = {
  // A loop calling a 2-instruction leaf function: r0 += f(i).
  leaf_call: [
    `mov %r0, 0
mov %r6, 0
loop:
mov %r1, %r6
call local f
add %r6, 1
jlt %r6, ${N}, loop
exit
f:
mov %r0, %r1
exit`,
    2 + 6 * N + 1,
  ],
  // Two levels: f calls g, each does a little arithmetic.
  nested_call: [
    `mov %r6, 0
mov %r7, 0
loop:
mov %r1, %r6
call local f
add %r7, %r0
add %r6, 1
jlt %r6, ${N}, loop
mov %r0, %r7
exit
f:
mul %r1, 3
call local g
add %r0, 1
exit
g:
mov %r0, %r1
xor %r0, 5
exit`,
    2 + 12 * N + 2,
  ],
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const reps = Number(arg("--reps") ?? 5);

function measure(engine: Engine, text: string, count: number, verified: boolean): number {
  const env = makeEnv(new VmMemory());
  const p = engine.prepare({ insns: assembleUbpf(text), verified }, env);
  p.run({ budget: count });
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    p.run({ budget: count });
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  cpu.sort((a, b) => a - b);
  return Math.round((cpu[cpu.length >> 1]! * 1e8) / count) / 100;
}

const indirect = createJit();
const direct = createJit({ directCalls: true });
const out: Record<string, Record<string, number>> = { indirect: {}, direct: {}, ratio: {} };
console.log("ns per BPF instruction (CPU), call_indirect through table slots vs direct calls");
for (const [name, [text, count]] of Object.entries(PROGRAMS)) {
  for (const verified of [true, false]) {
    const key = `${name}${verified ? "" : "_unverified"}`;
    // Interleave so a noisy neighbour hits both columns alike.
    const i = measure(indirect, text, count, verified);
    const d = measure(direct, text, count, verified);
    out.indirect![key] = i;
    out.direct![key] = d;
    out.ratio![key] = Math.round((i / d) * 100) / 100;
    console.log(
      `${key.padEnd(24)} indirect ${i.toFixed(2)}  direct ${d.toFixed(2)}  ratio ${(i / d).toFixed(2)}`,
    );
  }
}
if (process.argv.includes("--json")) console.log(JSON.stringify(out));
