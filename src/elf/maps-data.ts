// Global data as maps, the way libbpf does it: every non-empty .data*,
// .rodata* and .bss* section becomes a single-entry ARRAY map named after the
// section, whose value is the section's bytes. .rodata is read-only to
// programs and frozen; maps whose DATASEC has a non-static variable are
// mmapable (user space can reach them through the skeleton).
import type { Btf } from "../btf/btf.ts";
import { BtfKind, BtfLinkage } from "../btf/types.ts";
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, MapType } from "../uapi/index.ts";
import type { MapSpec } from "../spec/types.ts";
import type { DataSource } from "./layout.ts";
import type { ElfSection } from "./reader.ts";

export function dataMap(sec: ElfSection, source: DataSource, btf: Btf | undefined): MapSpec {
  const dsId = btf?.find(sec.name, BtfKind.DATASEC);
  let flags = source === "rodata" ? BPF_F_RDONLY_PROG : 0;
  if (btf && dsId !== undefined && hasGlobalVar(btf, dsId)) flags |= BPF_F_MMAPABLE;
  // NOBITS has no file bytes: the value starts zeroed.
  const initialValue = source === "bss" ? new Uint8Array(sec.size) : sec.data.slice();
  return {
    name: sec.name,
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: sec.size,
    maxEntries: 1,
    flags,
    numaNode: 0,
    mapExtra: 0,
    pinning: 0,
    source,
    section: sec.name,
    btfKeyTypeId: 0,
    btfValueTypeId: dsId ?? 0,
    init: [],
    initialValue,
    freeze: source === "rodata",
  };
}

function hasGlobalVar(btf: Btf, dsId: number): boolean {
  const ds = btf.type(dsId);
  if (ds.kind !== BtfKind.DATASEC) return false;
  return ds.vars.some((v) => {
    const t = btf.type(v.type);
    return t.kind === BtfKind.VAR && t.linkage !== BtfLinkage.STATIC;
  });
}

/** The `.kconfig` map holding the values of `extern ... __kconfig` variables, filled by the runtime. */
export function kconfigMap(size: number, btf: Btf | undefined): MapSpec {
  return {
    name: ".kconfig",
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: size,
    maxEntries: 1,
    flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE,
    numaNode: 0,
    mapExtra: 0,
    pinning: 0,
    source: "kconfig",
    section: ".kconfig",
    btfKeyTypeId: 0,
    btfValueTypeId: btf?.find(".kconfig", BtfKind.DATASEC) ?? 0,
    init: [],
    initialValue: new Uint8Array(size),
    freeze: true,
  };
}
