// Legacy map definitions of the two long layouts: iproute2's 36-byte
// struct bpf_elf_map (Cilium), whose map-in-maps name their inner template
// by id, and samples/bpf's bpf_load.c, whose word 5 is an index.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ElfError } from "../../src/elf/errors.ts";
import { loadCollectionSpec, loadCollectionSpecFile } from "../../src/elf/load.ts";
import { findMap } from "../../src/spec/index.ts";
import { MapType } from "../../src/uapi/index.ts";
import { writeElf } from "./elf-writer.ts";
import { SAMPLES } from "./samples.ts";

/** A "maps" section of `words.length / n` u32 words per map, one symbol each. */
function mapsObject(names: string[], words: number[][]): Uint8Array {
  const size = words[0]!.length * 4;
  const data = new Uint8Array(size * names.length);
  const dv = new DataView(data.buffer);
  words.flat().forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return writeElf({
    sections: [{ name: "maps", data }],
    symbols: names.map((name, i) => ({
      name,
      section: "maps",
      value: i * size,
      type: "object" as const,
      size,
    })),
  });
}

const { ARRAY, HASH, ARRAY_OF_MAPS, HASH_OF_MAPS } = MapType;
const NO_PREPOPULATE = 0xffffffff;

describe("iproute2 struct bpf_elf_map (36 bytes)", () => {
  it("finds the inner template by id, not by index", () => {
    // Word 5 of the outer map (its own id, 0) would be index 0 = "scratch" under bpf_load.c.
    const spec = loadCollectionSpec(
      mapsObject(
        ["scratch", "maglev_inner", "maglev"],
        [
          [ARRAY, 4, 28, 1, 0, 0, 2, 0, 0],
          [ARRAY, 4, 4078, 1, 0, 3, 0, 0, NO_PREPOPULATE],
          [HASH_OF_MAPS, 2, 4, 65536, 0, 0, 2, 3, 0],
        ],
      ),
    );
    const outer = findMap(spec, "maglev")!;
    expect(outer.innerMap).toMatchObject({
      name: "maglev_inner",
      valueSize: 4078,
      source: "inner",
    });
    expect(outer.init).toEqual([]);
    expect(outer.legacyExtra).toEqual([0, 2, 3, 0]);
  });

  it("pre-populates outer maps from templates with an inner_idx", () => {
    const spec = loadCollectionSpec(
      mapsObject(
        ["outer_a", "inner", "outer_b"],
        [
          [ARRAY_OF_MAPS, 4, 4, 8, 0, 0, 0, 7, 0],
          [HASH, 4, 8, 16, 0, 7, 0, 0, 5],
          [ARRAY_OF_MAPS, 4, 4, 8, 0, 0, 0, 7, 0],
        ],
      ),
    );
    for (const name of ["outer_a", "outer_b"]) {
      const m = findMap(spec, name)!;
      expect(m.innerMap!.name).toBe("inner");
      expect(m.init).toEqual([{ key: 5, kind: "map", name: "inner" }]);
    }
  });

  it("rejects a map-in-map whose inner_id names no map", () => {
    const bytes = mapsObject(
      ["inner", "outer"],
      [
        [ARRAY, 4, 4, 1, 0, 1, 0, 0, NO_PREPOPULATE],
        [ARRAY_OF_MAPS, 4, 4, 8, 0, 0, 0, 9, 0],
      ],
    );
    expect(() => loadCollectionSpec(bytes)).toThrow(ElfError);
    expect(() => loadCollectionSpec(bytes)).toThrow(/inner_id 9 does not name/);
  });
});

describe("samples/bpf bpf_load.c (28 bytes)", () => {
  it("keeps word 5 as inner_map_idx", () => {
    const spec = loadCollectionSpec(
      mapsObject(
        ["outer", "inner"],
        [
          [ARRAY_OF_MAPS, 4, 0, 8, 0, 1, 0],
          [ARRAY, 4, 8, 1, 0, 0, 0],
        ],
      ),
    );
    const outer = findMap(spec, "outer")!;
    expect(outer.innerMap!.name).toBe("inner");
    expect(outer.valueSize).toBe(4);
  });
});

const DSR = join(SAMPLES, "cilium/bpf_xdp_dsr_linux.o");
describe.skipIf(!existsSync(DSR))("Cilium objects", () => {
  it("give cilium_lb4_maglev and cilium_lb6_maglev their maglev inner maps", () => {
    const spec = loadCollectionSpecFile(DSR);
    for (const v of ["4", "6"]) {
      const outer = findMap(spec, `cilium_lb${v}_maglev`)!;
      expect(outer.type).toBe(HASH_OF_MAPS);
      expect(outer.innerMap).toMatchObject({
        name: `cilium_lb${v}_maglev_inner`,
        type: ARRAY,
        valueSize: 4078,
      });
    }
  });
});
