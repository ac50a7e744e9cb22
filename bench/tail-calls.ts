// Benchmark: direct tail calls (prog_array pokes) against the map-lookup form.
//
//   npx tsx bench/tail-calls.ts [--json] [--runs 20000]
//
// A chain of 33 verified XDP programs, each tail-calling the next through a
// constant slot of one prog_array (33 tail calls per run, the kernel's
// limit), loaded twice into one runtime: with direct tail calls (the
// default: the site jumps through its poke slot) and with
// `directTailCalls: false` (every call looks the prog_array up). Both forms
// run side by side on each engine; the figure is the mean time per run from
// BPF_PROG_TEST_RUN's own timing, and the ratio is map-lookup / direct.
import { assemble } from "../src/isa/index.ts";
import { Runtime, type Program } from "../src/runtime/index.ts";
import { MapType, ProgType } from "../src/uapi/index.ts";

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("usage: tsx bench/tail-calls.ts [--json] [--runs N]  (default 20000)");
  process.exit(0);
}
const json = args.includes("--json");
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 20000;
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`--runs must be a positive integer, got ${args[runsAt + 1]}`);
  process.exit(2);
}
const CHAIN = 34;
const PKT = { data: new Uint8Array(64) };

/** The chain's entry: program i tail-calls slot i + 1; the last one returns. */
function chain(rt: Runtime, direct: boolean): Program {
  const jmp = rt.createMap({
    type: MapType.PROG_ARRAY,
    keySize: 4,
    valueSize: 4,
    maxEntries: CHAIN,
  });
  const progs: Program[] = [];
  for (let i = 0; i < CHAIN; i++) {
    const src =
      i + 1 < CHAIN
        ? `r2 = map_fd ${jmp.id}\nr3 = ${i + 1}\ncall bpf_tail_call\nr0 = 1\nexit`
        : `r0 = 2\nexit`;
    const p = rt.loadProgram({
      insns: assemble(src),
      type: ProgType.XDP,
      verify: true,
      directTailCalls: direct,
      name: `c${i}`,
    });
    progs.push(p);
    jmp.setProgram(i, p);
  }
  return progs[0]!;
}

function measure(p: Program): number {
  const r = p.testRun({ ...PKT, repeat: 200 }); // warm-up: V8 tiers the code up
  if (r.retval !== 2) throw new Error(`chain returned ${r.retval}, expected 2`);
  return p.testRun({ ...PKT, repeat: RUNS }).durationNs;
}

const results: Record<string, { directNs: number; mapNs: number; ratio: number }> = {};
for (const engine of ["interp", "jit"] as const) {
  const rt = new Runtime({ engine });
  const direct = chain(rt, true);
  const viaMap = chain(rt, false);
  if (!direct.exec.tailCallPokes?.length || viaMap.exec.tailCallPokes)
    throw new Error("the two chains are not in the two forms");
  // Interleave the measurements so both forms see the same machine state.
  let d = 0;
  let m = 0;
  for (let round = 0; round < 3; round++) {
    d += measure(direct);
    m += measure(viaMap);
  }
  results[engine] = { directNs: d / 3, mapNs: m / 3, ratio: m / d };
  rt.close();
}

if (!json) {
  console.log(`33 tail calls per run, ${RUNS} runs x 3 rounds (mean ns per run)`);
  for (const [engine, r] of Object.entries(results))
    console.log(
      `${engine.padEnd(7)} direct ${r.directNs.toFixed(0).padStart(7)}  map lookup ${r.mapNs
        .toFixed(0)
        .padStart(7)}  map/direct ${r.ratio.toFixed(2)}x`,
    );
}
if (json) console.log(JSON.stringify({ tailCallsPerRun: 33, runs: RUNS, ...results }));
