// Register types as the kernel's `enum bpf_reg_type`: a base type in the low
// byte plus modifier flags (PTR_MAYBE_NULL, MEM_RDONLY, ...) in higher bits, so
// `map_value_or_null` is PTR_TO_MAP_VALUE | PTR_MAYBE_NULL exactly as in Linux.
// Log text (`reg_type_str`) and type compatibility both derive from this data.

export const RegType = {
  NOT_INIT: 0,
  SCALAR_VALUE: 1,
  PTR_TO_CTX: 2,
  CONST_PTR_TO_MAP: 3,
  PTR_TO_MAP_VALUE: 4,
  PTR_TO_MAP_KEY: 5,
  PTR_TO_STACK: 6,
  PTR_TO_PACKET_META: 7,
  PTR_TO_PACKET: 8,
  PTR_TO_PACKET_END: 9,
  PTR_TO_FLOW_KEYS: 10,
  PTR_TO_SOCKET: 11,
  PTR_TO_SOCK_COMMON: 12,
  PTR_TO_TCP_SOCK: 13,
  PTR_TO_TP_BUFFER: 14,
  PTR_TO_XDP_SOCK: 15,
  PTR_TO_BTF_ID: 16,
  PTR_TO_MEM: 17,
  PTR_TO_BUF: 18,
  PTR_TO_FUNC: 19,
  CONST_PTR_TO_DYNPTR: 20,
  /**
   * Trusted kernel data inside an inlinable kfunc's body (the RFC's
   * KERNEL_VALUE, see kernel-value.ts): no range, no id; ALU on it and loads
   * through it give KERNEL_VALUE, stores through it are allowed.
   */
  KERNEL_VALUE: 21,
} as const;
export type RegTypeName = keyof typeof RegType;

/** Modifier flags (`enum bpf_type_flag`), shared by register, argument and return types. */
export const TypeFlag = {
  PTR_MAYBE_NULL: 1 << 8,
  MEM_RDONLY: 1 << 9,
  MEM_RINGBUF: 1 << 10,
  MEM_USER: 1 << 11,
  MEM_PERCPU: 1 << 12,
  MEM_RCU: 1 << 13,
  PTR_UNTRUSTED: 1 << 14,
  PTR_TRUSTED: 1 << 15,
  MEM_ALLOC: 1 << 16,
  /** Argument flags. */
  MEM_UNINIT: 1 << 17,
  MEM_FIXED_SIZE: 1 << 18,
  OBJ_RELEASE: 1 << 19,
  MEM_WRITE: 1 << 20,
  MEM_ALIGNED: 1 << 21,
} as const;

export const BASE_TYPE_MASK = 0xff;
export const baseType = (t: number): number => t & BASE_TYPE_MASK;
export const typeMayBeNull = (t: number): boolean => (t & TypeFlag.PTR_MAYBE_NULL) !== 0;

/** Base type names as the kernel log prints them (kernel/bpf/log.c reg_type_str). */
const BASE_NAMES: readonly string[] = [
  "?",
  "scalar",
  "ctx",
  "map_ptr",
  "map_value",
  "map_key",
  "fp",
  "pkt_meta",
  "pkt",
  "pkt_end",
  "flow_keys",
  "sock",
  "sock_common",
  "tcp_sock",
  "tp_buffer",
  "xdp_sock",
  "ptr_",
  "mem",
  "buf",
  "func",
  "dynptr_ptr",
  "kernel_value",
];

/** Prefixes in the kernel's order; each present flag adds its prefix. */
const PREFIXES: readonly [number, string][] = [
  [TypeFlag.MEM_RDONLY, "rdonly_"],
  [TypeFlag.MEM_RINGBUF, "ringbuf_"],
  [TypeFlag.MEM_USER, "user_"],
  [TypeFlag.MEM_PERCPU, "percpu_"],
  [TypeFlag.MEM_RCU, "rcu_"],
  [TypeFlag.PTR_UNTRUSTED, "untrusted_"],
  [TypeFlag.PTR_TRUSTED, "trusted_"],
];

/** The kernel's reg_type_str(): e.g. `map_value_or_null`, `rdonly_mem`, `fp`. */
export function regTypeStr(type: number): string {
  let prefix = "";
  for (const [flag, text] of PREFIXES) if (type & flag) prefix += text;
  const base = baseType(type);
  let postfix = "";
  if (type & TypeFlag.PTR_MAYBE_NULL)
    postfix = base === RegType.PTR_TO_BTF_ID ? "or_null_" : "_or_null";
  return prefix + (BASE_NAMES[base] ?? "?") + postfix;
}

export const isPktPointer = (t: number): boolean =>
  t === RegType.PTR_TO_PACKET || t === RegType.PTR_TO_PACKET_META;
export const isPktPointerAny = (t: number): boolean =>
  isPktPointer(t) || t === RegType.PTR_TO_PACKET_END;
export const isSkPointer = (t: number): boolean =>
  t === RegType.PTR_TO_SOCKET ||
  t === RegType.PTR_TO_SOCK_COMMON ||
  t === RegType.PTR_TO_TCP_SOCK ||
  t === RegType.PTR_TO_XDP_SOCK;

/** Types a register may hold when spilled to the stack with its state kept (is_spillable_regtype). */
const SPILLABLE = new Set<number>([
  RegType.PTR_TO_MAP_VALUE,
  RegType.PTR_TO_STACK,
  RegType.PTR_TO_CTX,
  RegType.PTR_TO_PACKET,
  RegType.PTR_TO_PACKET_META,
  RegType.PTR_TO_PACKET_END,
  RegType.PTR_TO_FLOW_KEYS,
  RegType.CONST_PTR_TO_MAP,
  RegType.PTR_TO_SOCKET,
  RegType.PTR_TO_SOCK_COMMON,
  RegType.PTR_TO_TCP_SOCK,
  RegType.PTR_TO_XDP_SOCK,
  RegType.PTR_TO_BTF_ID,
  RegType.PTR_TO_BUF,
  RegType.PTR_TO_MEM,
  RegType.PTR_TO_FUNC,
  RegType.PTR_TO_MAP_KEY,
  // Inlinable kfunc bodies spill what clang keeps of the kernel's data.
  RegType.KERNEL_VALUE,
]);
export const isSpillableRegType = (t: number): boolean => SPILLABLE.has(baseType(t));
