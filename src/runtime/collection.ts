// A loaded object: its programs and maps by name (as libbpf's bpf_object or
// cilium/ebpf's Collection) and its global variables. The collection holds
// one reference on each program and one handle on each map; close() drops
// them, and whatever nothing else holds (a pin, a prog_array slot in another
// collection, a handle the caller cloned) is freed.
import { UsageError } from "../errors.ts";
import type { MapHandle } from "./maps/index.ts";
import type { Program } from "./program.ts";
import type { Variable } from "./load/globals.ts";

export class Collection {
  private open = true;

  constructor(
    readonly programs: ReadonlyMap<string, Program>,
    readonly maps: ReadonlyMap<string, MapHandle>,
    readonly variables: ReadonlyMap<string, Variable>,
    private readonly onClose: (c: Collection) => void = () => {},
  ) {}

  get closed(): boolean {
    return !this.open;
  }

  private pick<T>(what: string, table: ReadonlyMap<string, T>, name: string): T {
    if (!this.open) throw new UsageError("collection is closed");
    const v = table.get(name);
    if (v === undefined) {
      const known = [...table.keys()].join(", ") || "none";
      throw new UsageError(`no ${what} '${name}' in the collection (have: ${known})`);
    }
    return v;
  }

  /** The program whose function is `name`. */
  program(name: string): Program {
    return this.pick("program", this.programs, name);
  }

  /** The map named `name` (global data maps are ".data", ".bss", ".rodata", ...). */
  map(name: string): MapHandle {
    return this.pick("map", this.maps, name);
  }

  /** The global variable `name`. */
  variable(name: string): Variable {
    return this.pick("global variable", this.variables, name);
  }

  /** Drop the collection's references. Closing twice is a no-op. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    for (const h of this.maps.values()) h.close();
    for (const p of this.programs.values()) p.close();
    this.onClose(this);
  }
}
