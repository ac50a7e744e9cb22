// Benchmark: does the zero-extension pass matter for our JIT?
//
//   npx tsx bench/fixup.ts [--json] [--runs 20000]
//
// One verified loop of 32-bit arithmetic whose results are read as 64 bits
// (so the verifier marks them zextDst) is run on the JIT in three forms,
// side by side in one process:
//   plain  — the rewrite passes as the runtime runs them (no explicit zext:
//            the JIT zero-extends every 32-bit result itself);
//   zext   — the same with `zext: true` (a `w = w` after each marked insn,
//            what a JIT that needs bpf_jit_needs_zext() would get);
//   alu64  — the same loop with 64-bit ALU ops: what the 32-bit forms would
//            cost if the JIT could skip its own zero-extension entirely.
// Ratios: zext/plain (cost of inserting the pass's instructions) and
// plain/alu64 (the most that using the zext facts inside the JIT could save).
import { fixupProgram } from "../src/fixup/index.ts";
import { makeEnv, type ExecProgram } from "../src/interp/index.ts";
import { assemble, type Insn } from "../src/isa/index.ts";
import { jit } from "../src/jit/index.ts";
import { VmMemory } from "../src/memory/index.ts";
import { ProgType } from "../src/uapi/index.ts";
import { verifyOrThrow } from "../src/verifier/index.ts";

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log(
    "usage: tsx bench/fixup.ts [--json] [--runs N]  (default 20000; fewer runs are too short to time)",
  );
  process.exit(0);
}
const json = args.includes("--json");
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 20000;

const loop = (w: "w" | "r"): string => `
  r6 = 0
  r7 = 0
l:
  ${w}1 = ${w}7
  ${w}1 *= 40503
  ${w}1 ^= ${w}6
  ${w}1 += 17
  ${w}2 = ${w}1
  ${w}2 >>= 3
  r6 += r1
  r6 += r2
  r7 += 1
  if r7 < 1000 goto l
  r0 = r6
  exit`;

function build(src: string, zext: boolean): Insn[] {
  const insns = assemble(src);
  const v = verifyOrThrow(insns, { progType: ProgType.SOCKET_FILTER });
  return fixupProgram({ insns, aux: v.aux }, { progType: ProgType.SOCKET_FILTER, zext }).insns;
}

const mem = new VmMemory();
const env = makeEnv(mem);
const variants: Record<string, Insn[]> = {
  plain: build(loop("w"), false),
  zext: build(loop("w"), true),
  alu64: build(loop("r"), false),
};
const prepared = Object.fromEntries(
  Object.entries(variants).map(([k, insns]) => {
    const p: ExecProgram = { insns, verified: true, name: k };
    return [k, jit.prepare(p, env)];
  }),
);

function time(name: string): number {
  const p = prepared[name]!;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) p.run({});
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// Warm up, then best of 5 rounds, the variants interleaved within each round.
const best: Record<string, number> = { plain: Infinity, zext: Infinity, alu64: Infinity };
for (const k of Object.keys(best)) time(k);
for (let round = 0; round < 5; round++)
  for (const k of Object.keys(best)) best[k] = Math.min(best[k]!, time(k));

const result = {
  runs: RUNS,
  insns: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, v.length])),
  ms: best,
  zextOverPlain: +(best.zext! / best.plain!).toFixed(3),
  plainOverAlu64: +(best.plain! / best.alu64!).toFixed(3),
};
if (!json) {
  for (const k of Object.keys(best))
    console.log(
      `${k.padEnd(6)} ${String(variants[k]!.length).padStart(3)} insns  ${best[k]!.toFixed(1)} ms / ${RUNS} runs`,
    );
  console.log(`zext/plain ${result.zextOverPlain}   plain/alu64 ${result.plainOverAlu64}`);
}
console.log(JSON.stringify(result));
