// The runtime-wide pin namespace: maps declared with
// `__uint(pinning, LIBBPF_PIN_BY_NAME)` are pinned under their name; a later
// collection declaring the same name reuses the pinned map when its
// definition is compatible (libbpf's map_is_reuse_compat) and fails otherwise.
import type { MapSpec } from "../../spec/types.ts";
import { mapTypeName } from "../../uapi/index.ts";
import type { BpfMap, MapAttrs } from "../maps/index.ts";
import { LoadError } from "../errors.ts";

export const LIBBPF_PIN_BY_NAME = 1;

export class PinNamespace {
  private readonly pins = new Map<string, BpfMap>();

  get(name: string): BpfMap | undefined {
    return this.pins.get(name);
  }

  names(): string[] {
    return [...this.pins.keys()].sort();
  }

  /** Pin `map` under `name` (the pin holds a user reference, like a bpffs file). */
  pin(name: string, map: BpfMap): void {
    if (this.pins.has(name)) throw new LoadError(`a map is already pinned as "${name}"`, "EEXIST");
    map.acquireUser();
    this.pins.set(name, map);
  }

  /** Remove a pin; false when nothing was pinned under `name`. */
  unpin(name: string): boolean {
    const m = this.pins.get(name);
    if (!m) return false;
    this.pins.delete(name);
    m.releaseUser();
    return true;
  }

  clear(): void {
    for (const name of [...this.pins.keys()]) this.unpin(name);
  }
}

/** Why a pinned map can't stand in for `spec` (created as `attrs`), or undefined when it can. */
export function pinMismatch(pinned: BpfMap, spec: MapSpec, attrs: MapAttrs): string | undefined {
  const want: [string, number | string, number | string][] = [
    ["type", mapTypeName(pinned.type), mapTypeName(attrs.type)],
    ["key_size", pinned.keySize, attrs.keySize],
    ["value_size", pinned.valueSize, attrs.valueSize],
    ["max_entries", pinned.maxEntries, attrs.maxEntries],
    ["map_flags", pinned.flags, attrs.flags ?? 0],
  ];
  for (const [field, have, need] of want)
    if (have !== need)
      return `couldn't reuse pinned map "${spec.name}": ${field} differs (pinned ${have}, declared ${need})`;
  return undefined;
}
