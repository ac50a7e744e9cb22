// Shared fixtures of the kfunc tests: the RFC's test module of inlinable
// kfuncs (bodies with branches decided by constant, NULL and dynptr
// arguments, callee-saved registers, r10 use and escapes), and helpers that
// verify assembly against a runtime's kfuncs and print the rewritten program.
import { assemble, type Insn } from "../../src/isa/index.ts";
import { Runtime } from "../../src/runtime/index.ts";
import { defineKfuncModule, KF, type KfuncModule } from "../../src/kfuncs/index.ts";
import { verify, type VerifyOptions, type VerifyResult } from "../../src/verifier/index.ts";
import { xlatedOfVerified } from "../../src/fixup/index.ts";
import { DynptrType } from "../../src/verifier/kfuncs/types.ts";
import { expect } from "vitest";

/** The RFC's bpf_test_inline_kfunc1..8 (test_inlinable_kfuncs.c), with host twins. */
export function testModule(): KfuncModule {
  return defineKfuncModule("test_inlinable", [
    {
      name: "bpf_test_inline_kfunc1",
      proto: "int bpf_test_inline_kfunc1(int p)",
      // The RFC's body compares the whole register: so does its twin.
      impl: (_k, p) => (p === 1n ? 11 : p === 2n ? 22 : 42),
      body: {
        asm: `
          r0 = 42
          if r1 != 1 goto +1
          r0 = 11
          if r1 != 2 goto +1
          r0 = 22
          exit`,
      },
    },
    {
      name: "bpf_test_inline_kfunc2",
      proto: "int bpf_test_inline_kfunc2(int *p)",
      impl: (_k, p) => (p === 0n ? 24 : 42),
      body: { asm: "r0 = 42\nif r1 != 0 goto +1\nr0 = 24\nexit" },
    },
    {
      name: "bpf_test_inline_kfunc3",
      proto: "int bpf_test_inline_kfunc3(void *p, u64 p__sz)",
      impl: () => 0,
      body: { asm: "r1 = *(u64 *)(r1 + 0)\n*(u64 *)(r1 + 0) = 42\nr0 = 0\nexit" },
    },
    {
      // Not from the RFC: a body that spills the kernel's pointer and uses it after.
      name: "bpf_test_inline_spill",
      proto: "u64 bpf_test_inline_spill(u64 *p)",
      impl: (k, p) => k.mem.dv.getBigUint64(Number(p), true),
      body: {
        asm: "*(u64 *)(r10 - 8) = r1\nr1 = 0\nr1 = *(u64 *)(r10 - 8)\nr0 = *(u64 *)(r1 + 0)\nexit",
      },
    },
    {
      name: "bpf_test_inline_kfunc4",
      proto: "int bpf_test_inline_kfunc4(void)",
      impl: () => 0,
      body: { asm: "r0 = 0\nr1 = 1\nr2 = 2\nr6 = 3\nr7 = 4\nexit" },
    },
    {
      name: "bpf_test_inline_kfunc5",
      proto: "int bpf_test_inline_kfunc5(const struct bpf_dynptr *d)",
      impl: (k, d) => {
        const type = (k.mem.dv.getUint32(Number(d) + 8, true) >>> 28) & 7;
        return type === DynptrType.SKB ? 1 : type === DynptrType.XDP ? 2 : 3;
      },
      body: {
        asm: `
            r1 = *(u32 *)(r1 + 8)
            r1 &= 0x7fffffff
            r1 >>= 28
            if r1 != 3 goto l1
            r0 = 1
            goto l3
        l1: if r1 != 4 goto l2
            r0 = 2
            goto l3
        l2: r0 = 3
        l3: exit`,
      },
    },
    {
      name: "bpf_test_inline_kfunc6",
      proto: "int bpf_test_inline_kfunc6(void)",
      impl: () => 0,
      body: { asm: "r0 = 0\n*(u64 *)(r10 - 8) = r0\nr0 = *(u64 *)(r10 - 8)\nr6 = 1\nexit" },
    },
    {
      name: "bpf_test_inline_kfunc7",
      proto: "int bpf_test_inline_kfunc7(void)",
      impl: () => 0,
      body: { asm: "r0 = 0\n*(u64 *)(r10 - 8) = r10\nexit" },
    },
    {
      name: "bpf_test_inline_kfunc8",
      proto: "int bpf_test_inline_kfunc8(void)",
      impl: () => 0,
      body: { asm: "r0 = 0\nr1 = r10\nexit" },
    },
  ]);
}

/** kfuncs for the argument and flag checks of check_kfunc_call. */
export function checksModule(): KfuncModule {
  const k = (name: string, proto: string, flags = 0, extra: object = {}) => ({
    name,
    proto,
    flags,
    impl: () => 0,
    ...extra,
  });
  return defineKfuncModule("test_checks", [
    k("bpf_kf_scalar", "int bpf_kf_scalar(u32 a, u64 b__k)"),
    k("bpf_kf_mem", "int bpf_kf_mem(void *buf, u32 buf__sz)"),
    k("bpf_kf_mem_opt", "int bpf_kf_mem_opt(void *buf__nullable, u32 buf__sz)"),
    k("bpf_kf_fixed", "int bpf_kf_fixed(u64 *p)"),
    k("bpf_test_acquire", "struct test_ref *bpf_test_acquire(u64 key)", KF.ACQUIRE | KF.RET_NULL),
    k("bpf_test_release", "void bpf_test_release(struct test_ref *p)", KF.RELEASE),
    k("bpf_kf_trusted", "int bpf_kf_trusted(struct test_ref *p)", KF.TRUSTED_ARGS),
    k("bpf_kf_destructive", "void bpf_kf_destructive(void)", KF.DESTRUCTIVE),
    k("bpf_kf_sleepable", "void bpf_kf_sleepable(void)", KF.SLEEPABLE),
    k("bpf_kf_xdp_only", "int bpf_kf_xdp_only(void)", 0, { progTypes: [6] }),
    k("bpf_kf_rdonly", "int *bpf_kf_rdonly(struct test_ref *p, const int rdonly_buf_size)"),
    k("bpf_kf_ptrptr", "int bpf_kf_ptrptr(struct test_ref **pp)"),
    k("bpf_kf_host_only", "int bpf_kf_host_only(void)", 0, { internal: true }),
  ]);
}

/** `call NAME` of a kfunc becomes `call NAME#id` for the assembler. */
export function asmWithKfuncs(rt: Runtime, text: string): Insn[] {
  const resolved = text.replace(/\bcall\s+([A-Za-z_]\w*)\s*$/gm, (m, name: string) => {
    const id = rt.kfuncs.id(name);
    return id === undefined ? m : `call ${name}#${id}`;
  });
  return assemble(resolved);
}

export interface Checked {
  result: VerifyResult;
  xlated: string[];
  insns: Insn[];
}

/** Verify assembly against the runtime's kfuncs; the xlated dump when accepted. */
export function check(
  rt: Runtime,
  text: string,
  opts: Omit<VerifyOptions, "kfuncs"> & { inline?: boolean },
): Checked {
  const insns = asmWithKfuncs(rt, text);
  const result = verify(insns, { ...opts, kfuncs: rt.kfuncs, inlineKfuncs: opts.inlineKfuncs });
  const xlated = result.accepted
    ? xlatedOfVerified(result.insns ?? insns, result.aux, {
        progType: opts.progType,
        kfuncInstances: result.kfuncInstances,
        inlineKfuncs: opts.inline,
      }).map((l) => l.trim())
    : [];
  return { result, xlated, insns };
}

/** A runtime with the RFC test module registered. */
export function testRuntime(): Runtime {
  const rt = new Runtime();
  rt.kernel.struct("test_ref", "u64 key; u32 count;");
  rt.kfuncs.register(testModule());
  rt.kfuncs.register(checksModule());
  return rt;
}

export type Mode = "call" | "inline" | "inline+prune";
export const MODES: Mode[] = ["call", "inline", "inline+prune"];

export interface Input {
  ctx?: Uint8Array;
  data?: Uint8Array;
}

/** r0 (and output bytes) of `asm` on every input, for each way of calling and engine. */
export function outcomes(
  r: Runtime,
  asm: string,
  type: number,
  inputs: readonly Input[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const mode of MODES)
    for (const engine of ["interp", "jit"] as const) {
      const p = r.loadProgram({
        insns: typeof asm === "string" ? asmWithKfuncs(r, asm) : asm,
        type,
        verify: true,
        logLevel: 0,
        engine,
        inlineKfuncs: mode !== "call",
        pruneKfuncs: mode === "inline+prune",
      });
      const res = inputs.map((inp) => {
        const t = p.testRun(inp);
        return `${t.r0.toString(16)}${t.data ? ":" + Buffer.from(t.data).toString("hex") : ""}`;
      });
      out.set(`${mode}/${engine}`, res);
      p.close();
    }
  return out;
}

export function expectAllAgree(results: Map<string, string[]>): string[] {
  const [first, ...rest] = [...results.entries()];
  for (const [name, res] of rest) expect(res, name).toEqual(first![1]);
  return first![1];
}
