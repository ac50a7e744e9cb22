// What helpers and program-type code see of the runtime: the "kernel" state a
// BPF program runs against. The Runtime implements it; helpers import only
// this interface, so they never depend on the loader or the public API.
import type { VmMemory } from "../memory/index.ts";
import type { MapRegistry } from "./maps/index.ts";
import type { RunContext } from "./contexts.ts";

/** The task a program sees as `current` (bpf_get_current_*). */
export interface FakeTask {
  pid: number;
  tgid: number;
  uid: number;
  gid: number;
  /** At most 15 bytes are visible (TASK_COMM_LEN 16 with the NUL). */
  comm: string;
  /** bpf_get_current_cgroup_id; also the task's cgroup for bpf_current_task_under_cgroup. */
  cgroupId: bigint;
  /**
   * The call stack bpf_get_stackid / bpf_get_stack report, innermost frame
   * first (a userspace runtime has no kernel stack to walk). Empty: the
   * helpers fail with -EFAULT, as the kernel does when it gets no trace.
   */
  kernelStack?: readonly bigint[];
  /** The user-space stack (BPF_F_USER_STACK), innermost first. */
  userStack?: readonly bigint[];
}

/** One bpf_trace_printk line, as trace_pipe would show it. */
export interface TracePrintkRecord {
  /** The formatted message (at most 1023 bytes, as the kernel's buffer). */
  message: string;
  pid: number;
  comm: string;
  cpu: number;
  timestampNs: bigint;
}

export type TraceSink = (rec: TracePrintkRecord) => void;

/**
 * Where bpf_redirect / bpf_redirect_map / bpf_sk_redirect_* asked the packet
 * to go. A map redirect carries what the kernel's xdp_redirect tracepoint
 * reports (map id, key = map_index, to_ifindex) plus the target the map type
 * resolves to, and `err` when xdp_do_redirect would fail with that errno.
 */
export type RedirectRecord =
  | { kind: "ifindex"; ifindex: number; flags: number }
  | {
      kind: "map";
      mapId: number;
      mapName: string;
      /** BPF_MAP_TYPE_* of the map. */
      mapType: number;
      key: number;
      flags: number;
      /** devmap/devmap_hash: the device the frame goes to (0 for a broadcast). */
      toIfindex?: number;
      /** BPF_F_BROADCAST: the devices that get a copy, in the kernel's walk order. */
      broadcast?: number[];
      /** cpumap: the CPU that takes the frame. */
      cpu?: number;
      /** xskmap: id of the AF_XDP socket that takes the frame. */
      xsk?: number;
      /** errno name xdp_do_redirect would return (device down, frame too big, wrong queue). */
      err?: string;
    }
  | {
      kind: "sock";
      mapId: number;
      mapName: string;
      mapType: number;
      /** sockmap index, or the sockhash key as hex. */
      key: number | string;
      /** BPF_F_INGRESS: the socket's receive path instead of its send path. */
      ingress: boolean;
      socketId: number;
      cookie: number;
    };

/** State of one program run (test-run or a direct run); tail calls stay in it. */
export interface RunState {
  /** BPF_PROG_TYPE_* of the running program (helpers whose proto differs per type look here). */
  progType: number;
  progName: string;
  ctx: RunContext | undefined;
  /** The last bpf_redirect*() of this run. */
  redirect?: RedirectRecord;
  /** bpf_clone_redirect() calls of this run, in order. */
  clones: { ifindex: number; flags: number }[];
  /** bpf_override_return() value, if called. */
  overrideReturn?: bigint;
  /** Socket options set by bpf_setsockopt in this run, by "level:optname". */
  sockopts: Map<string, Uint8Array>;
}

export interface Kernel {
  readonly mem: VmMemory;
  readonly maps: MapRegistry;
  readonly task: FakeTask;
  /** Contexts of the runs in progress, by ctx address (helpers taking ctx find theirs here). */
  contextAt(addr: number): RunContext | undefined;
  /** The innermost run in progress. */
  currentRun(): RunState | undefined;
  /** bpf_ktime_get_ns: monotonic nanoseconds. */
  ktimeNs(): bigint;
  /** bpf_get_prandom_u32: next pseudo-random u32. */
  randomU32(): number;
  /** Deliver a bpf_trace_printk line. */
  tracePrintk(rec: TracePrintkRecord): void;
  /** Ticks per second of bpf_jiffies64 (CONFIG_HZ). */
  readonly hz: number;
}
