// BPF_MAP_TYPE_STACK_TRACE (kernel/bpf/stackmap.c semantics): call stacks
// stored under the id bpf_get_stackid returns. The id is the kernel's: jhash2
// of the instruction pointers (after skipping) masked to the bucket count
// (max_entries rounded up to a power of two), so the same stack always gets
// the same id and two stacks may collide on one bucket:
//
// - same hash in the bucket: BPF_F_FAST_STACK_CMP answers the id at once,
//   otherwise the stored ips are compared;
// - a different stack in the bucket: -EEXIST, unless BPF_F_REUSE_STACKID
//   replaces it;
// - all max_entries elements in use: -ENOMEM.
//
// With BPF_F_STACK_BUILD_ID each frame is a `struct bpf_stack_build_id`; the
// runtime knows no build ids, so every frame is status BPF_STACK_BUILD_ID_IP
// with the ip (what the kernel stores when it can't find one).
//
// Programs can't look up, update or delete from the program side (the
// kernel's lookup returns NULL, update EINVAL); user space looks stacks up
// (missing: ENOENT), deletes them, and iterates the ids in use.
import { BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY } from "../../uapi/index.ts";
import { readIndex, writeIndex } from "./array.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import {
  BPF_F_FAST_STACK_CMP,
  BPF_F_REUSE_STACKID,
  BPF_F_STACK_BUILD_ID,
  BPF_STACK_BUILD_ID_IP,
  PERF_MAX_STACK_DEPTH,
  STACK_BUILD_ID_SIZE,
} from "./flags.ts";
import { jhash2 } from "./jhash.ts";
import { BpfMap } from "./map.ts";
import type { MapRegistry } from "./registry.ts";

const STACK_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID;

/** stack_map_alloc's checks. */
export function checkStackTraceAttrs(a: MapAttrs): AttrProblem | undefined {
  const flags = a.flags ?? 0;
  if (flags & ~STACK_CREATE_FLAG_MASK)
    return problem(
      "EINVAL",
      `unsupported flags 0x${(flags & ~STACK_CREATE_FLAG_MASK).toString(16)}`,
    );
  if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
  if (a.keySize !== 4) return problem("EINVAL", `stack map key_size must be 4, got ${a.keySize}`);
  if (a.valueSize < 8 || a.valueSize % 8)
    return problem("EINVAL", `value_size must be a non-zero multiple of 8, got ${a.valueSize}`);
  const frame = flags & BPF_F_STACK_BUILD_ID ? STACK_BUILD_ID_SIZE : 8;
  if (a.valueSize % frame)
    return problem("EINVAL", `build-id value_size must be a multiple of ${frame}`);
  if (a.valueSize / frame > PERF_MAX_STACK_DEPTH)
    return problem(
      "EINVAL",
      `value_size ${a.valueSize} holds more than perf_event_max_stack (${PERF_MAX_STACK_DEPTH}) frames`,
    );
  if (a.maxEntries > 2 ** 31) return problem("E2BIG", `max_entries ${a.maxEntries} exceeds 2^31`);
  return undefined;
}

interface Bucket {
  hash: number;
  /** Frames stored. */
  nr: number;
  /** The frames as the value holds them (8-byte ips or 32-byte build-id records). */
  data: Uint8Array;
}

/** Low and high u32 words of each ip, little-endian: what jhash2 reads. */
function ipWords(ips: readonly bigint[]): Uint32Array {
  const w = new Uint32Array(ips.length * 2);
  ips.forEach((ip, i) => {
    const u = BigInt.asUintN(64, ip);
    w[2 * i] = Number(u & 0xffff_ffffn);
    w[2 * i + 1] = Number(u >> 32n);
  });
  return w;
}

export class StackTraceMap extends BpfMap {
  /** Buckets: max_entries rounded up to a power of two. */
  readonly nBuckets: number;
  readonly buildId: boolean;
  /** Bytes per frame in a value. */
  readonly frameSize: number;
  private readonly buckets = new Map<number, Bucket>();

  static check(a: MapAttrs): AttrProblem | undefined {
    return checkStackTraceAttrs(a);
  }

  constructor(registry: MapRegistry, attrs: MapAttrs) {
    super(registry, attrs);
    let n = 1;
    while (n < attrs.maxEntries) n *= 2;
    this.nBuckets = n;
    this.buildId = ((attrs.flags ?? 0) & BPF_F_STACK_BUILD_ID) !== 0;
    this.frameSize = this.buildId ? STACK_BUILD_ID_SIZE : 8;
  }

  protected initStorage(): void {}

  /** Most frames a stack id can hold (value_size / frame size). */
  get maxDepth(): number {
    return this.valueSize / this.frameSize;
  }

  /** Stacks stored. */
  get count(): number {
    return this.buckets.size;
  }

  /** The frames as a value holds them. */
  private encode(ips: readonly bigint[]): Uint8Array {
    const out = new Uint8Array(ips.length * this.frameSize);
    const dv = new DataView(out.buffer);
    ips.forEach((ip, i) => {
      const u = BigInt.asUintN(64, ip);
      if (!this.buildId) return dv.setBigUint64(i * 8, u, true);
      const at = i * STACK_BUILD_ID_SIZE;
      dv.setInt32(at, BPF_STACK_BUILD_ID_IP, true);
      dv.setBigUint64(at + 24, u, true);
    });
    return out;
  }

  /**
   * __bpf_get_stackid on a stack already skipped and cut to maxDepth: the
   * id, or -errno (EEXIST on a collision without BPF_F_REUSE_STACKID,
   * ENOMEM when every element is in use).
   */
  stackId(ips: readonly bigint[], flags: number): number {
    const hash = jhash2(ipWords(ips));
    const id = (hash & (this.nBuckets - 1)) >>> 0;
    const bucket = this.buckets.get(id);
    const hashMatches = bucket !== undefined && bucket.hash === hash;
    if (hashMatches && flags & BPF_F_FAST_STACK_CMP) return id;
    const data = this.encode(ips);
    if (hashMatches && bucket.nr === ips.length && sameBytes(bucket.data, data)) return id;
    if (bucket && !(flags & BPF_F_REUSE_STACKID)) return -Errno.EEXIST;
    if (!bucket && this.buckets.size >= this.maxEntries) return -Errno.ENOMEM;
    this.buckets.set(id, { hash, nr: ips.length, data });
    return id;
  }

  /** Programs never get a stack through a lookup. */
  override lookupElem(_keyAddr: number): number {
    return 0;
  }

  override updateElem(): number {
    return -Errno.EINVAL;
  }

  override deleteElem(keyAddr: number): number {
    const id = readIndex(this.mem.u8, keyAddr);
    if (id >= this.nBuckets) return -Errno.E2BIG;
    return this.buckets.delete(id) ? 0 : -Errno.ENOENT;
  }

  /** bpf_stackmap_copy: the frames, zero-padded to value_size. */
  override sysLookup(keyAddr: number, outAddr: number, flags: number): number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    const err = this.checkLookupFlags(flags);
    if (err) return err;
    const id = readIndex(this.mem.u8, keyAddr);
    const b = id < this.nBuckets ? this.buckets.get(id) : undefined;
    if (!b) return -Errno.ENOENT;
    const u8 = this.mem.u8;
    u8.set(b.data, outAddr);
    u8.fill(0, outAddr + b.data.length, outAddr + this.valueSize);
    return 0;
  }

  /** Ids in use, ascending; a missing or last key moves on from the start / ends. */
  override getNextKey(keyAddr: number, nextAddr: number): number {
    let from = 0;
    if (keyAddr !== 0) {
      const id = readIndex(this.mem.u8, keyAddr);
      from = id < this.nBuckets && this.buckets.has(id) ? id + 1 : 0;
    }
    let best = -1;
    for (const id of this.buckets.keys()) if (id >= from && (best < 0 || id < best)) best = id;
    if (best < 0) return -Errno.ENOENT;
    writeIndex(this.mem.u8, nextAddr, best);
    return 0;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
