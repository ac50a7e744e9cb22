// The context type of each program type (include/linux/bpf_types.h,
// BPF_PROG_TYPE(id, name, prog_ctx_type, kern_ctx_type)): what the program
// sees (the UAPI struct its first argument points to), what the kernel runs
// it on, and, where tsbpf's rewrite passes convert context accesses, the
// runtime-side structure (src/fixup/ctx/kern-layouts.ts). BTF checks of
// function arguments (global-func.ts) compare declared types with `ctx`.
import { ProgType } from "../../uapi/prog-types.ts";

export interface ProgCtxType {
  /**
   * The user-visible context type as C spells it: "struct __sk_buff",
   * "bpf_user_pt_regs_t" (a typedef of struct pt_regs), "__u64", "void *".
   */
  ctx: string;
  /** The kernel's own structure behind it ("struct sk_buff", "struct xdp_buff"). */
  kern: string;
  /** tsbpf's runtime-side structure when context accesses are converted. */
  runtime?: string;
}

const P = ProgType;
const SKB: ProgCtxType = {
  ctx: "struct __sk_buff",
  kern: "struct sk_buff",
  runtime: "struct tsbpf_sk_buff",
};
const SKB_PLAIN: ProgCtxType = { ctx: "struct __sk_buff", kern: "struct sk_buff" };
const VOID: ProgCtxType = { ctx: "void *", kern: "void *" };
const RAW_TP: ProgCtxType = { ctx: "struct bpf_raw_tracepoint_args", kern: "u64" };

const TABLE: Partial<Record<number, ProgCtxType>> = {
  [P.SOCKET_FILTER]: SKB_PLAIN,
  [P.SCHED_CLS]: SKB,
  [P.SCHED_ACT]: SKB,
  [P.XDP]: { ctx: "struct xdp_md", kern: "struct xdp_buff", runtime: "struct tsbpf_xdp_buff" },
  [P.CGROUP_SKB]: SKB_PLAIN,
  [P.CGROUP_SOCK]: { ctx: "struct bpf_sock", kern: "struct sock" },
  [P.CGROUP_SOCK_ADDR]: { ctx: "struct bpf_sock_addr", kern: "struct bpf_sock_addr_kern" },
  [P.LWT_IN]: SKB_PLAIN,
  [P.LWT_OUT]: SKB_PLAIN,
  [P.LWT_XMIT]: SKB_PLAIN,
  [P.LWT_SEG6LOCAL]: SKB_PLAIN,
  [P.SOCK_OPS]: { ctx: "struct bpf_sock_ops", kern: "struct bpf_sock_ops_kern" },
  [P.SK_SKB]: SKB_PLAIN,
  [P.SK_MSG]: { ctx: "struct sk_msg_md", kern: "struct sk_msg" },
  [P.FLOW_DISSECTOR]: { ctx: "struct __sk_buff", kern: "struct bpf_flow_dissector" },
  [P.KPROBE]: { ctx: "bpf_user_pt_regs_t", kern: "struct pt_regs" },
  [P.TRACEPOINT]: { ctx: "__u64", kern: "u64" },
  [P.PERF_EVENT]: { ctx: "struct bpf_perf_event_data", kern: "struct bpf_perf_event_data_kern" },
  [P.RAW_TRACEPOINT]: RAW_TP,
  [P.RAW_TRACEPOINT_WRITABLE]: RAW_TP,
  [P.TRACING]: VOID,
  [P.CGROUP_DEVICE]: { ctx: "struct bpf_cgroup_dev_ctx", kern: "struct bpf_cgroup_dev_ctx" },
  [P.CGROUP_SYSCTL]: { ctx: "struct bpf_sysctl", kern: "struct bpf_sysctl_kern" },
  [P.CGROUP_SOCKOPT]: { ctx: "struct bpf_sockopt", kern: "struct bpf_sockopt_kern" },
  [P.LIRC_MODE2]: { ctx: "__u32", kern: "u32" },
  [P.SK_REUSEPORT]: { ctx: "struct sk_reuseport_md", kern: "struct sk_reuseport_kern" },
  [P.SK_LOOKUP]: { ctx: "struct bpf_sk_lookup", kern: "struct bpf_sk_lookup_kern" },
  [P.STRUCT_OPS]: VOID,
  [P.EXT]: VOID,
  [P.LSM]: VOID,
  [P.SYSCALL]: VOID,
  [P.NETFILTER]: { ctx: "struct bpf_nf_ctx", kern: "struct bpf_nf_ctx" },
};

export function progCtxType(progType: number): ProgCtxType | undefined {
  return TABLE[progType];
}

/** Typedefs of the UAPI context types and the struct each names (x86-64). */
const TYPEDEF_STRUCTS: Record<string, string> = { bpf_user_pt_regs_t: "pt_regs" };

/**
 * The struct a context pointer must point to, after typedefs ("pt_regs" for
 * kprobes), or undefined for types whose context is not a named struct
 * (`void *`, `__u64`, `__u32`): those match only with the arg:ctx tag.
 */
export function progCtxStructName(progType: number): string | undefined {
  const c = TABLE[progType]?.ctx;
  if (!c) return undefined;
  if (c.startsWith("struct ")) return c.slice(7);
  return TYPEDEF_STRUCTS[c];
}

/** The typedef name of a typedef'd context type (bpf_user_pt_regs_t), if any. */
export function progCtxTypedefName(progType: number): string | undefined {
  const c = TABLE[progType]?.ctx;
  return c && TYPEDEF_STRUCTS[c] ? c : undefined;
}
