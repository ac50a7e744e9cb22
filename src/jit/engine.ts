// The JIT as an Engine (the execution contract of src/interp/env.ts): prepare
// compiles a program to a WebAssembly module and instantiates it against the
// environment's shared table, memory and globals; run calls its entry.
//
// The host functions the generated code imports live here: helpers and kfuncs
// (the BigInt boundary), bpf_tail_call's target lookup, callx, ld_abs/ld_ind,
// the unverified-access slow path and faults. Their error messages are the
// interpreter's, so both engines fail the same way.
import { ExecError, TsbpfError, UsageError } from "../errors.ts";
import { MAX_TAIL_CALL_CNT } from "../isa/opcodes.ts";
import { tooDeep } from "../interp/machine.ts";
import { F_OP, STRIDE } from "../interp/decode.ts";
import { Op as IOp } from "../interp/ops.ts";
import {
  DEFAULT_BUDGET,
  FUNC_ADDR_TAG,
  ProgramExit,
  type Engine,
  type ExecEnv,
  type ExecProgram,
  type HelperCallInfo,
  type HelperFn,
  type PreparedProgram,
  type RunOptions,
  type RunResult,
} from "../interp/env.ts";
import { compileProgram, type Compiled } from "./compile.ts";
import { POKE_UNRESOLVED } from "./lower/control.ts";
import { stateFor, UNLIMITED, type EnvState } from "./env-state.ts";
import { Fault, FRAME_SIZE, STACK_SIZE } from "./layout.ts";
import { liveRun, outOfBounds } from "./region.ts";

export interface JitOptions {
  /** Compile BPF-to-BPF calls as direct calls instead of through table slots (measurement only). */
  directCalls?: boolean;
}

/** The signature of every compiled BPF function, as JS sees it. */
export type BpfFunction = (
  r1: bigint,
  r2: bigint,
  r3: bigint,
  r4: bigint,
  r5: bigint,
  fp: number,
) => bigint;

const U = (x: bigint): bigint => BigInt.asUintN(64, x);
const low32 = (x: bigint): number => Number(BigInt.asUintN(32, x));
const FUNC_TAG = BigInt(FUNC_ADDR_TAG);

function budgetFor(prog: ExecProgram, opts: RunOptions): number {
  const b = opts.budget;
  if (b === undefined) return prog.verified ? Infinity : DEFAULT_BUDGET;
  if (!(b > 0)) throw new UsageError(`instruction budget must be positive, got ${b}`);
  return b;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A program compiled for one environment. */
export class JitProgram implements PreparedProgram {
  readonly compiled: Compiled;
  readonly instance: WebAssembly.Instance;
  /** Table slot of the main function (what a tail call or a trampoline calls). */
  readonly mainSlot: number;
  /** Table slot of each function by its entry pc (the main program at pc 0). */
  readonly funcSlots: ReadonlyMap<number, number>;
  private readonly entry: BpfFunction;
  private readonly checked: boolean;
  /** Per direct tail call site: the target's table slot (see lowerDirectTailCall). */
  private readonly pokeSlots: WebAssembly.Global[];
  private readonly unwatch: Array<() => void>;
  private disposed = false;

  constructor(
    readonly program: ExecProgram,
    readonly env: ExecEnv,
    private readonly state: EnvState,
    private readonly engine: Engine,
    opts: JitOptions,
    /** Called by dispose() (the engine forgets the program). */
    private readonly onDispose: () => void = () => {},
  ) {
    this.checked = program.verified !== true;
    // A prog_array update invalidates the site's slot; the next call resolves it.
    const pokes = program.tailCallPokes ?? [];
    this.pokeSlots = pokes.map(
      () => new WebAssembly.Global({ value: "i32", mutable: true }, POKE_UNRESOLVED),
    );
    this.unwatch = pokes.map((p, i) =>
      p.watch(() => void (this.pokeSlots[i]!.value = POKE_UNRESOLVED)),
    );
    // Table slots are taken once the program has decoded (a bad program takes none).
    let base = -1;
    this.compiled = compileProgram(program.insns, {
      verified: !this.checked,
      directCalls: opts.directCalls,
      pokeCount: pokes.length,
      reserveSlots: (count) => (base = state.reserveSlots(count)),
    });
    this.mainSlot = base;
    this.funcSlots = new Map(this.compiled.funcPcs.map((pc, i) => [pc, base + i]));
    const module = new WebAssembly.Module(this.compiled.bytes);
    this.instance = new WebAssembly.Instance(module, this.imports());
    this.entry = this.instance.exports.entry as unknown as BpfFunction;
  }

  /**
   * Give the program's table slots back and stop watching its tail-call
   * pokes. The table is the only strong reference to the compiled module, so
   * a runtime that unloads programs should call this; runs afterwards fail.
   * Slots are reused by later programs, so nothing may still call them (a
   * prog_array or a trampoline holding the program keeps it loaded).
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const u of this.unwatch) u();
    this.state.releaseSlots(this.mainSlot, this.compiled.funcPcs.length);
    this.onDispose();
  }

  /** The runtime-wide function table this program's slots are in (shared per environment). */
  slotTable(): WebAssembly.Table {
    return this.state.table;
  }

  /** The compiled function in a slot (for trampolines and callbacks). */
  slotFunction(slot: number): BpfFunction {
    return this.state.table.get(slot) as unknown as BpfFunction;
  }

  run(opts: RunOptions = {}): RunResult {
    return this.runFunction(0, opts);
  }

  /**
   * Run the function starting at `pc` (0: the main program) as a run of its
   * own: fresh budget, tail-call count and stack frame. This is how code
   * outside a run (a test, a trampoline's host side) should call a slot; the
   * raw slot function assumes a run is in progress.
   */
  runFunction(pc: number, opts: RunOptions = {}): RunResult {
    if (this.disposed) throw new UsageError("the program was disposed");
    const args = opts.args ?? [];
    if (args.length > 5) throw new UsageError(`at most 5 arguments (r1..r5), got ${args.length}`);
    const slot = this.funcSlots.get(pc);
    if (slot === undefined) throw new UsageError(`no function of this program starts at pc ${pc}`);
    const fn = pc === 0 ? this.entry : this.slotFunction(slot);
    const budget = budgetFor(this.program, opts);
    const st = this.state;
    const level = st.depth;
    const stack = st.stackFor(level);
    // A nested run (a helper running a program) must leave the outer run's state as it was.
    const outer: [bigint, number, number, number] | undefined =
      level > 0
        ? [st.budget.value as bigint, st.stackLo.value as number, st.tailCalls, st.limit]
        : undefined;
    const start = Math.min(budget, UNLIMITED);
    st.depth++;
    st.tailCalls = 0;
    st.stackLo.value = stack;
    st.budget.value = BigInt(start);
    st.limit = budget;
    const count = (): number | undefined =>
      this.checked ? start - Number(st.budget.value as bigint) : undefined;
    try {
      const a = (i: number): bigint => args[i] ?? 0n;
      const r0 = fn(a(0), a(1), a(2), a(3), a(4), stack + STACK_SIZE);
      return { r0: U(r0), insnCount: count() };
    } catch (e) {
      if (e instanceof ProgramExit) return { r0: U(e.r0), insnCount: count() };
      if (e instanceof TsbpfError) throw e;
      // A wasm trap (a verified program trusted with a bad address) or a host
      // stack overflow: still a typed fault.
      throw new ExecError(`execution fault: ${message(e)}`);
    } finally {
      st.depth--;
      if (outer) [st.budget.value, st.stackLo.value, st.tailCalls, st.limit] = outer;
    }
  }

  private imports(): WebAssembly.Imports {
    const helper: Record<string, HelperImport> = {};
    for (const id of this.compiled.helperIds) {
      helper[String(id)] = this.hostCall(
        () => this.env.helper(id),
        `helper ${id}`,
        `unknown helper ${id}`,
      );
    }
    const kfunc: Record<string, HelperImport> = {};
    for (const id of this.compiled.kfuncIds) {
      kfunc[String(id)] = this.hostCall(
        () => this.env.kfunc?.(id),
        `kfunc ${id}`,
        `unknown kfunc (BTF id ${id})`,
      );
    }
    return {
      env: {
        ...this.state.imports,
        fault: (kind: number, at: number) => this.fault(kind, at),
        miss: (lo: number, hi: number, sizeKind: number, pc: number) =>
          this.miss(lo, hi, sizeKind, pc),
        tailCall: (_r1: bigint, r2: bigint, r3: bigint, pc: number) => this.tailCall(r2, r3, pc),
        tailCallPoke: (poke: number) => this.tailCallPoke(poke),
        callx: (t: bigint, ...a: [bigint, bigint, bigint, bigint, bigint, number, number]) =>
          this.callx(t, a.slice(0, 5) as bigint[], a[5], a[6]),
        ldPkt: (r6: bigint, off: number, size: number, pc: number) => this.ldPkt(r6, off, size, pc),
      },
      helper,
      kfunc,
      poke: Object.fromEntries(this.pokeSlots.map((g, i) => [String(i), g])),
    };
  }

  private hostCall(
    resolve: () => HelperFn | undefined,
    what: string,
    unknown: string,
  ): HelperImport {
    return (r1, r2, r3, r4, r5, pc, fp) => {
      const fn = resolve();
      if (!fn) throw new ExecError(unknown, pc);
      return this.invoke(fn, what, [r1, r2, r3, r4, r5], pc, fp);
    };
  }

  private invoke(fn: HelperFn, what: string, a: bigint[], pc: number, fp: number): bigint {
    const info = new JitCallInfo(pc, fp, this);
    let r: unknown;
    try {
      r = fn(U(a[0]!), U(a[1]!), U(a[2]!), U(a[3]!), U(a[4]!), info);
    } catch (e) {
      if (e instanceof TsbpfError || e instanceof ProgramExit) throw e;
      throw new ExecError(`${what} failed: ${message(e)}`, pc);
    }
    if (typeof r !== "bigint")
      throw new ExecError(`${what} returned ${typeof r}, not a bigint`, pc);
    return r;
  }

  /** Call a function of this program from the host, one frame below `fp`. */
  callFunction(target: number, args: readonly bigint[], pc: number, fp: number): bigint {
    const slot = this.funcSlots.get(target);
    if (slot === undefined) throw new Error("not a function");
    if (fp - 2 * FRAME_SIZE < (this.state.stackLo.value as number)) throw tooDeep(pc);
    const f = this.slotFunction(slot);
    return f(
      args[0] ?? 0n,
      args[1] ?? 0n,
      args[2] ?? 0n,
      args[3] ?? 0n,
      args[4] ?? 0n,
      fp - FRAME_SIZE,
    );
  }

  /** `at` is the pc, or for BUDGET the segment index. */
  private fault(kind: number, at: number): never {
    const pc = at;
    switch (kind) {
      case Fault.BUDGET:
        throw new ExecError(
          `instruction budget of ${this.state.limit} exhausted`,
          this.budgetPc(at),
        );
      case Fault.CALL_DEPTH:
        throw tooDeep(pc);
      case Fault.FALL_OFF_END:
        throw new ExecError("execution ran past the last instruction", pc);
    }
    throw new ExecError(`fault ${kind}`, pc);
  }

  /**
   * Segment `seg` was charged in full and overdrew the budget; the
   * interpreter stops at the instruction the budget ran out on, which is
   * the answer.
   */
  private budgetPc(seg: number): number {
    const { code } = this.compiled.decoded;
    const start = this.compiled.segments[2 * seg]!;
    let left = Number(this.state.budget.value as bigint) + this.compiled.segments[2 * seg + 1]!;
    let pc = start;
    while (left-- > 0) pc += code[pc * STRIDE + F_OP] === IOp.LDDW ? 2 : 1;
    return pc;
  }

  private miss(lo: number, hi: number, sizeKind: number, pc: number): void {
    const size = sizeKind & 15;
    const a = lo >>> 0;
    const mem = this.env.mem;
    if (hi !== 0 || !mem.isAccessible(a, size))
      throw outOfBounds(lo, hi, size, (sizeKind & 16) !== 0, pc);
    const [start, end] = liveRun(mem, a, size);
    this.state.regionLo.value = start;
    this.state.regionLim.value = end - start - 8;
  }

  private tailCall(r2: bigint, r3: bigint, _pc: number): number {
    const env = this.env;
    const st = this.state;
    const mapAddr = low32(r2);
    const index = low32(r3);
    const max = env.tailCallMaxEntries?.(mapAddr);
    if (max !== undefined && index >= max) return -1;
    if (st.tailCalls >= MAX_TAIL_CALL_CNT) return -1;
    st.tailCalls++;
    const next = env.tailCallTarget?.(mapAddr, index);
    if (!next) return -1;
    return (this.engine.prepare(next, env) as JitProgram).mainSlot;
  }

  /**
   * A direct tail call whose slot changed since the site last ran (the wasm
   * side checked the count): count it, and publish the target's table slot
   * (compiling the target on first use) or -1 for an empty slot.
   */
  private tailCallPoke(poke: number): number {
    this.state.tailCalls++;
    const target = this.program.tailCallPokes![poke]!.target;
    const slot = target ? (this.engine.prepare(target, this.env) as JitProgram).mainSlot : -1;
    this.pokeSlots[poke]!.value = slot;
    return slot;
  }

  private callx(target: bigint, a: bigint[], pc: number, fp: number): bigint {
    const t = U(target);
    const th = t >> 32n;
    const tl = Number(t & 0xffffffffn);
    if (th === FUNC_TAG && this.funcSlots.has(tl)) return this.callFunction(tl, a, pc, fp);
    if (th === 0n) {
      const fn = this.env.helper(tl);
      if (!fn) throw new ExecError(`unknown helper ${tl}`, pc);
      return this.invoke(fn, `helper ${tl}`, a, pc, fp);
    }
    throw new ExecError(
      `callx target 0x${t.toString(16)} is neither a function nor a helper id`,
      pc,
    );
  }

  private ldPkt(r6: bigint, off: number, size: number, pc: number): bigint {
    const pkt = this.env.packetData?.(low32(r6));
    if (!pkt) throw new ExecError("ld_abs/ld_ind: no packet data for the context in r6", pc);
    if (off < 0 || off + size > pkt.len) throw new ProgramExit(0n);
    const a = pkt.addr + off;
    const mem = this.env.mem;
    if (this.checked && !mem.isAccessible(a, size)) throw outOfBounds(a, 0, size, false, pc);
    const dv = mem.dv;
    const v =
      size === 4 ? dv.getUint32(a, false) : size === 2 ? dv.getUint16(a, false) : dv.getUint8(a);
    return BigInt(v);
  }
}

type HelperImport = (
  r1: bigint,
  r2: bigint,
  r3: bigint,
  r4: bigint,
  r5: bigint,
  pc: number,
  fp: number,
) => bigint;

/** What a helper called from JIT-ed code learns about its call site. */
class JitCallInfo implements HelperCallInfo {
  constructor(
    readonly pc: number,
    private readonly fp: number,
    private readonly prog: JitProgram,
  ) {}

  get program(): ExecProgram {
    return this.prog.program;
  }

  callFunc(funcAddr: bigint, ...args: bigint[]): bigint {
    const a = U(funcAddr);
    const target = Number(a & 0xffffffffn);
    if (a >> 32n !== FUNC_TAG || !this.prog.funcSlots.has(target)) {
      throw new ExecError(
        `callFunc: 0x${a.toString(16)} is not a function of this program`,
        this.pc,
      );
    }
    return U(this.prog.callFunction(target, args, this.pc, this.fp));
  }
}

/** Create a JIT engine (programs are cached per environment). */
export function createJit(opts: JitOptions = {}): Engine {
  const cache = new WeakMap<ExecEnv, WeakMap<ExecProgram, JitProgram>>();
  const engine: Engine = {
    name: "jit",
    prepare(program: ExecProgram, env: ExecEnv): JitProgram {
      let byProg = cache.get(env);
      if (!byProg) cache.set(env, (byProg = new WeakMap()));
      let p = byProg.get(program);
      if (!p) {
        const forget = byProg;
        p = new JitProgram(program, env, stateFor(env), engine, opts, () => forget.delete(program));
        byProg.set(program, p);
      }
      return p;
    },
  };
  return engine;
}

/** The JIT engine with default options. */
export const jit: Engine = createJit();
