// The user-visible context struct of each program type, by name: a kfunc
// parameter pointing to it takes the program's ctx (KF_ARG_PTR_TO_CTX, the
// kernel's btf_is_prog_ctx_type for the types tsbpf runs).
import { ProgType } from "../../uapi/prog-types.ts";

const SKB = "__sk_buff";

const CTX_STRUCT: Partial<Record<number, string>> = {
  [ProgType.SOCKET_FILTER]: SKB,
  [ProgType.SCHED_CLS]: SKB,
  [ProgType.SCHED_ACT]: SKB,
  [ProgType.CGROUP_SKB]: SKB,
  [ProgType.LWT_IN]: SKB,
  [ProgType.LWT_OUT]: SKB,
  [ProgType.LWT_XMIT]: SKB,
  [ProgType.LWT_SEG6LOCAL]: SKB,
  [ProgType.SK_SKB]: SKB,
  [ProgType.XDP]: "xdp_md",
};

/** Name of the struct a program of this type gets as its ctx, if kfuncs can take it. */
export const ctxStructName = (progType: number): string | undefined => CTX_STRUCT[progType];
