// What BPF_PROG_TEST_RUN takes and gives back, and the per-program-type hooks
// that build a context from the input and read the output back.
import type { VmMemory } from "../../memory/index.ts";
import type { RunContext } from "../contexts.ts";
import type { RedirectRecord } from "../kernel.ts";

export interface TestRunOptions {
  /** Packet bytes (skb/XDP programs: an Ethernet frame) or, for "mem" programs, the memory. */
  data?: Uint8Array;
  /** Context bytes (__sk_buff, xdp_md, pt_regs, u64 args, ...); fields the kernel refuses must be 0. */
  ctx?: Uint8Array;
  /** Run this many times on the same context (default 1); durationNs is the mean. */
  repeat?: number;
  /** Capacity for the output data: a longer result is an ENOSPC TestRunError carrying the result. */
  dataSizeOut?: number;
  /** CPU to run on (BPF_F_TEST_RUN_ON_CPU); default the runtime's current CPU. */
  cpu?: number;
  /** Instruction budget per run for unverified programs. */
  budget?: number;
  /**
   * tsbpf extension for skb programs: the packet type the skb gets instead of
   * eth_type_trans's (e.g. PACKET_OUTGOING, 4, as a packet socket sees sent packets).
   */
  pktType?: number;
  /**
   * tsbpf extension for skb programs: start skb->data at the Ethernet header
   * (as a socket filter on a packet socket sees frames) rather than the
   * network header. Default: true for tc programs, false for the others, as
   * the kernel's test run.
   */
  l2?: boolean;
}

export interface TestRunResult {
  /** The program's return value as BPF_PROG_TEST_RUN reports it (u32). */
  retval: number;
  /** The whole r0. */
  r0: bigint;
  /** Output packet / memory (undefined for types without data). */
  data?: Uint8Array;
  /** Output context, as the kernel copies it back for the type. */
  ctx?: Uint8Array;
  /** Mean wall time per run in nanoseconds. */
  durationNs: number;
  /** Where the last bpf_redirect*() asked the packet to go. */
  redirect?: RedirectRecord;
  /** bpf_clone_redirect() calls of the last run. */
  clones: { ifindex: number; flags: number }[];
  /** bpf_override_return() value of the last run. */
  overrideReturn?: bigint;
}

/** How one family of program types is test-run. */
export interface ProgTypeRunner {
  /** Short name for messages ("skb", "xdp", ...). */
  readonly name: string;
  /**
   * Build the context in runtime memory from the input (throws TestRunError
   * on bad input); `kern`: in the runtime-side layout of a program whose ctx
   * accesses were converted (src/fixup/ctx), where the type has one.
   */
  prepare(mem: VmMemory, type: number, input: TestRunOptions, kern?: boolean): RunContext;
  /** Output data and ctx after the runs. */
  finish(ctx: RunContext, input: TestRunOptions): { data?: Uint8Array; ctx?: Uint8Array };
}
