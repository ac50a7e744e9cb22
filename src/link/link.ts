// A link: one tracing program attached to one trampoline (bpf_tracing_link).
// detach() never fails: everything the trampoline needs to go on without
// the program — including a fallback that needs no code generation — was
// set up when the trampoline was created.
import { AttachType } from "../uapi/prog-types.ts";
import type { Trampoline } from "./trampoline.ts";
import type { TracingProgram } from "./types.ts";

export type LinkKind = "fentry" | "fexit";

export const kindOfAttachType = (t: number): LinkKind | undefined =>
  t === AttachType.TRACE_FENTRY ? "fentry" : t === AttachType.TRACE_FEXIT ? "fexit" : undefined;

export class Link {
  private live = true;

  constructor(
    readonly program: TracingProgram,
    readonly kind: LinkKind,
    readonly trampoline: Trampoline,
  ) {}

  /** What the program is attached to (the traced function's name). */
  get target(): string {
    return this.trampoline.name;
  }

  get attached(): boolean {
    return this.live;
  }

  /** Detach the program; the traced function keeps working. Idempotent, never throws. */
  detach(): void {
    if (!this.live) return;
    this.live = false;
    this.trampoline.remove(this);
  }
}
