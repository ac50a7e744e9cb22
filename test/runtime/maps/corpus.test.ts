// Every map the samples corpus defines (Cilium, Linux samples, ...) is
// created from its MapSpec: supported types must pass the creation checks with
// real-world attributes; the others must be refused cleanly. Objects share
// many definitions (Cilium's conntrack maps, ...): each distinct set of
// attributes is created once, which keeps the test fast.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadCollectionSpec } from "../../../src/elf/load.ts";
import {
  MapError,
  mapAttrsFromSpec,
  SUPPORTED_MAP_TYPES,
} from "../../../src/runtime/maps/index.ts";
import { mapTypeName } from "../../../src/uapi/index.ts";
import { setup } from "./setup.ts";

const root = new URL("../../../../shared/samples/", import.meta.url);

function objects(): string[] {
  const out: string[] = [];
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name === "invalid") continue;
    for (const f of readdirSync(new URL(`${d.name}/`, root)))
      if (f.endsWith(".o")) out.push(`${d.name}/${f}`);
  }
  return out.sort();
}

describe("maps of the samples corpus", () => {
  it("creates every map (all their types are supported), refusing only broken definitions", () => {
    const files = objects();
    expect(files.length).toBeGreaterThan(50);
    const { reg, mem } = setup(4);
    const base = mem.allocatedBytes;
    let created = 0;
    const refused = new Set<string>();
    const failures: string[] = [];
    const seen = new Set<string>();
    for (const f of files) {
      let spec;
      try {
        spec = loadCollectionSpec(new Uint8Array(readFileSync(new URL(f, root))));
      } catch {
        continue; // the loader's own tests cover objects it rejects
      }
      for (const ms of spec.maps) {
        const attrs = mapAttrsFromSpec(ms, 4);
        const sig = JSON.stringify(attrs);
        if (seen.has(sig)) continue;
        seen.add(sig);
        if (!SUPPORTED_MAP_TYPES.includes(ms.type)) {
          expect(() => reg.create(attrs), `${f}: ${ms.name}`).toThrow(MapError);
          refused.add(mapTypeName(ms.type));
          continue;
        }
        let map;
        try {
          map = reg.create(attrs);
        } catch (e) {
          if (!(e instanceof MapError)) throw e;
          failures.push(`${f}: ${e.message}`);
          continue;
        }
        expect(map.name.length).toBeLessThan(16);
        created++;
        map.release();
      }
    }
    // Only the corpus's deliberately broken definitions are refused, as the kernel would.
    expect(failures).toEqual([
      'build/badrelo.o: EINVAL: create array map "map": value_size must not be 0',
      'build/exposeptr2.o: EINVAL: create array map "map": array key_size must be 4, got 8',
    ]);
    expect(created).toBeGreaterThan(100);
    expect(reg.size).toBe(0);
    expect(mem.allocatedBytes).toBe(base);
    // Every map type the corpus uses exists (devmap, cpumap, xskmap, stack_trace, cgroup_array included).
    expect([...refused].sort()).toEqual([]);
  });
});
