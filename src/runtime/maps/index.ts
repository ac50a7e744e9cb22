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
export { ProgArrayMap, TailCallPokeSlot } from "./prog-array.ts";
export { ArrayOfMapsMap, HashOfMapsMap } from "./map-in-map.ts";
export { DevMap, DevMapHash } from "./devmap.ts";
export { CpuMap } from "./cpumap.ts";
export { XskMap } from "./xskmap.ts";
export { SockMap, SockHash, redirectAllowed } from "./sockmap.ts";
export { StackTraceMap } from "./stack-trace.ts";
export { CgroupArrayMap } from "./cgroup-array.ts";
export {
  isXdpRedirectMap,
  isXdpBroadcastMap,
  type RedirectTarget,
  type XdpRedirectMap,
  type XdpBroadcastMap,
} from "./xdp-redirect.ts";
export { NetDevices, NetDevice, LOOPBACK_IFINDEX, type NetDeviceSpec } from "./netdevs.ts";
export {
  SocketTable,
  RuntimeSocket,
  TcpState,
  AF_INET,
  AF_INET6,
  AF_XDP,
  type InetSocketSpec,
  type XdpSocketSpec,
  type TcpStateName,
} from "./sockets.ts";
export { CgroupTable, Cgroup, ROOT_CGROUP_ID } from "./cgroups.ts";
export { jhash, jhash2 } from "./jhash.ts";
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
export {
  BPF_F_ZERO_SEED,
  BPF_F_PRESERVE_ELEMS,
  BPF_F_ACCESS_MASK,
  BPF_F_INDEX_MASK,
  BPF_F_CURRENT_CPU,
  BPF_RB_NO_WAKEUP,
  BPF_RB_FORCE_WAKEUP,
  BPF_RB_AVAIL_DATA,
  BPF_RB_RING_SIZE,
  BPF_RB_CONS_POS,
  BPF_RB_PROD_POS,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
  BPF_F_BROADCAST,
  BPF_F_EXCLUDE_INGRESS,
  BPF_F_STACK_BUILD_ID,
  BPF_F_SKIP_FIELD_MASK,
  BPF_F_USER_STACK,
  BPF_F_FAST_STACK_CMP,
  BPF_F_REUSE_STACKID,
  BPF_F_USER_BUILD_ID,
  BPF_STACK_BUILD_ID_IP,
  PERF_MAX_STACK_DEPTH,
} from "./flags.ts";
