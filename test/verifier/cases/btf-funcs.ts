// BTF and func_info for assembly cases: one C prototype per function of the
// program, in address order ("int main(struct __sk_buff *skb)", "static int
// cb(u32 i, void *ctx)"). Functions are global unless declared static;
// `__arg_ctx`, `__arg_nonnull`, ... after a parameter become the `arg:` decl
// tags clang emits for them. Structs named in the prototypes get the sizes
// given (an empty struct of that size), or stay forward declarations.
import { BtfBuilder } from "../../../src/btf/builder.ts";
import { BtfLinkage } from "../../../src/btf/types.ts";
import type { Insn } from "../../../src/isa/insn.ts";
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from "../../../src/isa/opcodes.ts";
import { parseCFunc, type CType } from "../../../src/link/kernel/c-decl.ts";
import type { VerifyOptions } from "../../../src/verifier/index.ts";

/** Function entries: 0 and every call / function-address target (the verifier's subprograms). */
export function functionStarts(insns: readonly Insn[]): number[] {
  const starts = new Set([0]);
  insns.forEach((x, i) => {
    const call = x.code === 0x85 && x.src === BPF_PSEUDO_CALL;
    const func = x.code === 0x18 && x.src === BPF_PSEUDO_FUNC;
    if (call || func) starts.add(i + x.imm + 1);
  });
  return [...starts].sort((a, b) => a - b);
}

const INTS: Record<string, [number, boolean]> = {
  char: [1, true],
  "unsigned char": [1, false],
  short: [2, true],
  "unsigned short": [2, false],
  int: [4, true],
  "unsigned int": [4, false],
  long: [8, true],
  "unsigned long": [8, false],
  "long long": [8, true],
  "unsigned long long": [8, false],
  u8: [1, false],
  u16: [2, false],
  u32: [4, false],
  u64: [8, false],
  __u32: [4, false],
  __u64: [8, false],
  s32: [4, true],
  s64: [8, true],
  _Bool: [1, false],
};

/**
 * Verifier options carrying BTF and func_info for `decls` (one per function,
 * in order). Use as a case's `opts`.
 */
export function funcs(
  decls: string[],
  structs: Record<string, number> = {},
): (insns: Insn[]) => Partial<VerifyOptions> {
  return (insns) => {
    const starts = functionStarts(insns);
    if (starts.length !== decls.length)
      throw new Error(`${starts.length} functions (at ${starts}) but ${decls.length} prototypes`);
    const b = new BtfBuilder();
    const ids = new Map<string, number>();
    const named = (key: string, make: () => number): number => {
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = make()));
      return id;
    };
    const typeOf = (t: CType): number => {
      let id: number;
      const { kind, name } = t.base;
      if (kind === "name" && name === "void") id = 0;
      else if (kind === "name") {
        const int = INTS[name];
        if (!int) throw new Error(`unknown type ${name}`);
        id = named(name, () => b.addInt(name, int[0], { signed: int[1] }));
      } else if (kind === "struct") {
        const size = structs[name];
        id = named(`struct ${name}`, () =>
          size === undefined ? b.addFwd(name) : b.addStruct(name, size, []),
        );
      } else throw new Error(`unsupported type ${kind} ${name}`);
      for (let i = 0; i < t.ptr; i++) id = b.addPtr(id);
      return id;
    };
    const funcInfo = decls.map((text, i) => {
      const isStatic = /^\s*static\s+/.test(text);
      const tags: string[][] = [];
      const cleaned = text
        .replace(/^\s*static\s+/, "")
        .replace(/\(([^)]*)\)/, (_m, params: string) => {
          const ps = params.split(",").map((p, k) => {
            tags[k] = [...p.matchAll(/__arg_(\w+)/g)].map((m) => m[1]!);
            return p.replace(/__arg_\w+/g, "");
          });
          return `(${ps.join(",")})`;
        });
      const f = parseCFunc(cleaned);
      const proto = b.addFuncProto(
        typeOf(f.ret),
        f.params.map((p) => ({ name: p.name, type: typeOf(p.type) })),
      );
      const fn = b.addFunc(f.name, proto, isStatic ? BtfLinkage.STATIC : BtfLinkage.GLOBAL);
      tags.forEach((list, k) => list.forEach((tag) => b.addDeclTag(`arg:${tag}`, fn, k)));
      return { insnOff: starts[i]!, typeId: fn };
    });
    return { btf: b.build(), funcInfo };
  };
}
