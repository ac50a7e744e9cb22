// Program types the runtime can run, as a table from BPF_PROG_TYPE_* to the
// code that builds their contexts for a test run, plus the context classes
// helpers act on.
import type { ProgTypeRunner } from "./types.ts";
import { FLAT_PROG_TYPES, FLAT_RUNNER } from "./flat.ts";
import { MEM_PROG_TYPES, MEM_RUNNER } from "./mem.ts";
import { SKB_PROG_TYPES, SKB_RUNNER } from "./skb.ts";
import { XDP_PROG_TYPES, XDP_RUNNER } from "./xdp.ts";

export type { ProgTypeRunner, TestRunOptions, TestRunResult } from "./types.ts";
export { SkbContext } from "./skb-context.ts";
export { XdpContext } from "./xdp-context.ts";
export { FlatContext, MemContext } from "./flat-context.ts";
export { ptRegs, u64Args, PT_REGS, type PtReg } from "./flat.ts";
export { PacketType } from "./packet.ts";

const RUNNERS = new Map<number, ProgTypeRunner>();
for (const [types, runner] of [
  [SKB_PROG_TYPES, SKB_RUNNER],
  [XDP_PROG_TYPES, XDP_RUNNER],
  [FLAT_PROG_TYPES, FLAT_RUNNER],
  [MEM_PROG_TYPES, MEM_RUNNER],
] as const)
  for (const t of types) RUNNERS.set(t, runner);

/** How programs of `type` are test-run, or undefined when the runtime can't run them. */
export function runnerFor(type: number): ProgTypeRunner | undefined {
  return RUNNERS.get(type);
}

/** Program types that can be test-run. */
export const RUNNABLE_PROG_TYPES: readonly number[] = [...RUNNERS.keys()].sort((a, b) => a - b);
