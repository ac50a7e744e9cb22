// Legacy map definitions: `struct bpf_map_def` records in a "maps" (or
// "maps/NAME") section, one per symbol. The record size is the section size
// divided by the number of map symbols (libbpf's and iproute2's rule), so the
// longer variants of old loaders also load. Words past the five standard
// ones are kept raw in `legacyExtra`; what they mean depends on the layout,
// told apart by that record size as the loaders themselves do:
// - 36 bytes: iproute2's `struct bpf_elf_map` (type, size_key, size_value,
//   max_elem, flags, id, pinning, inner_id, inner_idx), what Cilium's
//   objects use. A map-in-map's inner template is the map whose `id` equals
//   its `inner_id`; a template with an `inner_idx` other than ~0 also fills
//   that slot of every such outer map (bpf_maps_attach_all()).
// - shorter: samples/bpf's bpf_load.c (..., inner_map_idx, numa_node), or a
//   truncated bpf_elf_map (id, pinning), which has no map-in-map fields: for
//   map-in-map types word 5 is inner_map_idx, an index into this object's
//   legacy maps in definition order.
import type { Btf } from "../btf/btf.ts";
import { BtfKind } from "../btf/types.ts";
import { MapType } from "../uapi/index.ts";
import type { MapSpec } from "../spec/types.ts";
import { ElfError } from "./errors.ts";
import { STT_SECTION } from "./constants.ts";
import type { ElfFile, ElfSection } from "./reader.ts";

const BPF_MAP_DEF_SIZE = 20;
/** sizeof(struct bpf_elf_map) in iproute2 (include/bpf_elf.h). */
const BPF_ELF_MAP_SIZE = 36;
/** bpf_elf_map.inner_idx meaning "do not pre-populate an outer map". */
const NO_PREPOPULATE = 0xffffffff;

export interface LegacyMap {
  spec: MapSpec;
  section: ElfSection;
  /** Byte offset of the definition in its section (what relocations point at). */
  offset: number;
}

export const isMapInMap = (type: number): boolean =>
  type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS;

export function legacyMaps(
  elf: ElfFile,
  sections: readonly ElfSection[],
  btf: Btf | undefined,
): LegacyMap[] {
  const out: LegacyMap[] = [];
  const elfMaps: LegacyMap[] = [];
  for (const sec of sections) {
    const syms = elf
      .symbolsIn(sec.index)
      .filter((s) => s.type !== STT_SECTION && s.name !== "")
      .sort((a, b) => a.value - b.value || (a.name < b.name ? -1 : 1));
    if (syms.length === 0) continue;
    if (sec.size === 0 || sec.size % syms.length !== 0) {
      throw new ElfError(
        `unable to determine map definition size in section '${sec.name}': ${syms.length} maps in ${sec.size} bytes`,
        sec.headerOffset + 32,
      );
    }
    const defSize = sec.size / syms.length;
    if (defSize % 4 !== 0) {
      throw new ElfError(
        `map definition size ${defSize} in section '${sec.name}' is not a multiple of 4`,
        sec.headerOffset + 32,
      );
    }
    const dv = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
    for (const s of syms) {
      if (s.value % 4 !== 0 || s.value + defSize > sec.size) {
        throw new ElfError(
          `map '${s.name}' definition at offset ${s.value} (${defSize} bytes) is outside section '${sec.name}' (${sec.size} bytes)`,
          s.fileOffset + 8,
        );
      }
      const word = (i: number): number =>
        i * 4 < defSize ? dv.getUint32(s.value + i * 4, true) : 0;
      const extra: number[] = [];
      for (let i = BPF_MAP_DEF_SIZE / 4; i < defSize / 4; i++) extra.push(word(i));
      const kv = btf ? annotatedKeyValue(btf, s.name) : undefined;
      const spec: MapSpec = {
        name: s.name,
        type: word(0),
        keySize: word(1),
        valueSize: word(2),
        maxEntries: word(3),
        flags: word(4),
        numaNode: 0,
        mapExtra: 0,
        pinning: 0,
        source: "legacy",
        section: sec.name,
        btfKeyTypeId: kv?.key ?? 0,
        btfValueTypeId: kv?.value ?? 0,
        init: [],
        freeze: false,
      };
      if (extra.length > 0) spec.legacyExtra = extra;
      const m = { spec, section: sec, offset: s.value };
      out.push(m);
      if (defSize === BPF_ELF_MAP_SIZE) elfMaps.push(m);
    }
  }
  linkElfMapInMaps(elfMaps);
  linkBpfLoadMapInMaps(out.filter((m) => !elfMaps.includes(m)));
  return out;
}

/** The inner template as its own spec: a map-in-map holds maps shaped like it. */
function setInner(outer: LegacyMap, inner: LegacyMap): void {
  outer.spec.innerMap = { ...inner.spec, source: "inner", init: [] };
}

/**
 * iproute2's struct bpf_elf_map: words 5..8 are id, pinning, inner_id,
 * inner_idx (legacyExtra[0..3]). An outer map names its template by id.
 */
function linkElfMapInMaps(maps: readonly LegacyMap[]): void {
  const word = (m: LegacyMap, i: number): number => m.spec.legacyExtra?.[i] ?? 0;
  for (const m of maps) {
    if (!isMapInMap(m.spec.type)) continue;
    const innerId = word(m, 2);
    const inner = maps.find((x) => x !== m && innerId !== 0 && word(x, 0) === innerId);
    if (!inner) {
      throw new ElfError(
        `map '${m.spec.name}': inner_id ${innerId} does not name another map's id in '${m.section.name}' (struct bpf_elf_map)`,
      );
    }
    setInner(m, inner);
  }
  // Templates with an inner_idx pre-populate that slot of every outer map using them.
  for (const t of maps) {
    const id = word(t, 0);
    const idx = word(t, 3);
    if (!id || word(t, 2) || idx === NO_PREPOPULATE) continue;
    for (const outer of maps) {
      if (isMapInMap(outer.spec.type) && word(outer, 2) === id)
        outer.spec.init.push({ key: idx, kind: "map", name: t.spec.name });
    }
  }
}

/** samples/bpf's bpf_load.c: word 5 is inner_map_idx, an index into the legacy maps in order. */
function linkBpfLoadMapInMaps(maps: readonly LegacyMap[]): void {
  for (const m of maps) {
    if (!isMapInMap(m.spec.type) || !m.spec.legacyExtra) continue;
    const idx = m.spec.legacyExtra[0]!;
    const inner = maps[idx];
    if (!inner || inner === m) {
      throw new ElfError(
        `map '${m.spec.name}': inner_map_idx ${idx} does not name another map in '${m.section.name}'`,
      );
    }
    setInner(m, inner);
    // bpf_load.c creates map-in-maps with a 4-byte value (the inner map's fd) whatever the definition says.
    if (m.spec.valueSize === 0) m.spec.valueSize = 4;
  }
}

/** BPF_ANNOTATE_KV_PAIR: `struct ____btf_map_NAME { key; value; }` gives a legacy map BTF types. */
function annotatedKeyValue(btf: Btf, name: string): { key: number; value: number } | undefined {
  const id = btf.find(`____btf_map_${name}`, BtfKind.STRUCT);
  if (id === undefined) return undefined;
  const key = btf.member(id, "key");
  const value = btf.member(id, "value");
  if (!key || !value) return undefined;
  return { key: key.member.type, value: value.member.type };
}
