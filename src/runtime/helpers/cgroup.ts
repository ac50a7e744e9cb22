// cgroup_array helpers. The runtime's task lives in the cgroup whose id is
// its `cgroupId` (maps/cgroups.ts); a test-run skb carries a dummy socket
// created by that task (bpf_prog_test_run_skb allocates one), so its cgroup
// is the task's too. An id the hierarchy doesn't know is under no cgroup.
import { ExecError } from "../../errors.ts";
import type { Kernel } from "../kernel.ts";
import { CgroupArrayMap } from "../maps/index.ts";
import { mapArg } from "./maps.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, u32 } from "./util.ts";

/** 1 when the task's cgroup is slot `index`'s cgroup or below it, 0 if not, or -errno. */
function taskUnder(k: Kernel, map: bigint, index: bigint, pc: number): number {
  const m = mapArg(k, map);
  if (!m) return -E.EINVAL;
  if (!(m instanceof CgroupArrayMap))
    throw new ExecError(`${m.describe()} is not a cgroup_array`, pc);
  const i = u32(index);
  if (i >= m.maxEntries) return -E.E2BIG;
  const cg = m.at(i);
  if (!cg) return -E.EAGAIN;
  const mine = k.maps.cgroups.get(Number(k.task.cgroupId));
  return mine?.isDescendantOf(cg) ? 1 : 0;
}

export const CGROUP_HELPERS: HelperTable = {
  // bpf_skb_under_cgroup(skb, map, index): the skb's socket must exist (-ENOENT)
  33: (k, ctx, map, index, _r4, _r5, call) =>
    k.contextAt(ptr(ctx))?.kind === "skb" ? taskUnder(k, map, index, call.pc) : -E.ENOENT,
  // bpf_current_task_under_cgroup(map, index)
  37: (k, map, index, _r3, _r4, _r5, call) => taskUnder(k, map, index, call.pc),
};
