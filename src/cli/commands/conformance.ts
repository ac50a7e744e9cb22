// `tsbpf conformance DIR|FILE...`: run BPF conformance suite files (`*.data`)
// on an engine and print `PASS file` or `FAIL file: reason` for each, then
// `N passed, N failed`. Exit 0 when all pass, 1 otherwise, 2 on bad usage.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { runConformance } from "../../conformance/run.ts";
import { UsageError } from "../../errors.ts";
import { EXIT_FAIL, type CommandContext } from "../context.ts";
import { DEFAULT_ENGINE, engineByName, engineNames } from "../engines.ts";

interface ConformanceFlags {
  engine: string;
  verbose?: boolean;
}

/** The .data files named by the arguments: files as given, directories expanded (sorted). */
export function conformanceFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      const found = readdirSync(p)
        .filter((f) => f.endsWith(".data"))
        .sort();
      if (found.length === 0) throw new UsageError(`${p}: no .data files`);
      out.push(...found.map((f) => join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}

function runFiles(paths: string[], flags: ConformanceFlags, ctx: CommandContext): void {
  const engine = engineByName(flags.engine);
  let passed = 0;
  let failed = 0;
  for (const file of conformanceFiles(paths)) {
    const started = performance.now();
    const o = runConformance(readFileSync(file, "utf8"), engine, file);
    if (o.pass) {
      passed++;
      const ms = (performance.now() - started).toFixed(1);
      ctx.out(flags.verbose ? `PASS ${file} (${o.reason}; ${ms} ms)\n` : `PASS ${file}\n`);
    } else {
      failed++;
      ctx.out(`FAIL ${file}: ${o.reason}\n`);
    }
  }
  ctx.out(`${passed} passed, ${failed} failed\n`);
  if (failed > 0) ctx.exitCode = EXIT_FAIL;
}

export function registerConformance(program: Command, ctx: CommandContext): void {
  program
    .command("conformance")
    .description(
      "Run BPF conformance suite files (*.data: uBPF assembly or raw bytes, -- mem, -- result / -- error) " +
        "and print PASS or FAIL with the reason for each, then a count. r1/r2 point at the test's memory; " +
        "the uBPF plugin's helpers (0-5, 5 = unwind) are available. Exit 0 when all pass, 1 otherwise, " +
        "2 on bad usage.",
    )
    .argument("<PATH...>", "*.data files or directories holding them")
    .option("--engine <NAME>", `execution engine (${engineNames().join(", ")})`, DEFAULT_ENGINE)
    .option("--verbose", "also show r0 and the time of passing tests")
    .action((paths: string[], flags: ConformanceFlags) => runFiles(paths, flags, ctx));
}
