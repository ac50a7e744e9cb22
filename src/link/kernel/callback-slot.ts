// A callback slot: a function-valued property of a host object (a callback
// table entry such as tcp_congestion_ops->cong_avoid), described by a BTF
// prototype like a host function. Attaching replaces the property with a
// trampoline that runs the fentry programs, then (unless `callOriginal` is
// false, or the slot was empty) the callback that was there, then the fexit
// programs; the last detach puts the original value back.
import type { FuncModel } from "../model.ts";

export class CallbackSlot {
  constructor(
    /** Name the slot is attached by (its FUNC in the kernel's BTF). */
    readonly name: string,
    /** BTF id of that FUNC. */
    readonly btfId: number,
    readonly protoId: number,
    readonly model: FuncModel,
    private readonly obj: Record<PropertyKey, unknown>,
    private readonly key: PropertyKey,
    /** Call the callback the slot held when the trampoline went in. */
    readonly callOriginal: boolean,
  ) {}

  /** What the slot holds now. */
  current(): unknown {
    return this.obj[this.key];
  }

  set(v: unknown): void {
    this.obj[this.key] = v;
  }
}
