// BPF_MAP_TYPE_PROG_ARRAY: the tail-call table. Slots hold program references;
// user space stores program ids. All programs in one prog_array must share a
// program type: the first program checked against the map (inserted, or
// loaded while using the map — the runtime calls checkCompatible then)
// becomes the owner, as in the kernel's bpf_prog_map_compatible.
//
// When the last user handle closes, every slot is emptied (the kernel does
// this on the last uref), which breaks the cycle of a program that tail-calls
// through a map that holds it.
//
// Direct tail calls (src/fixup/tail-calls.ts): a loaded program registers one
// TailCallPokeSlot per site whose map and key the verifier proved constant;
// every change of that slot (update, delete, clear) is pushed to it, as
// prog_array_map_poke_run patches the JIT'ed jumps. The program untracks its
// pokes when it goes away (prog_array_map_poke_untrack). A poke holds no
// reference: the slot's own reference keeps the target alive.
import type { ProgramRef } from "../object.ts";
import { Errno } from "./errors.ts";
import { FdArrayMap } from "./fd-array.ts";

/**
 * The target of one direct tail call site: the program in slot `key`, mapped
 * to what the engines run (`resolve`), with watchers told of every change.
 */
export class TailCallPokeSlot<T> {
  target: T | undefined;
  private readonly watchers = new Set<() => void>();

  constructor(
    readonly key: number,
    private readonly resolve: (prog: ProgramRef) => T | undefined,
  ) {}

  /** The map's slot now holds `prog` (undefined: empty). */
  update(prog: ProgramRef | undefined): void {
    this.target = prog && this.resolve(prog);
    for (const w of [...this.watchers]) w();
  }

  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }
}

export class ProgArrayMap extends FdArrayMap<ProgramRef> {
  private readonly pokes = new Set<TailCallPokeSlot<unknown>>();
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

  /** Keep a direct tail call site's slot current from now on (it gets the slot's program now). */
  trackPoke(poke: TailCallPokeSlot<unknown>): void {
    this.pokes.add(poke);
    poke.update(this.at(poke.key));
  }

  untrackPoke(poke: TailCallPokeSlot<unknown>): void {
    this.pokes.delete(poke);
  }

  /** Direct tail call sites tracking this map. */
  get pokeCount(): number {
    return this.pokes.size;
  }

  protected override onSlotChange(index: number, prog: ProgramRef | undefined): void {
    for (const p of this.pokes) if (p.key === index) p.update(prog);
  }
}
