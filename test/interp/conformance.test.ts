// The whole BPF conformance suite (../shared/conformance) on the interpreter,
// through the runner of src/conformance/.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/conformance/run.ts";
import { interpreter } from "../../src/interp/index.ts";

const DIR = new URL("../../../shared/conformance/", import.meta.url);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".data"))
  .sort();

describe("conformance suite on the interpreter", () => {
  it("finds the suite", () => {
    expect(files.length).toBeGreaterThanOrEqual(225);
  });
  it.each(files)("%s", (f) => {
    const out = runConformance(readFileSync(new URL(f, DIR), "utf8"), interpreter, f);
    expect(out.pass, out.reason).toBe(true);
  });
});
