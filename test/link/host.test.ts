// fentry/fexit on host functions: what programs see of arguments and return
// values, the two trampoline modes, ordering, detaching, limits.
import { describe, expect, it } from "vitest";
import { ExecError } from "../../src/errors.ts";
import { LinkError, MAX_TRAMP_DEPTH, TrampolineError } from "../../src/link/index.ts";
import { ENGINES, FENTRY, FEXIT, setup, tags } from "./setup.ts";

describe.each(ENGINES)("host function trampolines (%s)", (_name, engine) => {
  it("shows every integer size, signed and unsigned, bool, enum and pointers", () => {
    const s = setup(engine);
    s.kernel.enum("color", { RED: 1, BLUE: -2 });
    s.kernel.struct("req", "u32 id; u64 t;");
    const args: unknown[][] = [];
    const f = s.kernel.define(
      "all_kinds",
      "s64 all_kinds(u8 a, s8 b, u16 c, short d, u32 e, int f, u64 g, long h, bool i, enum color j, struct req *k)",
      (...a: unknown[]) => {
        args.push(a);
        return -5;
      },
    );
    const buf = s.buffer();
    s.tramps.attachHost(s.copier(buf.addr, 12, FEXIT), { name: "all_kinds" });
    const r = f(
      200,
      -3,
      60000,
      -30000,
      4000000000,
      -2000000000,
      2n ** 64n - 1n,
      -7,
      42,
      -2,
      0x12340,
    );
    expect(r).toBe(-5);
    expect(args).toEqual([
      [200, -3, 60000, -30000, 4000000000, -2000000000, 2n ** 64n - 1n, -7, 42, -2, 0x12340],
    ]);
    const seen = Array.from({ length: 12 }, (_, i) => buf.u64(i));
    const u = (v: bigint): bigint => BigInt.asUintN(64, v);
    expect(seen).toEqual([
      200n,
      u(-3n),
      60000n,
      u(-30000n),
      4000000000n,
      u(-2000000000n),
      2n ** 64n - 1n,
      u(-7n),
      1n, // _Bool: any non-zero value is 1
      u(-2n), // a signed enum is sign-extended
      0x12340n,
      u(-5n), // the return value, after the arguments
    ]);
  });

  it("truncates narrow values as C would and takes bigints or numbers for 64-bit ones", () => {
    const s = setup(engine);
    const f = s.kernel.define(
      "narrow",
      "u32 narrow(u8 a, s16 b, u64 c, s64 d, u32 e)",
      (..._a: unknown[]) => 2 ** 32 + 7,
    );
    const buf = s.buffer();
    s.tramps.attachHost(s.copier(buf.addr, 6, FEXIT), { name: "narrow" });
    f(0x1ff, 0x18000, 2 ** 40 + 3, -(2n ** 40n), 5n);
    expect([0, 1, 2, 3, 4, 5].map((i) => buf.u64(i))).toEqual([
      0xffn,
      BigInt.asUintN(64, -0x8000n),
      2n ** 40n + 3n,
      BigInt.asUintN(64, -(2n ** 40n)),
      5n,
      7n, // u32 return value: 2^32 + 7 truncated
    ]);
  });

  it("fentry only: programs see the arguments, the original runs with them and its result passes through", () => {
    const s = setup(engine);
    const calls: number[][] = [];
    const add = s.kernel.define("add", "int add(int a, int b)", (a: number, b: number) => {
      calls.push([a, b]);
      return a + b;
    });
    const buf = s.buffer();
    const link = s.tramps.attachHost(s.copier(buf.addr, 2, FENTRY), { name: "add" });
    expect(add(3, -4)).toBe(-1);
    expect(calls).toEqual([[3, -4]]);
    expect([buf.u64(0), buf.s64(1), buf.u64(31)]).toEqual([3n, -4n, 1n]);
    expect(link.attached).toBe(true);
    expect(link.target).toBe("add");
  });

  it("fentry+fexit: fexit programs run after the original and see its return value", () => {
    const s = setup(engine);
    const order: string[] = [];
    const log = s.buffer();
    const mul = s.kernel.define("mul", "long mul(long a, long b)", (a: number, b: number) => {
      order.push(`impl saw ${s.mem.dv.getBigUint64(log.addr, true)} program runs`);
      return a * b;
    });
    const ret = s.buffer();
    s.tramps.attachHost(s.tagger(log.addr, 1, FENTRY), { name: "mul" });
    s.tramps.attachHost(s.copier(ret.addr, 3, FEXIT), { name: "mul" });
    s.tramps.attachHost(s.tagger(log.addr, 2, FEXIT), { name: "mul" });
    expect(mul(6, 7)).toBe(42);
    expect(order).toEqual(["impl saw 1 program runs"]);
    expect(tags(log)).toEqual([1, 2]);
    expect([ret.u64(0), ret.u64(1), ret.u64(2)]).toEqual([6n, 7n, 42n]);
  });

  it("runs many programs in attach order, fentry before the call and fexit after", () => {
    const s = setup(engine);
    const log = s.buffer(1024);
    let seenAtCall = -1;
    const f = s.kernel.define("f", "void f(void)", () => {
      seenAtCall = Number(log.u64(0));
    });
    for (let i = 0; i < 12; i++) {
      s.tramps.attachHost(s.tagger(log.addr, i, i % 3 === 2 ? FEXIT : FENTRY), { name: "f" });
    }
    f();
    const fentry = [0, 1, 3, 4, 6, 7, 9, 10];
    const fexit = [2, 5, 8, 11];
    expect(tags(log)).toEqual([...fentry, ...fexit]);
    expect(seenAtCall).toBe(fentry.length);
  });

  it("detaches in any order while the function keeps working, and restores the original at the end", () => {
    const s = setup(engine);
    const log = s.buffer(4096);
    const fn = s.kernel.defineFunction("g", "int g(int x)", (x: number) => x * 2);
    const links = Array.from({ length: 8 }, (_, i) =>
      s.tramps.attachHost(s.tagger(log.addr, i, i % 2 ? FEXIT : FENTRY), { name: "g" }),
    );
    const detachOrder = [5, 0, 7, 2, 3, 6, 1, 4];
    const live = new Set(links.keys());
    for (const k of detachOrder) {
      log.clear();
      expect(fn.call(21)).toBe(42);
      const expected = [...live].filter((i) => i % 2 === 0).concat([...live].filter((i) => i % 2));
      expect(tags(log)).toEqual(expected);
      links[k]!.detach();
      links[k]!.detach(); // idempotent
      live.delete(k);
      expect(links[k]!.attached).toBe(false);
    }
    log.clear();
    expect(fn.call(5)).toBe(10);
    expect(tags(log)).toEqual([]);
    expect(fn.routed).toBe(false);
  });

  it("refuses the 41st program with E2BIG and a second attach of one program with EBUSY", () => {
    const s = setup(engine);
    s.kernel.define("h", "void h(void)", () => {});
    const log = s.buffer(1024);
    const first = s.tagger(log.addr, 0, FENTRY);
    s.tramps.attachHost(first, { name: "h" });
    const busy = (() => {
      try {
        s.tramps.attachHost(first, { name: "h" });
      } catch (e) {
        return e;
      }
    })();
    expect(busy).toBeInstanceOf(LinkError);
    expect((busy as LinkError).errno).toBe("EBUSY");
    for (let i = 1; i < 40; i++) s.tramps.attachHost(s.tagger(log.addr, i, FENTRY), { name: "h" });
    let err: unknown;
    try {
      s.tramps.attachHost(s.tagger(log.addr, 40, FEXIT), { name: "h" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).errno).toBe("E2BIG");
    expect((err as LinkError).code).toBe(7);
    // The 40 attached ones still run, in order.
    s.kernel.function("h")!.call();
    expect(tags(log)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("records run counts and times only while stats are enabled", () => {
    const s = setup(engine);
    const f = s.kernel.define("st", "void st(void)", () => {});
    const log = s.buffer(4096);
    const p1 = s.tagger(log.addr, 1, FENTRY);
    const p2 = s.tagger(log.addr, 2, FEXIT);
    s.tramps.attachHost(p1, { name: "st" });
    s.tramps.attachHost(p2, { name: "st" });
    f();
    expect(s.tramps.statsOf(p1)).toEqual({ runCount: 0, runTimeNs: 0 });
    const off = s.tramps.enableStats();
    const off2 = s.tramps.enableStats();
    for (let i = 0; i < 5; i++) f();
    off();
    f(); // still on: a second holder
    expect(s.tramps.statsOf(p1).runCount).toBe(6);
    expect(s.tramps.statsOf(p2).runCount).toBe(6);
    expect(s.tramps.statsOf(p1).runTimeNs).toBeGreaterThan(0);
    off2();
    off2(); // idempotent
    f();
    expect(s.tramps.statsOf(p1).runCount).toBe(6);
    expect(tags(log).length).toBe(2 * 8);
  });

  it("ends unbounded recursion through a helper with a typed error and recovers", () => {
    const s = setup(engine);
    let depth = 0;
    let limit = Infinity;
    const rec = s.kernel.define("rec", "int rec(int n)", (n: number) => n);
    // Helper 1000 calls the traced function again, as a kfunc calling into the host might.
    s.helpers.set(1000, (r1) => {
      if (++depth >= limit) return 0n;
      return BigInt(rec(Number(r1) + 1));
    });
    const p = s.prog("r1 = *(u64 *)(r1 + 0); call 1000; r0 = 0; exit", FENTRY);
    s.tramps.attachHost(p, { name: "rec" });
    expect(() => rec(0)).toThrow(TrampolineError);
    expect(s.tramps.pool.depth).toBe(0);
    expect(depth).toBeGreaterThanOrEqual(MAX_TRAMP_DEPTH - 1);
    // Bounded recursion works, and the nesting counter was given back.
    depth = 0;
    limit = 5;
    expect(rec(7)).toBe(7);
    expect(depth).toBe(5);
  });

  it("turns a fault inside a program into a typed error and gives the frame back", () => {
    const s = setup(engine);
    const f = s.kernel.define("bad", "void bad(void)", () => {});
    // Unverified, so the engines check the access: address 8 is never mapped.
    s.tramps.attachHost(
      s.prog("r2 = 8; r0 = *(u64 *)(r2 + 0); exit", FENTRY, { verified: false }),
      {
        name: "bad",
      },
    );
    expect(() => f()).toThrow(ExecError);
    expect(() => f()).toThrow(/out-of-bounds load of 8 bytes at 0x8/);
    expect(s.tramps.pool.depth).toBe(0);
  });
});
