// Schema of the helper prototype table: the kernel's `struct bpf_func_proto` as
// plain data. Argument and return types are written with the kernel's own
// names so entries can be transcribed from kernel sources directly:
//   args: ["ARG_CONST_MAP_PTR", "ARG_PTR_TO_MAP_KEY"]
//   args: ["ARG_PTR_TO_MEM|MEM_RDONLY", "ARG_CONST_SIZE_OR_ZERO"]
// The first `|`-part is a base kind (or one of the kernel's composite aliases,
// e.g. ARG_PTR_TO_UNINIT_MEM), the rest are flags (MEM_RDONLY, PTR_MAYBE_NULL,
// MEM_UNINIT, MEM_WRITE, MEM_FIXED_SIZE, OBJ_RELEASE).

export interface HelperProto {
  /** `enum bpf_func_id` value. */
  id: number;
  /** Name without the `bpf_` prefix, as in __BPF_FUNC_MAPPER. */
  name: string;
  /** Return type, e.g. "RET_INTEGER", "RET_PTR_TO_MAP_VALUE_OR_NULL". */
  ret: string;
  /** Up to five argument types; missing ones are ARG_DONTCARE. */
  args: readonly string[];
  /** Byte size of MEM_FIXED_SIZE pointer arguments, by argument index. */
  argSize?: readonly (number | undefined)[];
  /** Only GPL-compatible programs may call it. */
  gplOnly?: boolean;
  /** May be passed packet pointers where memory is expected (fn->pkt_access). */
  pktAccess?: boolean;
  /** Invalidates packet pointers (bpf_helper_changes_pkt_data). */
  changesPktData?: boolean;
  /** Sleepable programs only. */
  mightSleep?: boolean;
}

/** Base argument kinds (`enum bpf_arg_type`). */
export const ArgKind = {
  ARG_DONTCARE: 0,
  ARG_CONST_MAP_PTR: 1,
  ARG_PTR_TO_MAP_KEY: 2,
  ARG_PTR_TO_MAP_VALUE: 3,
  ARG_PTR_TO_MEM: 4,
  ARG_PTR_TO_ARENA: 5,
  ARG_CONST_SIZE: 6,
  ARG_CONST_SIZE_OR_ZERO: 7,
  ARG_PTR_TO_CTX: 8,
  ARG_ANYTHING: 9,
  ARG_PTR_TO_SPIN_LOCK: 10,
  ARG_PTR_TO_SOCK_COMMON: 11,
  ARG_PTR_TO_SOCKET: 12,
  ARG_PTR_TO_BTF_ID: 13,
  ARG_PTR_TO_RINGBUF_MEM: 14,
  ARG_CONST_ALLOC_SIZE_OR_ZERO: 15,
  ARG_PTR_TO_BTF_ID_SOCK_COMMON: 16,
  ARG_PTR_TO_PERCPU_BTF_ID: 17,
  ARG_PTR_TO_FUNC: 18,
  ARG_PTR_TO_STACK: 19,
  ARG_PTR_TO_CONST_STR: 20,
  ARG_PTR_TO_TIMER: 21,
  ARG_KPTR_XCHG_DEST: 22,
  ARG_PTR_TO_DYNPTR: 23,
} as const;

/** Base return kinds (`enum bpf_return_type`). */
export const RetKind = {
  RET_INTEGER: 0,
  RET_VOID: 1,
  RET_PTR_TO_MAP_VALUE: 2,
  RET_PTR_TO_SOCKET: 3,
  RET_PTR_TO_TCP_SOCK: 4,
  RET_PTR_TO_SOCK_COMMON: 5,
  RET_PTR_TO_MEM: 6,
  RET_PTR_TO_MEM_OR_BTF_ID: 7,
  RET_PTR_TO_BTF_ID: 8,
} as const;
