// Map helpers: the program side of every map type (lookup/update/delete,
// queue/stack push/pop/peek, per-CPU lookup on a chosen CPU). The map pointer
// is the map header's address; the registry maps it back to the object.
import type { BpfMap } from "../maps/index.ts";
import type { Kernel } from "../kernel.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr } from "./util.ts";

/** Flags arrive as u64; anything past 32 bits is refused by the map's own flag check. */
const flags = (x: bigint): number => (x > 0xffff_ffffn ? -1 : Number(x));

/** The map a register points at; unverified programs were checked by the proto (args.ts). */
export function mapArg(k: Kernel, x: bigint): BpfMap | undefined {
  return k.maps.fromAddr(ptr(x));
}

export const MAP_HELPERS: HelperTable = {
  // bpf_map_lookup_elem(map, key) → value pointer or NULL
  1: (k, map, key) => mapArg(k, map)?.lookupElem(ptr(key)) ?? 0,
  // bpf_map_update_elem(map, key, value, flags)
  2: (k, map, key, value, f) =>
    mapArg(k, map)?.updateElem(ptr(key), ptr(value), flags(f)) ?? -E.EINVAL,
  // bpf_map_delete_elem(map, key)
  3: (k, map, key) => mapArg(k, map)?.deleteElem(ptr(key)) ?? -E.EINVAL,
  // bpf_map_push_elem(map, value, flags)
  87: (k, map, value, f) => mapArg(k, map)?.pushElem(ptr(value), flags(f)) ?? -E.EINVAL,
  // bpf_map_pop_elem(map, value)
  88: (k, map, value) => mapArg(k, map)?.popElem(ptr(value)) ?? -E.EINVAL,
  // bpf_map_peek_elem(map, value)
  89: (k, map, value) => mapArg(k, map)?.peekElem(ptr(value)) ?? -E.EINVAL,
  // bpf_map_lookup_percpu_elem(map, key, cpu): NULL for a CPU that does not exist
  195: (k, map, key, cpu) => {
    const m = mapArg(k, map);
    if (!m || cpu >= BigInt(k.maps.ncpus)) return 0;
    const saved = k.maps.currentCpu;
    k.maps.currentCpu = Number(cpu);
    try {
      return m.lookupElem(ptr(key));
    } finally {
      k.maps.currentCpu = saved;
    }
  },
};
