// Program exit (check_return_code): R0 must be readable, not a pointer for
// unprivileged programs, and inside the range the program type allows.
import { AttachType } from "../uapi/prog-types.ts";
import { ProgType } from "../uapi/prog-types.ts";
import { S64_MAX, S64_MIN } from "./bigmath.ts";
import { isPointerValue } from "./check-mem.ts";
import type { Env } from "./env.ts";
import { markChainPrecision } from "./precision.ts";
import { checkRegArg, SRC_OP } from "./reg-access.ts";
import { RegType, regTypeStr } from "./reg-types.ts";

/** Allowed R0 range at exit for a program type, or undefined when anything goes. */
function retvalRange(env: Env): [number, number] | undefined {
  const A = AttachType;
  const at = env.expectedAttachType;
  switch (env.progType) {
    case ProgType.CGROUP_SOCK_ADDR:
      if (
        at === A.CGROUP_UDP4_RECVMSG ||
        at === A.CGROUP_UDP6_RECVMSG ||
        at === A.CGROUP_INET4_GETPEERNAME ||
        at === A.CGROUP_INET6_GETPEERNAME ||
        at === A.CGROUP_INET4_GETSOCKNAME ||
        at === A.CGROUP_INET6_GETSOCKNAME
      ) {
        return [1, 1];
      }
      if (at === A.CGROUP_INET4_BIND || at === A.CGROUP_INET6_BIND) return [0, 3];
      return [0, 1];
    case ProgType.CGROUP_SKB:
      return at === A.CGROUP_INET_EGRESS ? [0, 3] : [0, 1];
    case ProgType.CGROUP_SOCK:
    case ProgType.SOCK_OPS:
    case ProgType.CGROUP_DEVICE:
    case ProgType.CGROUP_SYSCTL:
    case ProgType.CGROUP_SOCKOPT:
      return [0, 1];
    case ProgType.TRACING:
      if (at === A.TRACE_FENTRY || at === A.TRACE_FEXIT) return [0, 0];
      if (at === A.TRACE_ITER) return [0, 1];
      return undefined;
    case ProgType.SK_LOOKUP:
      return [0, 1];
    case ProgType.NETFILTER:
      return [0, 1];
    default:
      return undefined;
  }
}

/** check_return_code() for the main program's exit. */
export function checkReturnCode(env: Env): void {
  checkRegArg(env, 0, SRC_OP);
  const r0 = env.regs[0]!;
  if (isPointerValue(env, r0)) env.fail("R0 leaks addr as return value");
  const range = retvalRange(env);
  if (!range) return;
  const ctx = "At program exit";
  if (r0.type !== RegType.SCALAR_VALUE) {
    env.fail(`${ctx} the register R0 is not a known value (${regTypeStr(r0.type)})`);
  }
  // The verdict depends on R0's range: it must be exact on every path here.
  markChainPrecision(env, 0);
  const [minval, maxval] = range;
  if (r0.smin >= BigInt(minval) && r0.smax <= BigInt(maxval)) return;
  let text = `${ctx} the register R0 has`;
  let unknown = true;
  if (r0.smin > S64_MIN) {
    text += ` smin=${r0.smin}`;
    unknown = false;
  }
  if (r0.smax < S64_MAX) {
    text += ` smax=${r0.smax}`;
    unknown = false;
  }
  if (unknown) text += " unknown scalar value";
  env.fail(`${text} should have been in [${minval}, ${maxval}]`);
}
