// MapRegistry: the kernel's map table. It creates maps (BPF_MAP_CREATE),
// hands out ids, and resolves what programs and helpers hold — a map pointer
// (header address) back to its map, a ring-buffer sample to its ring — plus
// the per-CPU context (`ncpus`, `currentCpu`) per-CPU maps and perf output use.
// The runtime owns one registry per VmMemory.
import { UsageError } from "../../errors.ts";
import type { VmMemory } from "../../memory/index.ts";
import { OutOfMemoryError } from "../../memory/index.ts";
import { MapType, mapTypeName } from "../../uapi/index.ts";
import { IdAllocator, type ProgramResolver } from "../object.ts";
import { ArrayMap, PercpuArrayMap } from "./array.ts";
import { checkCommonAttrs, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { MapError } from "./errors.ts";
import { checkFdArrayAttrs } from "./fd-array.ts";
import { HashMap } from "./hash.ts";
import { LpmTrieMap } from "./lpm-trie.ts";
import { ArrayOfMapsMap, HashOfMapsMap } from "./map-in-map.ts";
import { BpfMap } from "./map.ts";
import { PerfEventArrayMap, PerfEventBuffer } from "./perf-event-array.ts";
import { ProgArrayMap } from "./prog-array.ts";
import { QueueStackMap } from "./queue-stack.ts";
import { RingBufMap } from "./ringbuf.ts";
import { PAGE_SIZE } from "./flags.ts";
import { CgroupArrayMap } from "./cgroup-array.ts";
import { CgroupTable } from "./cgroups.ts";
import { CpuMap } from "./cpumap.ts";
import { DevMap, DevMapHash } from "./devmap.ts";
import { NetDevices } from "./netdevs.ts";
import { SockHash, SockMap } from "./sockmap.ts";
import { SocketTable } from "./sockets.ts";
import { StackTraceMap } from "./stack-trace.ts";
import { XskMap } from "./xskmap.ts";

interface MapKind {
  check(a: MapAttrs): AttrProblem | undefined;
  make(reg: MapRegistry, a: MapAttrs): BpfMap;
}

/** Supported map types: creation checks and constructor per type. */
const MAP_KINDS = new Map<number, MapKind>([
  [MapType.ARRAY, { check: (a) => ArrayMap.check(a), make: (r, a) => new ArrayMap(r, a) }],
  [
    MapType.PERCPU_ARRAY,
    { check: (a) => PercpuArrayMap.check(a), make: (r, a) => new PercpuArrayMap(r, a) },
  ],
  [MapType.HASH, { check: (a) => HashMap.check(a), make: (r, a) => new HashMap(r, a) }],
  [MapType.PERCPU_HASH, { check: (a) => HashMap.check(a), make: (r, a) => new HashMap(r, a) }],
  [MapType.LRU_HASH, { check: (a) => HashMap.check(a), make: (r, a) => new HashMap(r, a) }],
  [MapType.LRU_PERCPU_HASH, { check: (a) => HashMap.check(a), make: (r, a) => new HashMap(r, a) }],
  [MapType.LPM_TRIE, { check: (a) => LpmTrieMap.check(a), make: (r, a) => new LpmTrieMap(r, a) }],
  [MapType.PROG_ARRAY, { check: checkFdArrayAttrs, make: (r, a) => new ProgArrayMap(r, a) }],
  [
    MapType.PERF_EVENT_ARRAY,
    { check: checkFdArrayAttrs, make: (r, a) => new PerfEventArrayMap(r, a) },
  ],
  [
    MapType.ARRAY_OF_MAPS,
    { check: (a) => ArrayOfMapsMap.check(a), make: (r, a) => new ArrayOfMapsMap(r, a) },
  ],
  [
    MapType.HASH_OF_MAPS,
    { check: (a) => HashOfMapsMap.check(a), make: (r, a) => new HashOfMapsMap(r, a) },
  ],
  [
    MapType.QUEUE,
    { check: (a) => QueueStackMap.check(a), make: (r, a) => new QueueStackMap(r, a) },
  ],
  [
    MapType.STACK,
    { check: (a) => QueueStackMap.check(a), make: (r, a) => new QueueStackMap(r, a) },
  ],
  [MapType.RINGBUF, { check: (a) => RingBufMap.check(a), make: (r, a) => new RingBufMap(r, a) }],
  [MapType.DEVMAP, { check: (a) => DevMap.check(a), make: (r, a) => new DevMap(r, a) }],
  [MapType.DEVMAP_HASH, { check: (a) => DevMap.check(a), make: (r, a) => new DevMapHash(r, a) }],
  [MapType.CPUMAP, { check: (a) => CpuMap.check(a), make: (r, a) => new CpuMap(r, a) }],
  [MapType.XSKMAP, { check: (a) => XskMap.check(a), make: (r, a) => new XskMap(r, a) }],
  [MapType.SOCKMAP, { check: (a) => SockMap.check(a), make: (r, a) => new SockMap(r, a) }],
  [MapType.SOCKHASH, { check: (a) => SockMap.check(a), make: (r, a) => new SockHash(r, a) }],
  [
    MapType.STACK_TRACE,
    { check: (a) => StackTraceMap.check(a), make: (r, a) => new StackTraceMap(r, a) },
  ],
  [MapType.CGROUP_ARRAY, { check: checkFdArrayAttrs, make: (r, a) => new CgroupArrayMap(r, a) }],
]);

/** Map types tsbpf implements. */
export const SUPPORTED_MAP_TYPES: readonly number[] = [...MAP_KINDS.keys()];

export interface MapRegistryOptions {
  mem: VmMemory;
  /** Number of CPUs per-CPU maps keep copies for (default 1). */
  ncpus?: number;
  /** Resolves program ids stored into prog_arrays from user space. */
  programs?: ProgramResolver;
}

export class MapRegistry {
  readonly mem: VmMemory;
  readonly ncpus: number;
  programs: ProgramResolver | undefined;
  /** Network devices devmaps name and XDP redirects go to. */
  readonly devices = new NetDevices();
  /** Sockets sockmaps, sockhashes and xskmaps hold. */
  readonly sockets: SocketTable;
  /** The cgroup hierarchy cgroup_arrays hold and the task lives in. */
  readonly cgroups = new CgroupTable();
  private cpu = 0;
  private readonly ids = new IdAllocator<BpfMap>();
  private readonly byAddr = new Map<number, BpfMap>();
  private readonly ringsByBase = new Map<number, RingBufMap>();
  private readonly perfEvents = new IdAllocator<PerfEventBuffer>();

  constructor(opts: MapRegistryOptions) {
    const ncpus = opts.ncpus ?? 1;
    if (!Number.isInteger(ncpus) || ncpus < 1 || ncpus > 4096)
      throw new UsageError(`ncpus must be an integer in 1..4096, got ${ncpus}`);
    this.mem = opts.mem;
    this.ncpus = ncpus;
    this.programs = opts.programs;
    this.sockets = new SocketTable(opts.mem);
  }

  /** The CPU a program "runs on": per-CPU lookups and perf output use it. */
  get currentCpu(): number {
    return this.cpu;
  }

  set currentCpu(cpu: number) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.ncpus)
      throw new UsageError(`cpu ${cpu} out of range 0..${this.ncpus - 1}`);
    this.cpu = cpu;
  }

  /** Why `attrs` can't make a map, or undefined when it can. */
  checkAttrs(attrs: MapAttrs): AttrProblem | undefined {
    const kind = MAP_KINDS.get(attrs.type);
    if (!kind)
      return { errno: "EINVAL", reason: `map type ${mapTypeName(attrs.type)} is not supported` };
    const inner = attrs.innerMap;
    if (inner && !(inner instanceof BpfMap)) {
      const p = this.checkAttrs(inner);
      if (p) return { errno: p.errno, reason: `inner map: ${p.reason}` };
    }
    return checkCommonAttrs(attrs) ?? kind.check(attrs);
  }

  /**
   * BPF_MAP_CREATE. The caller owns the one reference of the returned map
   * (release() it, or hand it to a MapHandle). Throws MapError.
   */
  create(attrs: MapAttrs): BpfMap {
    const p = this.checkAttrs(attrs);
    const what = `create ${mapTypeName(attrs.type)} map${attrs.name ? ` "${attrs.name}"` : ""}`;
    if (p) throw new MapError(p.errno, `${what}: ${p.reason}`);
    const map = MAP_KINDS.get(attrs.type)!.make(this, attrs);
    map.id = this.ids.alloc(map);
    try {
      map.init();
    } catch (err) {
      map.freeAllMemory();
      this.ids.remove(map.id);
      if (err instanceof OutOfMemoryError) throw new MapError("ENOMEM", `${what}: ${err.message}`);
      throw err;
    }
    this.byAddr.set(map.addr, map);
    return map;
  }

  /** The map whose BPF pointer value is `addr` (what helpers receive in r1). */
  fromAddr(addr: number): BpfMap | undefined {
    return this.byAddr.get(addr);
  }

  /** The map with this id (BPF_MAP_GET_FD_BY_ID's lookup). */
  fromId(id: number): BpfMap | undefined {
    return this.ids.get(id);
  }

  /** Live maps. */
  get size(): number {
    return this.ids.size;
  }

  maps(): IterableIterator<BpfMap> {
    return this.ids.values();
  }

  /** Called by a map when its last reference goes. */
  unregister(map: BpfMap): void {
    this.byAddr.delete(map.addr);
    this.ids.remove(map.id);
  }

  registerRingbuf(rb: RingBufMap): void {
    this.ringsByBase.set(rb.ringBase, rb);
  }

  unregisterRingbuf(rb: RingBufMap): void {
    this.ringsByBase.delete(rb.ringBase);
  }

  /**
   * The ring buffer a reserved sample belongs to (bpf_ringbuf_submit/discard
   * get only the sample pointer): found from the header's page offset, as the
   * kernel's bpf_ringbuf_restore_from_rec does.
   */
  ringbufOfSample(sample: number): RingBufMap | undefined {
    const hdr = sample - 8;
    if (hdr < 0 || hdr + 8 > this.mem.byteLength) return undefined;
    const pgOff = this.mem.dv.getUint32(hdr + 4, true);
    const base = hdr - (hdr % PAGE_SIZE) - pgOff * PAGE_SIZE;
    const rb = this.ringsByBase.get(base);
    return rb && rb.ownsSample(sample) ? rb : undefined;
  }

  registerPerfEvent(ev: PerfEventBuffer): number {
    return this.perfEvents.alloc(ev);
  }

  unregisterPerfEvent(ev: PerfEventBuffer): void {
    this.perfEvents.remove(ev.id);
  }

  /** A live perf event by id (what user space stores into a perf_event_array). */
  perfEvent(id: number): PerfEventBuffer | undefined {
    return this.perfEvents.get(id);
  }
}
