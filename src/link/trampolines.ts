// The runtime's trampolines: one per traced target (host function, callback
// slot, BPF function), created on the first attach and dropped after the
// last detach; the frame pool host trampolines run their programs on; the
// statistics switch (flipping it regenerates every trampoline); and the
// bookkeeping that detaches links when a program or the runtime goes away.
import type { VmMemory } from "../memory/index.ts";
import type { JitProgram } from "../jit/engine.ts";
import {
  AttachTargetError,
  resolveBpfTarget,
  resolveHostTarget,
  type ResolvedTarget,
  type TargetSpec,
} from "./attach-target.ts";
import { entryOf, type ProgEntry } from "./entry.ts";
import { LinkError } from "./errors.ts";
import { FramePool, Views } from "./frames.ts";
import { HostFunction } from "./kernel/host-function.ts";
import type { HostKernel } from "./kernel/host-kernel.ts";
import { kindOfAttachType, type Link } from "./link.ts";
import type { PhaseItem } from "./phase.ts";
import { newStats, StatsSwitch, type ProgStats } from "./stats.ts";
import { Trampoline, type TrampolineHost } from "./trampoline.ts";
import { BpfTrampoline } from "./tramp-bpf.ts";
import { HostTrampoline, SlotTrampoline } from "./tramp-host.ts";
import type { BpfTargetProgram, TracingProgram } from "./types.ts";
import type { PreparedProgram } from "../interp/env.ts";

export class Trampolines implements TrampolineHost {
  readonly pool: FramePool;
  private readonly views: Views;
  private readonly stats: StatsSwitch;
  /** Trampolines by target: a HostFunction/CallbackSlot, or `JitProgram` → pc. */
  private readonly hostTramps = new Map<object, Trampoline>();
  private readonly bpfTramps = new Map<JitProgram, Map<number, BpfTrampoline>>();
  private readonly statsByProg = new WeakMap<TracingProgram, ProgStats>();
  private readonly entries = new WeakMap<PreparedProgram, ProgEntry>();
  private closed = false;

  constructor(
    readonly mem: VmMemory,
    /** The host functions programs may trace. */
    readonly kernel: HostKernel,
  ) {
    this.pool = new FramePool(mem);
    this.views = new Views(mem);
    this.stats = new StatsSwitch(() => this.regenerateAll());
  }

  get statsEnabled(): boolean {
    return this.stats.enabled;
  }

  /**
   * Record run count and time of every program run by a trampoline while at
   * least one holder keeps stats on (BPF_ENABLE_STATS); call the returned
   * function to drop this holder's request.
   */
  enableStats(): () => void {
    return this.stats.enable();
  }

  statsOf(prog: TracingProgram): ProgStats {
    if (prog.stats) return prog.stats;
    let s = this.statsByProg.get(prog);
    if (!s) this.statsByProg.set(prog, (s = newStats()));
    return s;
  }

  entryItem(prog: TracingProgram): PhaseItem {
    let e = this.entries.get(prog.prepared);
    if (!e) this.entries.set(prog.prepared, (e = entryOf(prog.prepared)));
    return { entry: e, stats: this.statsOf(prog) };
  }

  forget(t: Trampoline): void {
    if (t instanceof BpfTrampoline) {
      const m = this.bpfTramps.get(t.prepared);
      m?.delete(t.pc);
      if (m?.size === 0) this.bpfTramps.delete(t.prepared);
    } else if (t instanceof HostTrampoline) this.hostTramps.delete(t.fn);
    else if (t instanceof SlotTrampoline) this.hostTramps.delete(t.slot);
  }

  private regenerateAll(): void {
    for (const t of this.all()) {
      try {
        t.regenerate();
      } catch {
        // A trampoline that cannot be regenerated keeps its current code.
      }
    }
  }

  private all(): Trampoline[] {
    const out: Trampoline[] = [...this.hostTramps.values()];
    for (const m of this.bpfTramps.values()) out.push(...m.values());
    return out;
  }

  /** Where a program would attach on the host, with the kernel's checks (no attach yet). */
  resolveHost(spec: TargetSpec): ResolvedTarget {
    return resolveHostTarget(this.kernel, spec);
  }

  /**
   * Attach a fentry/fexit program to a host function or callback slot, named
   * by name or BTF id (`{ name }` / `{ btfId }`), or given as the object.
   */
  attachHost(prog: TracingProgram, target: TargetSpec | ResolvedTarget): Link {
    const r = "kind" in target ? target : resolveHostTarget(this.kernel, target);
    if (r.kind !== "host") throw new LinkError("EINVAL", `${r.name} is not a host function`);
    const kind = this.kindOf(prog);
    let t = this.hostTramps.get(r.target);
    if (!t) {
      t =
        r.target instanceof HostFunction
          ? new HostTrampoline(this, r.target, this.pool, this.views)
          : new SlotTrampoline(this, r.target, this.pool, this.views);
      this.hostTramps.set(r.target, t);
    }
    return this.addTo(t, prog, kind);
  }

  /** Attach a fentry/fexit program to a BPF program's main function (empty spec) or a subprogram. */
  attachBpf(prog: TracingProgram, target: BpfTargetProgram, spec: TargetSpec = {}): Link {
    return this.attachResolved(prog, resolveBpfTarget(target, spec));
  }

  /** Attach to a target resolved earlier (e.g. by the verifier at load time). */
  attachResolved(prog: TracingProgram, r: ResolvedTarget): Link {
    if (r.kind === "host") return this.attachHost(prog, r);
    const kind = this.kindOf(prog);
    const prepared = r.program.prepared as JitProgram;
    let byPc = this.bpfTramps.get(prepared);
    if (!byPc) this.bpfTramps.set(prepared, (byPc = new Map()));
    let t = byPc.get(r.pc);
    if (!t) {
      const slot = prepared.funcSlots.get(r.pc)!;
      t = new BpfTrampoline(
        this,
        r.name,
        r.model,
        prepared,
        r.pc,
        slot,
        r.funcId ?? r.pc,
        this.pool,
      );
      byPc.set(r.pc, t);
    }
    return this.addTo(t, prog, kind);
  }

  private kindOf(prog: TracingProgram): "fentry" | "fexit" {
    if (this.closed) throw new LinkError("EINVAL", "the runtime is closed");
    const kind = kindOfAttachType(prog.attachType);
    if (!kind) {
      throw new AttachTargetError(
        "EINVAL",
        `program ${prog.name} has attach type ${prog.attachType}, not fentry or fexit`,
      );
    }
    return kind;
  }

  private addTo(t: Trampoline, prog: TracingProgram, kind: "fentry" | "fexit"): Link {
    try {
      return t.add(prog, kind);
    } finally {
      if (t.size === 0) this.forget(t);
    }
  }

  /** Every live link, optionally only those of one tracing program. */
  links(prog?: TracingProgram): Link[] {
    const out: Link[] = [];
    for (const t of this.all()) {
      const { fentry, fexit } = t.links();
      for (const l of [...fentry, ...fexit]) if (!prog || l.program === prog) out.push(l);
    }
    return out;
  }

  /**
   * A program is going away: detach its links, and every link of tracing
   * programs attached to it (when it is a target).
   */
  releaseProgram(prepared: PreparedProgram): void {
    for (const l of this.links()) if (l.program.prepared === prepared) l.detach();
    const byPc = this.bpfTramps.get(prepared as JitProgram);
    if (byPc) for (const t of [...byPc.values()]) t.detachAll();
  }

  /** Detach everything and free the frames (the runtime is closing). */
  close(): void {
    if (this.closed) return;
    for (const t of this.all()) t.detachAll();
    this.closed = true;
    this.pool.dispose();
  }
}
