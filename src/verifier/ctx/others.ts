// Context layouts of the non-skb program types: struct xdp_md, pt_regs
// (kprobe), tracepoint records, raw tracepoint args, struct
// bpf_perf_event_data and struct bpf_sock_ops (x86-64 sizes).
import type { CtxLayout } from "./layout-types.ts";
import { u32Fields } from "./layout-types.ts";

/** struct xdp_md: u32 fields, full-size reads only, no stores (xdp_is_valid_access). */
export const XDP_CTX: CtxLayout = {
  name: "struct xdp_md",
  size: 24,
  fields: [
    { name: "data", off: 0, size: 4, read: "exact", regType: "PTR_TO_PACKET" },
    { name: "data_end", off: 4, size: 4, read: "exact", regType: "PTR_TO_PACKET_END" },
    { name: "data_meta", off: 8, size: 4, read: "exact", regType: "PTR_TO_PACKET_META" },
    { name: "ingress_ifindex", off: 12, size: 4, read: "exact" },
    { name: "rx_queue_index", off: 16, size: 4, read: "exact" },
    // egress_ifindex (20) only for BPF_XDP_DEVMAP programs.
  ],
};

/** struct pt_regs on x86-64: 21 registers of 8 bytes, read-only. */
export const KPROBE_CTX: CtxLayout = {
  name: "struct pt_regs",
  size: 168,
  fields: [],
  flat: { minOff: 0, write: false },
};

/** Tracepoint records: anything after the 8-byte common header, up to PERF_MAX_TRACE_SIZE. */
export const TRACEPOINT_CTX: CtxLayout = {
  name: "tracepoint record",
  size: 8192,
  fields: [],
  flat: { minOff: 8, write: false },
};

/** Raw tracepoint / tracing programs: an array of MAX_BPF_FUNC_ARGS u64 arguments. */
export const RAW_TP_CTX: CtxLayout = {
  name: "u64 args[12]",
  size: 96,
  fields: [],
  flat: { minOff: 0, write: false },
};

/**
 * Writable raw tracepoints: the same u64 array, but argument 0 points to the
 * tracepoint's writable buffer (PTR_TO_TP_BUFFER, read as a whole u64).
 */
export const RAW_TP_WRITABLE_CTX: CtxLayout = {
  name: "u64 args[12] (writable)",
  size: 96,
  fields: [
    { name: "args[0]", off: 0, size: 8, read: "exact", regType: "PTR_TO_TP_BUFFER" },
    { name: "args[1..11]", off: 8, size: 88, read: "range" },
  ],
};

/** LIRC mode2 programs: the decoded sample, one u32. */
export const LIRC_MODE2_CTX: CtxLayout = {
  name: "u32 sample",
  size: 4,
  fields: [{ name: "sample", off: 0, size: 4, read: "exact" }],
};

/** BPF_PROG_TYPE_SYSCALL: a user buffer read and written anywhere below 64 KiB. */
export const SYSCALL_CTX: CtxLayout = {
  name: "syscall args",
  size: 0xffff,
  fields: [],
  flat: { minOff: 0, write: true },
};

/** struct bpf_perf_event_data: pt_regs, then sample_period and addr. */
export const PERF_EVENT_CTX: CtxLayout = {
  name: "struct bpf_perf_event_data",
  size: 184,
  fields: [
    ...Array.from({ length: 21 }, (_, i) => ({
      name: `regs[${i}]`,
      off: i * 8,
      size: 8,
      read: "exact" as const,
    })),
    { name: "sample_period", off: 168, size: 8, read: "narrow" },
    { name: "addr", off: 176, size: 8, read: "narrow" },
  ],
};

/** struct bpf_sock_ops (sock_ops_is_valid_access): u32 fields read whole, stores to reply and sk_txhash. */
export const SOCK_OPS_CTX: CtxLayout = {
  name: "struct bpf_sock_ops",
  size: 224,
  fields: [
    { name: "op", off: 0, size: 4, read: "exact" },
    { name: "reply", off: 4, size: 4, read: "exact", write: "exact" },
    ...u32Fields(8, ["args[1]", "args[2]", "args[3]"], { read: "exact" }),
    ...u32Fields(20, ["family", "remote_ip4", "local_ip4"], { read: "exact" }),
    { name: "remote_ip6", off: 32, size: 16, elem: 4, read: "exact" },
    { name: "local_ip6", off: 48, size: 16, elem: 4, read: "exact" },
    ...u32Fields(
      64,
      [
        "remote_port",
        "local_port",
        "is_fullsock",
        "snd_cwnd",
        "srtt_us",
        "bpf_sock_ops_cb_flags",
        "state",
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
    { name: "sk_txhash", off: 164, size: 4, read: "exact", write: "exact" },
    { name: "bytes_received", off: 168, size: 8, read: "exact" },
    { name: "bytes_acked", off: 176, size: 8, read: "exact" },
    { name: "sk", off: 184, size: 8, read: "exact", regType: "PTR_TO_SOCKET_OR_NULL" },
    { name: "skb_data", off: 192, size: 8, read: "exact", regType: "PTR_TO_PACKET" },
    { name: "skb_data_end", off: 200, size: 8, read: "exact", regType: "PTR_TO_PACKET_END" },
    { name: "skb_len", off: 208, size: 4, read: "exact" },
    { name: "skb_tcp_flags", off: 212, size: 4, read: "narrow" },
    { name: "skb_hwtstamp", off: 216, size: 8, read: "exact" },
  ],
};
