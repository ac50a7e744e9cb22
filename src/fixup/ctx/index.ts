// Which program types have a runtime-side context structure, and so have
// their ctx accesses converted: the types the runtime can materialise that
// way (XDP and the skb family it test-runs).
import { ProgType } from "../../uapi/index.ts";
import { SK_BUFF, XDP_BUFF, type KernCtxLayout } from "./kern-layouts.ts";

export { SK_BUFF, XDP_BUFF, type KernCtxLayout, type KernField } from "./kern-layouts.ts";

const P = ProgType;
const KERN_CTX: Partial<Record<number, KernCtxLayout>> = {
  [P.XDP]: XDP_BUFF,
  [P.SOCKET_FILTER]: SK_BUFF,
  [P.SCHED_CLS]: SK_BUFF,
  [P.SCHED_ACT]: SK_BUFF,
  [P.CGROUP_SKB]: SK_BUFF,
  [P.LWT_IN]: SK_BUFF,
  [P.LWT_OUT]: SK_BUFF,
  [P.LWT_XMIT]: SK_BUFF,
};

/** The runtime-side context structure of a program type, or undefined (no conversion). */
export function kernCtxFor(progType: number): KernCtxLayout | undefined {
  return KERN_CTX[progType];
}
