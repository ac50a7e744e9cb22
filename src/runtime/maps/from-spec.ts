// From the loader's MapSpec to BPF_MAP_CREATE attributes, doing what libbpf
// and cilium/ebpf do before the syscall:
// - names: characters the kernel refuses become '_', cut to 15 characters;
// - ring buffers: a BTF `__type(value, struct event)` only documents the
//   records, so key and value sizes become 0;
// - perf_event_array: slots hold perf event fds, so BTF-typed or unset key
//   and value sizes become 4, and max_entries 0 means one slot per CPU;
// - maps of maps: an unset value size becomes 4 (an id/fd).
// Initial values, freezing and initial slots stay with the caller.
import type { MapSpec } from "../../spec/types.ts";
import { MapType } from "../../uapi/index.ts";
import type { MapAttrs } from "./attrs.ts";
import { BPF_OBJ_NAME_LEN } from "./flags.ts";

/** The name the kernel would store for `name` (libbpf's sanitising and truncation). */
export function kernelObjName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, BPF_OBJ_NAME_LEN - 1);
}

export function mapAttrsFromSpec(spec: MapSpec, ncpus = 1): MapAttrs {
  const attrs: MapAttrs = {
    type: spec.type,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    flags: spec.flags,
    name: kernelObjName(spec.name),
  };
  const typed = spec.source === "btf" || spec.source === "inner";
  switch (spec.type) {
    case MapType.RINGBUF:
      if (typed) {
        if (spec.btfKeyTypeId) attrs.keySize = 0;
        if (spec.btfValueTypeId) attrs.valueSize = 0;
      }
      break;
    case MapType.PERF_EVENT_ARRAY:
      if (attrs.keySize === 0 || (typed && spec.btfKeyTypeId)) attrs.keySize = 4;
      if (attrs.valueSize === 0 || (typed && spec.btfValueTypeId)) attrs.valueSize = 4;
      if (attrs.maxEntries === 0) attrs.maxEntries = ncpus;
      break;
    case MapType.ARRAY_OF_MAPS:
    case MapType.HASH_OF_MAPS:
      if (attrs.valueSize === 0) attrs.valueSize = 4;
      break;
  }
  if (spec.innerMap) attrs.innerMap = mapAttrsFromSpec(spec.innerMap, ncpus);
  return attrs;
}
