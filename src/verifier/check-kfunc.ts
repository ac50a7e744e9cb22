// Calls to kernel functions (check_kfunc_call / check_kfunc_args): the
// callee's BTF prototype decides what each argument register must hold —
// scalars (`__k` constants), memory (sized by the pointee or by a following
// `__sz`/`__szk` argument, `__nullable`/`__opt` buffers may be NULL), the
// program's ctx, dynptrs (`__uninit` ones are constructed), BTF-typed
// pointers (trusted ones with KF_TRUSTED_ARGS) and acquired references
// (KF_RELEASE) — and R0 gets the type the prototype returns (KF_ACQUIRE
// references, KF_RET_NULL). The dynptr kfuncs of the kernel with special
// return rules (bpf_dynptr_slice[_rdwr]) are recognised by name.
import type { BtfFuncProto, BtfParam } from "../btf/types.ts";
import type { Insn } from "../isa/insn.ts";
import { checkPtrOffReg, mayAccessDirectPktData } from "./check-mem.ts";
import { processDynptrArg, dynptrState, unmarkStackSlotsDynptr } from "./dynptr.ts";
import type { Env } from "./env.ts";
import { Reject } from "./errors.ts";
import { btfRef, pointeeStruct } from "./btf-ptr.ts";
import { pushKfuncInstance } from "./kernel-value.ts";
import {
  btfTypeStr,
  isNullableParam,
  isPtrType,
  isScalarStruct,
  isScalarType,
  paramHasSuffix,
  pointee,
  skipModifiers,
} from "./kfuncs/btf-args.ts";
import { ctxStructName } from "./kfuncs/ctx-names.ts";
import { checkKfuncMemSizeReg, checkMemReg } from "./kfuncs/mem-args.ts";
import { acquireReference, activeLocks, releaseReference } from "./refs.ts";
import { DynptrType, KF, type KfuncDesc } from "./kfuncs/types.ts";
import { markRegRead } from "./liveness.ts";
import { markChainPrecision } from "./precision.ts";
import { checkRegArg, DST_OP_NO_MARK } from "./reg-access.ts";
import {
  DEF_NOT_SUBREG,
  markRegKnownZero,
  markRegNotInit,
  markRegUnknown,
  REG_LIVE_READ64,
  regIsNull,
  type RegState,
} from "./regs.ts";
import { baseType, RegType, regTypeStr, TypeFlag, typeMayBeNull } from "./reg-types.ts";

/** MAX_BPF_FUNC_REG_ARGS. */
const MAX_ARGS = 5;
const CALLER_SAVED = [0, 1, 2, 3, 4, 5];

/** Kinds of pointer arguments (enum kfunc_ptr_arg_type, the ones tsbpf supports). */
const enum PtrArg {
  CTX,
  DYNPTR,
  BTF_ID,
  MEM,
  MEM_SIZE,
  NULL,
  MAP,
}

/** Register types that stand for a kernel struct (reg2btf_ids). */
const REG_STRUCT: Partial<Record<number, string>> = {
  [RegType.PTR_TO_SOCKET]: "sock",
  [RegType.PTR_TO_SOCK_COMMON]: "sock_common",
  [RegType.PTR_TO_TCP_SOCK]: "tcp_sock",
  [RegType.CONST_PTR_TO_MAP]: "bpf_map",
};

/** What the arguments taught about the call (struct bpf_kfunc_call_arg_meta). */
interface KfuncMeta {
  readonly desc: KfuncDesc;
  readonly proto: BtfFuncProto;
  refObjId: number;
  releaseRegno: number;
  /** Size and access of returned memory (`rdonly_buf_size` / `rdwr_buf_size` arguments). */
  r0Size: number;
  r0Rdonly: boolean;
  /** The `__k` / `__szk` argument's value. */
  constant: bigint | undefined;
  /** The initialised dynptr argument, if any. */
  dynptr: { id: number; type: number; refObjId: number } | undefined;
}

const isRelease = (m: KfuncMeta): boolean => (m.desc.flags & KF.RELEASE) !== 0;

/** The kfunc a call names, with the checks add_kfunc_call/fetch_kfunc_meta make. */
function fetchKfunc(env: Env, insn: Insn): KfuncDesc {
  if (!env.kfuncs)
    env.fail("calling kernel function is not supported without CONFIG_DEBUG_INFO_BTF");
  if (insn.off !== 0) env.fail("kfunc offset > 0 without fd_array is invalid");
  const desc = env.kfuncs.byId(insn.imm);
  if (!desc) env.fail(`kernel btf_id ${insn.imm} is not a function`);
  if (!env.gplCompatible) env.fail("cannot call kernel function from non-GPL compatible program");
  if (desc.progTypes && !desc.progTypes.includes(env.progType))
    env.fail(`calling kernel function ${desc.name} is not allowed`);
  return desc;
}

/** is_trusted_reg(): referenced, trusted, or a kernel object the verifier typed itself. */
function isTrustedReg(reg: RegState): boolean {
  if (reg.refObjId) return true;
  if (reg.type & TypeFlag.PTR_UNTRUSTED) return false;
  if (REG_STRUCT[baseType(reg.type)] !== undefined) return true;
  return (reg.type & (TypeFlag.PTR_TRUSTED | TypeFlag.MEM_ALLOC)) !== 0;
}

/** check_func_arg_reg_off() for kfunc pointer arguments. */
function checkArgRegOff(env: Env, reg: RegState, regno: number, release: boolean): void {
  if (release) {
    if (reg.off)
      env.fail(
        `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`,
      );
    checkPtrOffReg(env, reg, regno, false);
    return;
  }
  switch (baseType(reg.type)) {
    case RegType.PTR_TO_STACK:
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MEM:
    case RegType.PTR_TO_BUF:
    case RegType.SCALAR_VALUE:
      return;
    case RegType.PTR_TO_BTF_ID:
      checkPtrOffReg(env, reg, regno, true);
      return;
    default:
      checkPtrOffReg(env, reg, regno, false);
  }
}

/** get_kfunc_ptr_arg_type(): classify pointer argument `argno` from its BTF and register. */
function ptrArgKind(env: Env, meta: KfuncMeta, argno: number): PtrArg {
  const { desc, proto } = meta;
  const btf = desc.btf;
  const regs = env.regs;
  const reg = regs[argno + 1]!;
  const param = proto.params[argno]!;
  const target = pointee(btf, param)!;
  const next = proto.params[argno + 1];
  const nextReg = regs[argno + 2];
  const memSize =
    next !== undefined &&
    nextReg !== undefined &&
    nextReg.type === RegType.SCALAR_VALUE &&
    isScalarType(skipModifiers(btf, next.type).t) &&
    (paramHasSuffix(next, "__sz") || paramHasSuffix(next, "__szk"));
  const ctxName = ctxStructName(env.progType);
  if (ctxName !== undefined && target.id !== 0 && target.t.name === ctxName) return PtrArg.CTX;
  if (isNullableParam(param) && regIsNull(reg) && !memSize) return PtrArg.NULL;
  if (target.id !== 0 && target.t.name === "bpf_dynptr") return PtrArg.DYNPTR;
  if (paramHasSuffix(param, "__map")) return PtrArg.MAP;
  if (baseType(reg.type) === RegType.PTR_TO_BTF_ID || REG_STRUCT[baseType(reg.type)]) {
    if (pointeeStruct(btf, target.id) === undefined) {
      env.fail(
        `kernel function ${desc.name} args#${argno} pointer type ${btfTypeStr(target.t)} ${target.t.name} is not supported`,
      );
    }
    return PtrArg.BTF_ID;
  }
  const ok =
    isScalarType(target.t) || isScalarStruct(btf, target.id) || (memSize && target.id === 0);
  if (!ok) {
    env.fail(
      `arg#${argno} pointer type ${btfTypeStr(target.t)} ${target.t.name} must point to ` +
        `${memSize ? "void, " : ""}scalar, or struct with scalar`,
    );
  }
  return memSize ? PtrArg.MEM_SIZE : PtrArg.MEM;
}

/** btf_struct_ids_match(): same struct, or (not strict) the first member's struct, recursively. */
function structMatches(reg: RegState, desc: KfuncDesc, want: number, strict: boolean): boolean {
  const wantName = desc.btf.type(want).name;
  if (reg.btf === null) return REG_STRUCT[baseType(reg.type)] === wantName;
  const btf = reg.btf.btf;
  let id = reg.btf.id;
  for (let depth = 0; depth < 32; depth++) {
    if ((btf === desc.btf && id === want) || btf.type(id).name === wantName) return true;
    if (strict) return false;
    const t = btf.type(id) as { members?: { type: number; bitOffset: number }[] };
    const first = t.members?.[0];
    if (!first || first.bitOffset !== 0) return false;
    const s = pointeeStruct(btf, first.type);
    if (s === undefined) return false;
    id = s;
  }
  return false;
}

/** check_kfunc_args(). */
function checkKfuncArgs(env: Env, meta: KfuncMeta): void {
  const { desc, proto } = meta;
  const btf = desc.btf;
  const nargs = proto.params.length;
  if (nargs > MAX_ARGS) env.fail(`Function ${desc.name} has ${nargs} > ${MAX_ARGS} args`);
  const trustedArgs = (desc.flags & KF.TRUSTED_ARGS) !== 0;
  // The arguments are used (liveness): a checkpoint before the call must not
  // forget them, least of all when an instance body branches on them.
  for (let r = 1; r <= nargs; r++) {
    const reg = env.regs[r]!;
    if (reg.type !== RegType.NOT_INIT) markRegRead(env, reg, reg.parent, REG_LIVE_READ64);
  }
  for (let i = 0; i < nargs; i++) {
    const regno = i + 1;
    const param: BtfParam = proto.params[i]!;
    const { t } = skipModifiers(btf, param.type);
    if (paramHasSuffix(param, "__ign")) continue;
    const reg = env.regs[regno]!;
    if (isScalarType(t)) {
      if (reg.type !== RegType.SCALAR_VALUE) env.fail(`R${regno} is not a scalar`);
      if (paramHasSuffix(param, "__k")) {
        if (reg.varOff.mask !== 0n) env.fail(`R${regno} must be a known constant`);
        meta.constant = reg.varOff.value;
        markChainPrecision(env, regno);
      } else if (param.name === "rdonly_buf_size" || param.name === "rdwr_buf_size") {
        if (meta.r0Size) env.fail("2 or more rdonly/rdwr_buf_size parameters for kfunc");
        if (reg.varOff.mask !== 0n) env.fail(`R${regno} is not a const`);
        meta.r0Size = Number(reg.varOff.value);
        meta.r0Rdonly = param.name === "rdonly_buf_size";
        markChainPrecision(env, regno);
      }
      continue;
    }
    if (!isPtrType(t)) env.fail(`Unrecognized arg#${i} type ${btfTypeStr(t)}`);
    if (trustedArgs && (regIsNull(reg) || typeMayBeNull(reg.type)) && !isNullableParam(param)) {
      env.fail(`Possibly NULL pointer passed to trusted arg${i}`);
    }
    if (reg.refObjId) {
      if (isRelease(meta) && meta.refObjId) {
        env.fail(
          `verifier internal error: more than one arg with ref_obj_id R${regno} ${reg.refObjId} ${meta.refObjId}`,
        );
      }
      meta.refObjId = reg.refObjId;
      if (isRelease(meta)) meta.releaseRegno = regno;
    }
    const kind = ptrArgKind(env, meta, i);
    if (kind === PtrArg.NULL) continue;
    if (kind === PtrArg.BTF_ID && trustedArgs && !isTrustedReg(reg))
      env.fail(`R${regno} must be referenced or trusted`);
    checkArgRegOff(env, reg, regno, isRelease(meta) && reg.refObjId !== 0);
    switch (kind) {
      case PtrArg.CTX:
        if (reg.type !== RegType.PTR_TO_CTX)
          env.fail(`arg#${i} expected pointer to ctx, but got ${regTypeStr(reg.type)}`);
        break;
      case PtrArg.DYNPTR:
        checkDynptrArg(env, meta, param, regno);
        break;
      case PtrArg.MAP:
        if (!reg.map) env.fail(`pointer in R${regno} isn't map pointer`);
        break;
      case PtrArg.BTF_ID: {
        const want = pointeeStruct(btf, pointee(btf, param)!.id)!;
        const strict = isRelease(meta) && reg.refObjId !== 0;
        if (!structMatches(reg, desc, want, strict)) {
          const have = reg.btf ? reg.btf.btf.type(reg.btf.id) : undefined;
          const haveText = have
            ? `${btfTypeStr(have)} ${have.name}`
            : `STRUCT ${REG_STRUCT[baseType(reg.type)]}`;
          env.fail(
            `kernel function ${desc.name} args#${i} expected pointer to STRUCT ${btf.type(want).name} but R${regno} has a pointer to ${haveText}`,
          );
        }
        break;
      }
      case PtrArg.MEM: {
        const target = pointee(btf, param)!;
        checkMemReg(env, regno, btf.sizeof(target.id));
        break;
      }
      case PtrArg.MEM_SIZE: {
        const sizeParam = proto.params[i + 1]!;
        const sizeReg = env.regs[regno + 1]!;
        if (!regIsNull(reg) || !isNullableParam(param)) {
          try {
            checkKfuncMemSizeReg(env, regno + 1);
          } catch (e) {
            // The kernel logs the access error, then names the pair.
            if (e instanceof Reject)
              env.fail(`arg#${i} arg#${i + 1} memory, len pair leads to invalid memory access`);
            throw e;
          }
        }
        if (paramHasSuffix(sizeParam, "__szk")) {
          if (sizeReg.varOff.mask !== 0n) env.fail(`R${regno + 1} must be a known constant`);
          meta.constant = sizeReg.varOff.value;
        }
        i++;
        break;
      }
    }
  }
  if (isRelease(meta) && !meta.releaseRegno)
    env.fail(`release kernel function ${desc.name} expects refcounted PTR_TO_BTF_ID`);
}

/** KF_ARG_PTR_TO_DYNPTR: process_dynptr_func with the kfunc's rules. */
function checkDynptrArg(env: Env, meta: KfuncMeta, param: BtfParam, regno: number): void {
  const reg = env.regs[regno]!;
  if (reg.type !== RegType.PTR_TO_STACK && reg.type !== RegType.CONST_PTR_TO_DYNPTR)
    env.fail(`arg#${regno - 1} expected pointer to stack or const struct bpf_dynptr`);
  const uninit = paramHasSuffix(param, "__uninit");
  let type: number = DynptrType.INVALID;
  let cloneRefObjId = 0;
  const name = meta.desc.name;
  if (name === "bpf_dynptr_from_skb") type = DynptrType.SKB;
  else if (name === "bpf_dynptr_from_xdp") type = DynptrType.XDP;
  else if (name === "bpf_dynptr_clone" && uninit) {
    if (!meta.dynptr) env.fail("verifier internal error: no dynptr type for parent of clone");
    type = meta.dynptr.type;
    cloneRefObjId = meta.dynptr.refObjId;
  }
  processDynptrArg(env, regno, {
    uninit,
    rdonly: reg.type === RegType.CONST_PTR_TO_DYNPTR,
    type: uninit ? type : DynptrType.INVALID,
    cloneRefObjId,
  });
  if (!uninit) {
    const st = dynptrState(env, env.regs[regno]!);
    meta.dynptr = { id: st.id, type: st.dynptrType, refObjId: st.refObjId };
  }
}

/** R0 for bpf_dynptr_slice / bpf_dynptr_slice_rdwr: memory of the `__szk` size inside the dynptr. */
function dynptrSliceRet(env: Env, meta: KfuncMeta, r0: RegState, rdwr: boolean): void {
  markRegKnownZero(r0);
  if (meta.constant === undefined)
    env.fail("verifier internal error: bpf_dynptr_slice(_rdwr) no constant size");
  if (!meta.dynptr) env.fail("verifier internal error: no dynptr id");
  r0.memSize = Number(meta.constant);
  r0.type = RegType.PTR_TO_MEM;
  if (!rdwr) r0.type |= TypeFlag.MEM_RDONLY;
  else if (!mayAccessDirectPktData(env, undefined, true))
    env.fail("the prog does not allow writes to packet data");
  r0.dynptrId = meta.dynptr.id;
  r0.dynptrType = meta.dynptr.type;
}

/** R0 from the prototype's return type (and the flags). */
function setReturn(env: Env, meta: KfuncMeta): void {
  const { desc, proto } = meta;
  const btf = desc.btf;
  const r0 = env.regs[0]!;
  const { t } = skipModifiers(btf, proto.type);
  const acquire = (desc.flags & KF.ACQUIRE) !== 0;
  const retNull = (desc.flags & KF.RET_NULL) !== 0;
  const structRet = isPtrType(t) && pointeeStruct(btf, (t as { type: number }).type) !== undefined;
  if (acquire && !structRet) env.fail("acquire kernel function does not return PTR_TO_BTF_ID");
  if (proto.type === 0) return; // void: R0 stays NOT_INIT
  if (isScalarType(t)) {
    markRegUnknown(r0, env.bpfCapable);
    r0.subregDef = btf.sizeof(proto.type) === 8 ? DEF_NOT_SUBREG : env.insnIdx + 1;
    return;
  }
  if (!isPtrType(t)) return;
  const ptrTo = (t as { type: number }).type;
  const target = skipModifiers(btf, ptrTo);
  if (desc.name === "bpf_dynptr_slice" || desc.name === "bpf_dynptr_slice_rdwr") {
    dynptrSliceRet(env, meta, r0, desc.name === "bpf_dynptr_slice_rdwr");
  } else if (target.id === 0) {
    // A kfunc returning `void *` returns a scalar.
    markRegUnknown(r0, env.bpfCapable);
  } else if (!structRet) {
    let size = meta.r0Size;
    let rdonly = meta.r0Rdonly;
    if (!size) {
      try {
        size = btf.sizeof(target.id);
        rdonly = true;
      } catch {
        size = 0;
      }
    }
    if (!size) {
      env.fail(
        `kernel function ${desc.name} returns pointer type ${btfTypeStr(target.t)} ${target.t.name} is not supported`,
      );
    }
    markRegKnownZero(r0);
    r0.type = RegType.PTR_TO_MEM | (rdonly ? TypeFlag.MEM_RDONLY : 0);
    r0.memSize = size;
    if (meta.refObjId) r0.refObjId = meta.refObjId;
  } else {
    markRegKnownZero(r0);
    r0.type = RegType.PTR_TO_BTF_ID | TypeFlag.PTR_TRUSTED;
    r0.btf = btfRef(btf, pointeeStruct(btf, ptrTo)!, true);
  }
  if (retNull) {
    r0.type |= TypeFlag.PTR_MAYBE_NULL;
    r0.id = ++env.idGen;
  }
  r0.subregDef = DEF_NOT_SUBREG;
  if (acquire) {
    const id = acquireReference(env);
    if (retNull) r0.id = id;
    r0.refObjId = id;
  }
}

/** check_kfunc_call(). */
export function checkKfuncCall(env: Env, insn: Insn): void {
  // An unresolved weak kfunc: skipped here, an error if it survives dead-code removal.
  if (insn.imm === 0) return;
  const desc = fetchKfunc(env, insn);
  // None of tsbpf's kfuncs is one of the graph/iterator kfuncs allowed under a lock.
  if (activeLocks(env.cur)) env.fail("function calls are not allowed while holding a lock");
  if (desc.flags & KF.DESTRUCTIVE && !env.sysBootCapable)
    env.fail("destructive kfunc calls require CAP_SYS_BOOT capability");
  if (desc.flags & KF.SLEEPABLE)
    env.fail(`program must be sleepable to call sleepable kfunc ${desc.name}`);
  const proto = desc.btf.type(desc.protoId) as BtfFuncProto;
  const meta: KfuncMeta = {
    desc,
    proto,
    refObjId: 0,
    releaseRegno: 0,
    r0Size: 0,
    r0Rdonly: false,
    constant: undefined,
    dynptr: undefined,
  };
  checkKfuncArgs(env, meta);
  // Inlinable kfunc: its own copy of the body is verified with what the
  // arguments are here; the call itself is checked exactly like any other.
  const instance = env.kfuncInstances.get(env.insnIdx);
  if (instance) pushKfuncInstance(env, desc, instance);
  if (meta.releaseRegno) {
    const reg = env.regs[meta.releaseRegno]!;
    if (meta.dynptr?.refObjId) unmarkStackSlotsDynptr(env, reg);
    else if (!releaseReference(env, reg.refObjId))
      env.fail(`kfunc ${desc.name}#${insn.imm} reference has not been acquired before`);
  }
  for (const r of CALLER_SAVED) {
    markRegNotInit(env.regs[r]!, env.bpfCapable);
    checkRegArg(env, r, DST_OP_NO_MARK);
    env.regs[r]!.subregDef = DEF_NOT_SUBREG;
  }
  setReturn(env, meta);
}
