// One trampoline per traced target, shared by every program attached to it.
// The attached programs are two ordered lists (fentry, fexit); every attach
// and detach regenerates the code for the new lists, so the generated code
// calls exactly those programs, directly. Subclasses say what is traced and
// how generated code is installed (a host function's router, a callback
// slot, a function table slot) and put the original back when the last
// program leaves.
import { LinkError } from "./errors.ts";
import { Link, type LinkKind } from "./link.ts";
import type { FuncModel } from "./model.ts";
import type { PhaseItem } from "./phase.ts";
import type { ProgStats } from "./stats.ts";
import type { TracingProgram } from "./types.ts";

/** Programs one trampoline may call (BPF_MAX_TRAMP_LINKS). */
export const BPF_MAX_TRAMP_LINKS = 40;

/** What a trampoline needs from the manager that owns it. */
export interface TrampolineHost {
  readonly statsEnabled: boolean;
  statsOf(prog: TracingProgram): ProgStats;
  entryItem(prog: TracingProgram): PhaseItem;
  forget(t: Trampoline): void;
}

export abstract class Trampoline {
  protected readonly fentry: Link[] = [];
  protected readonly fexit: Link[] = [];
  /** Set when regeneration failed and the generic fallback is installed. */
  private degraded = false;

  constructor(
    protected readonly host: TrampolineHost,
    /** The traced function's name. */
    readonly name: string,
    readonly model: FuncModel,
  ) {}

  /** Programs attached, fentry and fexit together. */
  get size(): number {
    return this.fentry.length + this.fexit.length;
  }

  /** The links in attach order within each kind. */
  links(): { fentry: readonly Link[]; fexit: readonly Link[] } {
    return { fentry: this.fentry.slice(), fexit: this.fexit.slice() };
  }

  /** True while the code-generation fallback (a loop over the lists) is installed. */
  get usingFallback(): boolean {
    return this.degraded;
  }

  /** Attach a program (bpf_trampoline_link_prog): E2BIG past the limit, EBUSY when already here. */
  add(prog: TracingProgram, kind: LinkKind): Link {
    if (this.size >= BPF_MAX_TRAMP_LINKS) {
      throw new LinkError(
        "E2BIG",
        `${this.name}: a trampoline takes at most ${BPF_MAX_TRAMP_LINKS} programs`,
      );
    }
    if ([...this.fentry, ...this.fexit].some((l) => l.program === prog)) {
      throw new LinkError("EBUSY", `program ${prog.name} is already attached to ${this.name}`);
    }
    const link = new Link(prog, kind, this);
    const list = kind === "fentry" ? this.fentry : this.fexit;
    list.push(link);
    try {
      this.regenerate();
    } catch (e) {
      // Attaching may fail (it generates code); the trampoline stays as it was.
      list.pop();
      this.regenerate();
      throw e;
    }
    return link;
  }

  /** Detach (called by Link.detach): regenerates, falling back to the generic code; never throws. */
  remove(link: Link): void {
    const list = link.kind === "fentry" ? this.fentry : this.fexit;
    const at = list.indexOf(link);
    if (at < 0) return;
    list.splice(at, 1);
    try {
      this.regenerate();
    } catch {
      this.degraded = true;
      this.installFallback();
    }
    if (this.size === 0) this.host.forget(this);
  }

  /** Regenerate for the current lists and statistics setting. */
  regenerate(): void {
    if (this.size === 0) {
      this.restore();
      this.degraded = false;
      return;
    }
    const items = (ls: readonly Link[]): PhaseItem[] =>
      ls.map((l) => this.host.entryItem(l.program));
    this.install(items(this.fentry), items(this.fexit), this.host.statsEnabled);
    this.degraded = false;
  }

  /** Detach every program (the target or the runtime is going away). */
  detachAll(): void {
    for (const l of [...this.fentry, ...this.fexit]) l.detach();
  }

  /** The live lists as phase items, for the fallback (read at call time). */
  protected liveItems(kind: LinkKind): PhaseItem[] {
    return (kind === "fentry" ? this.fentry : this.fexit).map((l) =>
      this.host.entryItem(l.program),
    );
  }

  /** Install code generated for these programs. May throw (nothing changes then). */
  protected abstract install(fentry: PhaseItem[], fexit: PhaseItem[], stats: boolean): void;
  /** Install the generic code made when the trampoline was created. Never throws. */
  protected abstract installFallback(): void;
  /** Put the original back (no programs left). Never throws. */
  protected abstract restore(): void;
}
