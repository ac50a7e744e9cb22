// Which program type a code section holds, decided by its name as libbpf does.
//
// The table is libbpf's section_defs (tools/lib/bpf/libbpf.c, v1.x) as data:
// a pattern, the program type, the expected attach type and flags. Patterns
// follow libbpf's three forms:
//   "xdp"      the exact name only;
//   "kprobe+"  the exact name or the name followed by "/" and anything;
//   "tp_btf/"  the name must continue after the "/".
// Objects built for older loaders (Linux samples' bpf_load.c, libbpf 0.x,
// iproute2) name sections loosely ("socket1", "xdp_redirect", "cgroup/sock1");
// libbpf 0.x matched those by plain prefix, so a second, ordered table of
// legacy prefixes is tried when no strict pattern matches. Names that match
// neither (Cilium's numbered tail-call sections such as "2/1", tc programs
// named freely) get UNSPEC: the loader of such objects supplies the type.
import { AttachType, ProgType } from "../uapi/index.ts";

/** Attach types newer than src/uapi's enum (include/uapi/linux/bpf.h, Linux 6.7+). */
const CGROUP_UNIX_CONNECT = 49;
const CGROUP_UNIX_SENDMSG = 50;
const CGROUP_UNIX_RECVMSG = 51;
const CGROUP_UNIX_GETPEERNAME = 52;
const CGROUP_UNIX_GETSOCKNAME = 53;
const NETKIT_PRIMARY = 54;
const NETKIT_PEER = 55;

/** Program load flags (BPF_PROG_LOAD prog_flags). */
export const BPF_F_SLEEPABLE = 1 << 4;
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;

/** libbpf's sec_def cookie bits that matter to a loader. */
const NONE = 0;
/** The attach target is named by BTF (fentry/fexit/lsm/iter/tp_btf/freplace). */
const ATTACH_BTF = 1;
const SLEEPABLE = 2;
const XDP_FRAGS = 4;

type Def = readonly [pattern: string, progType: ProgType, attachType: number, flags: number];

const P = ProgType;
const A = AttachType;

/** libbpf's section_defs, in libbpf's order (first match wins). */
const SECTION_DEFS: readonly Def[] = [
  ["socket", P.SOCKET_FILTER, 0, NONE],
  ["sk_reuseport/migrate", P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, NONE],
  ["sk_reuseport", P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT, NONE],
  ["kprobe+", P.KPROBE, 0, NONE],
  ["uprobe+", P.KPROBE, 0, NONE],
  ["uprobe.s+", P.KPROBE, 0, SLEEPABLE],
  ["kretprobe+", P.KPROBE, 0, NONE],
  ["uretprobe+", P.KPROBE, 0, NONE],
  ["uretprobe.s+", P.KPROBE, 0, SLEEPABLE],
  ["kprobe.multi+", P.KPROBE, A.TRACE_KPROBE_MULTI, NONE],
  ["kretprobe.multi+", P.KPROBE, A.TRACE_KPROBE_MULTI, NONE],
  ["uprobe.multi+", P.KPROBE, A.TRACE_UPROBE_MULTI, NONE],
  ["uretprobe.multi+", P.KPROBE, A.TRACE_UPROBE_MULTI, NONE],
  ["uprobe.multi.s+", P.KPROBE, A.TRACE_UPROBE_MULTI, SLEEPABLE],
  ["uretprobe.multi.s+", P.KPROBE, A.TRACE_UPROBE_MULTI, SLEEPABLE],
  ["ksyscall+", P.KPROBE, 0, NONE],
  ["kretsyscall+", P.KPROBE, 0, NONE],
  ["usdt+", P.KPROBE, 0, NONE],
  ["usdt.s+", P.KPROBE, 0, SLEEPABLE],
  ["tc/ingress", P.SCHED_CLS, A.TCX_INGRESS, NONE],
  ["tc/egress", P.SCHED_CLS, A.TCX_EGRESS, NONE],
  ["tcx/ingress", P.SCHED_CLS, A.TCX_INGRESS, NONE],
  ["tcx/egress", P.SCHED_CLS, A.TCX_EGRESS, NONE],
  ["tc", P.SCHED_CLS, 0, NONE],
  ["classifier", P.SCHED_CLS, 0, NONE],
  ["action", P.SCHED_ACT, 0, NONE],
  ["netkit/primary", P.SCHED_CLS, NETKIT_PRIMARY, NONE],
  ["netkit/peer", P.SCHED_CLS, NETKIT_PEER, NONE],
  ["tracepoint+", P.TRACEPOINT, 0, NONE],
  ["tp+", P.TRACEPOINT, 0, NONE],
  ["raw_tracepoint+", P.RAW_TRACEPOINT, 0, NONE],
  ["raw_tp+", P.RAW_TRACEPOINT, 0, NONE],
  ["raw_tracepoint.w+", P.RAW_TRACEPOINT_WRITABLE, 0, NONE],
  ["raw_tp.w+", P.RAW_TRACEPOINT_WRITABLE, 0, NONE],
  ["tp_btf+", P.TRACING, A.TRACE_RAW_TP, ATTACH_BTF],
  ["fentry+", P.TRACING, A.TRACE_FENTRY, ATTACH_BTF],
  ["fmod_ret+", P.TRACING, A.MODIFY_RETURN, ATTACH_BTF],
  ["fexit+", P.TRACING, A.TRACE_FEXIT, ATTACH_BTF],
  ["fentry.s+", P.TRACING, A.TRACE_FENTRY, ATTACH_BTF | SLEEPABLE],
  ["fmod_ret.s+", P.TRACING, A.MODIFY_RETURN, ATTACH_BTF | SLEEPABLE],
  ["fexit.s+", P.TRACING, A.TRACE_FEXIT, ATTACH_BTF | SLEEPABLE],
  ["freplace+", P.EXT, 0, ATTACH_BTF],
  ["lsm+", P.LSM, A.LSM_MAC, ATTACH_BTF],
  ["lsm.s+", P.LSM, A.LSM_MAC, ATTACH_BTF | SLEEPABLE],
  ["lsm_cgroup+", P.LSM, A.LSM_CGROUP, ATTACH_BTF],
  ["iter+", P.TRACING, A.TRACE_ITER, ATTACH_BTF],
  ["iter.s+", P.TRACING, A.TRACE_ITER, ATTACH_BTF | SLEEPABLE],
  ["syscall", P.SYSCALL, 0, SLEEPABLE],
  ["xdp.frags/devmap", P.XDP, A.XDP_DEVMAP, XDP_FRAGS],
  ["xdp/devmap", P.XDP, A.XDP_DEVMAP, NONE],
  ["xdp.frags/cpumap", P.XDP, A.XDP_CPUMAP, XDP_FRAGS],
  ["xdp/cpumap", P.XDP, A.XDP_CPUMAP, NONE],
  ["xdp.frags", P.XDP, A.XDP, XDP_FRAGS],
  ["xdp", P.XDP, A.XDP, NONE],
  ["perf_event", P.PERF_EVENT, 0, NONE],
  ["lwt_in", P.LWT_IN, 0, NONE],
  ["lwt_out", P.LWT_OUT, 0, NONE],
  ["lwt_xmit", P.LWT_XMIT, 0, NONE],
  ["lwt_seg6local", P.LWT_SEG6LOCAL, 0, NONE],
  ["sockops", P.SOCK_OPS, A.CGROUP_SOCK_OPS, NONE],
  ["sk_skb/stream_parser", P.SK_SKB, A.SK_SKB_STREAM_PARSER, NONE],
  ["sk_skb/stream_verdict", P.SK_SKB, A.SK_SKB_STREAM_VERDICT, NONE],
  ["sk_skb", P.SK_SKB, 0, NONE],
  ["sk_msg", P.SK_MSG, A.SK_MSG_VERDICT, NONE],
  ["lirc_mode2", P.LIRC_MODE2, A.LIRC_MODE2, NONE],
  ["flow_dissector", P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, NONE],
  ["cgroup_skb/ingress", P.CGROUP_SKB, A.CGROUP_INET_INGRESS, NONE],
  ["cgroup_skb/egress", P.CGROUP_SKB, A.CGROUP_INET_EGRESS, NONE],
  ["cgroup/skb", P.CGROUP_SKB, 0, NONE],
  ["cgroup/sock_create", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, NONE],
  ["cgroup/sock_release", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, NONE],
  ["cgroup/sock", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, NONE],
  ["cgroup/post_bind4", P.CGROUP_SOCK, A.CGROUP_INET4_POST_BIND, NONE],
  ["cgroup/post_bind6", P.CGROUP_SOCK, A.CGROUP_INET6_POST_BIND, NONE],
  ["cgroup/bind4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_BIND, NONE],
  ["cgroup/bind6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_BIND, NONE],
  ["cgroup/connect4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT, NONE],
  ["cgroup/connect6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_CONNECT, NONE],
  ["cgroup/connect_unix", P.CGROUP_SOCK_ADDR, CGROUP_UNIX_CONNECT, NONE],
  ["cgroup/sendmsg4", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_SENDMSG, NONE],
  ["cgroup/sendmsg6", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_SENDMSG, NONE],
  ["cgroup/sendmsg_unix", P.CGROUP_SOCK_ADDR, CGROUP_UNIX_SENDMSG, NONE],
  ["cgroup/recvmsg4", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_RECVMSG, NONE],
  ["cgroup/recvmsg6", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_RECVMSG, NONE],
  ["cgroup/recvmsg_unix", P.CGROUP_SOCK_ADDR, CGROUP_UNIX_RECVMSG, NONE],
  ["cgroup/getpeername4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETPEERNAME, NONE],
  ["cgroup/getpeername6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETPEERNAME, NONE],
  ["cgroup/getpeername_unix", P.CGROUP_SOCK_ADDR, CGROUP_UNIX_GETPEERNAME, NONE],
  ["cgroup/getsockname4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETSOCKNAME, NONE],
  ["cgroup/getsockname6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETSOCKNAME, NONE],
  ["cgroup/getsockname_unix", P.CGROUP_SOCK_ADDR, CGROUP_UNIX_GETSOCKNAME, NONE],
  ["cgroup/sysctl", P.CGROUP_SYSCTL, A.CGROUP_SYSCTL, NONE],
  ["cgroup/getsockopt", P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, NONE],
  ["cgroup/setsockopt", P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, NONE],
  ["cgroup/dev", P.CGROUP_DEVICE, A.CGROUP_DEVICE, NONE],
  ["struct_ops+", P.STRUCT_OPS, 0, NONE],
  ["struct_ops.s+", P.STRUCT_OPS, 0, SLEEPABLE],
  ["sk_lookup", P.SK_LOOKUP, A.SK_LOOKUP, NONE],
  ["netfilter", P.NETFILTER, A.NETFILTER, NONE],
];

/**
 * libbpf 0.x's prefixes, matched by plain prefix in this order, for objects
 * built for the old loaders; only reached when no strict pattern matched.
 * Each names the current pattern that gives its type, so the types live in
 * one table.
 */
const LEGACY_PREFIXES: readonly (readonly [prefix: string, pattern: string])[] = [
  ["socket", "socket"],
  ["sk_reuseport", "sk_reuseport"],
  ["kprobe/", "kprobe+"],
  ["uprobe/", "uprobe+"],
  ["kretprobe/", "kretprobe+"],
  ["uretprobe/", "uretprobe+"],
  ["classifier", "classifier"],
  ["action", "action"],
  ["tracepoint/", "tracepoint+"],
  ["tp/", "tp+"],
  ["raw_tracepoint/", "raw_tracepoint+"],
  ["raw_tp/", "raw_tp+"],
  ["xdp_devmap/", "xdp/devmap"],
  ["xdp_cpumap/", "xdp/cpumap"],
  ...[
    "xdp",
    "perf_event",
    "lwt_in",
    "lwt_out",
    "lwt_xmit",
    "lwt_seg6local",
    "cgroup_skb/ingress",
    "cgroup_skb/egress",
    "cgroup/skb",
    "cgroup/sock_create",
    "cgroup/sock_release",
    "cgroup/sock",
    "cgroup/post_bind4",
    "cgroup/post_bind6",
    "cgroup/dev",
    "sockops",
    "sk_skb/stream_parser",
    "sk_skb/stream_verdict",
    "sk_skb",
    "sk_msg",
    "lirc_mode2",
    "flow_dissector",
    "cgroup/bind4",
    "cgroup/bind6",
    "cgroup/connect4",
    "cgroup/connect6",
    "cgroup/sendmsg4",
    "cgroup/sendmsg6",
    "cgroup/recvmsg4",
    "cgroup/recvmsg6",
    "cgroup/sysctl",
    "cgroup/getsockopt",
    "cgroup/setsockopt",
  ].map((n) => [n, n] as const),
  ["struct_ops", "struct_ops+"],
  ["sk_lookup/", "sk_lookup"],
];

const defByPattern = new Map(SECTION_DEFS.map((d) => [d[0], d]));

/** How a section name was recognised. */
export type SectionMatch = "libbpf" | "legacy-prefix" | "unknown";

export interface SectionInfo {
  progType: ProgType;
  /** expected_attach_type as libbpf sends it (0 when the section implies none). */
  expectedAttachType: number;
  /** Program load flags implied by the section (BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS). */
  progFlags: number;
  /** The attach target named after the "/" ("tcp_connect" in "fentry/tcp_connect"), or "". */
  attachTo: string;
  /** The target is a BTF-described function (fentry/fexit/fmod_ret/lsm/iter/tp_btf/freplace). */
  attachBtf: boolean;
  match: SectionMatch;
  /** The pattern that matched, e.g. "kprobe+" or "socket" ("" when unknown). */
  pattern: string;
}

function strictMatch(pattern: string, name: string): string | undefined {
  const last = pattern[pattern.length - 1];
  if (last === "/") return name.startsWith(pattern) ? name.slice(pattern.length) : undefined;
  if (last === "+") {
    const base = pattern.slice(0, -1);
    if (name === base) return "";
    return name.startsWith(base + "/") ? name.slice(base.length + 1) : undefined;
  }
  return name === pattern ? "" : undefined;
}

function info(def: Def, attachTo: string, match: SectionMatch): SectionInfo {
  const [pattern, progType, expectedAttachType, flags] = def;
  return {
    progType,
    expectedAttachType,
    progFlags:
      (flags & SLEEPABLE ? BPF_F_SLEEPABLE : 0) | (flags & XDP_FRAGS ? BPF_F_XDP_HAS_FRAGS : 0),
    attachTo,
    attachBtf: (flags & ATTACH_BTF) !== 0,
    match,
    pattern,
  };
}

/** Program type, expected attach type and attach target for a code section named `name`. */
export function sectionInfo(name: string): SectionInfo {
  for (const def of SECTION_DEFS) {
    const rest = strictMatch(def[0], name);
    if (rest !== undefined) return info(def, rest, "libbpf");
  }
  for (const [pfx, pattern] of LEGACY_PREFIXES) {
    if (!name.startsWith(pfx)) continue;
    const def = defByPattern.get(pattern)!;
    return info(
      [pfx, def[1], def[2], def[3]],
      pfx.endsWith("/") ? name.slice(pfx.length) : "",
      "legacy-prefix",
    );
  }
  return {
    progType: ProgType.UNSPEC,
    expectedAttachType: 0,
    progFlags: 0,
    attachTo: "",
    attachBtf: false,
    match: "unknown",
    pattern: "",
  };
}
