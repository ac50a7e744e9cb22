// Context layout per program type and the access check the verifier applies
// (check_ctx_access -> is_valid_access), driven by the layout data.
import { ProgType } from "../../uapi/prog-types.ts";
import type { CtxField, CtxLayout } from "./layout-types.ts";
import { CGROUP_SOCK_CTX } from "./sock.ts";
import { CGROUP_DEV_CTX, SOCK_ADDR_CTX, SOCKOPT_CTX, SYSCTL_CTX } from "./cgroup.ts";
import { FLOW_DISSECTOR_CTX, SK_LOOKUP_CTX, SK_MSG_CTX, SK_REUSEPORT_CTX } from "./sk.ts";
import {
  KPROBE_CTX,
  LIRC_MODE2_CTX,
  PERF_EVENT_CTX,
  RAW_TP_CTX,
  RAW_TP_WRITABLE_CTX,
  SOCK_OPS_CTX,
  SYSCALL_CTX,
  TRACEPOINT_CTX,
  XDP_CTX,
} from "./others.ts";
import { CG_SKB_CTX, LWT_CTX, SK_FILTER_CTX, SK_SKB_CTX, TC_CTX } from "./sk-buff.ts";

export type { CtxField, CtxLayout, CtxAccessMode } from "./layout-types.ts";

const P = ProgType;
const LAYOUTS: Partial<Record<number, CtxLayout>> = {
  [P.SOCKET_FILTER]: SK_FILTER_CTX,
  [P.SCHED_CLS]: TC_CTX,
  [P.SCHED_ACT]: TC_CTX,
  [P.CGROUP_SKB]: CG_SKB_CTX,
  [P.SK_SKB]: SK_SKB_CTX,
  [P.LWT_IN]: LWT_CTX,
  [P.LWT_OUT]: LWT_CTX,
  [P.LWT_XMIT]: LWT_CTX,
  [P.LWT_SEG6LOCAL]: LWT_CTX,
  [P.XDP]: XDP_CTX,
  [P.KPROBE]: KPROBE_CTX,
  [P.TRACEPOINT]: TRACEPOINT_CTX,
  [P.RAW_TRACEPOINT]: RAW_TP_CTX,
  [P.RAW_TRACEPOINT_WRITABLE]: RAW_TP_WRITABLE_CTX,
  [P.TRACING]: RAW_TP_CTX,
  // Without the hook's BTF, LSM and struct_ops arguments are a plain u64 array.
  [P.LSM]: RAW_TP_CTX,
  [P.STRUCT_OPS]: RAW_TP_CTX,
  [P.PERF_EVENT]: PERF_EVENT_CTX,
  [P.SOCK_OPS]: SOCK_OPS_CTX,
  [P.CGROUP_SOCK]: CGROUP_SOCK_CTX,
  [P.CGROUP_SOCK_ADDR]: SOCK_ADDR_CTX,
  [P.CGROUP_SYSCTL]: SYSCTL_CTX,
  [P.CGROUP_SOCKOPT]: SOCKOPT_CTX,
  [P.CGROUP_DEVICE]: CGROUP_DEV_CTX,
  [P.SK_MSG]: SK_MSG_CTX,
  [P.SK_LOOKUP]: SK_LOOKUP_CTX,
  [P.SK_REUSEPORT]: SK_REUSEPORT_CTX,
  [P.FLOW_DISSECTOR]: FLOW_DISSECTOR_CTX,
  [P.LIRC_MODE2]: LIRC_MODE2_CTX,
  [P.SYSCALL]: SYSCALL_CTX,
};

export function ctxLayoutFor(progType: number): CtxLayout | undefined {
  return LAYOUTS[progType];
}

export interface CtxAccessResult {
  /** Kernel register type name of a load result ("SCALAR_VALUE" for plain data). */
  regType: string;
  /** Full field size for narrow loads (insn_aux ctx_field_size), 0 otherwise. */
  ctxFieldSize: number;
}

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

function fieldAt(layout: CtxLayout, off: number): CtxField | undefined {
  for (const f of layout.fields) if (off >= f.off && off < f.off + f.size) return f;
  return undefined;
}

/**
 * is_valid_access(): may a load (write=false) or store of `size` bytes at
 * `off` touch the context? Undefined when the kernel would say
 * `invalid bpf_context access`.
 */
export function checkCtxAccess(
  layout: CtxLayout,
  off: number,
  size: number,
  write: boolean,
  attachType = 0,
): CtxAccessResult | undefined {
  if (off < 0 || off >= layout.size || off % size !== 0) return undefined;
  if (layout.flat) {
    if (write && !layout.flat.write) return undefined;
    if (off < layout.flat.minOff || off + size > layout.size) return undefined;
    if (layout.flat.sizes && !layout.flat.sizes.includes(size)) return undefined;
    return { regType: "SCALAR_VALUE", ctxFieldSize: 0 };
  }
  const f = fieldAt(layout, off);
  if (!f) return undefined;
  if (f.attachTypes && !f.attachTypes.includes(attachType)) return undefined;
  if (write && f.writeAttachTypes && !f.writeAttachTypes.includes(attachType)) return undefined;
  if (!write && f.wideLoad === size && off === f.off) {
    return { regType: "SCALAR_VALUE", ctxFieldSize: size };
  }
  if (write && f.wideStore === size && off === f.off) {
    return { regType: "SCALAR_VALUE", ctxFieldSize: 0 };
  }
  const mode = write ? f.write : f.read;
  let fieldSize = 0;
  switch (mode) {
    case "exact":
      if (size !== (f.elem ?? f.size)) return undefined;
      break;
    case "range":
      if (off + size > f.off + f.size) return undefined;
      break;
    case "narrow":
    case "head":
      // Stores are whole-field; loads may be any power of two up to the field size.
      if (write ? size !== f.size : !(isPow2(size) && size <= f.size)) return undefined;
      if (mode === "head" && off !== f.off) return undefined;
      if (f.minSize && size < f.minSize) return undefined;
      if (!write) fieldSize = f.size;
      break;
    default:
      return undefined;
  }
  return { regType: (!write && f.regType) || "SCALAR_VALUE", ctxFieldSize: fieldSize };
}
