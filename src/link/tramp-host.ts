// Trampolines of host code: a defined host function (its router is pointed
// at the generated code) and a callback slot (a function-pointer field of a
// host object, like tcp_congestion_ops->cong_avoid, is replaced by the
// generated code and put back when the last program leaves).
import { genHostTrampoline } from "./codegen-host.ts";
import type { FramePool, Views } from "./frames.ts";
import { genericHostTrampoline } from "./generic-host.ts";
import type { HostFunction, HostImpl } from "./kernel/host-function.ts";
import type { CallbackSlot } from "./kernel/callback-slot.ts";
import { buildPhase, type PhaseItem } from "./phase.ts";
import { Trampoline, type TrampolineHost } from "./trampoline.ts";

interface HostCode {
  name: string;
  ip: number;
  impl: HostImpl | undefined;
}

abstract class HostCodeTrampoline extends Trampoline {
  private readonly fallback: HostImpl;

  constructor(
    host: TrampolineHost,
    private readonly code: HostCode,
    model: HostFunction["model"],
    private readonly pool: FramePool,
    private readonly views: Views,
  ) {
    super(host, code.name, model);
    this.fallback = genericHostTrampoline(
      {
        ...code,
        model,
        fentry: () => this.liveItems("fentry"),
        fexit: () => this.liveItems("fexit"),
      },
      pool,
      views,
    );
  }

  protected install(fentry: PhaseItem[], fexit: PhaseItem[], stats: boolean): void {
    const f = genHostTrampoline(
      {
        ...this.code,
        model: this.model,
        fentry: buildPhase(fentry, stats),
        fexit: buildPhase(fexit, stats),
      },
      this.pool,
      this.views,
    );
    this.put(f);
  }

  protected installFallback(): void {
    this.put(this.fallback);
  }

  protected abstract put(f: HostImpl): void;
}

/** fentry/fexit on a host function defined with kernel.define(). */
export class HostTrampoline extends HostCodeTrampoline {
  constructor(
    host: TrampolineHost,
    readonly fn: HostFunction,
    pool: FramePool,
    views: Views,
  ) {
    super(host, { name: fn.name, ip: fn.btfId, impl: fn.impl }, fn.model, pool, views);
  }

  protected put(f: HostImpl): void {
    this.fn.route(f);
  }

  protected restore(): void {
    this.fn.route(undefined);
  }
}

/** fentry/fexit on a callback slot: the slot holds the trampoline while programs are attached. */
export class SlotTrampoline extends HostCodeTrampoline {
  private readonly original: unknown;

  constructor(
    host: TrampolineHost,
    readonly slot: CallbackSlot,
    pool: FramePool,
    views: Views,
  ) {
    const original = slot.current();
    const impl =
      slot.callOriginal && typeof original === "function" ? (original as HostImpl) : undefined;
    super(host, { name: slot.name, ip: slot.btfId, impl }, slot.model, pool, views);
    this.original = original;
  }

  protected put(f: HostImpl): void {
    this.slot.set(f);
  }

  protected restore(): void {
    this.slot.set(this.original);
  }
}
