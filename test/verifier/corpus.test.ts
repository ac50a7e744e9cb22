// Every row of the samples corpus (corpus-rows.ts: expected.tsv plus the
// production directories it has no rows for) gets its expected verdict,
// except the few listed with their reason in corpus-known.ts, which are pinned
// to the error we give today. PREVAIL's fuzzer input that made it time out
// must be verified in bounded time.
import { describe, expect, it } from "vitest";
import { CollectionSpec } from "../../src/spec/index.ts";
import { verifyOptionsForProgram } from "../../src/verifier/from-spec.ts";
import { verify } from "../../src/verifier/index.ts";
import { KNOWN_DISAGREEMENTS } from "./corpus-known.ts";
import { corpusRows, rowKey, SAMPLES, verifyRow } from "./corpus-rows.ts";
import { existsSync, readdirSync } from "node:fs";

const rows = corpusRows();

describe.skipIf(rows.length === 0)("samples corpus verdicts", () => {
  for (const row of rows) {
    const key = rowKey(row);
    const known = KNOWN_DISAGREEMENTS[key];
    const title = known ? `${key}: known (${known.why})` : `${key}: ${row.expected}`;
    it(title, () => {
      const r = verifyRow(row);
      if (known) {
        expect(r.verdict).not.toBe(row.expected);
        expect(r.error).toBe(known.error);
      } else {
        expect(r.verdict, r.error ?? "").toBe(row.expected);
      }
    });
  }

  it("every known disagreement names a row, and they are at most 5% of the rows", () => {
    const keys = new Set(rows.map(rowKey));
    for (const k of Object.keys(KNOWN_DISAGREEMENTS)) expect(keys.has(k), k).toBe(true);
    expect(Object.keys(KNOWN_DISAGREEMENTS).length).toBeLessThanOrEqual(rows.length * 0.05);
  });

  it("covers every directory of the samples", () => {
    const dirs = new Set(rows.map((r) => r.dir));
    for (const d of [
      "build",
      "cilium",
      "cilium-examples",
      "linux",
      "new_linux",
      "prototype-kernel",
    ])
      expect(dirs.has(d), d).toBe(true);
  });
});

const timeoutFiles = existsSync(`${SAMPLES}invalid`)
  ? readdirSync(`${SAMPLES}invalid`).filter((f) => f.startsWith("timeout-"))
  : [];

describe.skipIf(timeoutFiles.length === 0)("PREVAIL's verifier-timeout input", () => {
  it.each(timeoutFiles)("%s: every program gets a verdict in bounded time", (f) => {
    const spec = CollectionSpec.fromFile(`${SAMPLES}invalid/${f}`);
    expect(spec.programs.length).toBeGreaterThan(30);
    const t0 = performance.now();
    for (const p of spec.programs) {
      // An ebpf-for-windows object (its helper ids mean other helpers on
      // Linux): what matters is a verdict, quickly.
      const r = verify(p.insns, verifyOptionsForProgram(spec, p));
      expect(r.accepted || (r.error ?? "").length > 0).toBe(true);
      expect(r.stats.insnsProcessed).toBeLessThan(1000);
    }
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
