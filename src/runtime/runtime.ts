// The Runtime is tsbpf's kernel: one runtime memory, the map registry, the
// program table, the helper and kfunc tables, the pin namespace, the current
// task, clock and trace pipe, and the contexts of runs in progress. Loading a
// collection turns a CollectionSpec into live maps and programs; programs run
// with BPF_PROG_TEST_RUN semantics through Program.testRun().
import { UsageError } from "../errors.ts";
import type { ExecEnv, ExecProgram, HelperFn } from "../interp/index.ts";
import type { Insn } from "../isa/index.ts";
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from "../isa/index.ts";
import { VmMemory, type VmMemoryOptions } from "../memory/index.ts";
import type { CollectionSpec } from "../spec/types.ts";
import { Collection } from "./collection.ts";
import { ContextTable, type RunContext } from "./contexts.ts";
import { pickEngine, type EngineChoice } from "./engines.ts";
import { LoadError } from "./errors.ts";
import { bindHelpers } from "./helpers/index.ts";
import type { FakeTask, Kernel, RunState, TracePrintkRecord, TraceSink } from "./kernel.ts";
import { loadCollection } from "./load/collection.ts";
import type { LoadCollectionOptions } from "./load/options.ts";
import { PinNamespace } from "./load/pins.ts";
import { checkHelpers } from "./load/resolve.ts";
import { pokeTargets, verifyAndRewrite } from "./load/verify.ts";
import { MapHandle, MapRegistry, ProgArrayMap, type BpfMap, type MapAttrs } from "./maps/index.ts";
import { IdAllocator } from "./object.ts";
import type { HostKernel } from "../link/kernel/host-kernel.ts";
import { createRuntimeKernel } from "../link/kernel/context-types.ts";
import { Trampolines } from "../link/trampolines.ts";
import { KfuncRegistry } from "../kfuncs/registry.ts";
import { DYNPTR_KFUNCS } from "../kfuncs/dynptr/module.ts";
import { defineKfuncModule } from "../kfuncs/module.ts";
import { attachLoaded, releaseLoaded, statsOfLoaded } from "../link/runtime-glue.ts";
import type { Link, ProgStats } from "../link/index.ts";
import { Program, type ProgramHost, type ProgramInit } from "./program.ts";
import type { TestRunOptions, TestRunResult } from "./progtypes/index.ts";
import { monotonicClock, xorshift32 } from "./sources.ts";
import { testRun } from "./test-run.ts";

export interface RuntimeOptions {
  /** Runtime memory sizes (default 1 MiB initial, 1 GiB maximum). */
  memory?: VmMemoryOptions;
  /** CPUs per-CPU maps and perf buffers know (default 1). */
  ncpus?: number;
  /** Default engine of loaded programs: the JIT unless "interp". */
  engine?: EngineChoice;
  /** The task bpf_get_current_* report. */
  task?: Partial<FakeTask>;
  /** Receives bpf_trace_printk lines (default: kept in `runtime.trace`, the last 1000). */
  tracePrintk?: TraceSink;
  /** Monotonic nanoseconds for bpf_ktime_get_ns (default: the process's monotonic clock). */
  clock?: () => bigint;
  /** Seed of bpf_get_prandom_u32 (default: random). */
  seed?: number;
  /** CONFIG_HZ for bpf_jiffies64 (default 250). */
  hz?: number;
  /**
   * kfuncs by name, callable by programs that declare them `extern ... __ksym`
   * (prototype `u64 name(u64, u64, u64, u64, u64)`; for typed ones, register
   * a module in `runtime.kfuncs`).
   */
  kfuncs?: Readonly<Record<string, HelperFn>>;
}

export interface LoadProgramOptions {
  insns: readonly Insn[];
  /** BPF_PROG_TYPE_* (default UNSPEC, the raw "mem" type). */
  type?: number;
  name?: string;
  expectedAttachType?: number;
  license?: string;
  /** Verify first (pseudo-map lddws name maps by id). */
  verify?: boolean;
  logLevel?: number;
  engine?: EngineChoice;
  /** Tail calls with a constant prog_array and key jump through a poke slot (default true). */
  directTailCalls?: boolean;
  /** Inline the bodies of inlinable kfuncs at their call sites (default true). */
  inlineKfuncs?: boolean;
  /** Simplify each inlined body for its call site (default true; false for measurements). */
  pruneKfuncs?: boolean;
}

const DEFAULT_TASK: FakeTask = {
  pid: 1000,
  tgid: 1000,
  uid: 1000,
  gid: 1000,
  comm: "tsbpf",
  cgroupId: 1n,
};
const TRACE_KEEP = 1000;

export class Runtime implements Kernel, ProgramHost {
  readonly mem: VmMemory;
  readonly maps: MapRegistry;
  readonly env: ExecEnv;
  readonly task: FakeTask;
  readonly hz: number;
  readonly pins = new PinNamespace();
  /** Host functions fentry/fexit programs attach to: the runtime's "vmlinux" BTF (src/link). */
  readonly kernel: HostKernel = createRuntimeKernel();
  /** The fentry/fexit trampolines on host functions and BPF programs (src/link). */
  readonly trampolines: Trampolines;
  /** bpf_trace_printk lines, when no sink was given. */
  readonly trace: TracePrintkRecord[] = [];
  private readonly engineChoice: EngineChoice | undefined;
  private readonly programs = new IdAllocator<Program>();
  private readonly contexts = new ContextTable();
  private readonly runs: RunState[] = [];
  private readonly collections = new Set<Collection>();
  /** Programs loaded with loadProgram and maps made with createMap: released by close(). */
  private readonly owned = new Set<Program | MapHandle>();
  /** The kfuncs programs may call: modules register here (src/kfuncs). */
  readonly kfuncs: KfuncRegistry;
  private readonly sink: TraceSink;
  private readonly clock: () => bigint;
  private readonly random: () => number;
  private closed = false;

  constructor(opts: RuntimeOptions = {}) {
    this.mem = new VmMemory(opts.memory);
    this.maps = new MapRegistry({
      mem: this.mem,
      ncpus: opts.ncpus,
      programs: { program: (id) => this.programs.get(id) },
    });
    this.task = { ...DEFAULT_TASK, ...opts.task };
    this.trampolines = new Trampolines(this.mem, this.kernel);
    this.hz = opts.hz ?? 250;
    this.engineChoice = opts.engine;
    pickEngine(opts.engine);
    this.clock = opts.clock ?? monotonicClock();
    this.random = xorshift32(opts.seed ?? Math.floor(Math.random() * 0xffff_ffff));
    this.sink =
      opts.tracePrintk ??
      ((rec) => {
        this.trace.push(rec);
        if (this.trace.length > TRACE_KEEP) this.trace.shift();
      });
    // kfunc ids are FUNC ids in the kernel BTF (src/kfuncs); the dynptr kfuncs are built in.
    this.kfuncs = new KfuncRegistry(this.kernel, this);
    this.kfuncs.register(DYNPTR_KFUNCS);
    const untyped = Object.entries(opts.kfuncs ?? {});
    if (untyped.length) {
      const u64 = "unsigned long long";
      const proto = { ret: u64, args: ["a", "b", "c", "d", "e"].map((n) => [u64, n] as const) };
      this.kfuncs.register(
        defineKfuncModule(
          "runtime_options",
          untyped.map(([name, fn]) => ({
            name,
            proto,
            impl: (_k, r1, r2, r3, r4, r5, call) => fn(r1, r2, r3, r4, r5, call),
          })),
        ),
      );
    }
    const helper = bindHelpers(this);
    this.env = {
      mem: this.mem,
      helper,
      kfunc: (id) => this.kfuncs.impl(id),
      tailCallTarget: (mapAddr, index) => this.tailCallTarget(mapAddr, index),
      tailCallMaxEntries: (mapAddr) => this.maps.fromAddr(mapAddr)?.maxEntries,
      packetData: (ctxAddr) => this.contexts.at(ctxAddr)?.packetData(),
    };
  }

  // ---- Kernel (what helpers see) ----

  contextAt(addr: number): RunContext | undefined {
    return this.contexts.at(addr);
  }

  currentRun(): RunState | undefined {
    return this.runs[this.runs.length - 1];
  }

  ktimeNs(): bigint {
    return this.clock();
  }

  randomU32(): number {
    return this.random();
  }

  tracePrintk(rec: TracePrintkRecord): void {
    this.sink(rec);
  }

  // ---- ProgramHost ----

  registerProgram(p: Program): number {
    return this.programs.alloc(p);
  }

  unregisterProgram(p: Program): void {
    releaseLoaded(this.trampolines, p);
    this.programs.remove(p.id);
    this.owned.delete(p);
  }

  enterRun(state: RunState): void {
    this.runs.push(state);
    if (state.ctx) this.contexts.add(state.ctx);
  }

  exitRun(state: RunState): void {
    this.runs.pop();
    if (state.ctx && !this.runs.some((r) => r.ctx === state.ctx)) this.contexts.remove(state.ctx);
  }

  testRun(p: Program, opts: TestRunOptions): TestRunResult {
    return testRun(this.maps, p, opts);
  }

  private tailCallTarget(mapAddr: number, index: number): ExecProgram | undefined {
    const m = this.maps.fromAddr(mapAddr);
    if (!(m instanceof ProgArrayMap)) return undefined;
    const p = m.programAt(index);
    return p instanceof Program ? p.exec : undefined;
  }

  // ---- public API ----

  private live(): void {
    if (this.closed) throw new UsageError("runtime is closed");
  }

  /** The program with this id, if loaded. */
  program(id: number): Program | undefined {
    return this.programs.get(id);
  }

  /** Number of live programs. */
  get programCount(): number {
    return this.programs.size;
  }

  /** The runtime's id of a kfunc registered by name. */
  kfuncId(name: string): number | undefined {
    return this.kfuncs.id(name);
  }

  /** Load a collection: maps, programs, slot initialisers, globals. */
  loadCollection(spec: CollectionSpec, opts: LoadCollectionOptions = {}): Collection {
    this.live();
    const c = loadCollection(
      {
        maps: this.maps,
        pins: this.pins,
        engine: (choice) => pickEngine(choice ?? this.engineChoice),
        kfuncId: (n) => this.kfuncId(n),
        kfuncs: this.kfuncs,
        newProgram: (init) => new Program(this, init),
        kernel: this.kernel,
        collectionClosed: (col) => this.collections.delete(col),
      },
      spec,
      opts,
    );
    this.collections.add(c);
    return c;
  }

  /** BPF_MAP_CREATE: a new map and a handle on it (the handle owns it). */
  createMap(attrs: MapAttrs): MapHandle {
    this.live();
    const map = this.maps.create(attrs);
    const h = new MapHandle(map);
    map.release();
    this.owned.add(h);
    return h;
  }

  /**
   * BPF_PROG_LOAD for instructions built in code: a pseudo-map lddw names a
   * map by id (what an fd is to the kernel). Release the program (or close
   * the runtime) when done.
   */
  loadProgram(opts: LoadProgramOptions): Program {
    this.live();
    const name = opts.name ?? "prog";
    checkHelpers({ name, insns: opts.insns });
    const exec = opts.insns.map((x) => ({ ...x }));
    const used: BpfMap[] = [];
    for (let pc = 0; pc < exec.length; pc++) {
      const x = exec[pc]!;
      if (x.code !== 0x18) continue;
      if (x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_VALUE) {
        const map = this.maps.fromId(x.imm);
        if (!map) throw new LoadError(`insn ${pc}: no map with id ${x.imm}`, "EBADF");
        const addr =
          x.src === BPF_PSEUDO_MAP_FD ? map.addr : map.directValueAddr(exec[pc + 1]!.imm);
        if (addr < 0)
          throw new LoadError(`insn ${pc}: map ${x.imm} has no value at that offset`, "EINVAL");
        if (!used.includes(map)) used.push(map);
        x.src = 0;
        x.imm = addr | 0;
        exec[pc + 1] = { ...exec[pc + 1]!, imm: 0 };
      }
      pc++;
    }
    const type = opts.type ?? 0;
    const license = opts.license ?? "GPL";
    let verifierLog: string | undefined;
    let insns = exec;
    let ctxConverted = false;
    let tailCallPokes: ProgramInit["tailCallPokes"];
    if (opts.verify) {
      // Verify, then the rewrite passes (src/fixup) on the engine's instructions.
      const v = verifyAndRewrite(this.maps, {
        insns: opts.insns,
        exec,
        type,
        expectedAttachType: opts.expectedAttachType ?? 0,
        license,
        logLevel: opts.logLevel,
        directTailCalls: opts.directTailCalls,
        kfuncs: this.kfuncs,
        inlineKfuncs: opts.inlineKfuncs,
        pruneKfuncs: opts.pruneKfuncs,
      });
      verifierLog = v.log;
      insns = v.insns;
      ctxConverted = v.ctxConverted;
      tailCallPokes = pokeTargets(this.maps, v.pokes);
    }
    const init: ProgramInit = {
      name,
      type,
      expectedAttachType: opts.expectedAttachType ?? 0,
      exec: { insns, name, verified: opts.verify === true },
      engine: pickEngine(opts.engine ?? this.engineChoice),
      maps: used,
      license,
      verifierLog,
      ctxConverted,
      tailCallPokes,
    };
    const p = new Program(this, init);
    for (const m of used)
      if (m instanceof ProgArrayMap && !m.checkCompatible(p)) {
        p.close();
        throw new LoadError(
          `program '${name}' can't use prog_array '${m.name}' of another type`,
          "EINVAL",
        );
      }
    this.owned.add(p);
    return p;
  }

  /** A handle on the map pinned as `name`, if any. */
  pinned(name: string): MapHandle | undefined {
    const m = this.pins.get(name);
    return m && new MapHandle(m);
  }

  /**
   * Attach an fentry/fexit program to the target it was loaded against (a
   * host function of `kernel`, or a function of the program given as
   * `attachTarget` at load). The link is released by `link.detach()`, or
   * when the program or the runtime goes away.
   */
  attach(p: Program): Link {
    this.live();
    return attachLoaded(this.trampolines, p);
  }

  /**
   * BPF_ENABLE_STATS: record run count and time of programs run by
   * trampolines while any holder keeps stats on; call the returned function
   * to drop this holder's request.
   */
  enableStats(): () => void {
    return this.trampolines.enableStats();
  }

  /** Run statistics of a program (recorded while stats are enabled). */
  programStats(p: Program): ProgStats {
    return statsOfLoaded(p);
  }

  /** Release everything: collections, pins, programs and maps made through this runtime. */
  close(): void {
    if (this.closed) return;
    this.trampolines.close();
    for (const c of [...this.collections]) c.close();
    for (const o of [...this.owned]) o.close();
    this.owned.clear();
    this.pins.clear();
    this.closed = true;
  }
}
