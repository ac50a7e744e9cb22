// The runtime's helper table: every implementation keyed by `enum bpf_func_id`
// (names come from the UAPI table, argument kinds from the verifier's protos),
// and the binding of that table to one kernel as the execution contract's
// HelperFns. Unverified programs get their pointer arguments checked against
// the proto before the implementation runs (args.ts).
import type { HelperFn } from "../../interp/index.ts";
import { helperName } from "../../uapi/index.ts";
import type { Kernel } from "../kernel.ts";
import { argChecks, checkArgs } from "./args.ts";
import { CGROUP_HELPERS } from "./cgroup.ts";
import { CSUM_HELPERS } from "./csum.ts";
import { MAP_HELPERS } from "./maps.ts";
import { MISC_HELPERS } from "./misc.ts";
import { PERF_HELPERS } from "./perf.ts";
import { PRINTK_HELPERS } from "./printk.ts";
import { PROBE_HELPERS } from "./probe.ts";
import { REDIRECT_HELPERS } from "./redirect.ts";
import { RINGBUF_HELPERS } from "./ringbuf.ts";
import { SKB_DATA_HELPERS } from "./skb-data.ts";
import { SKB_META_HELPERS } from "./skb-meta.ts";
import { SOCK_HELPERS } from "./sock.ts";
import { STACK_HELPERS } from "./stack.ts";
import { TASK_HELPERS } from "./task.ts";
import { TIME_HELPERS } from "./time.ts";
import type { HelperImpl, HelperTable } from "./types.ts";
import { XDP_HELPERS } from "./xdp.ts";
import { DYNPTR_HELPERS } from "../../kfuncs/dynptr/helpers.ts";

export type { HelperImpl, HelperTable } from "./types.ts";
export { bprintf, type MemReader } from "./format.ts";

const TABLES: readonly HelperTable[] = [
  MAP_HELPERS,
  RINGBUF_HELPERS,
  PERF_HELPERS,
  PRINTK_HELPERS,
  TIME_HELPERS,
  TASK_HELPERS,
  PROBE_HELPERS,
  CSUM_HELPERS,
  SKB_DATA_HELPERS,
  SKB_META_HELPERS,
  XDP_HELPERS,
  REDIRECT_HELPERS,
  SOCK_HELPERS,
  STACK_HELPERS,
  CGROUP_HELPERS,
  MISC_HELPERS,
  DYNPTR_HELPERS,
];

const IMPLS = new Map<number, HelperImpl>();
for (const t of TABLES)
  for (const [id, fn] of Object.entries(t)) {
    if (IMPLS.has(Number(id))) throw new Error(`helper ${id} is implemented twice`);
    IMPLS.set(Number(id), fn);
  }

/** `bpf_map_lookup_elem#1`: how messages name a helper (the verifier's call syntax). */
export const helperLabel = (id: number): string => `${helperName(id) ?? "unknown"}#${id}`;

/** Helper ids the runtime implements, ascending. */
export const IMPLEMENTED_HELPERS: readonly number[] = [...IMPLS.keys()].sort((a, b) => a - b);

export const isHelperImplemented = (id: number): boolean => IMPLS.has(id);

/** The helpers bound to one kernel: `(id) => HelperFn`, cached per id. */
export function bindHelpers(k: Kernel): (id: number) => HelperFn | undefined {
  const bound = new Map<number, HelperFn>();
  return (id) => {
    let fn = bound.get(id);
    if (fn) return fn;
    const impl = IMPLS.get(id);
    if (!impl) return undefined;
    const checks = argChecks(id);
    const label = helperLabel(id);
    fn = (r1, r2, r3, r4, r5, call) => {
      if (call.program.verified !== true && checks.length > 0)
        checkArgs(k, label, checks, [r1, r2, r3, r4, r5], call);
      const r = impl(k, r1, r2, r3, r4, r5, call);
      return typeof r === "bigint" ? r : BigInt(r);
    };
    bound.set(id, fn);
    return fn;
  };
}
