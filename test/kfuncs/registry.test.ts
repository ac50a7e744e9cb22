// kfunc modules in a runtime: registering gives each kfunc a FUNC in the
// runtime's kernel BTF (its id is what calls name), unregistering removes
// them for new programs while loaded ones keep running, names are unique,
// a module with a bad body registers nothing, and internal host functions
// are for bodies only.
import { afterEach, describe, expect, it } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import { BtfKind, type BtfFuncProto } from "../../src/btf/types.ts";
import { defineKfuncModule, KfuncError } from "../../src/kfuncs/index.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { VerifierError } from "../../src/verifier/index.ts";
import { asmWithKfuncs } from "./support.ts";

let rt: Runtime;
afterEach(() => rt?.close());

const addOne = defineKfuncModule("add_one", [
  {
    name: "kf_add_one",
    proto: "u64 kf_add_one(u64 x)",
    impl: (_k, x) => x + 1n,
    body: { asm: "r0 = r1\nr0 += 1\nexit" },
  },
]);

const PROG = "r1 = 41\ncall kf_add_one\nexit";

function load(r: Runtime, engine: "interp" | "jit", inline = true) {
  return r.loadProgram({
    insns: asmWithKfuncs(r, PROG),
    type: ProgType.KPROBE,
    verify: true,
    engine,
    inlineKfuncs: inline,
  });
}

describe("kfunc registry", () => {
  it("puts the prototype in the kernel BTF, parameter names and all", () => {
    rt = new Runtime();
    rt.kfuncs.register(
      defineKfuncModule("m", [
        {
          name: "kf_sized",
          proto: "int kf_sized(void *buf, u32 buf__sz, u64 k__k)",
          impl: () => 0,
        },
      ]),
    );
    const id = rt.kfuncs.id("kf_sized")!;
    const btf = rt.kernel.btf;
    const func = btf.type(id);
    expect(func.kind).toBe(BtfKind.FUNC);
    expect(func.name).toBe("kf_sized");
    const proto = btf.type((func as { type: number }).type) as BtfFuncProto;
    expect(proto.params.map((p) => p.name)).toEqual(["buf", "buf__sz", "k__k"]);
    // The built-in dynptr kfuncs are there too.
    expect(rt.kfuncs.id("bpf_dynptr_slice")).toBeGreaterThan(0);
  });

  it("loaded programs keep their kfuncs after the module goes; new loads do not get them", () => {
    rt = new Runtime();
    rt.kfuncs.register(addOne);
    const progs = [
      load(rt, "interp"),
      load(rt, "jit"),
      load(rt, "interp", false),
      load(rt, "jit", false),
    ];
    rt.kfuncs.unregister(addOne);
    for (const p of progs) expect(p.testRun().retval).toBe(42);
    expect(rt.kfuncs.id("kf_add_one")).toBeUndefined();
    const id = progs[2]!.exec.insns.find((x) => x.code === 0x85 && x.src === 2)!.imm;
    expect(() =>
      rt.loadProgram({
        insns: asmWithKfuncs(rt, `r1 = 41\ncall kf#${id}\nexit`),
        type: ProgType.KPROBE,
        verify: true,
      }),
    ).toThrow(VerifierError);
    // Registered again: a new id (the BTF only grows); both ids still run.
    rt.kfuncs.register(addOne);
    const again = rt.kfuncs.id("kf_add_one")!;
    expect(again).not.toBe(id);
    expect(load(rt, "jit", false).testRun().retval).toBe(42);
    expect(progs[3]!.testRun().retval).toBe(42);
  });

  it("names are unique across modules, and a module registers once", () => {
    rt = new Runtime();
    rt.kfuncs.register(addOne);
    expect(() => rt.kfuncs.register(addOne)).toThrow("module 'add_one' is already registered");
    const clash = defineKfuncModule("clash", [
      { name: "kf_add_one", proto: "u64 f(u64 x)", impl: () => 0 },
    ]);
    expect(() => rt.kfuncs.register(clash)).toThrow(
      "kfunc 'kf_add_one' is already registered by module 'add_one'",
    );
    expect(() => rt.kfuncs.unregister(clash)).toThrow("module 'clash' is not registered");
    expect(() => defineKfuncModule("twice", [addOne.kfuncs[0]!, addOne.kfuncs[0]!])).toThrow(
      "module 'twice' defines 'kf_add_one' twice",
    );
  });

  it("a module with a bad body or prototype registers nothing", () => {
    rt = new Runtime();
    const cases: [string, object, RegExp][] = [
      ["type", { proto: "u64 kf_bad(nope_t x)" }, /kfunc 'kf_bad': unknown type 'nope_t'/],
      ["by value", { proto: "u64 kf_bad(struct nope x)" }, /x is a struct or union by value/],
      ["name", { proto: "u64 other(u64 x)" }, /its prototype names 'other'/],
      ["asm", { body: { asm: "r0 = \nexit" } }, /kfunc 'kf_bad': bad body/],
      ["bpf call", { body: { asm: "call pc+1\nexit\nr0 = 0\nexit" } }, /calls a BPF function/],
      ["map", { body: { asm: "r1 = map[id:1]\nr0 = 0\nexit" } }, /loads a map or function address/],
      ["tail call", { body: { asm: "call bpf_tail_call\nexit" } }, /tail calls are not allowed/],
      ["falls off", { body: { asm: "r0 = 0" } }, /last insn is not an exit or jmp/],
    ];
    for (const [what, extra, msg] of cases) {
      const mod = defineKfuncModule(`bad_${what}`, [
        { name: "kf_ok", proto: "u64 kf_ok(void)", impl: () => 0 },
        { name: "kf_bad", proto: "u64 kf_bad(u64 x)", impl: () => 0, ...extra },
      ]);
      let err: unknown;
      try {
        rt.kfuncs.register(mod);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(KfuncError);
      expect((err as Error).message, what).toMatch(msg);
      expect(rt.kfuncs.id("kf_ok"), what).toBeUndefined();
    }
  });

  it("bodies call host functions by name; internal ones only bodies may call", () => {
    rt = new Runtime();
    rt.kfuncs.register(
      defineKfuncModule("host", [
        {
          name: "kf_twice_host",
          proto: "u64 kf_twice_host(u64 x)",
          impl: (_k, x) => x * 2n,
          internal: true,
        },
        {
          name: "kf_twice_plus_one",
          proto: "u64 kf_twice_plus_one(u64 x)",
          impl: (_k, x) => x * 2n + 1n,
          body: { asm: "call kf_twice_host\nr0 += 1\nexit" },
        },
      ]),
    );
    expect(rt.kfuncs.id("kf_twice_host")).toBeUndefined();
    for (const inline of [true, false]) {
      const p = rt.loadProgram({
        insns: asmWithKfuncs(rt, "r1 = 20\ncall kf_twice_plus_one\nexit"),
        type: ProgType.KPROBE,
        verify: true,
        inlineKfuncs: inline,
      });
      expect(p.testRun().retval).toBe(41);
    }
  });

  it("untyped kfuncs from RuntimeOptions are five-u64 functions", () => {
    rt = new Runtime({ kfuncs: { kf_sum: (a, b, c) => a + b + c } });
    const p = rt.loadProgram({
      insns: asmWithKfuncs(rt, "r1 = 1\nr2 = 2\nr3 = 3\nr4 = 0\nr5 = 0\ncall kf_sum\nexit"),
      type: ProgType.KPROBE,
      verify: true,
    });
    expect(p.testRun().retval).toBe(6);
  });
});
