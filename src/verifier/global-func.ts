// Functions described by BTF (kernel/bpf/btf.c btf_prepare_func_args and
// verifier.c btf_check_func_arg_match / btf_check_subprog_call): the
// argument kinds a function's prototype gives it (context, scalar, pointer
// to sized memory, with the `arg:` decl tags), checked against what a caller
// passes. A global function is verified once, on its own, against its
// prototype; its callers only check their arguments. A static function whose
// prototype does not match a call is marked unreliable (tracing then sees
// its arguments as plain u64s) and is verified in context as usual.
import type { Btf } from "../btf/btf.ts";
import { BtfKind, kindName, type BtfType } from "../btf/types.ts";
import { AttachType, ProgType } from "../uapi/prog-types.ts";
import { BPF_READ, BPF_WRITE } from "./check-mem.ts";
import { checkFuncArgRegOff, checkHelperMemAccess } from "./check-call.ts";
import type { Env } from "./env.ts";
import { Reject } from "./errors.ts";
import { funcInfoOf, subprogMeta, type SubprogArg } from "./func-info.ts";
import { markPtrNotNullReg } from "./check-jmp.ts";
import { progCtxStructName, progCtxTypedefName } from "./ctx/prog-ctx-types.ts";
import { assignReg, cloneReg, regIsNull, type RegState } from "./regs.ts";
import { RegType, typeMayBeNull } from "./reg-types.ts";

/** MAX_BPF_FUNC_REG_ARGS. */
const MAX_REG_ARGS = 5;

/** Why preparing or matching failed: EINVAL (mismatch / no BTF) or EFAULT (broken BTF: abort). */
export type ArgsError = "EINVAL" | "EFAULT" | "EOPNOTSUPP";

const ARG_TAG_CTX = 1;
const ARG_TAG_NONNULL = 2;
const ARG_TAG_NULLABLE = 4;
const TAGS: Record<string, number> = {
  ctx: ARG_TAG_CTX,
  nonnull: ARG_TAG_NONNULL,
  nullable: ARG_TAG_NULLABLE,
};

/** `arg:` decl tags of each FUNC parameter, indexed once per BTF. */
const argTagCache = new WeakMap<Btf, Map<number, Map<number, string[]>>>();

function argTags(btf: Btf, funcId: number, arg: number): string[] {
  let byFunc = argTagCache.get(btf);
  if (!byFunc) {
    byFunc = new Map();
    btf.types.forEach((t) => {
      if (t.kind !== BtfKind.DECL_TAG || !t.name.startsWith("arg:")) return;
      let byArg = byFunc!.get(t.type);
      if (!byArg) byFunc!.set(t.type, (byArg = new Map()));
      const list = byArg.get(t.componentIdx) ?? [];
      list.push(t.name.slice(4));
      byArg.set(t.componentIdx, list);
    });
    argTagCache.set(btf, byFunc);
  }
  return byFunc.get(funcId)?.get(arg) ?? [];
}

const isModifier = (t: BtfType): boolean =>
  t.kind === BtfKind.TYPEDEF ||
  t.kind === BtfKind.VOLATILE ||
  t.kind === BtfKind.CONST ||
  t.kind === BtfKind.RESTRICT ||
  t.kind === BtfKind.TYPE_TAG;

/** btf_type_skip_modifiers(): typedefs and qualifiers skipped. */
function skipModifiers(btf: Btf, id: number): BtfType {
  let t = btf.type(id);
  for (let i = 0; i < 32 && isModifier(t); i++) t = btf.type((t as { type: number }).type);
  return t;
}

const isIntOrEnum = (t: BtfType): boolean =>
  t.kind === BtfKind.INT || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64;

/**
 * btf_is_prog_ctx_type(): does the pointer (PTR type `ptrId`) point to the
 * program type's context struct, compared by name (`struct __sk_buff {}` is
 * enough)? kprobes also take their typedef, bpf_user_pt_regs_t.
 */
function isProgCtxType(btf: Btf, ptrTarget: number, progType: number): boolean {
  let t = btf.type(ptrTarget);
  const typedef = progCtxTypedefName(progType);
  if (typedef) {
    while (isModifier(t) && t.kind !== BtfKind.TYPEDEF) t = btf.type((t as { type: number }).type);
    if (t.kind === BtfKind.TYPEDEF && t.name === typedef) return true;
  }
  while (isModifier(t)) t = btf.type((t as { type: number }).type);
  if (t.kind !== BtfKind.STRUCT) return false;
  const want = progCtxStructName(progType);
  return want !== undefined && t.name === want;
}

/**
 * btf_validate_prog_ctx_type(): an argument tagged __arg_ctx must point to
 * the context struct, or be `void *` (or a u64 array for the types whose
 * context is one).
 */
function validateTaggedCtx(env: Env, btf: Btf, ptrTarget: number, arg: number): boolean {
  let t = btf.type(ptrTarget);
  const typedef = progCtxTypedefName(env.progType);
  if (typedef) {
    while (isModifier(t) && t.kind !== BtfKind.TYPEDEF) t = btf.type((t as { type: number }).type);
    if (t.kind === BtfKind.TYPEDEF && t.name === typedef) return true;
  }
  while (isModifier(t)) t = btf.type((t as { type: number }).type);
  if (t.kind === BtfKind.UNKN) return true; // `void *ctx __arg_ctx`
  if (t.name === "") {
    env.verbose(`arg#${arg} type doesn't have a name\n`);
    return false;
  }
  const u64 = t.kind === BtfKind.INT && t.size === 8;
  const at = env.expectedAttachType;
  switch (env.progType) {
    case ProgType.RAW_TRACEPOINT:
    case ProgType.RAW_TRACEPOINT_WRITABLE:
    case ProgType.LSM:
    case ProgType.STRUCT_OPS:
      if (u64) return true;
      break;
    case ProgType.TRACING:
      if (
        at === AttachType.TRACE_RAW_TP &&
        t.kind === BtfKind.STRUCT &&
        t.name === "bpf_raw_tracepoint_args"
      )
        return true;
      if (
        at === AttachType.TRACE_ITER &&
        t.kind === BtfKind.STRUCT &&
        t.name.startsWith("bpf_iter__")
      )
        return true;
      if (u64 && at !== AttachType.TRACE_ITER) return true;
      break;
  }
  const want = progCtxStructName(env.progType);
  if (want === undefined) {
    env.verbose(`arg#${arg} should be void pointer\n`);
    return false;
  }
  if (t.kind !== BtfKind.STRUCT || t.name !== want) {
    env.verbose(`arg#${arg} should be \`struct ${want} *\`\n`);
    return false;
  }
  return true;
}

/**
 * btf_prepare_func_args(): the argument kinds of `subprog` from its BTF
 * prototype. Problems are logged only for global functions (a static
 * function's BTF may legitimately disagree with the optimised code).
 */
export function prepareFuncArgs(env: Env, subprog: number): SubprogArg[] | ArgsError {
  const meta = subprogMeta(env, subprog);
  if (meta.args) return meta.args;
  const { btf, records } = funcInfoOf(env);
  const global = meta.global;
  if (!btf || !records) {
    env.verbose("verifier bug: func_info undefined\n");
    return "EFAULT";
  }
  const fnId = meta.typeId;
  if (!fnId) {
    if (!global) return "EINVAL";
    env.verbose("Global functions need valid BTF\n");
    return "EFAULT";
  }
  const fn = btf.type(fnId);
  if (fn.kind !== BtfKind.FUNC) {
    env.verbose(`BTF of func#${subprog} doesn't point to KIND_FUNC\n`);
    return "EFAULT";
  }
  const tname = fn.name;
  const proto = btf.has(fn.type) ? btf.type(fn.type) : undefined;
  if (!proto || proto.kind !== BtfKind.FUNC_PROTO) {
    env.verbose(`Invalid type of function ${tname}()\n`);
    return "EFAULT";
  }
  const nargs = proto.params.length;
  if (nargs > MAX_REG_ARGS) {
    if (!global) return "EINVAL";
    env.verbose(
      `Global function ${tname}() with ${nargs} > ${MAX_REG_ARGS} args. Buggy compiler.\n`,
    );
    return "EINVAL";
  }
  const ret = skipModifiers(btf, proto.type);
  if (!isIntOrEnum(ret) && ret.kind !== BtfKind.UNKN) {
    if (!global) return "EINVAL";
    env.verbose(`Global function ${tname}() doesn't return scalar. Only those are supported.\n`);
    return "EINVAL";
  }
  const args: SubprogArg[] = [];
  for (let i = 0; i < nargs; i++) {
    let tags = 0;
    for (const tag of argTags(btf, fnId, i)) {
      if (!global) {
        env.verbose(`arg#${i} type tag is not supported in static functions\n`);
        return "EOPNOTSUPP";
      }
      const bit = TAGS[tag];
      if (!bit) {
        env.verbose(`arg#${i} has unsupported set of tags\n`);
        return "EOPNOTSUPP";
      }
      tags |= bit;
    }
    const t = skipModifiers(btf, proto.params[i]!.type);
    if (t.kind === BtfKind.PTR) {
      if (tags & ARG_TAG_CTX || isProgCtxType(btf, t.type, env.progType)) {
        if (tags & ~ARG_TAG_CTX) {
          env.verbose(`arg#${i} has invalid combination of tags\n`);
          return "EINVAL";
        }
        if (tags & ARG_TAG_CTX && !validateTaggedCtx(env, btf, t.type, i)) return "EINVAL";
        args.push({ kind: "ctx", memSize: 0, maybeNull: false });
        continue;
      }
      if (global) {
        // A generic pointer to user data of the pointee's size.
        if (tags & ARG_TAG_NULLABLE) {
          env.verbose(`arg#${i} has invalid combination of tags\n`);
          return "EINVAL";
        }
        const pointee = skipModifiers(btf, t.type);
        let size: number;
        try {
          size = btf.sizeof(btf.skipModsAndTypedefs(t.type));
        } catch {
          env.verbose(
            `arg#${i} reference type('${kindName(pointee.kind)} ${pointee.name}') size cannot be determined: -22\n`,
          );
          return "EINVAL";
        }
        args.push({ kind: "mem", memSize: size, maybeNull: !(tags & ARG_TAG_NONNULL) });
        continue;
      }
    }
    if (tags) {
      env.verbose(`arg#${i} has pointer tag, but is not a pointer type\n`);
      return "EINVAL";
    }
    if (isIntOrEnum(t)) {
      args.push({ kind: "scalar", memSize: 0, maybeNull: false });
      continue;
    }
    if (!global) return "EINVAL";
    env.verbose(`Arg#${i} type ${kindName(t.kind)} in ${tname}() is not supported yet.\n`);
    return "EINVAL";
  }
  meta.args = args;
  return args;
}

/**
 * Run a check that reports through env.fail() and tell whether it passed.
 * The kernel logs these messages and returns an error code; here the lines
 * stay in the log but are taken out of the rejection reason, so a static
 * function's mismatch (which is not an error) does not leak into it.
 */
function passes(env: Env, check: () => void): boolean {
  const n = env.errLines.length;
  try {
    check();
    return true;
  } catch (e) {
    if (!(e instanceof Reject)) throw e;
    env.errLines.length = n;
    return false;
  }
}

/** check_mem_reg(): the callee may read and write `size` bytes behind `regno` (or get NULL). */
function checkMemReg(env: Env, regno: number, size: number): boolean {
  const reg = env.regs[regno]!;
  if (regIsNull(reg)) return true;
  const saved = typeMayBeNull(reg.type) ? cloneReg(reg) : null;
  if (saved) markPtrNotNullReg(reg);
  const ok =
    passes(env, () => checkHelperMemAccess(env, regno, size, BPF_READ, true, null)) &&
    passes(env, () => checkHelperMemAccess(env, regno, size, BPF_WRITE, true, null));
  if (saved) assignReg(reg, saved);
  return ok;
}

/** btf_check_func_arg_match(): do the caller's R1..R5 suit the prototype? */
function checkFuncArgMatch(env: Env, subprog: number, regs: RegState[]): ArgsError | undefined {
  const args = prepareFuncArgs(env, subprog);
  if (typeof args === "string") return args;
  for (let i = 0; i < args.length; i++) {
    const regno = i + 1;
    const reg = regs[regno]!;
    const arg = args[i]!;
    if (arg.kind === "scalar") {
      if (reg.type !== RegType.SCALAR_VALUE) {
        env.verbose(`R${regno} is not a scalar\n`);
        return "EINVAL";
      }
    } else if (arg.kind === "ctx") {
      if (!passes(env, () => checkFuncArgRegOff(env, reg, regno, 0))) return "EINVAL";
      if (reg.type !== RegType.PTR_TO_CTX) {
        env.verbose(`arg#${i} expects pointer to ctx\n`);
        return "EINVAL";
      }
    } else {
      if (!passes(env, () => checkFuncArgRegOff(env, reg, regno, 0))) return "EINVAL";
      if (!checkMemReg(env, regno, arg.memSize)) return "EINVAL";
      if (!arg.maybeNull && typeMayBeNull(reg.type)) {
        env.verbose(`arg#${i} is expected to be non-NULL\n`);
        return "EINVAL";
      }
    }
  }
  return undefined;
}

/**
 * btf_check_subprog_call(): compare a call's arguments with the callee's
 * BTF. Without func_info every call "mismatches" (EINVAL), which only
 * matters for global functions; a mismatch makes the function unreliable.
 */
export function checkSubprogCall(
  env: Env,
  subprog: number,
  regs: RegState[],
): ArgsError | undefined {
  const { records } = funcInfoOf(env);
  if (!records) return "EINVAL";
  const meta = subprogMeta(env, subprog);
  if (!meta.typeId) return "EFAULT";
  if (meta.unreliable) return "EINVAL";
  const err = checkFuncArgMatch(env, subprog, regs);
  if (err) meta.unreliable = true;
  return err;
}

/**
 * The main program's own BTF (do_check_common for subprog 0): a prototype
 * that is not `int f(ctx)` is not an error (old programs declare anything)
 * but makes it unreliable for tracing.
 */
export function checkMainProgBtf(env: Env): void {
  if (!funcInfoOf(env).records) return;
  const args = prepareFuncArgs(env, 0);
  if (typeof args === "string" || args.length !== 1 || args[0]!.kind !== "ctx") {
    subprogMeta(env, 0).unreliable = true;
  }
}
