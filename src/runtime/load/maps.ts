// Creating a collection's maps from their specs, in the object's order (inner
// templates are attributes, not maps): pinned names are reused when
// compatible, global-data maps get their initial values (with `globals` and
// kconfig applied) and `.rodata`/`.kconfig` are frozen, as libbpf does.
// Slot initialisers (`.values = { ... }`) wait until the programs exist.
import type { CollectionSpec, MapSpec } from "../../spec/types.ts";
import { MapHandle, mapAttrsFromSpec, type MapRegistry } from "../maps/index.ts";
import { LoadError } from "../errors.ts";
import { initialValues } from "./globals.ts";
import type { LoadCollectionOptions } from "./options.ts";
import { LIBBPF_PIN_BY_NAME, pinMismatch, type PinNamespace } from "./pins.ts";

/** KERNEL_VERSION(6, 8, 0): what LINUX_KERNEL_VERSION reads unless the caller says otherwise. */
export const DEFAULT_KERNEL_VERSION = (6 << 16) | (8 << 8);

/** Fill the `.kconfig` value with the externs' values (little-endian, their declared sizes). */
function fillKconfig(spec: CollectionSpec, value: Uint8Array, opts: LoadCollectionOptions): void {
  const given: Record<string, number | bigint | boolean> = {
    LINUX_KERNEL_VERSION: DEFAULT_KERNEL_VERSION,
    ...opts.kconfig,
  };
  for (const ext of spec.externs) {
    if (ext.kind !== "kconfig" || ext.offset === undefined || ext.size === undefined) continue;
    const v = given[ext.name];
    if (v === undefined) {
      if (ext.weak) continue;
      throw new LoadError(
        `extern (kcfg) '${ext.name}': value not provided (kconfig option)`,
        "ESRCH",
      );
    }
    let u = BigInt.asUintN(64, typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v));
    for (let i = 0; i < ext.size; i++, u >>= 8n) value[ext.offset + i] = Number(u & 0xffn);
  }
}

export interface CreatedMaps {
  /** Handles by map name, in spec order. */
  handles: Map<string, MapHandle>;
  /** The map of each spec index (undefined for maps not loaded). */
  byIndex: (MapHandle | undefined)[];
}

/** Create (or reuse pinned) maps for the specs in `wanted` (all when undefined). */
export function createMaps(
  registry: MapRegistry,
  pins: PinNamespace,
  spec: CollectionSpec,
  wanted: ReadonlySet<string> | undefined,
  opts: LoadCollectionOptions,
): CreatedMaps {
  const values = initialValues(spec, opts.globals);
  const kconfig = spec.maps.find((m) => m.source === "kconfig");
  if (kconfig) fillKconfig(spec, values.get(kconfig.name)!, opts);
  const handles = new Map<string, MapHandle>();
  const byIndex: (MapHandle | undefined)[] = [];
  try {
    for (const ms of spec.maps) {
      if (wanted && !wanted.has(ms.name)) {
        byIndex.push(undefined);
        continue;
      }
      const h = openMap(registry, pins, ms, values.get(ms.name));
      handles.set(ms.name, h);
      byIndex.push(h);
    }
  } catch (e) {
    for (const h of handles.values()) h.close();
    throw e;
  }
  return { handles, byIndex };
}

function openMap(
  registry: MapRegistry,
  pins: PinNamespace,
  ms: MapSpec,
  value: Uint8Array | undefined,
): MapHandle {
  const attrs = mapAttrsFromSpec(ms, registry.ncpus);
  const pinned = ms.pinning === LIBBPF_PIN_BY_NAME ? pins.get(ms.name) : undefined;
  if (pinned) {
    const why = pinMismatch(pinned, ms, attrs);
    if (why) throw new LoadError(why, "EINVAL");
    return new MapHandle(pinned);
  }
  const map = registry.create(attrs);
  const h = new MapHandle(map);
  map.release();
  try {
    if (value && value.length > 0 && ms.maxEntries === 1) h.update(0, value);
    if (ms.freeze) h.freeze();
    if (ms.pinning === LIBBPF_PIN_BY_NAME) pins.pin(ms.name, map);
  } catch (e) {
    h.close();
    throw e;
  }
  return h;
}
