// Contexts of the cgroup hooks other than skb and sock (net/core/filter.c
// sock_addr_is_valid_access, kernel/bpf/cgroup.c sysctl_is_valid_access,
// cg_sockopt_is_valid_access, cgroup_dev_is_valid_access): struct
// bpf_sock_addr, bpf_sysctl, bpf_sockopt and bpf_cgroup_dev_ctx.
import { AttachType } from "../../uapi/prog-types.ts";
import type { CtxField, CtxLayout } from "./layout-types.ts";
import { u32Fields } from "./layout-types.ts";

const A = AttachType;
const INET4 = [
  A.CGROUP_INET4_BIND,
  A.CGROUP_INET4_CONNECT,
  A.CGROUP_INET4_GETPEERNAME,
  A.CGROUP_INET4_GETSOCKNAME,
  A.CGROUP_UDP4_SENDMSG,
  A.CGROUP_UDP4_RECVMSG,
];
const INET6 = [
  A.CGROUP_INET6_BIND,
  A.CGROUP_INET6_CONNECT,
  A.CGROUP_INET6_GETPEERNAME,
  A.CGROUP_INET6_GETSOCKNAME,
  A.CGROUP_UDP6_SENDMSG,
  A.CGROUP_UDP6_RECVMSG,
];

/** An address field: narrow loads, whole-word stores, only for the attach types of its family. */
const addr = (name: string, off: number, attachTypes: readonly number[]): CtxField => ({
  name,
  off,
  size: 4,
  read: "narrow",
  write: "exact",
  attachTypes,
});

/** Four address words; 8-byte loads and stores at 8-aligned offsets inside them. */
function ip6(name: string, off: number, attachTypes: readonly number[]): CtxField[] {
  return [0, 1, 2, 3].map((i) => {
    const f = addr(`${name}[${i}]`, off + 4 * i, attachTypes);
    const at = off + 4 * i;
    if (at % 8 === 0 && at + 8 <= off + 16) {
      f.wideLoad = 8;
      f.wideStore = 8;
    }
    return f;
  });
}

/** struct bpf_sock_addr (72 bytes): the address the program may rewrite, and the socket. */
export const SOCK_ADDR_CTX: CtxLayout = {
  name: "struct bpf_sock_addr",
  size: 72,
  fields: [
    { name: "user_family", off: 0, size: 4, read: "exact" },
    addr("user_ip4", 4, INET4),
    ...ip6("user_ip6", 8, INET6),
    { name: "user_port", off: 24, size: 4, read: "narrow", write: "exact" },
    ...u32Fields(28, ["family", "type", "protocol"], { read: "exact" }),
    addr("msg_src_ip4", 40, [A.CGROUP_UDP4_SENDMSG]),
    ...ip6("msg_src_ip6", 44, [A.CGROUP_UDP6_SENDMSG]),
    { name: "sk", off: 64, size: 8, read: "exact", regType: "PTR_TO_SOCKET" },
  ],
};

/** struct bpf_sysctl: whether it is a write, and the file position (which may be set). */
export const SYSCTL_CTX: CtxLayout = {
  name: "struct bpf_sysctl",
  size: 8,
  fields: [
    { name: "write", off: 0, size: 4, read: "narrow" },
    { name: "file_pos", off: 4, size: 4, read: "narrow", write: "exact" },
  ],
};

const GET = [A.CGROUP_GETSOCKOPT];
const SET = [A.CGROUP_SETSOCKOPT];

/** struct bpf_sockopt: the socket, the option buffer as packet-like memory, level/name/len/retval. */
export const SOCKOPT_CTX: CtxLayout = {
  name: "struct bpf_sockopt",
  size: 40,
  fields: [
    { name: "sk", off: 0, size: 8, read: "exact", regType: "PTR_TO_SOCKET" },
    { name: "optval", off: 8, size: 8, read: "exact", regType: "PTR_TO_PACKET" },
    { name: "optval_end", off: 16, size: 8, read: "exact", regType: "PTR_TO_PACKET_END" },
    { name: "level", off: 24, size: 4, read: "exact", write: "exact", writeAttachTypes: SET },
    { name: "optname", off: 28, size: 4, read: "exact", write: "exact", writeAttachTypes: SET },
    { name: "optlen", off: 32, size: 4, read: "exact", write: "exact" },
    { name: "retval", off: 36, size: 4, read: "exact", write: "exact", attachTypes: GET },
  ],
};

/** struct bpf_cgroup_dev_ctx: access type (narrow loads), major, minor; read-only. */
export const CGROUP_DEV_CTX: CtxLayout = {
  name: "struct bpf_cgroup_dev_ctx",
  size: 12,
  fields: [
    { name: "access_type", off: 0, size: 4, read: "narrow" },
    ...u32Fields(4, ["major", "minor"], { read: "exact" }),
  ],
};
