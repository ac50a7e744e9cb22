// Loader speed: parse every object of the samples corpus into CollectionSpecs,
// twice in one process (the first pass includes JIT warm-up), and report the
// total and the slowest files. The goal is a corpus pass under 2 seconds.
//
//   npx tsx bench/load.ts [--json] [--dir ../shared/samples]
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadCollectionSpec } from "../src/elf/load.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const dirArg = args.indexOf("--dir");
const root =
  dirArg >= 0 ? args[dirArg + 1]! : new URL("../../shared/samples", import.meta.url).pathname;

function objects(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === "invalid") continue;
    if (statSync(p).isDirectory()) out.push(...objects(p));
    else if (name.endsWith(".o")) out.push(p);
  }
  return out;
}

const files = objects(root).map((path) => ({ path, bytes: new Uint8Array(readFileSync(path)) }));
// Wall time and CPU time: on a shared machine the CPU time says what the loader costs.
const passes: {
  totalMs: number;
  cpuMs: number;
  perFile: { file: string; bytes: number; ms: number; insns: number }[];
}[] = [];
for (let pass = 0; pass < 2; pass++) {
  const perFile = [];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const f of files) {
    const t = performance.now();
    const spec = loadCollectionSpec(f.bytes);
    const ms = performance.now() - t;
    const insns = spec.programs.reduce((n, p) => n + p.insns.length, 0);
    perFile.push({ file: f.path.slice(root.length + 1), bytes: f.bytes.length, ms, insns });
  }
  const cpu = process.cpuUsage(c0);
  passes.push({ totalMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, perFile });
}

const round = (x: number): number => Math.round(x * 10) / 10;
const largest = [...passes[0]!.perFile]
  .sort((a, b) => b.bytes - a.bytes)
  .slice(0, 8)
  .map((f, i) => ({
    file: f.file,
    bytes: f.bytes,
    insns: f.insns,
    coldMs: round(f.ms),
    warmMs: round(passes[1]!.perFile.find((g) => g.file === f.file)!.ms),
    i,
  }));
const result = {
  files: files.length,
  corpusBytes: files.reduce((n, f) => n + f.bytes.length, 0),
  coldPassMs: round(passes[0]!.totalMs),
  warmPassMs: round(passes[1]!.totalMs),
  coldPassCpuMs: round(passes[0]!.cpuMs),
  warmPassCpuMs: round(passes[1]!.cpuMs),
  goalMs: 2000,
  coldVsGoal: round(passes[0]!.totalMs / 2000),
  largest: largest.map(({ i: _i, ...rest }) => rest),
};

if (!json) {
  console.log(`${result.files} objects, ${(result.corpusBytes / 1e6).toFixed(1)} MB`);
  console.log(
    `cold pass ${result.coldPassMs} ms (cpu ${result.coldPassCpuMs} ms), warm pass ${result.warmPassMs} ms (cpu ${result.warmPassCpuMs} ms); goal < ${result.goalMs} ms`,
  );
  console.log("largest objects (cold / warm ms):");
  for (const f of result.largest) {
    console.log(
      `  ${f.file.padEnd(44)} ${String(f.bytes).padStart(8)} B ${String(f.insns).padStart(6)} insns  ${f.coldMs} / ${f.warmMs}`,
    );
  }
}
console.log(JSON.stringify(result));
