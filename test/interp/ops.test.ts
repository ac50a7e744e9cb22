// exec.ts writes the internal ops of ops.ts as number literals (so V8 builds a
// jump table); this keeps those literals in step with the Op table.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Op } from "../../src/interp/ops.ts";

const source = readFileSync(new URL("../../src/interp/exec.ts", import.meta.url), "utf8");
const literals = [...source.matchAll(/case (0x1[0-9a-f]{2}): \/\* ([A-Z0-9_]+) \*\//g)].map(
  (m) => [m[2]!, Number(m[1])] as const,
);

describe("internal op literals in exec.ts", () => {
  it("every literal matches its Op entry", () => {
    expect(literals.length).toBeGreaterThan(10);
    for (const [name, value] of literals)
      expect([name, Op[name as keyof typeof Op]]).toEqual([name, value]);
  });
  it("every internal op that can execute has a case", () => {
    const named = new Set(literals.map(([n]) => n));
    const missing = Object.keys(Op).filter((k) => k !== "INVALID" && !named.has(k));
    expect(missing).toEqual([]);
  });
});
