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
import type { RegState } from "./regs.ts";

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

/** verbose_invalid_scalar(): R0 outside the range the exit allows. */
export function formatRetvalError(
  reg: RegState,
  ctx: string,
  regName: string,
  minval: number,
  maxval: number,
): string {
  let text = `${ctx} the register ${regName} has`;
  let unknown = true;
  if (reg.smin > S64_MIN) {
    text += ` smin=${reg.smin}`;
    unknown = false;
  }
  if (reg.smax < S64_MAX) {
    text += ` smax=${reg.smax}`;
    unknown = false;
  }
  if (unknown) text += " unknown scalar value";
  return `${text} should have been in [${minval}, ${maxval}]`;
}

/**
 * check_return_code() at an exit of frame 0: the main program's (range per
 * program type), an async callback's (its own range) or, in a global
 * function's own pass, a subprogram's (any scalar).
 */
export function checkReturnCode(env: Env): void {
  checkRegArg(env, 0, SRC_OP);
  const r0 = env.regs[0]!;
  if (isPointerValue(env, r0)) env.fail("R0 leaks addr as return value");
  const frame = env.cur.frames[0]!;
  let range = retvalRange(env);
  let ctx = "At program exit";
  if (frame.callback?.async) {
    ctx = "At async callback return";
    range = [frame.callback.retMin, frame.callback.retMax];
  } else if (frame.subprogno) {
    if (r0.type !== RegType.SCALAR_VALUE) {
      env.fail(`At subprogram exit the register R0 is not a scalar value (${regTypeStr(r0.type)})`);
    }
    return;
  }
  if (!range) return;
  if (r0.type !== RegType.SCALAR_VALUE) {
    env.fail(`${ctx} the register R0 is not a known value (${regTypeStr(r0.type)})`);
  }
  // The verdict depends on R0's range: it must be exact on every path here.
  markChainPrecision(env, 0);
  const [minval, maxval] = range;
  if (r0.smin >= BigInt(minval) && r0.smax <= BigInt(maxval)) return;
  env.fail(formatRetvalError(r0, ctx, "R0", minval, maxval));
}
