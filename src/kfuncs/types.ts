// What a kfunc module declares: per kfunc its name, its prototype (a C
// declaration whose parameter names carry the kernel's suffixes: `buf__sz`,
// `len__szk`, `p__nullable`/`p__opt`, `d__uninit`, `x__k`), its KF_* flags,
// its host implementation, and for inlinable kfuncs a BPF body that behaves
// the same (assembly text, instructions, or a function of a clang-built
// object).
import type { Insn } from "../isa/index.ts";
import type { ProtoSpec } from "../link/kernel/host-kernel.ts";
import type { HelperImpl } from "../runtime/helpers/types.ts";
import type { CollectionSpec } from "../spec/types.ts";

/**
 * A host implementation: the shape of a helper's (the runtime's kernel
 * state, r1..r5 as unsigned 64-bit BigInts with pointers as runtime memory
 * addresses, the call site); a number result is taken as signed (negative
 * errno), a bigint as is.
 */
export type KfuncImpl = HelperImpl;

/**
 * A BPF body: kernel-syntax (or uBPF) assembly — `call NAME` calls a kfunc or
 * host function registered by name — ready instructions, or the function of
 * that name (default: the kfunc's) in a clang-built object, whose `__ksym`
 * extern calls name host functions.
 */
export type KfuncBody =
  | { readonly asm: string }
  | { readonly insns: readonly Insn[] }
  | { readonly object: Uint8Array | CollectionSpec; readonly function?: string };

export interface KfuncDef {
  /** C identifier; programs name it in `extern ... __ksym` declarations. */
  readonly name: string;
  /** `"void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)"`, or { ret, args }. */
  readonly proto: string | ProtoSpec;
  /** KF_* flags (default none). */
  readonly flags?: number;
  /** What a call runs when the kfunc is not inlined. */
  readonly impl: KfuncImpl;
  /** Makes the kfunc inlinable; must behave exactly as `impl`. */
  readonly body?: KfuncBody;
  /** Program types that may call it (the kernel's per-type kfunc sets); default all. */
  readonly progTypes?: readonly number[];
  /**
   * A host function for inlinable bodies only (like the kernel functions an
   * RFC body may call without being kfuncs): programs cannot call it.
   */
  readonly internal?: boolean;
}
