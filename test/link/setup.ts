// Shared plumbing for the link tests: a runtime memory, an ExecEnv with test
// helpers, a HostKernel, the Trampolines, and tracing programs assembled from
// kernel-syntax text and prepared by either engine.
import { assemble } from "../../src/isa/index.ts";
import { interpreter, makeEnv, type Engine, type HelperFn } from "../../src/interp/index.ts";
import { jit } from "../../src/jit/index.ts";
import { VmMemory } from "../../src/memory/index.ts";
import { AttachType } from "../../src/uapi/prog-types.ts";
import { HostKernel, Trampolines, type TracingProgram } from "../../src/link/index.ts";

export const FENTRY = AttachType.TRACE_FENTRY;
export const FEXIT = AttachType.TRACE_FEXIT;

export const ENGINES: ReadonlyArray<[string, Engine]> = [
  ["jit", jit],
  ["interp", interpreter],
];

export interface ProgOpts {
  name?: string;
  verified?: boolean;
  engine?: Engine;
}

export function setup(engine: Engine = jit) {
  const mem = new VmMemory();
  const kernel = new HostKernel();
  const helpers = new Map<number, HelperFn>();
  const env = makeEnv(mem, helpers);
  const tramps = new Trampolines(mem, kernel);
  let count = 0;

  /** A tracing program from kernel-syntax assembly (`;` separates lines). */
  const prog = (text: string, attachType: number, o: ProgOpts = {}): TracingProgram => {
    const insns = assemble(text.split(";").join("\n"));
    const name = o.name ?? `prog${count++}`;
    const prepared = (o.engine ?? engine).prepare(
      { insns, name, verified: o.verified ?? true },
      env,
    );
    return { name, attachType, prepared };
  };

  /** A zeroed buffer in runtime memory and readers for its u64 slots. */
  const buffer = (bytes = 256) => {
    const addr = mem.alloc(bytes, 8);
    return {
      addr,
      u64: (i: number): bigint => mem.dv.getBigUint64(addr + 8 * i, true),
      s64: (i: number): bigint => mem.dv.getBigInt64(addr + 8 * i, true),
      clear: () => mem.u8.fill(0, addr, addr + bytes),
    };
  };

  /**
   * A program that copies ctx[0..n) into buf[0..n) and counts its runs in
   * buf[31]: what tracing programs see, made observable.
   */
  const copier = (buf: number, n: number, attachType: number, o: ProgOpts = {}): TracingProgram => {
    const lines = [`r2 = ${buf} ll`];
    for (let i = 0; i < n; i++)
      lines.push(`r3 = *(u64 *)(r1 + ${8 * i})`, `*(u64 *)(r2 + ${8 * i}) = r3`);
    lines.push("r3 = *(u64 *)(r2 + 248)", "r3 += 1", "*(u64 *)(r2 + 248) = r3", "r0 = 0", "exit");
    return prog(lines.join(";"), attachType, o);
  };

  /**
   * A program that appends `tag` to a log at buf: buf[0] = count, buf[1..] =
   * tags in run order.
   */
  const tagger = (buf: number, tag: number, attachType: number, o: ProgOpts = {}): TracingProgram =>
    prog(
      [
        `r2 = ${buf} ll`,
        "r3 = *(u64 *)(r2 + 0)",
        "r4 = r3",
        "r4 <<= 3",
        "r4 += r2",
        `r5 = ${tag}`,
        "*(u64 *)(r4 + 8) = r5",
        "r3 += 1",
        "*(u64 *)(r2 + 0) = r3",
        "r0 = 0",
        "exit",
      ].join(";"),
      attachType,
      o,
    );

  return { mem, kernel, helpers, env, engine, tramps, prog, buffer, copier, tagger };
}

/** The tags a tagger log holds, in order. */
export function tags(buf: { u64(i: number): bigint }): number[] {
  const n = Number(buf.u64(0));
  return Array.from({ length: n }, (_, i) => Number(buf.u64(i + 1)));
}
