// BPF_MAP_TYPE_PROG_ARRAY: the tail-call table. Slots hold program references;
// user space stores program ids. All programs in one prog_array must share a
// program type: the first program checked against the map (inserted, or
// loaded while using the map — the runtime calls checkCompatible then)
// becomes the owner, as in the kernel's bpf_prog_map_compatible.
//
// When the last user handle closes, every slot is emptied (the kernel does
// this on the last uref), which breaks the cycle of a program that tail-calls
// through a map that holds it.
import type { ProgramRef } from "../object.ts";
import { Errno } from "./errors.ts";
import { FdArrayMap } from "./fd-array.ts";

export class ProgArrayMap extends FdArrayMap<ProgramRef> {
  /** Program type of the owner, once known. */
  ownerType: number | undefined;
  /** The owner's ctx layout (converted or user-visible), like the kernel's owner.jited check. */
  ownerCtxConverted = false;

  protected resolve(id: number): ProgramRef | number {
    return this.registry.programs?.program(id) ?? -Errno.EBADF;
  }

  /** May `prog` share this map? Sets the owner type on first use. */
  checkCompatible(prog: ProgramRef): boolean {
    if (this.ownerType === undefined) {
      this.ownerType = prog.type;
      this.ownerCtxConverted = prog.ctxConverted === true;
      return true;
    }
    return this.ownerType === prog.type && this.ownerCtxConverted === (prog.ctxConverted === true);
  }

  protected override admit(prog: ProgramRef): number {
    return this.checkCompatible(prog) ? 0 : -Errno.EINVAL;
  }

  /** Tail-call target in slot `index` (bpf_tail_call), or undefined to fall through. */
  programAt(index: number): ProgramRef | undefined {
    return this.at(index);
  }

  protected override onLastUserRef(): void {
    this.clear();
  }
}
