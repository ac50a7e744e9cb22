// fentry/fexit programs (BPF_PROG_TYPE_TRACING with expected attach type
// BPF_TRACE_FENTRY/FEXIT): their context is the traced function's arguments
// as an array of u64 (then, for fexit, its return value). The caller tells
// the verifier what the program attaches to (`VerifyOptions.attachTarget`,
// built by src/link/verifier-target.ts from the runtime's kernel BTF or the
// target program's BTF); this file is the kernel's check_attach_btf_id and
// btf_ctx_access: only 8-byte aligned reads of existing arguments, pointers
// to structs typed as PTR_TO_BTF_ID, the kernel's messages.
import type { Btf } from "../btf/btf.ts";
import { BtfKind, kindName, type BtfFuncProto, type BtfType } from "../btf/types.ts";
import { AttachType, ProgType } from "../uapi/prog-types.ts";
import { btfRef, pointeeStruct, type BtfRef } from "./btf-ptr.ts";
import type { Env } from "./env.ts";
import { markRegKnownZero, markRegUnknown } from "./regs.ts";
import { RegType } from "./reg-types.ts";

/** MAX_BPF_FUNC_ARGS and MAX_BPF_FUNC_REG_ARGS. */
const MAX_ARGS = 12;
const MAX_REG_ARGS = 5;

/** What a tracing program attaches to, as the verifier needs it. */
export interface TracingAttach {
  /** The traced function's name (attach_func_name). */
  name: string;
  /** BTF holding the prototype: the runtime kernel's, or the target program's. */
  btf?: Btf;
  /** Its FUNC_PROTO; absent when the prototype is unreliable (five u64 scalars). */
  protoId?: number;
  /** The types come from the runtime's kernel BTF (not a BPF program's). */
  kernel?: boolean;
  /**
   * A BPF program target's type: a pointer argument to its context struct
   * (struct xdp_md, struct __sk_buff, ...) is that context; other struct
   * pointers of a BPF function cannot be read, as in Linux.
   */
  targetProgType?: number;
  /**
   * The target runs on the runtime-side context structure (its ctx accesses
   * were converted), which its own BTF does not describe: its context
   * pointer is typed as that structure of the kernel BTF when
   * `targetKernelCtx` names it (as Linux types `struct xdp_md *` as
   * vmlinux's `struct xdp_buff *`), else it is a plain value.
   */
  targetCtxConverted?: boolean;
  targetKernelCtx?: { btf: Btf; id: number };
  /** The target was refused (bpf_check_attach_target): the kernel's log line. */
  error?: string;
}

/** The UAPI context struct of each program type a tracing program may attach to. */
const CTX_STRUCT: Partial<Record<number, string>> = {
  [ProgType.SOCKET_FILTER]: "__sk_buff",
  [ProgType.SCHED_CLS]: "__sk_buff",
  [ProgType.SCHED_ACT]: "__sk_buff",
  [ProgType.CGROUP_SKB]: "__sk_buff",
  [ProgType.SK_SKB]: "__sk_buff",
  [ProgType.LWT_IN]: "__sk_buff",
  [ProgType.LWT_OUT]: "__sk_buff",
  [ProgType.LWT_XMIT]: "__sk_buff",
  [ProgType.XDP]: "xdp_md",
  [ProgType.SOCK_OPS]: "bpf_sock_ops",
  [ProgType.CGROUP_SOCK]: "bpf_sock",
};

/** A program whose context is the traced function's u64 argument array. */
export function isFentryFexit(env: Env): boolean {
  return (
    env.progType === ProgType.TRACING &&
    (env.expectedAttachType === AttachType.TRACE_FENTRY ||
      env.expectedAttachType === AttachType.TRACE_FEXIT)
  );
}

/**
 * check_attach_btf_id(), before the main pass: a refused target rejects the
 * program with the kernel's reason. Without `attachTarget` at all the
 * verifier checks the program as before (a flat u64 context), so callers
 * that do not model targets keep working; the runtime always passes one
 * (`{ error: "Tracing programs must provide btf_id" }` when none is named).
 */
export function checkAttachBtfId(env: Env, target: TracingAttach | undefined): void {
  if (!target || !isFentryFexit(env)) return;
  if (target.error) env.fail(target.error);
}

/** The message for an fentry/fexit program that names no target. */
export const NO_BTF_ID = "Tracing programs must provide btf_id";

type CtxLoad = { type: number; btf: BtfRef | null };

/**
 * tracing_prog_is_valid_access + btf_ctx_access: what a load of `size` bytes
 * at `off` of the argument array gives, or undefined (after logging the
 * reason) when the access is invalid.
 */
function btfCtxAccess(
  env: Env,
  target: TracingAttach,
  off: number,
  size: number,
  write: boolean,
): CtxLoad | undefined {
  const scalar: CtxLoad = { type: RegType.SCALAR_VALUE, btf: null };
  if (off < 0 || off >= 8 * MAX_ARGS || write || off % size !== 0) return undefined;
  const tname = target.name;
  if (off % 8) {
    env.errorLine(`func '${tname}' offset ${off} is not multiple of 8`);
    return undefined;
  }
  const arg = off / 8;
  const btf = target.btf;
  const proto =
    btf && target.protoId !== undefined ? (btf.type(target.protoId) as BtfFuncProto) : undefined;
  const nrArgs = proto ? proto.params.length : MAX_REG_ARGS;
  if (arg > nrArgs) {
    env.errorLine(`func '${tname}' doesn't have ${arg + 1}-th argument`);
    return undefined;
  }
  let typeId: number;
  if (arg === nrArgs) {
    if (env.expectedAttachType !== AttachType.TRACE_FEXIT) {
      env.errorLine(`func '${tname}' doesn't have ${arg + 1}-th argument`);
      return undefined;
    }
    if (!proto) return scalar;
    typeId = proto.type;
  } else {
    if (!proto) return scalar;
    typeId = proto.params[arg]!.type;
  }
  const tid = typeId === 0 ? 0 : btf!.skipModsAndTypedefs(typeId);
  const t: BtfType = btf!.type(tid);
  const smallInt = t.kind === BtfKind.INT && t.size <= 8;
  if (
    smallInt ||
    t.kind === BtfKind.ENUM ||
    t.kind === BtfKind.ENUM64 ||
    t.kind === BtfKind.STRUCT ||
    t.kind === BtfKind.UNION
  ) {
    return scalar;
  }
  if (t.kind !== BtfKind.PTR) {
    env.errorLine(
      `func '${tname}' arg${arg} '${t.name}' has type ${kindName(t.kind)}. Only pointer access is allowed`,
    );
    return undefined;
  }
  if (size !== 8) {
    env.errorLine(`func '${tname}' size ${size} must be 8`);
    return undefined;
  }
  const sid = pointeeStruct(btf!, t.type);
  // Pointers to anything but a struct are plain values: nothing to walk.
  if (sid === undefined) return scalar;
  const st = btf!.type(sid);
  if (target.targetProgType !== undefined) {
    // A BPF function: only its context pointer can be followed (btf_translate_to_vmlinux).
    if (CTX_STRUCT[target.targetProgType] !== st.name) return undefined;
    if (target.targetCtxConverted) {
      const k = target.targetKernelCtx;
      if (!k) return scalar;
      env.verbose(
        `func '${tname}' arg${arg} has btf_id ${k.id} type STRUCT '${k.btf.type(k.id).name}'\n`,
      );
      return { type: RegType.PTR_TO_BTF_ID, btf: btfRef(k.btf, k.id, true) };
    }
  }
  env.verbose(
    `func '${tname}' arg${arg} has btf_id ${sid} type ${kindName(st.kind)} '${st.name}'\n`,
  );
  return { type: RegType.PTR_TO_BTF_ID, btf: btfRef(btf!, sid, target.kernel ?? false) };
}

/**
 * check_ctx_access() for fentry/fexit programs, and the loaded register:
 * a scalar, or a PTR_TO_BTF_ID with its BTF type.
 */
export function checkTracingCtxAccess(
  env: Env,
  target: TracingAttach,
  off: number,
  size: number,
  write: boolean,
  valueRegno: number,
): void {
  const res = btfCtxAccess(env, target, off, size, write);
  if (!res) env.fail(`invalid bpf_context access off=${off} size=${size}`);
  if (write || valueRegno < 0) return;
  const dst = env.regs[valueRegno]!;
  if (res.type === RegType.SCALAR_VALUE) {
    markRegUnknown(dst, env.bpfCapable);
    return;
  }
  markRegKnownZero(dst);
  dst.type = res.type;
  dst.btf = res.btf;
}
