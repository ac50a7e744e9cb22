// What the verifier needs to know about kernel functions ("kfuncs"): the
// caller (the runtime's kfunc registry, src/kfuncs/) describes each one by
// its BTF prototype, its KF_* flags and, for inlinable kfuncs, a BPF body.
// The verifier reads the prototype itself, as check_kfunc_args reads BTF.
import type { Btf } from "../../btf/btf.ts";
import type { Insn } from "../../isa/insn.ts";

/** `KF_*` flags of include/linux/btf.h (the kernel's values). */
export const KF = {
  /** Returns a referenced pointer the program must release. */
  ACQUIRE: 1 << 0,
  /** Releases the referenced pointer it is passed. */
  RELEASE: 1 << 1,
  /** The returned pointer may be NULL. */
  RET_NULL: 1 << 2,
  /** Pointer arguments must be trusted (never NULL unless `__nullable`). */
  TRUSTED_ARGS: 1 << 4,
  /** Only sleepable programs may call it. */
  SLEEPABLE: 1 << 5,
  /** Needs CAP_SYS_BOOT (it may crash or reboot the "kernel"). */
  DESTRUCTIVE: 1 << 6,
  /** Pointer arguments may be RCU-protected. */
  RCU: 1 << 7,
} as const;

/** One kfunc as the verifier sees it. */
export interface KfuncDesc {
  /** The function's name (messages, the special dynptr kfuncs). */
  readonly name: string;
  /** BTF holding the prototype (the runtime's kernel BTF). */
  readonly btf: Btf;
  /** FUNC_PROTO id in `btf`; its parameter names carry the `__sz`/`__k`/`__uninit`... suffixes. */
  readonly protoId: number;
  /** KF_* flags. */
  readonly flags: number;
  /** Program types allowed to call it (the kernel's per-type kfunc id sets); all when absent. */
  readonly progTypes?: readonly number[];
  /**
   * Inlinable kfuncs: the BPF body (ends in `exit`; r1-r5 are the arguments,
   * r0 the result; calls inside it are host calls). Each call site gets its
   * own copy, verified in a distilled context (kernel-value.ts).
   */
  readonly body?: readonly Insn[];
}

/** The kfuncs a program may call, by the BTF id its `call` names. */
export interface KfuncTable {
  byId(btfId: number): KfuncDesc | undefined;
}

/** `enum bpf_dynptr_type`. */
export const DynptrType = {
  INVALID: 0,
  LOCAL: 1,
  RINGBUF: 2,
  SKB: 3,
  XDP: 4,
} as const;

/** struct bpf_dynptr_kern's `size` word: type in bits 28-30, read-only in bit 31. */
export const DYNPTR_TYPE_SHIFT = 28;
export const DYNPTR_RDONLY_BIT = 0x8000_0000;
export const DYNPTR_SIZE_MASK = 0x00ff_ffff;
/** sizeof(struct bpf_dynptr). */
export const BPF_DYNPTR_SIZE = 16;
