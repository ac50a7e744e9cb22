// The function model (the kernel's struct btf_func_model): what a trampoline
// needs to know of a target function's prototype — how many arguments, the
// size and signedness of each, and of the return value. It is distilled from
// BTF the way btf_distill_func_proto does, with the kernel's log messages:
// integers, enums and pointers (8 bytes) are allowed, void returns size 0,
// anything else — struct/union by value, floats, arrays, variadic — is refused.
//
// One deliberate difference: Linux accepts structs of up to 16 bytes passed
// by value (BTF_FMODEL_STRUCT_ARG, two registers); tsbpf refuses every struct
// by value with the same "arg%d type %s is unsupported" message, since a host
// function has no register pair to spread one over.
import type { Btf } from "../btf/btf.ts";
import { BTF_INT_BOOL, BTF_INT_SIGNED, BtfKind, kindName, type BtfType } from "../btf/types.ts";
import { FuncModelError } from "./errors.ts";

/** Arguments a traced function may have (MAX_BPF_FUNC_ARGS). */
export const MAX_BPF_FUNC_ARGS = 12;
/** Arguments a BPF function receives in registers (MAX_BPF_FUNC_REG_ARGS). */
export const MAX_BPF_FUNC_REG_ARGS = 5;

export type ValueKind = "int" | "bool" | "enum" | "ptr";

/** One argument or the return value. */
export interface ValueModel {
  /** Bytes: 1, 2, 4 or 8 (pointers are 8). */
  size: 1 | 2 | 4 | 8;
  /** Sign-extended into its u64 slot (BTF_FMODEL_SIGNED_ARG; signed enums too). */
  signed: boolean;
  kind: ValueKind;
  /** BTF id as declared (modifiers and typedefs kept), 0 in a conservative model. */
  typeId: number;
  /** Parameter name, when BTF has one. */
  name: string;
}

export interface FuncModel {
  /** Function name (for messages). */
  name: string;
  args: readonly ValueModel[];
  /** Undefined for a void function (ret_size 0). */
  ret: ValueModel | undefined;
  /**
   * The prototype could not be trusted (a BPF function whose BTF disagrees
   * with what the verifier saw): MAX_BPF_FUNC_REG_ARGS u64 scalars and a u64
   * return, as the kernel falls back to.
   */
  conservative: boolean;
}

const U64_SCALAR = (name: string): ValueModel => ({
  size: 8,
  signed: false,
  kind: "int",
  typeId: 0,
  name,
});

/** The kernel's fallback model: five u64 arguments, a u64 return. */
export function conservativeModel(name: string): FuncModel {
  const args = Array.from({ length: MAX_BPF_FUNC_REG_ARGS }, (_, i) => U64_SCALAR(`arg${i}`));
  return { name, args, ret: U64_SCALAR(""), conservative: true };
}

const kindOf = (t: BtfType): string => kindName(t.kind);

/**
 * __get_type_size: the size of a value of type `id` once modifiers and
 * typedefs are skipped, or a negative number for types a register cannot
 * carry; `resolved` is the type reached (void for id 0).
 */
function valueOf(
  btf: Btf,
  id: number,
  name: string,
): { size: number; resolved: BtfType; model?: ValueModel } {
  if (id === 0) return { size: 0, resolved: btf.type(0) };
  const r = btf.resolve(id);
  switch (r.kind) {
    case BtfKind.PTR:
      return {
        size: 8,
        resolved: r,
        model: { size: 8, signed: false, kind: "ptr", typeId: id, name },
      };
    case BtfKind.INT: {
      const kind: ValueKind = r.encoding & BTF_INT_BOOL ? "bool" : "int";
      const signed = (r.encoding & BTF_INT_SIGNED) !== 0;
      return { size: r.size, resolved: r, model: valueModel(r.size, signed, kind, id, name) };
    }
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
      return { size: r.size, resolved: r, model: valueModel(r.size, r.signed, "enum", id, name) };
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return { size: r.size, resolved: r };
    default:
      return { size: -1, resolved: r };
  }
}

function valueModel(
  size: number,
  signed: boolean,
  kind: ValueKind,
  typeId: number,
  name: string,
): ValueModel | undefined {
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return undefined;
  return { size, signed, kind, typeId, name };
}

/**
 * btf_distill_func_proto: the model of `funcId`, a FUNC (or FUNC_PROTO) of
 * `btf`. Throws FuncModelError with the kernel's message when the prototype
 * cannot be traced.
 */
export function distillFuncProto(btf: Btf, funcId: number, name?: string): FuncModel {
  let t = btf.type(funcId);
  let fname = name ?? t.name;
  if (t.kind === BtfKind.FUNC) {
    fname = name ?? t.name;
    t = btf.type(t.type);
  }
  if (t.kind !== BtfKind.FUNC_PROTO) {
    throw new FuncModelError(`[${funcId}] ${btf.describe(funcId)} is not a function`);
  }
  const params = t.params;
  if (params.length > MAX_BPF_FUNC_ARGS) {
    throw new FuncModelError(`The function ${fname} has ${params.length} arguments. Too many.`);
  }
  const r = valueOf(btf, t.type, "");
  let ret: ValueModel | undefined;
  if (r.size !== 0) {
    if (r.size < 0 || !r.model) {
      throw new FuncModelError(
        `The function ${fname} return type ${kindOf(r.resolved)} is unsupported.`,
      );
    }
    ret = r.model;
  }
  const args: ValueModel[] = [];
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (i === params.length - 1 && p.type === 0) {
      throw new FuncModelError(`The function ${fname} with variable args is unsupported.`);
    }
    const a = valueOf(btf, p.type, p.name);
    if (a.size === 0)
      throw new FuncModelError(`The function ${fname} has malformed void argument.`);
    if (!a.model) {
      throw new FuncModelError(
        `The function ${fname} arg${i} type ${kindOf(a.resolved)} is unsupported.`,
      );
    }
    args.push(a.model);
  }
  return { name: fname, args, ret, conservative: false };
}
