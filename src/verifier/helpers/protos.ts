// Helper prototypes (`struct bpf_func_proto`) as data, transcribed from the
// kernel (kernel/bpf/helpers.c, net/core/filter.c, kernel/trace/bpf_trace.c,
// kernel/bpf/ringbuf.c, ...). Where the kernel has several protos for one
// helper id (per program type), the entry is the common shape.
import { ProgType } from "../../uapi/prog-types.ts";
import type { HelperProto } from "./proto-types.ts";

const CTX = "ARG_PTR_TO_CTX";
const MAP = "ARG_CONST_MAP_PTR";
const KEY = "ARG_PTR_TO_MAP_KEY";
const VALUE = "ARG_PTR_TO_MAP_VALUE";
const ANY = "ARG_ANYTHING";
const SIZE = "ARG_CONST_SIZE";
const SIZE0 = "ARG_CONST_SIZE_OR_ZERO";
const RO_MEM = "ARG_PTR_TO_MEM|MEM_RDONLY";
const UNINIT = "ARG_PTR_TO_UNINIT_MEM";
const INT = "RET_INTEGER";
const SKC = "ARG_PTR_TO_BTF_ID_SOCK_COMMON";
const STRTO_RES = "ARG_PTR_TO_FIXED_SIZE_MEM|MEM_UNINIT|MEM_WRITE|MEM_ALIGNED";

type Extra = Omit<HelperProto, "id" | "name" | "ret" | "args">;
const h = (
  id: number,
  name: string,
  ret: string,
  args: string[],
  extra: Extra = {},
): HelperProto => ({
  id,
  name,
  ret,
  args,
  ...extra,
});
const pkt: Extra = { changesPktData: true };
const gpl: Extra = { gplOnly: true };

export const HELPER_PROTOS: readonly HelperProto[] = [
  h(1, "map_lookup_elem", "RET_PTR_TO_MAP_VALUE_OR_NULL", [MAP, KEY], { pktAccess: true }),
  h(2, "map_update_elem", INT, [MAP, KEY, VALUE, ANY], { pktAccess: true }),
  h(3, "map_delete_elem", INT, [MAP, KEY], { pktAccess: true }),
  h(4, "probe_read", INT, [UNINIT, SIZE0, ANY], gpl),
  h(5, "ktime_get_ns", INT, []),
  h(6, "trace_printk", INT, [RO_MEM, SIZE], gpl),
  h(7, "get_prandom_u32", INT, []),
  h(8, "get_smp_processor_id", INT, []),
  h(9, "skb_store_bytes", INT, [CTX, ANY, RO_MEM, SIZE, ANY], pkt),
  h(10, "l3_csum_replace", INT, [CTX, ANY, ANY, ANY, ANY], pkt),
  h(11, "l4_csum_replace", INT, [CTX, ANY, ANY, ANY, ANY], pkt),
  h(12, "tail_call", "RET_VOID", [CTX, MAP, ANY]),
  h(13, "clone_redirect", INT, [CTX, ANY, ANY], pkt),
  h(14, "get_current_pid_tgid", INT, []),
  h(15, "get_current_uid_gid", INT, []),
  h(16, "get_current_comm", INT, [UNINIT, SIZE]),
  h(17, "get_cgroup_classid", INT, [CTX]),
  h(18, "skb_vlan_push", INT, [CTX, ANY, ANY], pkt),
  h(19, "skb_vlan_pop", INT, [CTX], pkt),
  h(20, "skb_get_tunnel_key", INT, [CTX, UNINIT, SIZE, ANY]),
  h(21, "skb_set_tunnel_key", INT, [CTX, RO_MEM, SIZE, ANY]),
  h(22, "perf_event_read", INT, [MAP, ANY]),
  h(23, "redirect", INT, [ANY, ANY]),
  h(24, "get_route_realm", INT, [CTX]),
  h(25, "perf_event_output", INT, [CTX, MAP, ANY, RO_MEM, SIZE0], gpl),
  h(26, "skb_load_bytes", INT, [CTX, ANY, UNINIT, SIZE]),
  h(27, "get_stackid", INT, [CTX, MAP, ANY], gpl),
  h(
    28,
    "csum_diff",
    INT,
    ["ARG_PTR_TO_MEM_OR_NULL|MEM_RDONLY", SIZE0, "ARG_PTR_TO_MEM_OR_NULL|MEM_RDONLY", SIZE0, ANY],
    { pktAccess: true },
  ),
  h(29, "skb_get_tunnel_opt", INT, [CTX, UNINIT, SIZE]),
  h(30, "skb_set_tunnel_opt", INT, [CTX, RO_MEM, SIZE]),
  h(31, "skb_change_proto", INT, [CTX, ANY, ANY], pkt),
  h(32, "skb_change_type", INT, [CTX, ANY]),
  h(33, "skb_under_cgroup", INT, [CTX, MAP, ANY]),
  h(34, "get_hash_recalc", INT, [CTX]),
  h(35, "get_current_task", INT, [], gpl),
  h(36, "probe_write_user", INT, [ANY, RO_MEM, SIZE], gpl),
  h(37, "current_task_under_cgroup", INT, [MAP, ANY]),
  h(38, "skb_change_tail", INT, [CTX, ANY, ANY], pkt),
  h(39, "skb_pull_data", INT, [CTX, ANY], pkt),
  h(40, "csum_update", INT, [CTX, ANY]),
  h(41, "set_hash_invalid", INT, [CTX]),
  h(42, "get_numa_node_id", INT, []),
  h(43, "skb_change_head", INT, [CTX, ANY, ANY], pkt),
  h(44, "xdp_adjust_head", INT, [CTX, ANY], pkt),
  h(45, "probe_read_str", INT, [UNINIT, SIZE0, ANY], gpl),
  h(46, "get_socket_cookie", INT, [CTX]),
  h(47, "get_socket_uid", INT, [CTX]),
  h(48, "set_hash", INT, [CTX, ANY]),
  h(49, "setsockopt", INT, [CTX, ANY, ANY, RO_MEM, SIZE]),
  h(50, "skb_adjust_room", INT, [CTX, ANY, ANY, ANY], pkt),
  h(51, "redirect_map", INT, [MAP, ANY, ANY]),
  h(52, "sk_redirect_map", INT, [CTX, MAP, ANY, ANY]),
  h(53, "sock_map_update", INT, [CTX, MAP, KEY, ANY]),
  h(54, "xdp_adjust_meta", INT, [CTX, ANY], pkt),
  h(55, "perf_event_read_value", INT, [MAP, ANY, UNINIT, SIZE], gpl),
  h(56, "perf_prog_read_value", INT, [CTX, UNINIT, SIZE]),
  h(57, "getsockopt", INT, [CTX, ANY, ANY, UNINIT, SIZE]),
  h(58, "override_return", INT, [CTX, ANY], gpl),
  h(59, "sock_ops_cb_flags_set", INT, [CTX, ANY]),
  h(60, "msg_redirect_map", INT, [CTX, MAP, ANY, ANY]),
  h(61, "msg_apply_bytes", INT, [CTX, ANY]),
  h(62, "msg_cork_bytes", INT, [CTX, ANY]),
  h(63, "msg_pull_data", INT, [CTX, ANY, ANY, ANY], pkt),
  h(64, "bind", INT, [CTX, RO_MEM, SIZE]),
  h(65, "xdp_adjust_tail", INT, [CTX, ANY], pkt),
  h(66, "skb_get_xfrm_state", INT, [CTX, ANY, UNINIT, SIZE, ANY]),
  h(67, "get_stack", INT, [CTX, UNINIT, SIZE0, ANY], gpl),
  h(68, "skb_load_bytes_relative", INT, [CTX, ANY, UNINIT, SIZE, ANY]),
  h(69, "fib_lookup", INT, [CTX, "ARG_PTR_TO_MEM", SIZE, ANY]),
  h(70, "sock_hash_update", INT, [CTX, MAP, KEY, ANY]),
  h(71, "msg_redirect_hash", INT, [CTX, MAP, KEY, ANY]),
  h(72, "sk_redirect_hash", INT, [CTX, MAP, KEY, ANY]),
  h(73, "lwt_push_encap", INT, [CTX, ANY, RO_MEM, SIZE], pkt),
  h(74, "lwt_seg6_store_bytes", INT, [CTX, ANY, RO_MEM, SIZE], pkt),
  h(75, "lwt_seg6_adjust_srh", INT, [CTX, ANY, ANY], pkt),
  h(76, "lwt_seg6_action", INT, [CTX, ANY, RO_MEM, SIZE], pkt),
  h(77, "rc_repeat", INT, [CTX], gpl),
  h(78, "rc_keydown", INT, [CTX, ANY, ANY, ANY], gpl),
  h(79, "skb_cgroup_id", INT, [CTX]),
  h(80, "get_current_cgroup_id", INT, []),
  h(81, "get_local_storage", "RET_PTR_TO_MAP_VALUE", [MAP, ANY]),
  h(82, "sk_select_reuseport", INT, [CTX, MAP, ANY, ANY]),
  h(83, "skb_ancestor_cgroup_id", INT, [CTX, ANY]),
  h(84, "sk_lookup_tcp", "RET_PTR_TO_SOCKET_OR_NULL", [CTX, RO_MEM, SIZE, ANY, ANY], {
    pktAccess: true,
  }),
  h(85, "sk_lookup_udp", "RET_PTR_TO_SOCKET_OR_NULL", [CTX, RO_MEM, SIZE, ANY, ANY], {
    pktAccess: true,
  }),
  h(86, "sk_release", INT, [`${SKC}|OBJ_RELEASE`]),
  h(87, "map_push_elem", INT, [MAP, VALUE, ANY], { pktAccess: true }),
  h(88, "map_pop_elem", INT, [MAP, "ARG_PTR_TO_UNINIT_MAP_VALUE"]),
  h(89, "map_peek_elem", INT, [MAP, "ARG_PTR_TO_UNINIT_MAP_VALUE"]),
  h(90, "msg_push_data", INT, [CTX, ANY, ANY, ANY], pkt),
  h(91, "msg_pop_data", INT, [CTX, ANY, ANY, ANY], pkt),
  h(92, "rc_pointer_rel", INT, [CTX, ANY, ANY], gpl),
  h(93, "spin_lock", "RET_VOID", ["ARG_PTR_TO_SPIN_LOCK"]),
  h(94, "spin_unlock", "RET_VOID", ["ARG_PTR_TO_SPIN_LOCK"]),
  h(95, "sk_fullsock", "RET_PTR_TO_SOCKET_OR_NULL", ["ARG_PTR_TO_SOCK_COMMON"]),
  h(96, "tcp_sock", "RET_PTR_TO_TCP_SOCK_OR_NULL", ["ARG_PTR_TO_SOCK_COMMON"]),
  h(97, "skb_ecn_set_ce", INT, [CTX]),
  h(98, "get_listener_sock", "RET_PTR_TO_SOCKET_OR_NULL", ["ARG_PTR_TO_SOCK_COMMON"]),
  h(99, "skc_lookup_tcp", "RET_PTR_TO_SOCK_COMMON_OR_NULL", [CTX, RO_MEM, SIZE, ANY, ANY], {
    pktAccess: true,
  }),
  h(100, "tcp_check_syncookie", INT, [SKC, RO_MEM, SIZE, RO_MEM, SIZE], { pktAccess: true }),
  h(101, "sysctl_get_name", INT, [CTX, "ARG_PTR_TO_MEM|MEM_WRITE", SIZE, ANY]),
  h(102, "sysctl_get_current_value", INT, [CTX, UNINIT, SIZE]),
  h(103, "sysctl_get_new_value", INT, [CTX, UNINIT, SIZE]),
  h(104, "sysctl_set_new_value", INT, [CTX, RO_MEM, SIZE]),
  h(105, "strtol", INT, [RO_MEM, SIZE, ANY, STRTO_RES], {
    argSize: [undefined, undefined, undefined, 8],
  }),
  h(106, "strtoul", INT, [RO_MEM, SIZE, ANY, STRTO_RES], {
    argSize: [undefined, undefined, undefined, 8],
  }),
  h(107, "sk_storage_get", "RET_PTR_TO_MAP_VALUE_OR_NULL", [
    MAP,
    SKC,
    "ARG_PTR_TO_MAP_VALUE_OR_NULL",
    ANY,
  ]),
  h(108, "sk_storage_delete", INT, [MAP, SKC]),
  h(109, "send_signal", INT, [ANY]),
  h(110, "tcp_gen_syncookie", INT, [SKC, RO_MEM, SIZE, RO_MEM, SIZE], { pktAccess: true }),
  h(111, "skb_output", INT, ["ARG_PTR_TO_BTF_ID", MAP, ANY, RO_MEM, SIZE0]),
  h(112, "probe_read_user", INT, [UNINIT, SIZE0, ANY], gpl),
  h(113, "probe_read_kernel", INT, [UNINIT, SIZE0, ANY], gpl),
  h(114, "probe_read_user_str", INT, [UNINIT, SIZE0, ANY], gpl),
  h(115, "probe_read_kernel_str", INT, [UNINIT, SIZE0, ANY], gpl),
  h(116, "tcp_send_ack", INT, ["ARG_PTR_TO_BTF_ID", ANY]),
  h(117, "send_signal_thread", INT, [ANY]),
  h(118, "jiffies64", INT, []),
  h(120, "get_ns_current_pid_tgid", INT, [ANY, ANY, UNINIT, SIZE]),
  h(121, "xdp_output", INT, ["ARG_PTR_TO_BTF_ID", MAP, ANY, RO_MEM, SIZE0], gpl),
  h(122, "get_netns_cookie", INT, ["ARG_PTR_TO_CTX_OR_NULL"]),
  h(123, "get_current_ancestor_cgroup_id", INT, [ANY]),
  h(124, "sk_assign", INT, [CTX, SKC, ANY]),
  h(125, "ktime_get_boot_ns", INT, []),
  h(128, "sk_cgroup_id", INT, [SKC]),
  h(129, "sk_ancestor_cgroup_id", INT, [SKC, ANY]),
  h(130, "ringbuf_output", INT, [MAP, RO_MEM, SIZE0, ANY]),
  h(131, "ringbuf_reserve", "RET_PTR_TO_RINGBUF_MEM_OR_NULL", [
    MAP,
    "ARG_CONST_ALLOC_SIZE_OR_ZERO",
    ANY,
  ]),
  h(132, "ringbuf_submit", "RET_VOID", ["ARG_PTR_TO_RINGBUF_MEM|OBJ_RELEASE", ANY]),
  h(133, "ringbuf_discard", "RET_VOID", ["ARG_PTR_TO_RINGBUF_MEM|OBJ_RELEASE", ANY]),
  h(134, "ringbuf_query", INT, [MAP, ANY]),
  h(135, "csum_level", INT, [CTX, ANY]),
  h(143, "store_hdr_opt", INT, [CTX, RO_MEM, SIZE, ANY], pkt),
  h(151, "skb_cgroup_classid", INT, [CTX]),
  h(152, "redirect_neigh", INT, [ANY, "ARG_PTR_TO_MEM_OR_NULL|MEM_RDONLY", SIZE0, ANY]),
  h(155, "redirect_peer", INT, [ANY, ANY]),
  h(160, "ktime_get_coarse_ns", INT, []),
  h(163, "check_mtu", INT, [CTX, ANY, "ARG_PTR_TO_FIXED_SIZE_MEM|MEM_WRITE", ANY, ANY], {
    argSize: [undefined, undefined, 4],
  }),
  h(164, "for_each_map_elem", INT, [MAP, "ARG_PTR_TO_FUNC", "ARG_PTR_TO_STACK_OR_NULL", ANY]),
  h(166, "sys_bpf", INT, [ANY, RO_MEM, SIZE]),
  h(167, "btf_find_by_name_kind", INT, [RO_MEM, SIZE, ANY, ANY]),
  h(168, "sys_close", INT, [ANY]),
  h(169, "timer_init", INT, ["ARG_PTR_TO_TIMER", MAP, ANY], gpl),
  h(170, "timer_set_callback", INT, ["ARG_PTR_TO_TIMER", "ARG_PTR_TO_FUNC"], gpl),
  h(171, "timer_start", INT, ["ARG_PTR_TO_TIMER", ANY, ANY], gpl),
  h(172, "timer_cancel", INT, ["ARG_PTR_TO_TIMER"], gpl),
  h(173, "get_func_ip", INT, [CTX]),
  h(174, "get_attach_cookie", INT, [CTX]),
  h(181, "loop", INT, [ANY, "ARG_PTR_TO_FUNC", "ARG_PTR_TO_STACK_OR_NULL", ANY]),
  h(182, "strncmp", INT, [RO_MEM, SIZE, "ARG_PTR_TO_CONST_STR"]),
  h(186, "get_retval", INT, []),
  h(187, "set_retval", INT, [ANY]),
  h(188, "xdp_get_buff_len", INT, [CTX]),
  h(189, "xdp_load_bytes", INT, [CTX, ANY, UNINIT, SIZE]),
  h(190, "xdp_store_bytes", INT, [CTX, ANY, RO_MEM, SIZE]),
  h(192, "skb_set_tstamp", INT, [CTX, ANY, ANY]),
  h(195, "map_lookup_percpu_elem", "RET_PTR_TO_MAP_VALUE_OR_NULL", [MAP, KEY, ANY], {
    pktAccess: true,
  }),
  h(208, "ktime_get_tai_ns", INT, []),
];

const BY_ID = new Map<number, HelperProto>(HELPER_PROTOS.map((p) => [p.id, p]));

export function helperProtoById(id: number): HelperProto | undefined {
  return BY_ID.get(id);
}

/**
 * Program types whose get_func_proto() returns another prototype for a
 * helper id than the common one above (e.g. bpf_sk_lookup_assign_proto).
 */
const BY_PROG_TYPE: Partial<Record<number, readonly HelperProto[]>> = {
  [ProgType.SK_LOOKUP]: [h(124, "sk_assign", INT, [CTX, "ARG_PTR_TO_SOCKET_OR_NULL", ANY])],
  [ProgType.SK_MSG]: [h(122, "get_netns_cookie", INT, [CTX])],
};

/** The prototype a program of `progType` gets for helper `id`. */
export function helperProtoFor(id: number, progType: number): HelperProto | undefined {
  return BY_PROG_TYPE[progType]?.find((p) => p.id === id) ?? BY_ID.get(id);
}
