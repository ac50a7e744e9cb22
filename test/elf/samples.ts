// Test helper: where the shared samples corpus is and what expected.tsv says.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const SAMPLES = new URL("../../../shared/samples/", import.meta.url).pathname;

export interface ExpectedRow {
  dir: string;
  file: string;
  section: string;
  program: string;
  expected: string;
}

export function expectedRows(): ExpectedRow[] {
  const lines = readFileSync(join(SAMPLES, "expected.tsv"), "utf8").split("\n").slice(1);
  return lines
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [dir, file, section, program, expected] = l.split("\t");
      return {
        dir: dir!,
        file: file!,
        section: section!,
        program: program ?? "",
        expected: expected ?? "",
      };
    });
}

/** Every .o under the corpus except invalid/, as paths relative to SAMPLES. */
export function corpusObjects(dir = SAMPLES, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "invalid") out.push(...corpusObjects(p, join(rel, name)));
    } else if (name.endsWith(".o")) out.push(join(rel, name));
  }
  return out;
}

export function invalidObjects(): string[] {
  return readdirSync(join(SAMPLES, "invalid"))
    .sort()
    .map((n) => join("invalid", n));
}
