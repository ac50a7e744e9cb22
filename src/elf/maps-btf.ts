// BTF-defined maps: each variable of the ".maps" DATASEC is a struct whose
// members encode the definition (libbpf's bpf_helpers.h macros):
//   __uint(name, N)      -> `int (*name)[N]`       (type, max_entries, map_flags, ...)
//   __type(name, T)      -> `T *name`              (key, value)
//   __array(values, S)   -> `S *values[]`          (map-in-map inner definition or prog-array)
// Initialisers of `values` are relocations in .rel.maps pointing at other maps
// (map-in-map) or at programs (prog array). Errors read like libbpf's.
import type { Btf } from "../btf/btf.ts";
import { BtfKind, isComposite, kindName, type BtfStruct, type BtfUnion } from "../btf/types.ts";
import { MapType } from "../uapi/index.ts";
import type { MapSpec } from "../spec/types.ts";
import { ElfError } from "./errors.ts";
import { isMapInMap } from "./maps-legacy.ts";
import type { ElfFile, ElfSection } from "./reader.ts";

export interface BtfMap {
  spec: MapSpec;
  /** Byte offset of the definition in .maps. */
  offset: number;
  size: number;
  /** Bit offset of the `values` member, when present (for initialiser relocations). */
  valuesBitOffset?: number;
}

/** LIBBPF_PIN_NONE / LIBBPF_PIN_BY_NAME. */
const MAX_PINNING = 1;

function fail(map: string, msg: string): never {
  throw new ElfError(`map '${map}': ${msg}`);
}

/** `int (*name)[N]` -> N. */
function uintField(btf: Btf, map: string, attr: string, typeId: number): number {
  if (!btf.has(typeId)) fail(map, `attr '${attr}': type [${typeId}] not found.`);
  const ptr = btf.type(typeId);
  if (ptr.kind !== BtfKind.PTR)
    fail(map, `attr '${attr}': expected PTR, got ${kindName(ptr.kind)}.`);
  if (!btf.has(ptr.type)) fail(map, `attr '${attr}': type [${ptr.type}] not found.`);
  const arr = btf.type(ptr.type);
  if (arr.kind !== BtfKind.ARRAY)
    fail(map, `attr '${attr}': expected ARRAY, got ${kindName(arr.kind)}.`);
  return arr.nelems;
}

/** `T *name` -> T's id. */
function typeField(btf: Btf, map: string, attr: string, typeId: number): number {
  if (!btf.has(typeId)) fail(map, `${attr} type [${typeId}] not found.`);
  const ptr = btf.type(typeId);
  if (ptr.kind !== BtfKind.PTR) fail(map, `${attr} spec is not PTR: ${kindName(ptr.kind)}.`);
  return ptr.type;
}

function sizeOf(btf: Btf, map: string, attr: string, id: number): number {
  try {
    return btf.sizeof(id);
  } catch {
    return fail(map, `can't determine ${attr} size for type [${id}].`);
  }
}

interface ParsedDef {
  spec: MapSpec;
  valuesBitOffset?: number;
}

function parseDef(btf: Btf, name: string, def: BtfStruct | BtfUnion, inner: boolean): ParsedDef {
  const spec: MapSpec = {
    name,
    type: MapType.UNSPEC,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    flags: 0,
    numaNode: 0,
    mapExtra: 0,
    pinning: 0,
    source: inner ? "inner" : "btf",
    section: ".maps",
    btfKeyTypeId: 0,
    btfValueTypeId: 0,
    init: [],
    freeze: false,
  };
  let valuesBitOffset: number | undefined;
  const members = def.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    const uint = (): number => uintField(btf, name, m.name, m.type);
    switch (m.name) {
      case "type":
        spec.type = uint();
        break;
      case "max_entries":
        spec.maxEntries = uint();
        break;
      case "map_flags":
        spec.flags = uint();
        break;
      case "numa_node":
        spec.numaNode = uint();
        break;
      case "map_extra":
        spec.mapExtra = uint();
        break;
      case "key_size": {
        const sz = uint();
        if (spec.keySize && spec.keySize !== sz)
          fail(name, `conflicting key size ${spec.keySize} != ${sz}.`);
        spec.keySize = sz;
        break;
      }
      case "value_size": {
        const sz = uint();
        if (spec.valueSize && spec.valueSize !== sz)
          fail(name, `conflicting value size ${spec.valueSize} != ${sz}.`);
        spec.valueSize = sz;
        break;
      }
      case "key": {
        const t = typeField(btf, name, "key", m.type);
        const sz = sizeOf(btf, name, "key", t);
        if (spec.keySize && spec.keySize !== sz)
          fail(name, `conflicting key size ${spec.keySize} != ${sz}.`);
        spec.keySize = sz;
        spec.btfKeyTypeId = t;
        break;
      }
      case "value": {
        const t = typeField(btf, name, "value", m.type);
        const sz = sizeOf(btf, name, "value", t);
        if (spec.valueSize && spec.valueSize !== sz)
          fail(name, `conflicting value size ${spec.valueSize} != ${sz}.`);
        spec.valueSize = sz;
        spec.btfValueTypeId = t;
        break;
      }
      case "values": {
        const isProgArray = spec.type === MapType.PROG_ARRAY;
        if (inner) fail(name, "multi-level inner maps not supported.");
        if (i !== members.length - 1) fail(name, "'values' member should be last.");
        if (!isMapInMap(spec.type) && !isProgArray)
          fail(name, "should be map-in-map or prog-array.");
        if (spec.valueSize && spec.valueSize !== 4)
          fail(name, `conflicting value size ${spec.valueSize} != 4.`);
        spec.valueSize = 4;
        if (!btf.has(m.type)) fail(name, `values type [${m.type}] not found.`);
        const arr = btf.type(m.type);
        if (arr.kind !== BtfKind.ARRAY)
          fail(
            name,
            `map-in-map inner type [${m.type}] should be an array, got ${kindName(arr.kind)}.`,
          );
        const ptr = btf.resolve(arr.type);
        if (ptr.kind !== BtfKind.PTR)
          fail(name, "map-in-map inner def should define an array of pointers.");
        const target = btf.resolve(ptr.type);
        valuesBitOffset = m.bitOffset;
        if (isProgArray) {
          if (target.kind !== BtfKind.FUNC_PROTO)
            fail(name, `prog-array value def is of unexpected kind ${kindName(target.kind)}.`);
          break;
        }
        if (!isComposite(target))
          fail(name, `map-in-map inner def is of unexpected kind ${kindName(target.kind)}.`);
        spec.innerMap = parseDef(btf, `${name}.inner`, target, true).spec;
        break;
      }
      case "pinning": {
        if (inner) fail(name, "inner def can't be pinned.");
        const v = uint();
        if (v > MAX_PINNING) fail(name, `invalid pinning value ${v}.`);
        spec.pinning = v;
        break;
      }
      default:
        // libbpf ignores unknown fields unless in strict mode; so do we.
        break;
    }
  }
  if (spec.type === MapType.UNSPEC) fail(name, "map type isn't specified.");
  return { spec, valuesBitOffset };
}

/** Map definitions of the .maps section, in DATASEC order. */
export function btfMaps(sec: ElfSection, btf: Btf | undefined): BtfMap[] {
  if (!btf)
    throw new ElfError(
      `BTF is required for the '.maps' section, but the object has none`,
      sec.headerOffset,
    );
  const dsId = btf.find(".maps", BtfKind.DATASEC);
  if (dsId === undefined) throw new ElfError("DATASEC '.maps' not found in BTF", sec.headerOffset);
  const ds = btf.type(dsId);
  if (ds.kind !== BtfKind.DATASEC) throw new ElfError("'.maps' is not a DATASEC");
  const out: BtfMap[] = [];
  for (const vsi of ds.vars) {
    const v = btf.type(vsi.type);
    if (v.kind !== BtfKind.VAR) {
      throw new ElfError(`'.maps' entry [${vsi.type}] is ${kindName(v.kind)}, expected VAR`);
    }
    const name = v.name;
    const def = btf.resolve(v.type);
    if (!isComposite(def) || def.kind !== BtfKind.STRUCT)
      fail(name, `unexpected def kind ${kindName(def.kind)}.`);
    if (vsi.offset + vsi.size > sec.size) fail(name, "BTF data is corrupted.");
    const parsed = parseDef(btf, name, def, false);
    out.push({
      spec: parsed.spec,
      offset: vsi.offset,
      size: vsi.size,
      valuesBitOffset: parsed.valuesBitOffset,
    });
  }
  return out;
}

/**
 * `.values = { [i] = &map_or_prog }` initialisers: relocations in .rel.maps at
 * the i-th pointer of the `values` member, naming an inner map (a .maps
 * symbol) or a program (a function symbol in a code section).
 */
export function btfMapInitialisers(
  elf: ElfFile,
  sec: ElfSection,
  maps: readonly BtfMap[],
  codeSections: ReadonlySet<number>,
): void {
  const byOffset = new Map(maps.map((m) => [m.offset, m]));
  const sorted = [...maps].sort((a, b) => a.offset - b.offset);
  const containing = (off: number): BtfMap | undefined => {
    let lo = 0;
    let hi = sorted.length - 1;
    let best: BtfMap | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.offset <= off) {
        best = sorted[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best && off < best.offset + best.size ? best : undefined;
  };
  for (const r of elf.relocationsFor(sec.index)) {
    const sym = elf.symbols[r.symbol]!;
    const outer = containing(r.offset);
    if (!outer)
      throw new ElfError(
        `.maps relocation at offset ${r.offset} is not inside any map definition`,
        r.fileOffset,
      );
    const name = outer.spec.name;
    if (outer.valuesBitOffset === undefined) {
      throw new ElfError(
        `map '${name}': relocation at offset ${r.offset} but the map has no 'values' member`,
        r.fileOffset,
      );
    }
    const rel = r.offset - outer.offset - outer.valuesBitOffset / 8;
    if (rel < 0 || rel % 8 !== 0) {
      throw new ElfError(
        `map '${name}': unexpected relocation offset ${r.offset} for 'values'`,
        r.fileOffset,
      );
    }
    const key = rel / 8;
    if (outer.spec.maxEntries && key >= outer.spec.maxEntries) {
      throw new ElfError(
        `map '${name}': initialiser slot ${key} is beyond max_entries ${outer.spec.maxEntries}`,
        r.fileOffset,
      );
    }
    if (sym.shndx === sec.index) {
      if (!isMapInMap(outer.spec.type))
        throw new ElfError(`map '${name}': map initialiser for a non map-in-map`, r.fileOffset);
      const inner = byOffset.get(sym.value);
      if (!inner)
        throw new ElfError(
          `map '${name}': can't find inner map '${sym.name}' at offset ${sym.value}`,
          r.fileOffset,
        );
      outer.spec.init.push({ key, kind: "map", name: inner.spec.name });
    } else if (codeSections.has(sym.shndx)) {
      if (outer.spec.type !== MapType.PROG_ARRAY)
        throw new ElfError(`map '${name}': program initialiser for a non prog-array`, r.fileOffset);
      outer.spec.init.push({ key, kind: "program", name: sym.name });
    } else {
      throw new ElfError(
        `map '${name}': initialiser '${sym.name}' is neither a map nor a program`,
        r.fileOffset,
      );
    }
  }
  for (const m of maps) m.spec.init.sort((a, b) => a.key - b.key);
}
