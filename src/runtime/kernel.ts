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
  /** bpf_get_current_cgroup_id. */
  cgroupId: bigint;
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

/** Where bpf_redirect / bpf_redirect_map / bpf_clone_redirect asked the packet to go. */
export type RedirectRecord =
  | { kind: "ifindex"; ifindex: number; flags: number }
  | { kind: "map"; mapId: number; mapName: string; key: number; flags: number };

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
