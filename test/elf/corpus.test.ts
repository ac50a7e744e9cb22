// The samples corpus: every object loads; every program row of expected.tsv is
// found by section (and name when given) with the instruction count LLVM's
// llvm-objdump sees for that function (skipped when llvm-objdump is absent).
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCollectionSpecFile } from "../../src/elf/load.ts";
import { findPrograms } from "../../src/spec/index.ts";
import type { CollectionSpec } from "../../src/spec/types.ts";
import { hasObjdump, objdumpAll, type ObjdumpFunction } from "./objdump.ts";
import { SAMPLES, corpusObjects, expectedRows } from "./samples.ts";

const specs = new Map<string, CollectionSpec>();
function spec(rel: string): CollectionSpec {
  let s = specs.get(rel);
  if (!s) specs.set(rel, (s = loadCollectionSpecFile(join(SAMPLES, rel))));
  return s;
}

let dumps = new Map<string, ObjdumpFunction[]>();

describe("samples corpus", () => {
  const objects = corpusObjects();

  it("has objects to load", () => {
    expect(objects.length).toBeGreaterThan(100);
  });

  it.each(objects)("%s loads", (rel) => {
    const s = spec(rel);
    expect(s.programs.length).toBeGreaterThan(0);
    for (const p of s.programs) {
      expect(p.insns.length).toBeGreaterThanOrEqual(p.entryInsnCount);
      expect(p.functions[0]!.name).toBe(p.name);
    }
  });

  const rows = expectedRows();
  it.each(
    rows.map(
      (r) => [`${r.dir}/${r.file} ${r.section}${r.program ? ` ${r.program}` : ""}`, r] as const,
    ),
  )("expected.tsv: %s is found", (_label, r) => {
    const found = findPrograms(spec(`${r.dir}/${r.file}`), {
      section: r.section,
      name: r.program || undefined,
    });
    expect(found.length).toBeGreaterThan(0);
  });

  // llvm-objdump runs on the objects expected.tsv names (one process each).
  const listed = [...new Set(rows.map((r) => `${r.dir}/${r.file}`))];
  beforeAll(async () => {
    if (hasObjdump()) dumps = await objdumpAll(listed.map((rel) => join(SAMPLES, rel)));
  });
  it.skipIf(!hasObjdump()).each(listed)("%s: instruction counts match llvm-objdump", (rel) => {
    const byKey = new Map(
      dumps.get(join(SAMPLES, rel))!.map((f) => [`${f.section}\0${f.name}`, f.slots]),
    );
    for (const p of spec(rel).programs) {
      const slots = byKey.get(`${p.section}\0${p.name}`);
      expect(slots, `${p.section}:${p.name} not in llvm-objdump output`).toBeDefined();
      expect({ program: `${p.section}:${p.name}`, count: p.entryInsnCount }).toEqual({
        program: `${p.section}:${p.name}`,
        count: slots,
      });
    }
  });
});
