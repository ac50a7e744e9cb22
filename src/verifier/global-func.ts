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

/**
 * btf_type_skip_modifiers(): typedefs and qualifiers skipped (all of them,
 * or up to the first typedef). Bounded: a looping chain ends on a modifier,
 * which no caller accepts as a context, scalar or memory type.
 */
function skipMods(btf: Btf, t: BtfType, keepTypedef = false): BtfType {
  for (let i = 0; i < 32 && isModifier(t); i++) {
    if (keepTypedef && t.kind === BtfKind.TYPEDEF) break;
    t = btf.type((t as { type: number }).type);
  }
  return t;
}

const skipModifiers = (btf: Btf, id: number): BtfType => skipMods(btf, btf.type(id));

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
    t = skipMods(btf, t, true);
    if (t.kind === BtfKind.TYPEDEF && t.name === typedef) return true;
  }
  t = skipMods(btf, t);
  if (t.kind !== BtfKind.STRUCT) return false;
  const want = progCtxStructName(progType);
  return want !== undefined && t.name === want;
}

/**
 * btf_validate_prog_ctx_type(): an argument tagged __arg_ctx must point to
 * the context struct, or be `void *` (or a u64 array for the types whose
 * context is one).
 */
function validateTaggedCtx(
  env: Env,
  btf: Btf,
  ptrTarget: number,
  arg: number,
  out: string[],
): boolean {
  let t = btf.type(ptrTarget);
  const typedef = progCtxTypedefName(env.progType);
  if (typedef) {
    t = skipMods(btf, t, true);
    if (t.kind === BtfKind.TYPEDEF && t.name === typedef) return true;
  }
  t = skipMods(btf, t);
  if (t.kind === BtfKind.UNKN) return true; // `void *ctx __arg_ctx`
  if (t.name === "") {
    say(env, out, `arg#${arg} type doesn't have a name`);
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
    case ProgType.TRACEPOINT:
    case ProgType.SYSCALL:
    case ProgType.EXT:
      return true; // anything goes
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
    say(env, out, `arg#${arg} should be void pointer`);
    return false;
  }
  if (t.kind !== BtfKind.STRUCT || t.name !== want) {
    say(env, out, `arg#${arg} should be \`struct ${want} *\``);
    return false;
  }
  return true;
}

/**
 * btf_prepare_func_args(): the argument kinds of `subprog` from its BTF
 * prototype. Problems are logged only for global functions (a static
 * function's BTF may legitimately disagree with the optimised code).
 */
export function prepareFuncArgs(
  env: Env,
  subprog: number,
  out: string[] = [],
): SubprogArg[] | ArgsError {
  const meta = subprogMeta(env, subprog);
  if (meta.args) return meta.args;
  const { btf, records } = funcInfoOf(env);
  const global = meta.global;
  if (!btf || !records) {
    say(env, out, "verifier bug: func_info undefined");
    return "EFAULT";
  }
  const fnId = meta.typeId;
  if (!fnId) {
    if (!global) return "EINVAL";
    say(env, out, "Global functions need valid BTF");
    return "EFAULT";
  }
  const fn = btf.type(fnId);
  if (fn.kind !== BtfKind.FUNC) {
    say(env, out, `BTF of func#${subprog} doesn't point to KIND_FUNC`);
    return "EFAULT";
  }
  const tname = fn.name;
  const proto = btf.has(fn.type) ? btf.type(fn.type) : undefined;
  if (!proto || proto.kind !== BtfKind.FUNC_PROTO) {
    say(env, out, `Invalid type of function ${tname}()`);
    return "EFAULT";
  }
  const nargs = proto.params.length;
  if (nargs > MAX_REG_ARGS) {
    if (!global) return "EINVAL";
    say(
      env,
      out,
      `Global function ${tname}() with ${nargs} > ${MAX_REG_ARGS} args. Buggy compiler.`,
    );
    return "EINVAL";
  }
  const ret = skipModifiers(btf, proto.type);
  if (!isIntOrEnum(ret) && ret.kind !== BtfKind.UNKN) {
    if (!global) return "EINVAL";
    say(env, out, `Global function ${tname}() doesn't return scalar. Only those are supported.`);
    return "EINVAL";
  }
  const args: SubprogArg[] = [];
  for (let i = 0; i < nargs; i++) {
    let tags = 0;
    for (const tag of argTags(btf, fnId, i)) {
      if (!global) {
        say(env, out, `arg#${i} type tag is not supported in static functions`);
        return "EOPNOTSUPP";
      }
      const bit = TAGS[tag];
      if (!bit) {
        say(env, out, `arg#${i} has unsupported set of tags`);
        return "EOPNOTSUPP";
      }
      tags |= bit;
    }
    const t = skipModifiers(btf, proto.params[i]!.type);
    if (t.kind === BtfKind.PTR) {
      if (tags & ARG_TAG_CTX || isProgCtxType(btf, t.type, env.progType)) {
        if (tags & ~ARG_TAG_CTX) {
          say(env, out, `arg#${i} has invalid combination of tags`);
          return "EINVAL";
        }
        if (tags & ARG_TAG_CTX && !validateTaggedCtx(env, btf, t.type, i, out)) return "EINVAL";
        args.push({ kind: "ctx", memSize: 0, maybeNull: false });
        continue;
      }
      if (global) {
        // A generic pointer to user data of the pointee's size.
        if (tags & ARG_TAG_NULLABLE) {
          say(env, out, `arg#${i} has invalid combination of tags`);
          return "EINVAL";
        }
        const pointee = skipModifiers(btf, t.type);
        let size: number;
        try {
          size = btf.sizeof(btf.skipModsAndTypedefs(t.type));
        } catch {
          say(
            env,
            out,
            `arg#${i} reference type('${kindName(pointee.kind)} ${pointee.name}') size cannot be determined: -22`,
          );
          return "EINVAL";
        }
        args.push({ kind: "mem", memSize: size, maybeNull: !(tags & ARG_TAG_NONNULL) });
        continue;
      }
    }
    if (tags) {
      say(env, out, `arg#${i} has pointer tag, but is not a pointer type`);
      return "EINVAL";
    }
    if (isIntOrEnum(t)) {
      args.push({ kind: "scalar", memSize: 0, maybeNull: false });
      continue;
    }
    if (!global) return "EINVAL";
    say(env, out, `Arg#${i} type ${kindName(t.kind)} in ${tname}() is not supported yet.`);
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
function passes(env: Env, out: string[], check: () => void): boolean {
  const n = env.errLines.length;
  try {
    check();
    return true;
  } catch (e) {
    if (!(e instanceof Reject)) throw e;
    out.push(...env.errLines.slice(n));
    env.errLines.length = n;
    return false;
  }
}

/** Log a line (bpf_log) and keep it for the caller's error report. */
function say(env: Env, out: string[], line: string): void {
  env.verbose(line + "\n");
  out.push(line);
}

/** check_mem_reg(): the callee may read and write `size` bytes behind `regno` (or get NULL). */
function checkMemReg(env: Env, regno: number, size: number, out: string[]): boolean {
  const reg = env.regs[regno]!;
  if (regIsNull(reg)) return true;
  const saved = typeMayBeNull(reg.type) ? cloneReg(reg) : null;
  if (saved) markPtrNotNullReg(reg);
  const ok =
    passes(env, out, () => checkHelperMemAccess(env, regno, size, BPF_READ, true, null)) &&
    passes(env, out, () => checkHelperMemAccess(env, regno, size, BPF_WRITE, true, null));
  if (saved) assignReg(reg, saved);
  return ok;
}

/** btf_check_func_arg_match(): do the caller's R1..R5 suit the prototype? */
function checkFuncArgMatch(
  env: Env,
  subprog: number,
  regs: RegState[],
  out: string[],
): ArgsError | undefined {
  const args = prepareFuncArgs(env, subprog, out);
  if (typeof args === "string") return args;
  for (let i = 0; i < args.length; i++) {
    const regno = i + 1;
    const reg = regs[regno]!;
    const arg = args[i]!;
    if (arg.kind === "scalar") {
      if (reg.type !== RegType.SCALAR_VALUE) {
        say(env, out, `R${regno} is not a scalar`);
        return "EINVAL";
      }
    } else if (arg.kind === "ctx") {
      if (!passes(env, out, () => checkFuncArgRegOff(env, reg, regno, 0))) return "EINVAL";
      if (reg.type !== RegType.PTR_TO_CTX) {
        say(env, out, `arg#${i} expects pointer to ctx`);
        return "EINVAL";
      }
    } else {
      if (!passes(env, out, () => checkFuncArgRegOff(env, reg, regno, 0))) return "EINVAL";
      if (!checkMemReg(env, regno, arg.memSize, out)) return "EINVAL";
      if (!arg.maybeNull && typeMayBeNull(reg.type)) {
        say(env, out, `arg#${i} is expected to be non-NULL`);
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
 * The lines explaining a mismatch are logged and collected in `out`.
 */
export function checkSubprogCall(
  env: Env,
  subprog: number,
  regs: RegState[],
  out: string[] = [],
): ArgsError | undefined {
  const { records } = funcInfoOf(env);
  if (!records) return "EINVAL";
  const meta = subprogMeta(env, subprog);
  if (!meta.typeId) return "EFAULT";
  if (meta.unreliable) return "EINVAL";
  const err = checkFuncArgMatch(env, subprog, regs, out);
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
