// struct bpf_sock as the context of BPF_PROG_TYPE_CGROUP_SOCK programs
// (sock_filter_is_valid_access = bpf_sock_is_valid_access plus the
// attach-type rules). Everything is read-only except bound_dev_if, mark and
// priority, which only socket create/release hooks may touch (read or write).
import { AttachType } from "../../uapi/prog-types.ts";
import type { CtxLayout } from "./layout-types.ts";
import { u32Fields } from "./layout-types.ts";

const A = AttachType;
const CREATE_RELEASE = [A.CGROUP_INET_SOCK_CREATE, A.CGROUP_INET_SOCK_RELEASE];

export const CGROUP_SOCK_CTX: CtxLayout = {
  name: "struct bpf_sock",
  size: 80,
  fields: [
    {
      name: "bound_dev_if",
      off: 0,
      size: 4,
      read: "exact",
      write: "exact",
      attachTypes: CREATE_RELEASE,
    },
    ...u32Fields(4, ["family", "type", "protocol"]),
    { name: "mark", off: 16, size: 4, read: "exact", write: "exact", attachTypes: CREATE_RELEASE },
    {
      name: "priority",
      off: 20,
      size: 4,
      read: "exact",
      write: "exact",
      attachTypes: CREATE_RELEASE,
    },
    { name: "src_ip4", off: 24, size: 4, read: "narrow", attachTypes: [A.CGROUP_INET4_POST_BIND] },
    ...u32Fields(28, ["src_ip6[0]", "src_ip6[1]", "src_ip6[2]", "src_ip6[3]"], {
      attachTypes: [A.CGROUP_INET6_POST_BIND],
    }),
    {
      name: "src_port",
      off: 44,
      size: 4,
      read: "narrow",
      attachTypes: [A.CGROUP_INET4_POST_BIND, A.CGROUP_INET6_POST_BIND],
    },
    // __be16 followed by 16 bits of padding that are never accessible.
    { name: "dst_port", off: 48, size: 2, read: "narrow", wideLoad: 4 },
    ...u32Fields(52, ["dst_ip4", "dst_ip6[0]", "dst_ip6[1]", "dst_ip6[2]", "dst_ip6[3]"]),
    ...u32Fields(72, ["state", "rx_queue_mapping"]),
  ],
};
