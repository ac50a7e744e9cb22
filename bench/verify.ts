// npm run bench:verify [-- --json] [--filter TEXT] [--repeat N] [--top N]
//
// Verifies every row of the samples corpus (test/verifier/corpus-rows.ts: the
// rows of ../shared/samples/expected.tsv plus the production directories it
// has no rows for) and prints, per program, the verification time and the
// processed-instruction and state counts; then per directory the rows
// matched and the total and slowest times, the slowest programs, and the
// PREVAIL figures recorded for the same corpus on this machine kind
// (../shared/bench/verifier.md; PREVAIL itself is not installed here).
// Times are wall-clock; the CPU time of the process is shown beside them (on
// a busy machine it is the steadier figure; it includes V8's GC threads).
// With --repeat N each program is verified N times and the fastest run
// counts. With --json the last line is {"programs", "matched",
// "totalSeconds", "maxSeconds", ...} (wall-clock seconds).
import { existsSync, readFileSync } from "node:fs";
import { KNOWN_DISAGREEMENTS } from "../test/verifier/corpus-known.ts";
import { corpusRows, rowKey, verifyRow, type RowResult } from "../test/verifier/corpus-rows.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const filter = opt("--filter", "");
const repeat = Math.max(1, Number(opt("--repeat", "1")) | 0);
const top = Math.max(1, Number(opt("--top", "10")) | 0);

interface ProgFigure {
  key: string;
  dir: string;
  ms: number;
  cpuMs: number;
  processed: number;
  totalStates: number;
  peakStates: number;
  verdict: string;
}

const rows = corpusRows().filter((r) => rowKey(r).includes(filter));
if (rows.length === 0) {
  console.error("no rows (is ../shared/samples there? does --filter match?)");
  process.exit(2);
}

// One warm-up row so the first measured program does not pay for V8's tiering.
verifyRow(rows[0]!);

const figures: ProgFigure[] = [];
const perDir = new Map<string, { rows: number; matched: number; ms: number; cpuMs: number }>();
let matched = 0;
for (const row of rows) {
  let best: RowResult | undefined;
  const times: number[][] = [];
  const cpus: number[][] = [];
  for (let i = 0; i < repeat; i++) {
    const r = verifyRow(row);
    times.push(r.programs.map((p) => p.ms));
    cpus.push(r.programs.map((p) => p.cpuMs));
    best ??= r;
  }
  const r = best!;
  const ok = r.verdict === row.expected;
  if (ok) matched++;
  const d = perDir.get(row.dir) ?? { rows: 0, matched: 0, ms: 0, cpuMs: 0 };
  d.rows++;
  if (ok) d.matched++;
  const rowFigs = r.programs.map((p, i): ProgFigure => {
    const s = p.result.stats;
    return {
      key: r.programs.length > 1 || !row.program ? `${rowKey(row)}/${p.name}` : rowKey(row),
      dir: row.dir,
      ms: Math.min(...times.map((t) => t[i]!)),
      cpuMs: Math.min(...cpus.map((t) => t[i]!)),
      processed: s.insnsProcessed,
      totalStates: s.totalStates,
      peakStates: s.peakStates,
      verdict: p.result.accepted ? "accept" : `reject (${p.result.error ?? ""})`,
    };
  });
  for (const f of rowFigs) {
    d.ms += f.ms;
    d.cpuMs += f.cpuMs;
  }
  figures.push(...rowFigs);
  perDir.set(row.dir, d);
  const note = ok
    ? ""
    : KNOWN_DISAGREEMENTS[rowKey(row)]
      ? "  [known disagreement]"
      : "  [MISMATCH]";
  if (json && ok) continue;
  for (const f of rowFigs) {
    console.log(
      `${f.key.padEnd(72)} ${String(f.processed).padStart(7)} insns ${f.ms.toFixed(1).padStart(8)} ms ` +
        `(cpu ${f.cpuMs.toFixed(0).padStart(5)})  ${f.verdict}${note}`,
    );
  }
}

const sec = (ms: number, digits = 2): string => (ms / 1000).toFixed(digits);
const totalMs = figures.reduce((a, f) => a + f.ms, 0);
const totalCpuMs = figures.reduce((a, f) => a + f.cpuMs, 0);
const slowest = [...figures].sort((a, b) => b.ms - a.ms).slice(0, top);
const maxCpuMs = Math.max(...figures.map((f) => f.cpuMs));

console.log("\ndirectory          rows  matched   total s  slowest s   (cpu: total s  slowest s)");
const dirLine = (name: string, rows: number, m: number, figs: ProgFigure[]): void => {
  const ms = figs.reduce((a, f) => a + f.ms, 0);
  const cpu = figs.reduce((a, f) => a + f.cpuMs, 0);
  const slow = Math.max(...figs.map((f) => f.ms));
  const slowCpu = Math.max(...figs.map((f) => f.cpuMs));
  console.log(
    `${name.padEnd(18)} ${String(rows).padStart(5)} ${String(m).padStart(8)} ${sec(ms).padStart(9)} ` +
      `${sec(slow, 3).padStart(10)}   ${sec(cpu).padStart(12)} ${sec(slowCpu, 3).padStart(10)}`,
  );
};
for (const [dir, d] of [...perDir].sort()) {
  dirLine(
    dir,
    d.rows,
    d.matched,
    figures.filter((f) => f.dir === dir),
  );
}
dirLine("all", rows.length, matched, figures);

console.log(`\n${top} slowest programs:`);
for (const f of slowest) {
  console.log(
    `  ${f.key.padEnd(64)} ${f.ms.toFixed(1).padStart(8)} ms (cpu ${f.cpuMs.toFixed(0).padStart(5)}) ` +
      `${String(f.processed).padStart(8)} insns processed ${String(f.totalStates).padStart(6)} states (peak ${f.peakStates})`,
  );
}

// PREVAIL's recorded per-directory figures, for comparison (not measured here).
const md = new URL("../../shared/bench/verifier.md", import.meta.url).pathname;
const prevail = new Map<string, { total: number; slowest: number }>();
if (existsSync(md)) {
  for (const m of readFileSync(md, "utf8").matchAll(
    /^\| (\S+)\/ \| \d+ \| \d+ \| ([\d.]+) \| ([\d.]+) \|$/gm,
  )) {
    prevail.set(m[1]!, { total: Number(m[2]), slowest: Number(m[3]) });
  }
  console.log("\nagainst PREVAIL (../shared/bench/verifier.md, recorded, not run here):");
  for (const [dir, p] of prevail) {
    const d = perDir.get(dir);
    if (!d) continue;
    console.log(
      `  ${dir.padEnd(18)} ours ${sec(d.ms).padStart(7)} s  PREVAIL ${p.total.toFixed(2).padStart(7)} s  ` +
        `ratio ${(d.ms / 1000 / p.total).toFixed(3)}`,
    );
  }
}

if (json) {
  console.log(
    JSON.stringify({
      programs: rows.length,
      matched,
      totalSeconds: Number(sec(totalMs, 3)),
      maxSeconds: Number(sec(slowest[0]!.ms, 3)),
      totalCpuSeconds: Number(sec(totalCpuMs, 3)),
      maxCpuSeconds: Number(sec(maxCpuMs, 3)),
      verifiedPrograms: figures.length,
      perDirectory: Object.fromEntries(
        [...perDir].map(([dir, d]) => [
          dir,
          {
            rows: d.rows,
            matched: d.matched,
            seconds: Number(sec(d.ms, 3)),
            cpuSeconds: Number(sec(d.cpuMs, 3)),
          },
        ]),
      ),
      slowest: slowest.map((f) => ({
        program: f.key,
        seconds: Number(sec(f.ms, 3)),
        cpuSeconds: Number(sec(f.cpuMs, 3)),
        processed: f.processed,
      })),
    }),
  );
}
