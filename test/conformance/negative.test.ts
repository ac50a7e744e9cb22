// Every file of ../shared/conformance-negative must be reported as failing,
// each for its own reason: an assembler error (with line and reason), a
// malformed file, a rejected program, or a wrong result.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/conformance/index.ts";
import { interpreter } from "../../src/interp/index.ts";

const DIR = join(import.meta.dirname, "../../../shared/conformance-negative");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".data"))
  .sort();

/** The reason each kind of negative file must give. */
function expectedReason(f: string): RegExp {
  if (f.startsWith("unused-")) return /uses reserved fields \(insn 0\)/;
  if (f.startsWith("invalid_unknown_directive"))
    return /^bad test file: .*:4: unknown directive '-- Unknown directive'/;
  if (f.startsWith("invalid_")) return /^assembler error: invalid_\w+\.data:\d+:\d+: /;
  if (f.startsWith("empty")) return /no instructions/;
  if (f === "error.data") return /^expected an error \('Invalid'\), got r0 = 0x/;
  return /^r0 = 0x8877665544332211, expected 0x8977665544332211$/;
}

describe("negative conformance files all fail", () => {
  it("finds them", () => {
    expect(files.length).toBe(60);
  });
  it.each(files)("%s", (f) => {
    const o = runConformance(readFileSync(join(DIR, f), "utf8"), interpreter, f);
    expect(o.pass).toBe(false);
    expect(o.reason).toMatch(expectedReason(f));
  });
  it("names line and reason for assembler errors", () => {
    const o = runConformance(
      readFileSync(join(DIR, "invalid_register.data"), "utf8"),
      interpreter,
      "invalid_register.data",
    );
    expect(o.reason).toBe("assembler error: invalid_register.data:4:9: invalid register '%r50'");
  });
});
