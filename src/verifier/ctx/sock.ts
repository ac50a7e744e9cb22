// struct bpf_sock and the other socket structs programs read through socket
// pointers (net/core/filter.c: bpf_sock_is_valid_access,
// bpf_sock_common_is_valid_access, bpf_tcp_sock_is_valid_access,
// bpf_xdp_sock_is_valid_access), and struct bpf_sock as the context of
// BPF_PROG_TYPE_CGROUP_SOCK programs (sock_filter_is_valid_access: the same
// plus the attach-type rules). Everything is read-only except bound_dev_if,
// mark and priority, which only socket create/release hooks may touch.
import { AttachType } from "../../uapi/prog-types.ts";
import { RegType } from "../reg-types.ts";
import type { CtxField, CtxLayout } from "./layout-types.ts";
import { u32Fields } from "./layout-types.ts";

const A = AttachType;
const CREATE_RELEASE = [A.CGROUP_INET_SOCK_CREATE, A.CGROUP_INET_SOCK_RELEASE];

/**
 * struct bpf_sock (80 bytes). Fields the kernel matches by their exact
 * offset allow narrow loads at that offset only ("head"); the addresses
 * allow them anywhere inside ("narrow"); the rest are 4-byte loads.
 */
const BPF_SOCK_FIELDS: readonly CtxField[] = [
  { name: "bound_dev_if", off: 0, size: 4, read: "exact" },
  ...u32Fields(4, ["family", "type", "protocol"], { read: "head" }),
  { name: "mark", off: 16, size: 4, read: "exact" },
  { name: "priority", off: 20, size: 4, read: "exact" },
  { name: "src_ip4", off: 24, size: 4, read: "narrow" },
  ...u32Fields(28, ["src_ip6[0]", "src_ip6[1]", "src_ip6[2]", "src_ip6[3]"]),
  { name: "src_port", off: 44, size: 4, read: "head" },
  // __be16 followed by 16 bits of padding that are never accessible.
  { name: "dst_port", off: 48, size: 2, read: "narrow", wideLoad: 4 },
  ...u32Fields(52, ["dst_ip4", "dst_ip6[0]", "dst_ip6[1]", "dst_ip6[2]", "dst_ip6[3]"]),
  ...u32Fields(72, ["state", "rx_queue_mapping"], { read: "head" }),
];

/** Attach types whose cgroup/sock programs may see a field at all. */
const CGROUP_SOCK_ATTACH: Partial<Record<string, readonly number[]>> = {
  bound_dev_if: CREATE_RELEASE,
  mark: CREATE_RELEASE,
  priority: CREATE_RELEASE,
  src_ip4: [A.CGROUP_INET4_POST_BIND],
  "src_ip6[0]": [A.CGROUP_INET6_POST_BIND],
  "src_ip6[1]": [A.CGROUP_INET6_POST_BIND],
  "src_ip6[2]": [A.CGROUP_INET6_POST_BIND],
  "src_ip6[3]": [A.CGROUP_INET6_POST_BIND],
  src_port: [A.CGROUP_INET4_POST_BIND, A.CGROUP_INET6_POST_BIND],
};

/** Fields cgroup/sock create and release hooks may also write. */
const CGROUP_SOCK_WRITABLE = new Set(["bound_dev_if", "mark", "priority"]);

export const CGROUP_SOCK_CTX: CtxLayout = {
  name: "struct bpf_sock",
  size: 80,
  fields: BPF_SOCK_FIELDS.map((f) => {
    const g: CtxField = { ...f };
    const at = CGROUP_SOCK_ATTACH[f.name];
    if (at) g.attachTypes = at;
    if (CGROUP_SOCK_WRITABLE.has(f.name)) g.write = "exact";
    return g;
  }),
};

/** PTR_TO_SOCKET: a full socket, every field readable. */
export const BPF_SOCK_CTX: CtxLayout = {
  name: "struct bpf_sock",
  size: 80,
  fields: BPF_SOCK_FIELDS,
};

/** PTR_TO_SOCK_COMMON: no type, protocol, mark or priority (they live in the full socket). */
export const BPF_SOCK_COMMON_CTX: CtxLayout = {
  name: "struct bpf_sock (sock_common)",
  size: 80,
  fields: BPF_SOCK_FIELDS.filter((f) => f.off < 8 || f.off >= 24),
};

/**
 * struct bpf_tcp_sock: u32 counters and two u64 byte counts, up to
 * bytes_acked. The kernel reads the two u64s whole at their offsets, and
 * (its default rule) their upper halves as u32s; those halves come first so
 * that they are found before the u64 that contains them.
 */
export const BPF_TCP_SOCK_CTX: CtxLayout = {
  name: "struct bpf_tcp_sock",
  size: 96,
  fields: [
    { name: "bytes_received_hi", off: 84, size: 4, read: "exact" },
    { name: "bytes_acked_hi", off: 92, size: 4, read: "exact" },
    ...u32Fields(
      0,
      [
        "snd_cwnd",
        "srtt_us",
        "rtt_min",
        "snd_ssthresh",
        "rcv_nxt",
        "snd_nxt",
        "snd_una",
        "mss_cache",
        "ecn_flags",
        "rate_delivered",
        "rate_interval_us",
        "packets_out",
        "retrans_out",
        "total_retrans",
        "segs_in",
        "data_segs_in",
        "segs_out",
        "data_segs_out",
        "lost_out",
        "sacked_out",
      ],
      { read: "exact" },
    ),
    { name: "bytes_received", off: 80, size: 8, read: "exact" },
    { name: "bytes_acked", off: 88, size: 8, read: "exact" },
  ],
};

/** struct bpf_xdp_sock: the queue id. */
export const BPF_XDP_SOCK_CTX: CtxLayout = {
  name: "struct bpf_xdp_sock",
  size: 4,
  fields: [{ name: "queue_id", off: 0, size: 4, read: "exact" }],
};

/** The struct a socket pointer type reads (check_sock_access). */
export function sockLayoutFor(regType: number): CtxLayout | undefined {
  switch (regType) {
    case RegType.PTR_TO_SOCKET:
      return BPF_SOCK_CTX;
    case RegType.PTR_TO_SOCK_COMMON:
      return BPF_SOCK_COMMON_CTX;
    case RegType.PTR_TO_TCP_SOCK:
      return BPF_TCP_SOCK_CTX;
    case RegType.PTR_TO_XDP_SOCK:
      return BPF_XDP_SOCK_CTX;
    default:
      return undefined;
  }
}
