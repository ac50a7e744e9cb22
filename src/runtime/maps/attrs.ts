// MapAttrs: what BPF_MAP_CREATE takes (the runtime builds it from the loader's
// MapSpec), and the attribute checks every map type shares.
import {
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
} from "../../uapi/index.ts";
import type { ErrnoName } from "./errors.ts";
import { BPF_OBJ_NAME_LEN } from "./flags.ts";
import type { BpfMap } from "./map.ts";

export interface MapAttrs {
  /** BPF_MAP_TYPE_* (see MapType in src/uapi). */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** BPF_F_* creation flags. */
  flags?: number;
  /** Object name: at most 15 characters of [A-Za-z0-9_.]. */
  name?: string;
  /**
   * Map-in-map: the inner map template (a live map or its attributes). The
   * outer map accepts inner maps with the same type, key/value size and flags
   * (arrays also the same max_entries, unless the template has BPF_F_INNER_MAP).
   */
  innerMap?: BpfMap | MapAttrs;
  /** Offset of a `struct bpf_spin_lock` in the value (from BTF), enabling BPF_F_LOCK. */
  spinLockOffset?: number;
}

/** The fields of an inner-map template that an inserted map must match. */
export interface InnerMapMeta {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

/** Kernel's bpf_map_flags_access_ok: read-only and write-only are exclusive, per side. */
export function accessFlagsOk(flags: number): boolean {
  const both = (a: number, b: number) => (flags & a) !== 0 && (flags & b) !== 0;
  return !both(BPF_F_RDONLY, BPF_F_WRONLY) && !both(BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG);
}

/** Kernel's bpf_obj_name_cpy rule: alphanumerics, '_' and '.', shorter than BPF_OBJ_NAME_LEN. */
export function nameOk(name: string): boolean {
  return name.length < BPF_OBJ_NAME_LEN && /^[A-Za-z0-9_.]*$/.test(name);
}

/** Why a map can't be created: the errno BPF_MAP_CREATE would return and a precise reason. */
export interface AttrProblem {
  errno: ErrnoName;
  reason: string;
}

export function problem(errno: ErrnoName, reason: string): AttrProblem {
  return { errno, reason };
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
}

/** Shape checks common to all map types. */
export function checkCommonAttrs(a: MapAttrs): AttrProblem | undefined {
  const flags = a.flags ?? 0;
  for (const [field, v] of [
    ["keySize", a.keySize],
    ["valueSize", a.valueSize],
    ["maxEntries", a.maxEntries],
    ["flags", flags],
  ] as const) {
    if (!isU32(v)) return problem("EINVAL", `${field} ${v} is not a u32`);
  }
  if (!accessFlagsOk(flags))
    return problem("EINVAL", "map flags combine read-only and write-only access");
  if (a.name !== undefined && !nameOk(a.name))
    return problem(
      "EINVAL",
      `map name "${a.name}" must be under ${BPF_OBJ_NAME_LEN} characters of [A-Za-z0-9_.]`,
    );
  if (a.spinLockOffset !== undefined) {
    const off = a.spinLockOffset;
    if (!Number.isInteger(off) || off < 0 || off % 4 !== 0 || off + 4 > a.valueSize)
      return problem(
        "EINVAL",
        `bpf_spin_lock offset ${off} does not fit a ${a.valueSize}-byte value`,
      );
  }
  return undefined;
}
