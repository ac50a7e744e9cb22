// `struct __sk_buff` (include/uapi/linux/bpf.h) and the per-program-type
// access rules of net/core/filter.c (bpf_skb_is_valid_access plus
// sk_filter_/tc_cls_act_/cg_skb_/sk_skb_is_valid_access).
import type { CtxField, CtxLayout } from "./layout-types.ts";

/** Offsets of struct __sk_buff (size 192); the runtime lays out real contexts from this list. */
export const SKB_FIELDS: readonly CtxField[] = [
  { name: "len", off: 0, size: 4, read: "narrow" },
  { name: "pkt_type", off: 4, size: 4, read: "narrow" },
  { name: "mark", off: 8, size: 4, read: "narrow" },
  { name: "queue_mapping", off: 12, size: 4, read: "narrow" },
  { name: "protocol", off: 16, size: 4, read: "narrow" },
  { name: "vlan_present", off: 20, size: 4, read: "narrow" },
  { name: "vlan_tci", off: 24, size: 4, read: "narrow" },
  { name: "vlan_proto", off: 28, size: 4, read: "narrow" },
  { name: "priority", off: 32, size: 4, read: "narrow" },
  { name: "ingress_ifindex", off: 36, size: 4, read: "narrow" },
  { name: "ifindex", off: 40, size: 4, read: "narrow" },
  { name: "tc_index", off: 44, size: 4, read: "narrow" },
  { name: "cb", off: 48, size: 20, read: "range", write: "range" },
  { name: "hash", off: 68, size: 4, read: "narrow" },
  { name: "tc_classid", off: 72, size: 4, read: "narrow" },
  { name: "data", off: 76, size: 4, read: "exact" },
  { name: "data_end", off: 80, size: 4, read: "exact" },
  { name: "napi_id", off: 84, size: 4, read: "narrow" },
  { name: "family", off: 88, size: 4, read: "narrow" },
  { name: "remote_ip4", off: 92, size: 4, read: "exact" },
  { name: "local_ip4", off: 96, size: 4, read: "exact" },
  { name: "remote_ip6", off: 100, size: 16, elem: 4, read: "exact" },
  { name: "local_ip6", off: 116, size: 16, elem: 4, read: "exact" },
  { name: "remote_port", off: 132, size: 4, read: "narrow" },
  { name: "local_port", off: 136, size: 4, read: "narrow" },
  { name: "data_meta", off: 140, size: 4, read: "exact" },
  // flow_keys (144, 8 bytes) is never accessible through __sk_buff.
  { name: "tstamp", off: 152, size: 8, read: "exact" },
  { name: "wire_len", off: 160, size: 4, read: "narrow" },
  { name: "gso_segs", off: 164, size: 4, read: "narrow" },
  { name: "sk", off: 168, size: 8, read: "exact", regType: "PTR_TO_SOCK_COMMON_OR_NULL" },
  { name: "gso_size", off: 176, size: 4, read: "narrow" },
  // tstamp_type (u8 at 180) is readable by tc programs only; padding follows.
  { name: "hwtstamp", off: 184, size: 8, read: "exact" },
];

const SOCK_TUPLE = [
  "family",
  "remote_ip4",
  "local_ip4",
  "remote_ip6",
  "local_ip6",
  "remote_port",
  "local_port",
];

interface SkbRules {
  name: string;
  /** Fields neither readable nor writable. */
  deny: readonly string[];
  /** Fields writable with a full-size store (cb is always range-writable). */
  writable: readonly string[];
  /** Field -> register type produced by loads. */
  regTypes?: Readonly<Record<string, string>>;
  /** Extra fields this type adds (tc: tstamp_type). */
  extra?: readonly CtxField[];
}

function skbLayout(rules: SkbRules): CtxLayout {
  const fields: CtxField[] = [];
  for (const f of SKB_FIELDS) {
    if (rules.deny.includes(f.name)) continue;
    const g: CtxField = { ...f };
    if (f.name !== "cb") {
      if (rules.writable.includes(f.name)) g.write = "exact";
      else delete g.write;
    }
    const rt = rules.regTypes?.[f.name];
    if (rt) g.regType = rt;
    fields.push(g);
  }
  for (const f of rules.extra ?? []) fields.push(f);
  fields.sort((a, b) => a.off - b.off);
  return { name: `struct __sk_buff (${rules.name})`, size: 192, fields };
}

/** BPF_PROG_TYPE_SOCKET_FILTER: no packet pointers, stores only to cb[]. */
export const SK_FILTER_CTX = skbLayout({
  name: "socket_filter",
  deny: [
    "tc_classid",
    "data",
    "data_meta",
    "data_end",
    ...SOCK_TUPLE,
    "tstamp",
    "wire_len",
    "hwtstamp",
  ],
  writable: [],
});

/** BPF_PROG_TYPE_SCHED_CLS / SCHED_ACT. */
export const TC_CTX = skbLayout({
  name: "sched_cls",
  deny: SOCK_TUPLE,
  writable: ["mark", "tc_index", "priority", "tc_classid", "tstamp", "queue_mapping"],
  regTypes: {
    data: "PTR_TO_PACKET",
    data_meta: "PTR_TO_PACKET_META",
    data_end: "PTR_TO_PACKET_END",
  },
  extra: [{ name: "tstamp_type", off: 180, size: 1, read: "exact" }],
});

/** BPF_PROG_TYPE_CGROUP_SKB (data/data_end need CAP_BPF; assumed here). */
export const CG_SKB_CTX = skbLayout({
  name: "cgroup_skb",
  deny: ["tc_classid", "data_meta", "wire_len"],
  writable: ["mark", "priority", "tstamp"],
  regTypes: { data: "PTR_TO_PACKET", data_end: "PTR_TO_PACKET_END" },
});

/** BPF_PROG_TYPE_SK_SKB. */
export const SK_SKB_CTX = skbLayout({
  name: "sk_skb",
  deny: ["tc_classid", "data_meta", "tstamp", "wire_len", "hwtstamp"],
  writable: ["tc_index", "priority"],
  regTypes: { data: "PTR_TO_PACKET", data_end: "PTR_TO_PACKET_END" },
});

/** BPF_PROG_TYPE_LWT_*: read-only packet data, stores to cb[] and mark/priority (xmit). */
export const LWT_CTX = skbLayout({
  name: "lwt",
  deny: ["tc_classid", "data_meta", ...SOCK_TUPLE, "tstamp", "wire_len", "hwtstamp"],
  writable: [],
  regTypes: { data: "PTR_TO_PACKET", data_end: "PTR_TO_PACKET_END" },
});
