// Schema of a program type's context (`ctx`) layout: what each field of the
// UAPI struct (struct __sk_buff, struct xdp_md, ...) allows, transcribed from
// the kernel's per-type is_valid_access() as data. The runtime reads the same
// tables to lay out real contexts.

/**
 * How a field may be accessed:
 * - "exact": only loads/stores of the element size (`elem`, default the field size);
 * - "narrow": loads of 1/2/4/8 bytes aligned inside the field (the verifier
 *   records the full field size so the load can be widened later);
 * - "range": any aligned access that stays inside the field (e.g. cb[]);
 * - "head": like "narrow", but only at the field's own offset (bpf_sock's
 *   family, type, ...: the kernel matches `case offsetof(...)` exactly).
 */
export type CtxAccessMode = "exact" | "narrow" | "range" | "head";

export interface CtxField {
  name: string;
  off: number;
  size: number;
  /** Element size of an array field (e.g. 4 for `__u32 remote_ip6[4]`). */
  elem?: number;
  read?: CtxAccessMode;
  write?: CtxAccessMode;
  /**
   * Register type a load produces, as the kernel names it: "PTR_TO_PACKET",
   * "PTR_TO_PACKET_END", "PTR_TO_PACKET_META", "PTR_TO_SOCK_COMMON_OR_NULL",
   * "PTR_TO_SOCKET_OR_NULL". Absent: a scalar.
   */
  regType?: string;
  /**
   * Only programs with one of these expected attach types may touch the
   * field at all (e.g. bpf_sock's mark for BPF_CGROUP_INET_SOCK_CREATE).
   */
  attachTypes?: readonly number[];
  /**
   * A "narrow" field that may also be loaded as this wider size at its own
   * offset (bpf_sock's u16 dst_port read as a u32); that size is recorded.
   */
  wideLoad?: number;
  /** A store of this wider size at the field's own offset is allowed too (bpf_sock_addr's user_ip6). */
  wideStore?: number;
  /** The smallest narrow load allowed (sk_reuseport_md's eth_protocol: 2). */
  minSize?: number;
  /** Only programs with one of these attach types may store to the field (reads are open). */
  writeAttachTypes?: readonly number[];
}

export interface CtxLayout {
  /** C type of the context, e.g. "struct __sk_buff". */
  name: string;
  size: number;
  /** Declared fields; bytes not covered by a field are not accessible. */
  fields: readonly CtxField[];
  /**
   * A flat context (pt_regs, tracepoint records, raw tracepoint args): any
   * aligned read in [minOff, size) with no field structure.
   */
  flat?: { minOff: number; write: boolean; sizes?: readonly number[] };
}

/** `bpf_ctx_range_till`-style helper for consecutive u32 fields. */
export function u32Fields(
  start: number,
  names: readonly string[],
  mode: Partial<CtxField> = {},
): CtxField[] {
  return names.map((name, i) => ({ name, off: start + 4 * i, size: 4, read: "narrow", ...mode }));
}
