// A loaded program: resolved instructions ready for an engine, the maps it
// holds references to, and the run entry points. Programs are reference
// counted like the kernel's: the collection (or whoever loaded it) holds one
// reference, each prog_array slot another; the last release drops the maps.
import type { Engine, ExecEnv, ExecProgram, PreparedProgram } from "../interp/index.ts";
import { progTypeName } from "../uapi/index.ts";
import { TailCallPokeSlot, type BpfMap, type ProgArrayMap } from "./maps/index.ts";
import { RefCounted, type ProgramRef } from "./object.ts";
import type { RunContext } from "./contexts.ts";
import type { RunState } from "./kernel.ts";
import type { TestRunOptions, TestRunResult } from "./progtypes/types.ts";

/** What a program needs from the runtime that loaded it. */
export interface ProgramHost {
  readonly env: ExecEnv;
  /** Register a program and get its id. */
  registerProgram(p: Program): number;
  unregisterProgram(p: Program): void;
  /** Make a context visible to helpers for the duration of a run. */
  enterRun(state: RunState): void;
  exitRun(state: RunState): void;
  testRun(p: Program, opts: TestRunOptions): TestRunResult;
}

export interface ProgramInit {
  name: string;
  type: number;
  expectedAttachType: number;
  /** Resolved instructions (map pointers and values are runtime addresses). */
  exec: ExecProgram;
  engine: Engine;
  /** Maps the instructions use; the program takes a reference to each. */
  maps: readonly BpfMap[];
  license: string;
  /** The verifier's log when the program was verified. */
  verifierLog?: string;
  /** The rewrite passes converted its ctx accesses (src/fixup): it runs on runtime-side contexts. */
  ctxConverted?: boolean;
  /**
   * Direct tail call sites by poke index (src/fixup/tail-calls.ts): the
   * prog_array slot each jumps through. The program tracks them while it lives.
   */
  tailCallPokes?: readonly { map: ProgArrayMap; key: number }[];
}

export interface RunOutcome {
  r0: bigint;
  state: RunState;
}

export class Program extends RefCounted implements ProgramRef {
  readonly id: number;
  readonly name: string;
  readonly type: number;
  readonly expectedAttachType: number;
  readonly license: string;
  readonly exec: ExecProgram;
  readonly verifierLog: string | undefined;
  /** ctx accesses were converted to the runtime-side structure (src/fixup/ctx). */
  readonly ctxConverted: boolean;
  private readonly engine: Engine;
  private prepared: PreparedProgram | undefined;
  private readonly usedMaps: readonly BpfMap[];
  private readonly pokes: { map: ProgArrayMap; slot: TailCallPokeSlot<ExecProgram> }[];
  private closed = false;

  constructor(
    private readonly host: ProgramHost,
    init: ProgramInit,
  ) {
    super();
    this.name = init.name;
    this.type = init.type;
    this.expectedAttachType = init.expectedAttachType;
    this.license = init.license;
    // Each direct tail call site jumps through a slot the prog_array keeps current.
    this.pokes = (init.tailCallPokes ?? []).map(({ map, key }) => ({
      map,
      slot: new TailCallPokeSlot<ExecProgram>(key, (p) =>
        p instanceof Program ? p.exec : undefined,
      ),
    }));
    this.exec = this.pokes.length
      ? { ...init.exec, tailCallPokes: this.pokes.map((p) => p.slot) }
      : init.exec;
    this.engine = init.engine;
    this.verifierLog = init.verifierLog;
    this.ctxConverted = init.ctxConverted === true;
    for (const m of init.maps) m.acquire();
    this.usedMaps = init.maps;
    this.id = host.registerProgram(this);
    for (const p of this.pokes) p.map.trackPoke(p.slot);
  }

  describe(): string {
    return `program ${this.id} "${this.name}" (${progTypeName(this.type)})`;
  }

  /** True when the verifier accepted the program (it then runs without per-access checks). */
  get verified(): boolean {
    return this.exec.verified === true;
  }

  get engineName(): string {
    return this.engine.name;
  }

  get insnCount(): number {
    return this.exec.insns.length;
  }

  /** Maps this program uses (it holds a reference to each while it lives). */
  get maps(): readonly BpfMap[] {
    return this.usedMaps;
  }

  /**
   * Drop the reference the loader handed out (once; later calls do nothing).
   * The program lives on while a prog_array slot still holds it.
   */
  close(): void {
    if (this.closed || this.freed) return;
    this.closed = true;
    this.release();
  }

  /**
   * BPF_PROG_TEST_RUN: run on a packet or context built from `opts` and
   * report the return value, output data and ctx, and the mean duration.
   */
  testRun(opts: TestRunOptions = {}): TestRunResult {
    return this.host.testRun(this, opts);
  }

  protected destroy(): void {
    for (const p of this.pokes) p.map.untrackPoke(p.slot);
    this.host.unregisterProgram(this);
    for (const m of this.usedMaps) m.release();
    this.prepared = undefined;
  }

  /** Compile (JIT) or decode (interpreter) now instead of at the first run. */
  prepare(): PreparedProgram {
    this.assertLive();
    this.prepared ??= this.engine.prepare(this.exec, this.host.env);
    return this.prepared;
  }

  /**
   * Run once on a context that is already in runtime memory; the context is
   * visible to helpers for the duration. Throws ExecError on a fault.
   */
  runOn(ctx: RunContext | undefined, args: readonly bigint[], budget?: number): RunOutcome {
    const prepared = this.prepare();
    const state: RunState = {
      progType: this.type,
      progName: this.name,
      ctx,
      clones: [],
      sockopts: new Map(),
    };
    this.host.enterRun(state);
    try {
      const r = prepared.run({ args, budget });
      return { r0: r.r0, state };
    } finally {
      this.host.exitRun(state);
    }
  }
}
