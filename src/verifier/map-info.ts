// How the verifier sees a map. The verifier never imports the runtime: whoever
// loads a program (the runtime, the CLI, a test) describes each map the program
// refers to with this small record, looked up by the `imm` of a pseudo-map lddw
// (the fd for BPF_PSEUDO_MAP_FD, the index for BPF_PSEUDO_MAP_IDX).
import { BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG } from "../uapi/map-types.ts";

export interface MapInfo {
  /** `enum bpf_map_type` (see src/uapi/map-types.ts). */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** Map creation flags (BPF_F_RDONLY_PROG, ...). */
  flags: number;
  /** Printed in level-2 logs as `map=<name>` when set. */
  name?: string;
  /** Template of the inner map, for map-in-map types. */
  innerMap?: MapInfo;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  /**
   * Special fields of the value found in its BTF (the kernel's btf_record):
   * a `struct bpf_spin_lock` or `struct bpf_timer` and where it is. Programs
   * may not load or store them; helpers take them by pointer.
   */
  btfFields?: readonly MapValueField[];
  /**
   * Frozen read-only data (e.g. `.rodata` after load): with BPF_F_RDONLY_PROG,
   * loads at constant offsets read these bytes as known scalars.
   */
  frozenValue?: Uint8Array;
}

/** A special field of a map value (struct btf_field). */
export interface MapValueField {
  name: "bpf_spin_lock" | "bpf_timer";
  off: number;
  size: number;
}

/** Resolves the `imm` of a pseudo-map lddw to a map; undefined means "no such map". */
export type MapResolver = (kind: "fd" | "idx", imm: number) => MapInfo | undefined;

/** bpf_map_flags_to_cap(): what the *program* may do with map values. */
export function mapProgCaps(map: MapInfo): { read: boolean; write: boolean } {
  if (map.flags & BPF_F_RDONLY_PROG) return { read: true, write: false };
  if (map.flags & BPF_F_WRONLY_PROG) return { read: false, write: true };
  return { read: true, write: true };
}

/** Build a resolver from a plain array (index = imm) or a Map keyed by imm. */
export function mapResolver(maps: readonly MapInfo[] | ReadonlyMap<number, MapInfo>): MapResolver {
  if (Array.isArray(maps)) return (_kind, imm) => (maps as readonly MapInfo[])[imm];
  const m = maps as ReadonlyMap<number, MapInfo>;
  return (_kind, imm) => m.get(imm);
}
