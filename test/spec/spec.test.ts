// The spec API: constructors and lookups by section, function and map name.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ElfError } from "../../src/elf/errors.ts";
import { CollectionSpec, findMap, findPrograms } from "../../src/spec/index.ts";
import { SAMPLES } from "../elf/samples.ts";

describe("CollectionSpec", () => {
  const spec = CollectionSpec.fromFile(join(SAMPLES, "linux/spintest_kern.o"));

  it("finds programs by section, name or both", () => {
    const bySection = findPrograms(spec, { section: "kprobe/spin_lock" });
    expect(bySection).toHaveLength(1);
    const name = bySection[0]!.name;
    expect(findPrograms(spec, { name })).toEqual(bySection);
    expect(findPrograms(spec, { section: "kprobe/spin_lock", name: "nope" })).toEqual([]);
    expect(findPrograms(spec, {})).toHaveLength(spec.programs.length);
  });

  it("finds maps by name", () => {
    expect(findMap(spec, spec.maps[0]!.name)).toBe(spec.maps[0]);
    expect(findMap(spec, "missing")).toBeUndefined();
  });

  it("keeps license and kernel version on the collection and every program", () => {
    expect(spec.license).toBe("GPL");
    expect(
      spec.programs.every(
        (p) => p.license === spec.license && p.kernelVersion === spec.kernelVersion,
      ),
    ).toBe(true);
  });

  it("reports non-objects with a typed error", () => {
    expect(() => CollectionSpec.fromBuffer(new TextEncoder().encode("not an object"))).toThrow(
      ElfError,
    );
    expect(() => CollectionSpec.fromBuffer(new Uint8Array(0))).toThrow(
      "not an ELF file (bad magic)",
    );
  });
});
