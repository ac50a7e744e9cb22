// The whole BPF conformance suite through the JIT (the runner of
// src/conformance/, exactly as for the interpreter).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/conformance/run.ts";
import { jit } from "../../src/jit/index.ts";

const DIR = new URL("../../../shared/conformance/", import.meta.url);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".data"))
  .sort();

describe("conformance suite on the JIT", () => {
  it("finds all 225 tests", () => {
    expect(files.length).toBe(225);
  });

  it("passes every test", () => {
    const failed = files
      .map((f) => ({ f, out: runConformance(readFileSync(new URL(f, DIR), "utf8"), jit, f) }))
      .filter(({ out }) => !out.pass)
      .map(({ f, out }) => `${f}: ${out.reason}`);
    expect(failed).toEqual([]);
  });
});
