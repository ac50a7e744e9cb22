// Stack helpers. A userspace runtime has no kernel stack to walk: the call
// stacks these helpers see are the runtime task's configured ones
// (FakeTask.kernelStack / userStack, innermost frame first), treated as what
// get_perf_callchain would return — cut to the depth the call asks for,
// with the flags' skip count dropped from the top. No stack configured means
// no trace, and the helpers fail with -EFAULT as the kernel does then.
import { ExecError } from "../../errors.ts";
import type { Kernel } from "../kernel.ts";
import {
  BPF_F_FAST_STACK_CMP,
  BPF_F_REUSE_STACKID,
  BPF_F_SKIP_FIELD_MASK,
  BPF_F_USER_BUILD_ID,
  BPF_F_USER_STACK,
  BPF_STACK_BUILD_ID_IP,
  PERF_MAX_STACK_DEPTH,
  StackTraceMap,
} from "../maps/index.ts";
import { mapArg } from "./maps.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, size } from "./util.ts";

const STACKID_FLAGS = BigInt(
  BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP | BPF_F_REUSE_STACKID,
);
const GET_STACK_FLAGS = BigInt(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID);
const BUILD_ID_RECORD = 32;

/** get_perf_callchain: the task's kernel or user stack, at most `maxDepth` frames. */
function callchain(k: Kernel, user: boolean, maxDepth: number): readonly bigint[] {
  const stack = (user ? k.task.userStack : k.task.kernelStack) ?? [];
  return stack.slice(0, Math.min(maxDepth, PERF_MAX_STACK_DEPTH));
}

export const STACK_HELPERS: HelperTable = {
  // bpf_get_stackid(ctx, map, flags): the id of the current stack in a stack_trace map
  27: (k, _ctx, map, flags, _r4, _r5, call) => {
    const m = mapArg(k, map);
    if (!m) return -E.EINVAL;
    if (!(m instanceof StackTraceMap))
      throw new ExecError(`bpf_get_stackid: ${m.describe()} is not a stack_trace map`, call.pc);
    if (flags & ~STACKID_FLAGS) return -E.EINVAL;
    const f = Number(flags);
    const skip = f & BPF_F_SKIP_FIELD_MASK;
    const trace = callchain(k, (f & BPF_F_USER_STACK) !== 0, m.maxDepth + skip);
    if (trace.length <= skip) return -E.EFAULT;
    return m.stackId(trace.slice(skip), f);
  },
  // bpf_get_stack(ctx, buf, size, flags): the frames copied into buf, their byte count returned
  67: (k, _ctx, buf, sz, flags) => {
    const n = Math.min(size(sz), 0xffff_ffff);
    const dst = ptr(buf);
    const u8 = k.mem.u8;
    const fail = (errno: number): number => {
      u8.fill(0, dst, dst + n);
      return errno;
    };
    const f = Number(flags & 0xffff_ffffn);
    const user = (f & BPF_F_USER_STACK) !== 0;
    const buildId = (f & BPF_F_USER_BUILD_ID) !== 0;
    if (flags & ~GET_STACK_FLAGS || (buildId && !user)) return fail(-E.EINVAL);
    const elem = buildId ? BUILD_ID_RECORD : 8;
    if (n % elem) return fail(-E.EINVAL);
    const skip = f & BPF_F_SKIP_FIELD_MASK;
    const numElem = n / elem;
    const trace = callchain(k, user, numElem + skip);
    if (trace.length < skip) return fail(-E.EFAULT);
    const ips = trace.slice(skip, skip + numElem);
    const dv = k.mem.dv;
    ips.forEach((ip, i) => {
      const u = BigInt.asUintN(64, ip);
      if (!buildId) return dv.setBigUint64(dst + i * 8, u, true);
      // No build ids are known: each record falls back to the ip, as the kernel's does.
      const at = dst + i * BUILD_ID_RECORD;
      u8.fill(0, at, at + BUILD_ID_RECORD);
      dv.setInt32(at, BPF_STACK_BUILD_ID_IP, true);
      dv.setBigUint64(at + 24, u, true);
    });
    const copied = ips.length * elem;
    u8.fill(0, dst + copied, dst + n);
    return copied;
  },
};
