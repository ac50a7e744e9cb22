// Which helpers each program type may call: the kernel's per-type
// get_func_proto() chains (bpf_base_func_proto, bpf_tracing_func_proto,
// tc_cls_act_func_proto, ...) expressed as named groups of helper names.
import { ProgType } from "../../uapi/prog-types.ts";

const MAP_OPS = [
  "map_lookup_elem",
  "map_update_elem",
  "map_delete_elem",
  "map_push_elem",
  "map_pop_elem",
  "map_peek_elem",
  "map_lookup_percpu_elem",
];

/** bpf_base_func_proto(): available to every program type. */
const BASE = [
  ...MAP_OPS,
  "get_prandom_u32",
  "get_smp_processor_id",
  "get_numa_node_id",
  "tail_call",
  "ktime_get_ns",
  "ktime_get_boot_ns",
  "ktime_get_tai_ns",
  "ktime_get_coarse_ns",
  "ringbuf_output",
  "ringbuf_reserve",
  "ringbuf_submit",
  "ringbuf_discard",
  "ringbuf_query",
  "for_each_map_elem",
  "loop",
  "strncmp",
  "strtol",
  "strtoul",
];
/** bpf_base_func_proto() behind CAP_BPF. */
const BASE_BPF_CAP = [
  "spin_lock",
  "spin_unlock",
  "jiffies64",
  "timer_init",
  "timer_set_callback",
  "timer_start",
  "timer_cancel",
];
/** bpf_base_func_proto() behind CAP_PERFMON. */
const BASE_PERFMON = [
  "trace_printk",
  "get_current_task",
  "probe_read_user",
  "probe_read_kernel",
  "probe_read_user_str",
  "probe_read_kernel_str",
];

/** bpf_tracing_func_proto(). */
const TRACING = [
  "get_current_pid_tgid",
  "get_current_uid_gid",
  "get_current_comm",
  "get_current_task",
  "perf_event_read",
  "current_task_under_cgroup",
  "probe_write_user",
  "probe_read",
  "probe_read_str",
  "get_current_cgroup_id",
  "get_current_ancestor_cgroup_id",
  "send_signal",
  "send_signal_thread",
  "perf_event_read_value",
  "get_ns_current_pid_tgid",
  "get_func_ip",
];

const SK_FILTER = [
  "skb_load_bytes",
  "skb_load_bytes_relative",
  "get_socket_cookie",
  "get_socket_uid",
  "perf_event_output",
];

const TC = [
  "skb_store_bytes",
  "skb_load_bytes",
  "skb_load_bytes_relative",
  "skb_pull_data",
  "csum_diff",
  "csum_update",
  "csum_level",
  "l3_csum_replace",
  "l4_csum_replace",
  "clone_redirect",
  "get_cgroup_classid",
  "skb_vlan_push",
  "skb_vlan_pop",
  "skb_change_proto",
  "skb_change_type",
  "skb_adjust_room",
  "skb_change_tail",
  "skb_change_head",
  "skb_get_tunnel_key",
  "skb_set_tunnel_key",
  "skb_get_tunnel_opt",
  "skb_set_tunnel_opt",
  "redirect",
  "redirect_map",
  "redirect_neigh",
  "redirect_peer",
  "get_route_realm",
  "get_hash_recalc",
  "set_hash_invalid",
  "set_hash",
  "perf_event_output",
  "skb_under_cgroup",
  "get_socket_cookie",
  "get_socket_uid",
  "fib_lookup",
  "check_mtu",
  "skb_get_xfrm_state",
  "skb_cgroup_classid",
  "skb_cgroup_id",
  "skb_ancestor_cgroup_id",
  "sk_lookup_tcp",
  "sk_lookup_udp",
  "sk_release",
  "sk_fullsock",
  "tcp_sock",
  "get_listener_sock",
  "skc_lookup_tcp",
  "tcp_check_syncookie",
  "skb_ecn_set_ce",
  "tcp_gen_syncookie",
  "sk_assign",
  "skb_set_tstamp",
  "get_netns_cookie",
  "sk_storage_get",
  "sk_storage_delete",
];

const XDP = [
  "perf_event_output",
  "csum_diff",
  "xdp_adjust_head",
  "xdp_adjust_meta",
  "xdp_adjust_tail",
  "redirect",
  "redirect_map",
  "xdp_get_buff_len",
  "xdp_load_bytes",
  "xdp_store_bytes",
  "fib_lookup",
  "check_mtu",
  "sk_lookup_udp",
  "sk_lookup_tcp",
  "sk_release",
  "skc_lookup_tcp",
  "tcp_check_syncookie",
  "tcp_gen_syncookie",
];

const SOCK_OPS = [
  "setsockopt",
  "getsockopt",
  "sock_ops_cb_flags_set",
  "sock_map_update",
  "sock_hash_update",
  "get_socket_cookie",
  "get_local_storage",
  "perf_event_output",
  "sk_storage_get",
  "sk_storage_delete",
  "get_netns_cookie",
  "store_hdr_opt",
  "tcp_sock",
];

const CGROUP_SKB = [
  ...SK_FILTER,
  "get_local_storage",
  "sk_fullsock",
  "sk_storage_get",
  "sk_storage_delete",
  "skb_cgroup_id",
  "skb_ancestor_cgroup_id",
  "sk_cgroup_id",
  "sk_ancestor_cgroup_id",
  "sk_lookup_tcp",
  "sk_lookup_udp",
  "sk_release",
  "skc_lookup_tcp",
  "tcp_sock",
  "get_listener_sock",
  "skb_ecn_set_ce",
];

const CGROUP_SOCK = [
  "get_current_uid_gid",
  "get_current_pid_tgid",
  "get_current_comm",
  "get_local_storage",
  "get_socket_cookie",
  "get_netns_cookie",
  "perf_event_output",
  "get_current_cgroup_id",
  "get_current_ancestor_cgroup_id",
  "sk_storage_get",
];

const SK_SKB = [
  "skb_store_bytes",
  "skb_load_bytes",
  "skb_pull_data",
  "skb_change_tail",
  "skb_change_head",
  "skb_adjust_room",
  "get_socket_cookie",
  "get_socket_uid",
  "sk_redirect_map",
  "sk_redirect_hash",
  "sk_lookup_tcp",
  "sk_lookup_udp",
  "sk_release",
  "skc_lookup_tcp",
  "perf_event_output",
];

const KPROBE = [
  "perf_event_output",
  "get_stackid",
  "get_stack",
  "override_return",
  "get_attach_cookie",
];
const TP = ["perf_event_output", "get_stackid", "get_stack", "get_attach_cookie"];
const PERF_EVENT = [
  "perf_event_output",
  "get_stackid",
  "get_stack",
  "perf_prog_read_value",
  "get_attach_cookie",
];

/** cgroup_current_func_proto() + cgroup_common_func_proto(). */
const CGROUP_CURRENT = [
  "get_current_uid_gid",
  "get_current_comm",
  "get_cgroup_classid",
  "current_task_under_cgroup",
  "get_local_storage",
  "get_retval",
  "set_retval",
];

/** sk_msg_func_proto(). */
const SK_MSG = [
  "msg_redirect_map",
  "msg_redirect_hash",
  "msg_apply_bytes",
  "msg_cork_bytes",
  "msg_pull_data",
  "msg_push_data",
  "msg_pop_data",
  "perf_event_output",
  "get_current_uid_gid",
  "sk_storage_get",
  "sk_storage_delete",
  "get_netns_cookie",
  "get_cgroup_classid",
];

const LWT_OUT = [
  ...SK_FILTER,
  "csum_diff",
  "get_cgroup_classid",
  "get_route_realm",
  "get_hash_recalc",
];

const P = ProgType;
const GROUPS: Partial<Record<number, readonly string[][]>> = {
  [P.SOCKET_FILTER]: [SK_FILTER],
  [P.SCHED_CLS]: [TC],
  [P.SCHED_ACT]: [TC],
  [P.XDP]: [XDP],
  [P.KPROBE]: [TRACING, KPROBE],
  [P.TRACEPOINT]: [TRACING, TP],
  [P.PERF_EVENT]: [TRACING, PERF_EVENT],
  [P.RAW_TRACEPOINT]: [TRACING, TP],
  [P.RAW_TRACEPOINT_WRITABLE]: [TRACING, TP],
  [P.TRACING]: [TRACING, ["get_stackid", "get_stack", "perf_event_output", "get_attach_cookie"]],
  [P.CGROUP_SKB]: [CGROUP_SKB],
  [P.CGROUP_SOCK]: [CGROUP_SOCK],
  [P.CGROUP_SOCK_ADDR]: [CGROUP_SOCK, ["bind", "setsockopt", "getsockopt"]],
  [P.SOCK_OPS]: [SOCK_OPS],
  [P.SK_SKB]: [SK_SKB],
  [P.LWT_IN]: [
    SK_FILTER,
    ["csum_diff", "get_cgroup_classid", "get_route_realm", "get_hash_recalc", "lwt_push_encap"],
  ],
  [P.LWT_OUT]: [LWT_OUT],
  [P.LWT_SEG6LOCAL]: [LWT_OUT, ["lwt_seg6_store_bytes", "lwt_seg6_action", "lwt_seg6_adjust_srh"]],
  [P.LWT_XMIT]: [SK_FILTER, TC.filter((n) => n !== "redirect_map")],
  [P.CGROUP_DEVICE]: [CGROUP_CURRENT, ["get_current_cgroup_id"]],
  [P.CGROUP_SYSCTL]: [
    CGROUP_CURRENT,
    [
      "sysctl_get_name",
      "sysctl_get_current_value",
      "sysctl_get_new_value",
      "sysctl_set_new_value",
      "perf_event_output",
    ],
  ],
  [P.CGROUP_SOCKOPT]: [
    CGROUP_CURRENT,
    [
      "get_netns_cookie",
      "sk_storage_get",
      "sk_storage_delete",
      "setsockopt",
      "getsockopt",
      "tcp_sock",
      "perf_event_output",
    ],
  ],
  [P.SK_MSG]: [SK_MSG],
  [P.FLOW_DISSECTOR]: [["skb_load_bytes"]],
  [P.SK_LOOKUP]: [["perf_event_output", "sk_assign", "sk_release"]],
  [P.SK_REUSEPORT]: [
    ["sk_select_reuseport", "get_socket_cookie", "skb_load_bytes", "skb_load_bytes_relative"],
  ],
  [P.LIRC_MODE2]: [["rc_repeat", "rc_keydown", "rc_pointer_rel"]],
  [P.LSM]: [TRACING, ["get_attach_cookie", "get_local_storage", "get_retval", "set_retval"]],
  [P.STRUCT_OPS]: [TRACING],
  [P.SYSCALL]: [TRACING, ["sys_bpf", "btf_find_by_name_kind", "sys_close"]],
};

export interface Caps {
  /** CAP_BPF: spin locks, jiffies, bounded loops, ... */
  bpfCapable: boolean;
  /** CAP_PERFMON: trace_printk and the probe_read family everywhere. */
  perfmonCapable: boolean;
}

const cache = new Map<string, ReadonlySet<string>>();

/** The helper names a program of `progType` may call (get_func_proto returns non-NULL). */
export function helpersForProgType(progType: number, caps: Caps): ReadonlySet<string> {
  const key = `${progType}:${caps.bpfCapable}:${caps.perfmonCapable}`;
  let set = cache.get(key);
  if (!set) {
    const s = new Set<string>(BASE);
    if (caps.bpfCapable) for (const n of BASE_BPF_CAP) s.add(n);
    if (caps.perfmonCapable) for (const n of BASE_PERFMON) s.add(n);
    for (const g of GROUPS[progType] ?? []) for (const n of g) s.add(n);
    set = s;
    cache.set(key, set);
  }
  return set;
}
