// Helpers with nothing to act on in a userspace runtime but well-defined
// kernel answers (FIB lookups), the kprobe return override, bpf_loop
// (callbacks through the engine's callFunc), and bpf_tail_call's entry, which
// the engines perform themselves.
import { ExecError } from "../../errors.ts";
import { BPF_MAX_LOOPS } from "../../interp/index.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, size } from "./util.ts";

/** Offset of `ax` in x86-64 struct pt_regs (the return value register). */
export const PT_REGS_AX = 80;
/** sizeof(struct bpf_fib_lookup) and its known flags (DIRECT..MARK). */
const FIB_LOOKUP_SIZE = 64;
const FIB_LOOKUP_FLAGS = 0x3fn;
const AF_INET = 2;
const AF_INET6 = 10;
/** BPF_FIB_LKUP_RET_NOT_FWDED: no route sends the packet on. */
const FIB_NOT_FWDED = 4;

export const MISC_HELPERS: HelperTable = {
  // bpf_tail_call: both engines intercept helper 12 and never call this
  12: (_k, _r1, _r2, _r3, _r4, _r5, call) => {
    throw new ExecError(
      "bpf_tail_call reached the helper table (the engine performs tail calls)",
      call.pc,
    );
  },
  // bpf_override_return(regs, rc): the probed function "returns" rc
  58: (k, regs, rc) => {
    const run = k.currentRun();
    if (run) run.overrideReturn = rc;
    const c = k.contextAt(ptr(regs));
    if (c && c.size >= PT_REGS_AX + 8) k.mem.dv.setBigUint64(c.addr + PT_REGS_AX, rc, true);
    return 0;
  },
  // bpf_fib_lookup(ctx, params, plen, flags): the runtime has no routes
  69: (k, _ctx, params, plen, flags) => {
    if (size(plen) < FIB_LOOKUP_SIZE || flags & ~FIB_LOOKUP_FLAGS) return -E.EINVAL;
    const family = k.mem.u8[ptr(params)]!;
    if (family !== AF_INET && family !== AF_INET6) return -E.EAFNOSUPPORT;
    return FIB_NOT_FWDED;
  },
  // bpf_loop(nr_loops, callback_fn, callback_ctx, flags)
  181: (_k, nr, fn, cbCtx, flags, _r5, call) => {
    if (flags !== 0n) return -E.EINVAL;
    if (nr > BigInt(BPF_MAX_LOOPS)) return -E.E2BIG;
    if (!call.callFunc)
      throw new ExecError("bpf_loop: this engine cannot call back into the program", call.pc);
    let i = 0n;
    for (; i < nr; i++) if (call.callFunc(fn, i, cbCtx) !== 0n) return i + 1n;
    return i;
  },
};
