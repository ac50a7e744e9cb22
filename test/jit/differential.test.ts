// Differential testing: random valid programs (ALU/ALU64 with edge-case
// constants, 32/64-bit jumps, buffer/stack loads and stores, atomics, bounded
// and irreducible loops, subprogram calls, helpers and kfuncs) must give the
// same r0, buffer bytes, instruction count and error on the interpreter and
// the JIT. A disagreement is shrunk and printed as assembly.
import { describe, expect, it } from "vitest";
import { Differ, formatMismatch, type Case } from "./differential.ts";

function runCases(differ: Differ, cases: Case[]): string[] {
  const bad: string[] = [];
  for (const c of cases) {
    const m = differ.check(c);
    if (m) bad.push(formatMismatch(m));
    if (bad.length >= 3) break;
  }
  return bad;
}

describe("JIT agrees with the interpreter on random programs", () => {
  it("1,000 unverified programs, some with out-of-bounds accesses", () => {
    const cases = Array.from({ length: 1000 }, (_, i) => ({ seed: 1 + i, verified: false }));
    expect(runCases(new Differ({ faults: true }), cases)).toEqual([]);
  });

  it("1,000 verified programs (no checks, no budget)", () => {
    const cases = Array.from({ length: 1000 }, (_, i) => ({ seed: 100_001 + i, verified: true }));
    expect(runCases(new Differ(), cases)).toEqual([]);
  });

  it("150 runs that exhaust a budget stop at the same instruction", () => {
    const cases = Array.from({ length: 150 }, (_, i) => ({
      seed: 200_001 + i,
      verified: false,
      budgetFraction: ((i * 37) % 100) / 100,
    }));
    expect(runCases(new Differ(), cases)).toEqual([]);
  });
});
