// Functions described by BTF func_info: global functions are checked at
// their call sites against their prototype (context, scalar, pointer to
// sized memory that may be NULL, `__arg_*` tags) and verified once on their
// own after the main program; static ones are verified in context, and a
// call that contradicts their prototype only makes it unreliable. Also the
// func_info records themselves, the main program's context type, and the
// call-chain rules for tail calls. Translated in part from the selftests
// verifier_global_subprogs.c and test_global_func*.c.
import { expect } from "vitest";
import { BtfBuilder } from "../../../src/btf/builder.ts";
import type { VerifierCase } from "../harness.ts";
import { BPF_F_RDONLY_PROG, MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";
import { funcs } from "./btf-funcs.ts";

/** `.rodata` holding one frozen byte (a `const volatile bool`). */
const rodata = (value: number): MapInfo => ({
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 4,
  maxEntries: 1,
  flags: BPF_F_RDONLY_PROG,
  name: ".rodata",
  frozenValue: new Uint8Array([value, 0, 0, 0]),
});
/** `.bss`: int arr[1]; int unkn_idx; long stack[128] (at 8). */
const BSS: MapInfo = {
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 8 + 1024,
  maxEntries: 1,
  flags: 0,
  name: ".bss",
};
const PROG_ARRAY: MapInfo = {
  type: MapType.PROG_ARRAY,
  keySize: 4,
  valueSize: 4,
  maxEntries: 4,
  flags: 0,
};

const CTX = { __sk_buff: 192, xdp_md: 24, bpf_raw_tracepoint_args: 8, pt_regs: 168 };
const RAW_TP_MAIN = "int main(void *ctx)";

const raw = (c: Omit<VerifierCase, "type">): VerifierCase => ({ type: "raw_tracepoint", ...c });

export const cases: VerifierCase[] = [
  raw({
    name: "global subprogs: chained global function calls (success)",
    maps: [rodata(0), BSS],
    asm: `r1 = map[id:0][0]+0
      r1 = *(u8 *)(r1 + 0)
      r6 = 0
      if r1 == 0 goto l0
      call global_dead
      r6 = r0
    l0:
      call global_calls_good_only
      r0 += r6
      exit
    global_good:
      r1 = map[id:1][0]+0
      r0 = *(u32 *)(r1 + 0)
      exit
    global_calls_good_only:
      call global_good
      exit
    global_dead:
      r1 = map[id:1][0]+0
      r0 = *(u32 *)(r1 + 0)
      r0 *= 2
      exit`,
    opts: funcs([
      RAW_TP_MAIN,
      "long global_good(void)",
      "long global_calls_good_only(void)",
      "long global_dead(void)",
    ]),
    logHas: [
      "Func#2 ('global_calls_good_only') is global and assumed valid.",
      "Validating global_calls_good_only() func#2...",
      "Validating global_good() func#1...",
      "Func#1 ('global_good') is safe for any args that match its prototype",
    ],
    // Called only from dead code: never verified.
    logLacks: ["Validating global_dead()"],
  }),
  raw({
    name: "global subprogs: chained global function calls (bad)",
    maps: [BSS],
    asm: `call global_calls_bad
      exit
    global_bad:
      r1 = map[id:0][0]+4
      r1 = *(u32 *)(r1 + 0)
      r1 <<= 32
      r1 s>>= 32
      r1 <<= 2
      r2 = map[id:0][0]+0
      r2 += r1
      r0 = *(u32 *)(r2 + 0)
      exit
    global_good:
      r1 = map[id:0][0]+0
      r0 = *(u32 *)(r1 + 0)
      exit
    global_calls_bad:
      call global_good
      r6 = r0
      call global_bad
      r0 += r6
      exit`,
    opts: funcs([
      RAW_TP_MAIN,
      "long global_bad(void)",
      "long global_good(void)",
      "long global_calls_bad(void)",
    ]),
    err: "math between map_value pointer and register with unbounded min value is not allowed",
    logHas: [
      "Func#3 ('global_calls_bad') is global and assumed valid.",
      "Validating global_bad() func#1...",
    ],
  }),
  raw({
    name: "global subprogs: guarded unsupported global called",
    maps: [rodata(1)],
    asm: `r1 = map[id:0][0]+0
      r1 = *(u8 *)(r1 + 0)
      if r1 != 0 goto l0
      r1 = 0
      call global_unsupp
      exit
    l0:
      r0 = 0
      exit
    global_unsupp:
      if r1 != 0 goto l1
      r0 = 0
      exit
    l1:
      r0 = *(u32 *)(r1 + 400)
      exit`,
    opts: funcs([RAW_TP_MAIN, "int global_unsupp(const int *mem)"]),
  }),
  raw({
    name: "global subprogs: unguarded unsupported global called",
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r1 = r10
      r1 += -4
      call global_unsupp
      exit
    global_unsupp:
      if r1 != 0 goto l1
      r0 = 0
      exit
    l1:
      r0 = *(u32 *)(r1 + 400)
      exit`,
    opts: funcs([RAW_TP_MAIN, "int global_unsupp(const int *mem)"]),
    err: "R1 min value is outside of the allowed memory range",
    logHas: [
      "Func#1 ('global_unsupp') is global and assumed valid.",
      "Validating global_unsupp() func#1...",
      "invalid access to memory, mem_size=4 off=400 size=4",
    ],
  }),
  raw({
    name: "global subprogs: nullable pointer dereferenced without a check",
    asm: `r1 = 42
      *(u32 *)(r10 - 4) = r1
      r1 = r10
      r1 += -4
      call subprog_nullable_ptr_bad
      exit
    subprog_nullable_ptr_bad:
      r0 = *(u32 *)(r1 + 0)
      r0 <<= 1
      exit`,
    opts: funcs([RAW_TP_MAIN, "int subprog_nullable_ptr_bad(int *p)"]),
    err: "R1 invalid mem access 'mem_or_null'",
  }),
  {
    name: "global subprogs: the context is not user memory",
    type: "tracepoint",
    asm: `call subprog_user_anon_mem
      exit
    subprog_user_anon_mem:
      r0 = 0
      if r1 == 0 goto l0
      r0 = *(u32 *)(r1 + 0)
    l0:
      exit`,
    opts: funcs(["int main(void *ctx)", "int subprog_user_anon_mem(struct user_struct *t)"], {
      user_struct: 4,
    }),
    err: "invalid bpf_context access off=3 size=1\nCaller passes invalid args into func#1 ('subprog_user_anon_mem')",
  },
  {
    name: "global subprogs: user memory on the stack",
    type: "tracepoint",
    asm: `r1 = 42
      *(u32 *)(r10 - 4) = r1
      r1 = r10
      r1 += -4
      call subprog_user_anon_mem
      exit
    subprog_user_anon_mem:
      r0 = 0
      if r1 == 0 goto l0
      r0 = *(u32 *)(r1 + 0)
    l0:
      exit`,
    opts: funcs(["int main(void *ctx)", "int subprog_user_anon_mem(struct user_struct *t)"], {
      user_struct: 4,
    }),
    logHas: ["Func#1 ('subprog_user_anon_mem') is safe for any args that match its prototype"],
  },
  raw({
    name: "global subprogs: __arg_nonnull pointers need no NULL check",
    maps: [BSS],
    asm: `r1 = 74
      *(u32 *)(r10 - 4) = r1
      r1 = map[id:0][0]+0
      r2 = r10
      r2 += -4
      call subprog_nonnull_ptr_good
      exit
    subprog_nonnull_ptr_good:
      r0 = *(u32 *)(r1 + 0)
      r2 = *(u32 *)(r2 + 0)
      r0 *= r2
      exit`,
    opts: funcs([
      RAW_TP_MAIN,
      "int subprog_nonnull_ptr_good(int *p1 __arg_nonnull, int *p2 __arg_nonnull)",
    ]),
  }),
  raw({
    name: "global subprogs: __arg_nonnull refuses a maybe-NULL argument",
    maps: [{ type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r1 = r0
      call sub
      exit
    sub:
      r0 = *(u32 *)(r1 + 0)
      exit`,
    opts: funcs([RAW_TP_MAIN, "int sub(int *p __arg_nonnull)"]),
    err: "arg#0 is expected to be non-NULL\nCaller passes invalid args into func#1 ('sub')",
  }),
  raw({
    name: "global subprogs: __arg_ctx in raw_tp (void *, canonical struct, u64 array)",
    maps: [BSS],
    asm: `r6 = r1
      call subprog_ctx_tag
      r7 = r0
      r1 = r6
      call raw_tp_canonical
      r7 += r0
      r1 = r6
      call raw_tp_u64_array
      r0 += r7
      exit
    subprog_ctx_tag:
      r2 = map[id:0][0]+8
      r3 = 1024
      r4 = 0
      call bpf_get_stack
      exit
    raw_tp_canonical:
      r0 = 0
      exit
    raw_tp_u64_array:
      r0 = 0
      exit`,
    opts: funcs(
      [
        RAW_TP_MAIN,
        "int subprog_ctx_tag(void *ctx __arg_ctx)",
        "int raw_tp_canonical(struct bpf_raw_tracepoint_args *ctx __arg_ctx)",
        "int raw_tp_u64_array(u64 *ctx __arg_ctx)",
      ],
      CTX,
    ),
  }),
  {
    name: "global subprogs: __arg_ctx in a tracepoint takes any struct",
    type: "tracepoint",
    asm: `call tp_whatever
      exit
    tp_whatever:
      r0 = 0
      exit`,
    opts: funcs(["int main(void *ctx)", "int tp_whatever(struct whatever *ctx __arg_ctx)"], {
      whatever: 0,
    }),
  },
  {
    name: "global subprogs: __arg_ctx in a kprobe (pt_regs and its typedef)",
    type: "kprobe",
    asm: `r6 = r1
      call kprobe_subprog_pt_regs
      r1 = r6
      call kprobe_subprog_typedef
      exit
    kprobe_subprog_pt_regs:
      r0 = 0
      exit
    kprobe_subprog_typedef:
      r0 = 0
      exit`,
    opts: (insns) => {
      // bpf_user_pt_regs_t is a typedef of struct pt_regs: build it by hand.
      const o = funcs(
        [
          "int main(void *ctx)",
          "int kprobe_subprog_pt_regs(struct pt_regs *ctx __arg_ctx)",
          "int kprobe_subprog_typedef(struct pt_regs *ctx __arg_ctx)",
        ],
        CTX,
      )(insns);
      const btf = o.btf!;
      const types = btf.types.slice();
      const ptr = types.findIndex((t) => t.kind === 2 /* PTR */);
      const target = (types[ptr] as { type: number }).type;
      const typedefId = types.length;
      types.push({ kind: 8 /* TYPEDEF */, name: "bpf_user_pt_regs_t", type: target });
      types.push({ kind: 2, name: "", type: typedefId });
      const typedefPtr = types.length - 1;
      const fn = types[o.funcInfo![2]!.typeId] as { type: number };
      const proto = types[fn.type] as { params: { name: string; type: number }[] };
      types[fn.type] = { ...proto, params: [{ name: "ctx", type: typedefPtr }] } as never;
      return { ...o, btf: new (btf.constructor as new (t: unknown) => typeof btf)(types) };
    },
  },
  {
    name: "global subprogs: __arg_ctx of the wrong struct",
    type: "xdp",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct xdp_md *ctx)", "int f(struct __sk_buff *ctx __arg_ctx)"], CTX),
    err: "Caller passes invalid args into func#1 ('f')",
    logHas: ["arg#0 should be `struct xdp_md *`"],
  },
  {
    name: "global subprogs: __arg_ctx in a program type without a context struct",
    type: "tracing",
    attach: "TRACE_ITER",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(void *ctx)", "int f(struct foo *ctx __arg_ctx)"], { foo: 8 }),
    err: "Caller passes invalid args into func#1 ('f')",
    logHas: ["arg#0 should be void pointer"],
  },
  {
    name: "global subprogs: context argument recognised by its struct name",
    type: "sched_cls",
    asm: `call f
      exit
    f:
      r0 = *(u32 *)(r1 + 0)
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(struct __sk_buff *skb)"], CTX),
  },
  {
    name: "global subprogs: the context argument must be the context",
    type: "sched_cls",
    asm: `r1 = r10
      r1 += -8
      call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(struct __sk_buff *skb)"], CTX),
    err: "arg#0 expects pointer to ctx\nCaller passes invalid args into func#1 ('f')",
  },
  {
    name: "global subprogs: a modified context pointer (test_global_func6)",
    type: "sched_cls",
    asm: `r1 += 8
      call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(struct __sk_buff *skb)"], CTX),
    err: "dereference of modified ctx ptr R1 off=8 disallowed\nCaller passes invalid args into func#1 ('f')",
  },
  {
    name: "global subprogs: another program type's context is just sized memory",
    type: "xdp",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct xdp_md *ctx)", "int f(struct __sk_buff *skb)"], CTX),
    err: "R1 type=ctx expected=fp\nCaller passes invalid args into func#1 ('f')",
  },
  {
    name: "global subprogs: a scalar argument gets a pointer",
    type: "sched_cls",
    asm: `call f
      exit
    f:
      r0 = r1
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(int x)"], CTX),
    err: "R1 is not a scalar\nCaller passes invalid args into func#1 ('f')",
  },
  {
    name: "global subprogs: scalar arguments are unknown scalars in the function",
    type: "sched_cls",
    asm: `r1 = 1
      r2 = 2
      call f
      exit
    f:
      r0 = r1
      r0 += r2
      if r0 == 3 goto l0
      r0 = 0
    l0:
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(int a, long b)"], CTX),
    logHas: ["4: R1=scalar() R2=scalar() R10=fp0", /7: \(b7\) r0 = 0/],
  },
  {
    name: "global subprogs: more than five arguments",
    type: "sched_cls",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(
      ["int main(struct __sk_buff *skb)", "int f(int a, int b, int c, int d, int e, int g)"],
      CTX,
    ),
    err: "Caller passes invalid args into func#1 ('f')",
    logHas: ["Global function f() with 6 > 5 args. Buggy compiler."],
  },
  {
    name: "global subprogs: a global function must return a scalar (test_global_func7)",
    type: "sched_cls",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "struct foo *f(void)"], { ...CTX, foo: 8 }),
    err: "Caller passes invalid args into func#1 ('f')",
    logHas: ["Global function f() doesn't return scalar. Only those are supported."],
  },
  {
    name: "global subprogs: a pointer to a forward-declared struct",
    type: "sched_cls",
    asm: `r1 = 0
      call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(struct opaque *p)"], CTX),
    err: "Caller passes invalid args into func#1 ('f')",
    logHas: ["arg#0 reference type('FWD opaque') size cannot be determined: -22"],
  },
  {
    name: "global subprogs: a struct argument by value",
    type: "sched_cls",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(struct foo x)"], { ...CTX, foo: 8 }),
    err: "Caller passes invalid args into func#1 ('f')",
    logHas: ["Arg#0 type STRUCT in f() is not supported yet."],
  },
  {
    name: "global subprogs: returning the context pointer",
    type: "sched_cls",
    asm: `call f
      r0 = 0
      exit
    f:
      r0 = r1
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(struct __sk_buff *skb)"], CTX),
    err: "At subprogram exit the register R0 is not a scalar value (ctx)",
  },
  {
    name: "global subprogs: R0 is an unknown scalar after the call",
    type: "sched_cls",
    asm: `call f
      if r0 == 7 goto l0
      r0 = 0
      exit
    l0:
      r0 = 1
      exit
    f:
      r0 = 7
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(void)"], CTX),
    // The caller does not see f's body: both branches are explored.
    logHas: [/2: \(b7\) r0 = 0/, /4: \(b7\) r0 = 1/],
  },
  {
    name: "global subprogs: a global function that moves packet data invalidates packet pointers",
    type: "sched_cls",
    asm: `r6 = r1
      r2 = *(u32 *)(r6 + 76)
      r3 = *(u32 *)(r6 + 80)
      r4 = r2
      r4 += 8
      if r4 > r3 goto out
      r7 = r2
      r1 = r6
      call f
      r0 = *(u8 *)(r7 + 0)
    out:
      r0 = 0
      exit
    f:
      r2 = 0
      call bpf_skb_pull_data
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(struct __sk_buff *skb)"], CTX),
    err: "R7 invalid mem access 'scalar'",
  },
  {
    name: "global subprogs: calls not allowed while holding a spin lock",
    type: "sched_cls",
    maps: [
      {
        type: MapType.ARRAY,
        keySize: 4,
        valueSize: 8,
        maxEntries: 1,
        flags: 0,
        btfValueTypeId: 2,
        btfFields: [{ name: "bpf_spin_lock", off: 4, size: 4 }],
      },
    ],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r6 = r0
      r1 = r0
      r1 += 4
      call bpf_spin_lock
      call f
      r1 = r6
      r1 += 4
      call bpf_spin_unlock
      r0 = 0
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "int f(void)"], CTX),
    err: "global function calls are not allowed while holding a lock,\nuse static function instead",
  },
  // Static functions: BTF only informs tracing.
  {
    name: "static functions: a call that contradicts the prototype marks it unreliable",
    type: "sched_cls",
    asm: `r1 = r10
      r1 += -8
      r2 = 0
      *(u64 *)(r10 - 8) = r2
      call f
      exit
    f:
      r0 = *(u64 *)(r1 + 0)
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "static int f(int x)"], CTX),
    check: (r) => expect(r.unreliableFuncs).toEqual([6]),
  },
  {
    name: "static functions: matching calls keep the prototype reliable",
    type: "sched_cls",
    asm: `r1 = 3
      call f
      exit
    f:
      r0 = r1
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "static int f(int x)"], CTX),
    check: (r) => expect(r.unreliableFuncs).toEqual([]),
  },
  {
    name: "static functions: arg tags are not allowed",
    type: "sched_cls",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "static int f(void *ctx __arg_ctx)"], CTX),
    logHas: ["arg#0 type tag is not supported in static functions"],
    check: (r) => expect(r.unreliableFuncs).toEqual([2]),
  },
  // The main program's BTF (btf_get_prog_ctx_type): not `int f(ctx)` is no error.
  {
    name: "main program: declared with another program type's context",
    type: "xdp",
    asm: `r0 = 2
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)"], CTX),
    check: (r) => expect(r.unreliableFuncs).toEqual([0]),
  },
  {
    name: "main program: declared with its own context",
    type: "xdp",
    asm: `r0 = 2
      exit`,
    opts: funcs(["int main(struct xdp_md *ctx)"], CTX),
    check: (r) => expect(r.unreliableFuncs).toEqual([]),
  },
  {
    name: "global subprogs: a modifier chain that loops ends (the argument has no size)",
    type: "sched_cls",
    asm: `r1 = 0
      call f
      exit
    f:
      r0 = 0
      exit`,
    opts: () => {
      const b = new BtfBuilder();
      const int = b.addInt("int", 4, { signed: true });
      const skb = b.addPtr(b.addStruct("__sk_buff", 192, []));
      const main = b.addFunc("main", b.addFuncProto(int, [{ name: "skb", type: skb }]));
      const loop = b.addConst(b.nextId); // const of itself
      const f = b.addFunc("f", b.addFuncProto(int, [{ name: "p", type: b.addPtr(loop) }]));
      return {
        btf: b.build(),
        funcInfo: [
          { insnOff: 0, typeId: main },
          { insnOff: 3, typeId: f },
        ],
      };
    },
    err: "Caller passes invalid args into func#1 ('f')",
    logHas: ["arg#0 reference type('CONST ') size cannot be determined: -22"],
  },
  // func_info records (check_btf_func).
  {
    name: "func_info: one record per subprogram",
    type: "sched_cls",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: (insns) => {
      const o = funcs(["int main(struct __sk_buff *skb)", "int f(void)"], CTX)(insns);
      return { ...o, funcInfo: o.funcInfo!.slice(0, 1) };
    },
    err: "number of funcs in func_info doesn't match number of subprogs",
  },
  {
    name: "func_info: records at the subprogram starts",
    type: "sched_cls",
    asm: `call f
      exit
    f:
      r0 = 0
      exit`,
    opts: (insns) => {
      const o = funcs(["int main(struct __sk_buff *skb)", "int f(void)"], CTX)(insns);
      return { ...o, funcInfo: [o.funcInfo![0]!, { ...o.funcInfo![1]!, insnOff: 3 }] };
    },
    err: "func_info BTF section doesn't match subprog layout in BPF program",
  },
  {
    name: "func_info: the first record is at insn 0",
    type: "sched_cls",
    asm: `r0 = 0
      exit`,
    opts: (insns) => {
      const o = funcs(["int main(struct __sk_buff *skb)"], CTX)(insns);
      return { ...o, funcInfo: [{ ...o.funcInfo![0]!, insnOff: 1 }] };
    },
    err: "nonzero insn_off 1 for the first func info record",
  },
  {
    name: "func_info: a record must name a FUNC",
    type: "sched_cls",
    asm: `r0 = 0
      exit`,
    opts: (insns) => {
      const o = funcs(["int main(struct __sk_buff *skb)"], CTX)(insns);
      return { ...o, funcInfo: [{ insnOff: 0, typeId: 1 }] };
    },
    err: "invalid type id 1 in func info",
  },
  // Tail calls and BPF-to-BPF calls.
  {
    name: "tail calls: in a subprogram without BTF",
    type: "sched_cls",
    maps: [PROG_ARRAY],
    asm: `call f
      exit
    f:
      r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      r0 = 0
      exit`,
    err: "tail_call is not allowed in subprogs without BTF",
  },
  {
    name: "tail calls: in a subprogram that does not return int",
    type: "sched_cls",
    maps: [PROG_ARRAY],
    asm: `call f
      exit
    f:
      r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "static void f(struct __sk_buff *skb)"], CTX),
    err: "BPF_CALL is only allowed in functions that return 'int'.",
  },
  {
    name: "tail calls: from a subprogram",
    type: "sched_cls",
    maps: [PROG_ARRAY],
    asm: `call f
      exit
    f:
      r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "static int f(struct __sk_buff *skb)"], CTX),
  },
  {
    name: "tail calls: mixing with BPF-to-BPF calls when the JIT cannot",
    type: "sched_cls",
    maps: [PROG_ARRAY],
    asm: `call f
      exit
    f:
      r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      r0 = 0
      exit`,
    opts: (insns) => ({
      ...funcs(
        ["int main(struct __sk_buff *skb)", "static int f(struct __sk_buff *skb)"],
        CTX,
      )(insns),
      subprogTailCalls: false,
    }),
    err: "mixing of tail_calls and bpf-to-bpf calls is not supported",
  },
  {
    name: "tail calls: not below 256 bytes of callers' stack",
    type: "sched_cls",
    maps: [PROG_ARRAY],
    asm: `r2 = 0
      *(u64 *)(r10 - 256) = r2
      call f
      exit
    f:
      r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "static int f(struct __sk_buff *skb)"], CTX),
    err: "tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large",
  },
  {
    name: "tail calls: 240 bytes of callers' stack are fine",
    type: "sched_cls",
    maps: [PROG_ARRAY],
    asm: `r2 = 0
      *(u64 *)(r10 - 240) = r2
      call f
      exit
    f:
      r2 = map[id:0]
      r3 = 0
      call bpf_tail_call
      r0 = 0
      exit`,
    opts: funcs(["int main(struct __sk_buff *skb)", "static int f(struct __sk_buff *skb)"], CTX),
  },
  {
    ...lattice(64),
    name: "call graph: 8 levels of 8 global functions each calling all of the next level",
  },
  {
    ...lattice(72),
    name: "call graph: the last function of the deepest level goes over 512 bytes",
    err: "combined stack size of 8 calls is 528. Too large",
  },
];

/**
 * main calls 8 global functions, each of which calls the 8 of the next level,
 * 7 levels deep: 8^7 call chains, 57 functions. Every function uses 64 bytes
 * of stack, the last one `lastStack`. Global functions are verified once
 * each; the stack depth walk must not visit every chain either.
 */
function lattice(lastStack: number): Omit<VerifierCase, "name"> {
  const WIDTH = 8;
  const LEVELS = 7;
  const body = (level: number, stack: number): string[] => {
    const lines = ["r1 = 0", `*(u64 *)(r10 - ${stack}) = r1`];
    if (level < LEVELS) for (let i = 0; i < WIDTH; i++) lines.push(`call g${level + 1}_${i}`);
    return [...lines, "r0 = 0", "exit"];
  };
  const asm = [...body(0, 64)];
  const decls = [RAW_TP_MAIN];
  for (let level = 1; level <= LEVELS; level++) {
    for (let i = 0; i < WIDTH; i++) {
      const last = level === LEVELS && i === WIDTH - 1;
      asm.push(`g${level}_${i}:`, ...body(level, last ? lastStack : 64));
      decls.push(`long g${level}_${i}(void)`);
    }
  }
  return { type: "raw_tracepoint", asm: asm.join("\n"), opts: funcs(decls) };
}
