// The runtime's cgroup hierarchy (cgroup v2): what cgroup_array slots hold and
// what bpf_current_task_under_cgroup / bpf_skb_under_cgroup ask about. Only
// the tree is modelled: a cgroup is an id, a path and a parent. The root is
// "/" with id 1; the runtime's task lives in the cgroup whose id is its
// `cgroupId` (default 1, the root). User space stores a cgroup's id into a
// cgroup_array where it would store a cgroup directory's fd.
import { UsageError } from "../../errors.ts";
import { RefCounted } from "../object.ts";

export const ROOT_CGROUP_ID = 1;

export class Cgroup extends RefCounted {
  /** False once removed (rmdir): maps may still hold it, as the kernel keeps a dead cgroup alive. */
  online = true;

  constructor(
    readonly id: number,
    readonly path: string,
    readonly parent: Cgroup | undefined,
  ) {
    super();
  }

  describe(): string {
    return `cgroup ${this.id} "${this.path}"`;
  }

  protected destroy(): void {}

  /** cgroup_is_descendant: this cgroup is `ancestor` or below it. */
  isDescendantOf(ancestor: Cgroup): boolean {
    if (this === ancestor) return true;
    return this.parent !== undefined && this.parent.isDescendantOf(ancestor);
  }
}

export class CgroupTable {
  readonly root: Cgroup;
  private readonly byId = new Map<number, Cgroup>();
  private nextId = ROOT_CGROUP_ID + 1;

  constructor() {
    this.root = new Cgroup(ROOT_CGROUP_ID, "/", undefined);
    this.byId.set(ROOT_CGROUP_ID, this.root);
  }

  /** mkdir: a new cgroup at `path` ("/a/b"), whose parent must exist. */
  create(path: string): Cgroup {
    if (!/^(\/[A-Za-z0-9_.:-]+)+$/.test(path))
      throw new UsageError(`cgroup path must look like /a/b, got "${path}"`);
    if (this.byPath(path)) throw new UsageError(`cgroup "${path}" exists`);
    const parentPath = path.slice(0, path.lastIndexOf("/")) || "/";
    const parent = this.byPath(parentPath);
    if (!parent) throw new UsageError(`cgroup "${parentPath}" does not exist`);
    const cg = new Cgroup(this.nextId++, path, parent);
    this.byId.set(cg.id, cg);
    return cg;
  }

  /** An online cgroup by id. */
  get(id: number): Cgroup | undefined {
    return this.byId.get(id);
  }

  byPath(path: string): Cgroup | undefined {
    for (const c of this.byId.values()) if (c.path === path) return c;
    return undefined;
  }

  /** rmdir: only a cgroup without online children; maps holding it keep it alive but offline. */
  remove(cg: Cgroup): void {
    if (cg === this.root) throw new UsageError("the root cgroup can't be removed");
    if (this.byId.get(cg.id) !== cg) throw new UsageError(`${cg.describe()} is not online`);
    for (const c of this.byId.values())
      if (c.parent === cg) throw new UsageError(`${cg.describe()} has child cgroups (EBUSY)`);
    this.byId.delete(cg.id);
    cg.online = false;
    cg.release();
  }
}
