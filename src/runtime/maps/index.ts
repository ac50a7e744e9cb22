// Public surface of the runtime maps: the registry (kernel side), map objects
// with their program-side operations, the user-space handle, readers, codecs.
export { MapRegistry, SUPPORTED_MAP_TYPES, type MapRegistryOptions } from "./registry.ts";
export type { MapAttrs, InnerMapMeta, AttrProblem } from "./attrs.ts";
export { BpfMap, MapHeader } from "./map.ts";
export { ArrayMap, PercpuArrayMap, type ArrayLayout } from "./array.ts";
export { HashMap } from "./hash.ts";
export { LpmTrieMap } from "./lpm-trie.ts";
export { QueueStackMap } from "./queue-stack.ts";
export { RingBufMap } from "./ringbuf.ts";
export { ProgArrayMap } from "./prog-array.ts";
export { ArrayOfMapsMap, HashOfMapsMap } from "./map-in-map.ts";
export {
  PerfEventArrayMap,
  PerfEventBuffer,
  PERF_RECORD_LOST,
  PERF_RECORD_SAMPLE,
  type PerfRecord,
} from "./perf-event-array.ts";
export {
  MapHandle,
  type MapKey,
  type MapInfo,
  type BatchCursor,
  type BatchResult,
} from "./handle.ts";
export { RingBufReader, type ReaderIterateOptions } from "./ringbuf-reader.ts";
export { PerfReader, type PerfReaderOptions } from "./perf-reader.ts";
export { TypedMap, codecs, type ValueCodec } from "./codec.ts";
export { MapError, Errno, errnoName, type ErrnoName } from "./errors.ts";
export { mapAttrsFromSpec, kernelObjName } from "./from-spec.ts";
export * from "./flags.ts";
