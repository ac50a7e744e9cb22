// Turns the kernel-named type strings of the helper table into numbers:
// a base kind plus TypeFlag bits. Composite aliases are the kernel's own
// definitions (include/linux/bpf.h), e.g. ARG_PTR_TO_UNINIT_MEM.
import { TsbpfError } from "../../errors.ts";
import { TypeFlag } from "../reg-types.ts";
import { ArgKind, RetKind } from "./proto-types.ts";

export interface DecodedType {
  readonly kind: number;
  readonly flags: number;
}

const F = TypeFlag;

const ARG_ALIASES: Record<string, [keyof typeof ArgKind, number]> = {
  ARG_PTR_TO_MAP_VALUE_OR_NULL: ["ARG_PTR_TO_MAP_VALUE", F.PTR_MAYBE_NULL],
  ARG_PTR_TO_MEM_OR_NULL: ["ARG_PTR_TO_MEM", F.PTR_MAYBE_NULL],
  ARG_PTR_TO_CTX_OR_NULL: ["ARG_PTR_TO_CTX", F.PTR_MAYBE_NULL],
  ARG_PTR_TO_SOCKET_OR_NULL: ["ARG_PTR_TO_SOCKET", F.PTR_MAYBE_NULL],
  ARG_PTR_TO_STACK_OR_NULL: ["ARG_PTR_TO_STACK", F.PTR_MAYBE_NULL],
  ARG_PTR_TO_BTF_ID_OR_NULL: ["ARG_PTR_TO_BTF_ID", F.PTR_MAYBE_NULL],
  ARG_PTR_TO_UNINIT_MEM: ["ARG_PTR_TO_MEM", F.MEM_UNINIT | F.MEM_WRITE],
  ARG_PTR_TO_FIXED_SIZE_MEM: ["ARG_PTR_TO_MEM", F.MEM_FIXED_SIZE],
  ARG_PTR_TO_UNINIT_MAP_VALUE: ["ARG_PTR_TO_MAP_VALUE", F.MEM_UNINIT | F.MEM_WRITE],
};

const RET_ALIASES: Record<string, [keyof typeof RetKind, number]> = {
  RET_PTR_TO_MAP_VALUE_OR_NULL: ["RET_PTR_TO_MAP_VALUE", F.PTR_MAYBE_NULL],
  RET_PTR_TO_SOCKET_OR_NULL: ["RET_PTR_TO_SOCKET", F.PTR_MAYBE_NULL],
  RET_PTR_TO_TCP_SOCK_OR_NULL: ["RET_PTR_TO_TCP_SOCK", F.PTR_MAYBE_NULL],
  RET_PTR_TO_SOCK_COMMON_OR_NULL: ["RET_PTR_TO_SOCK_COMMON", F.PTR_MAYBE_NULL],
  RET_PTR_TO_RINGBUF_MEM_OR_NULL: ["RET_PTR_TO_MEM", F.MEM_RINGBUF | F.PTR_MAYBE_NULL],
  RET_PTR_TO_DYNPTR_MEM_OR_NULL: ["RET_PTR_TO_MEM", F.PTR_MAYBE_NULL],
  RET_PTR_TO_BTF_ID_OR_NULL: ["RET_PTR_TO_BTF_ID", F.PTR_MAYBE_NULL],
  RET_PTR_TO_BTF_ID_TRUSTED: ["RET_PTR_TO_BTF_ID", F.PTR_TRUSTED],
  RET_PTR_TO_MEM_OR_BTF_ID_OR_NULL: ["RET_PTR_TO_MEM_OR_BTF_ID", F.PTR_MAYBE_NULL],
};

function flagsOf(parts: string[], text: string): number {
  let flags = 0;
  for (const p of parts) {
    const f = (TypeFlag as Record<string, number>)[p];
    if (f === undefined)
      throw new TsbpfError(`helper table: unknown type flag '${p}' in '${text}'`);
    flags |= f;
  }
  return flags;
}

// Decoding is cached: the verifier decodes a helper's types at every call it checks.
const argCache = new Map<string, DecodedType>();
const retCache = new Map<string, DecodedType>();

export function decodeArgType(text: string): DecodedType {
  let d = argCache.get(text);
  if (!d) argCache.set(text, (d = decodeArgTypeUncached(text)));
  return d;
}

export function decodeRetType(text: string): DecodedType {
  let d = retCache.get(text);
  if (!d) retCache.set(text, (d = decodeRetTypeUncached(text)));
  return d;
}

function decodeArgTypeUncached(text: string): DecodedType {
  const [head, ...rest] = text.split("|").map((s) => s.trim());
  const alias = ARG_ALIASES[head!];
  const kind = alias ? ArgKind[alias[0]] : (ArgKind as Record<string, number>)[head!];
  if (kind === undefined) throw new TsbpfError(`helper table: unknown argument type '${text}'`);
  return { kind, flags: (alias ? alias[1] : 0) | flagsOf(rest, text) };
}

function decodeRetTypeUncached(text: string): DecodedType {
  const [head, ...rest] = text.split("|").map((s) => s.trim());
  const alias = RET_ALIASES[head!];
  const kind = alias ? RetKind[alias[0]] : (RetKind as Record<string, number>)[head!];
  if (kind === undefined) throw new TsbpfError(`helper table: unknown return type '${text}'`);
  return { kind, flags: (alias ? alias[1] : 0) | flagsOf(rest, text) };
}
