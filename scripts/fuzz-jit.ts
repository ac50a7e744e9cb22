// Long differential runs of the JIT against the interpreter: random valid
// programs (test/support/random-programs.ts) on both engines, compared on r0,
// buffer bytes, instruction count and error. A mismatch is shrunk and printed
// as assembly; the exit code is 1 when any program disagreed.
//
//   npm run fuzz:jit -- [--count N] [--seed S] [--size K] [--mode both|verified|unverified] [--json]
import { Differ, formatMismatch, type Mismatch } from "../test/jit/differential.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const count = Number(arg("--count", "10000"));
const seed0 = Number(arg("--seed", String(Date.now() % 1_000_000_000)));
const size = Number(arg("--size", "12"));
const mode = arg("--mode", "both");
const json = process.argv.includes("--json");
if (!Number.isSafeInteger(count) || count <= 0 || !Number.isSafeInteger(seed0) || !(size > 0)) {
  console.error(
    "usage: fuzz-jit [--count N] [--seed S] [--size K] [--mode both|verified|unverified] [--json]",
  );
  process.exit(2);
}
if (!["both", "verified", "unverified"].includes(mode)) {
  console.error(`--mode: expected both, verified or unverified, got '${mode}'`);
  process.exit(2);
}

const unverified = new Differ({ faults: true, size });
const verified = new Differ({ size });
const mismatches: Mismatch[] = [];
const t0 = performance.now();
let runs = 0;
for (let i = 0; i < count; i++) {
  const seed = seed0 + i;
  const modes = mode === "both" ? [i % 2 === 1] : [mode === "verified"];
  for (const v of modes) {
    // Every tenth unverified program also runs out of budget part-way.
    const budgetFraction = !v && i % 10 === 5 ? ((seed * 7919) % 1000) / 1000 : undefined;
    const m = (v ? verified : unverified).check({ seed, verified: v, budgetFraction });
    runs++;
    if (m) {
      mismatches.push(m);
      console.log(`MISMATCH ${formatMismatch(m)}\n`);
    }
  }
  if (!json && (i + 1) % 1000 === 0) {
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`${i + 1}/${count} programs, ${mismatches.length} mismatches, ${s} s`);
  }
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  `${runs} runs from seed ${seed0}: ${mismatches.length} mismatches in ${seconds.toFixed(1)} s`,
);
if (json) {
  console.log(JSON.stringify({ runs, seed: seed0, mismatches: mismatches.length, seconds }));
}
process.exitCode = mismatches.length > 0 ? 1 : 0;
