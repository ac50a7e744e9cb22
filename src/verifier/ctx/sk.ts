// Contexts of the socket-level program types (net/core/filter.c
// sk_msg_is_valid_access, sk_lookup_is_valid_access,
// sk_reuseport_is_valid_access, flow_dissector_is_valid_access):
// struct sk_msg_md, bpf_sk_lookup, sk_reuseport_md, and the __sk_buff view
// a flow dissector gets. All read-only.
import type { CtxField, CtxLayout } from "./layout-types.ts";
import { u32Fields } from "./layout-types.ts";

const u32Exact = (start: number, names: readonly string[]): CtxField[] =>
  u32Fields(start, names, { read: "exact" });

/** struct sk_msg_md (80 bytes): message data as packet pointers, the connection tuple, size, socket. */
export const SK_MSG_CTX: CtxLayout = {
  name: "struct sk_msg_md",
  size: 80,
  fields: [
    { name: "data", off: 0, size: 8, read: "exact", regType: "PTR_TO_PACKET" },
    { name: "data_end", off: 8, size: 8, read: "exact", regType: "PTR_TO_PACKET_END" },
    ...u32Exact(16, ["family", "remote_ip4", "local_ip4"]),
    { name: "remote_ip6", off: 28, size: 16, elem: 4, read: "exact" },
    { name: "local_ip6", off: 44, size: 16, elem: 4, read: "exact" },
    ...u32Exact(60, ["remote_port", "local_port", "size"]),
    { name: "sk", off: 72, size: 8, read: "exact", regType: "PTR_TO_SOCKET" },
  ],
};

/** struct bpf_sk_lookup (72 bytes): the socket chosen so far, the lookup's tuple, ifindex. */
export const SK_LOOKUP_CTX: CtxLayout = {
  name: "struct bpf_sk_lookup",
  size: 72,
  fields: [
    { name: "sk", off: 0, size: 8, read: "exact", regType: "PTR_TO_SOCKET_OR_NULL" },
    ...u32Fields(8, ["family", "protocol", "remote_ip4"]),
    ...u32Fields(20, ["remote_ip6[0]", "remote_ip6[1]", "remote_ip6[2]", "remote_ip6[3]"]),
    // __be16 remote_port, then 16 bits of zero padding, readable for backward compatibility.
    { name: "remote_port", off: 36, size: 2, read: "narrow", wideLoad: 4 },
    { name: "remote_port_pad", off: 38, size: 2, read: "narrow" },
    ...u32Fields(40, ["local_ip4"]),
    ...u32Fields(44, ["local_ip6[0]", "local_ip6[1]", "local_ip6[2]", "local_ip6[3]"]),
    ...u32Fields(60, ["local_port", "ingress_ifindex"]),
  ],
};

/** struct sk_reuseport_md (56 bytes). */
export const SK_REUSEPORT_CTX: CtxLayout = {
  name: "struct sk_reuseport_md",
  size: 56,
  fields: [
    { name: "data", off: 0, size: 8, read: "exact", regType: "PTR_TO_PACKET" },
    { name: "data_end", off: 8, size: 8, read: "exact", regType: "PTR_TO_PACKET_END" },
    { name: "len", off: 16, size: 4, read: "narrow" },
    // sk_buff's protocol is 2 bytes: no single-byte loads of eth_protocol.
    { name: "eth_protocol", off: 20, size: 4, read: "narrow", minSize: 2 },
    ...u32Fields(24, ["ip_protocol", "bind_inany"]),
    { name: "hash", off: 32, size: 4, read: "exact" },
    { name: "sk", off: 40, size: 8, read: "exact", regType: "PTR_TO_SOCKET" },
    {
      name: "migrating_sk",
      off: 48,
      size: 8,
      read: "exact",
      regType: "PTR_TO_SOCK_COMMON_OR_NULL",
    },
  ],
};

/** A flow dissector's __sk_buff: only data, data_end and the flow keys pointer. */
export const FLOW_DISSECTOR_CTX: CtxLayout = {
  name: "struct __sk_buff (flow_dissector)",
  size: 192,
  fields: [
    { name: "data", off: 76, size: 4, read: "exact", regType: "PTR_TO_PACKET" },
    { name: "data_end", off: 80, size: 4, read: "exact", regType: "PTR_TO_PACKET_END" },
    { name: "flow_keys", off: 144, size: 8, read: "exact", regType: "PTR_TO_FLOW_KEYS" },
  ],
};
