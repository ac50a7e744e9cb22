// BPF_MAP_TYPE_CGROUP_ARRAY (arraymap.c's cgroup fd array): slots hold cgroups
// of the runtime's hierarchy (maps/cgroups.ts) for bpf_current_task_under_cgroup
// and bpf_skb_under_cgroup. User space writes a cgroup id where the kernel
// takes a cgroup directory fd; it can't read the slots back (ENOTSUPP, no
// map_fd_sys_lookup_elem). Slots keep their cgroups when the last user handle
// closes (the map has no release_uref), and a removed cgroup stays alive
// while a slot holds it.
import type { Cgroup } from "./cgroups.ts";
import { Errno } from "./errors.ts";
import { FdArrayMap } from "./fd-array.ts";

export class CgroupArrayMap extends FdArrayMap<Cgroup> {
  protected resolve(id: number): Cgroup | number {
    return this.registry.cgroups.get(id) ?? -Errno.EBADF;
  }

  override sysLookup(): number {
    return -Errno.ENOTSUPP;
  }
}
