// Socket helpers of sock_ops programs. A test run has no socket behind the
// context (the runtime's sockets, maps/sockets.ts, only live in sockmaps):
// options set with bpf_setsockopt are remembered for the run (and read back
// by bpf_getsockopt), callback flags go into the ctx as the kernel mirrors
// them, and socket lookups find nothing.
import { SOCK_OPS_CTX } from "../../verifier/ctx/others.ts";
import type { Kernel } from "../kernel.ts";
import { fieldTable } from "../progtypes/fields.ts";
import type { HelperTable } from "./types.ts";
import { E, ptr, size, u32 } from "./util.ts";

const sockOpsField = fieldTable("struct bpf_sock_ops", SOCK_OPS_CTX.fields);
/** SOL_IP, SOL_SOCKET, SOL_TCP, SOL_IPV6: the levels bpf_setsockopt knows. */
const LEVELS = new Set([0, 1, 6, 41]);
/** BPF_SOCK_OPS_ALL_CB_FLAGS. */
const ALL_CB_FLAGS = 0x7fn;

function sockOpsU32(k: Kernel, ctx: bigint, name: string): number {
  return k.mem.dv.getUint32(ptr(ctx) + sockOpsField(name).off, true);
}

export const SOCK_HELPERS: HelperTable = {
  // bpf_setsockopt(ctx, level, optname, optval, optlen)
  49: (k, _ctx, level, optname, optval, optlen) => {
    const n = size(optlen);
    if (!LEVELS.has(u32(level)) || n > 0xffff) return -E.EINVAL;
    const run = k.currentRun();
    run?.sockopts.set(`${u32(level)}:${u32(optname)}`, k.mem.read(ptr(optval), n));
    return 0;
  },
  // bpf_getsockopt(ctx, level, optname, optval, optlen): unset options read as zeros
  57: (k, _ctx, level, optname, optval, optlen) => {
    const n = Math.min(size(optlen), 0xffff);
    const dst = ptr(optval);
    k.mem.u8.fill(0, dst, dst + n);
    if (!LEVELS.has(u32(level))) return -E.EINVAL;
    const v = k.currentRun()?.sockopts.get(`${u32(level)}:${u32(optname)}`);
    if (v) k.mem.write(dst, v.subarray(0, n));
    return 0;
  },
  // bpf_sock_ops_cb_flags_set(bpf_sock, argval): flags the kernel knows are set, the rest returned
  59: (k, ctx, argval) => {
    if (!k.contextAt(ptr(ctx)) || sockOpsU32(k, ctx, "is_fullsock") === 0) return -E.EINVAL;
    const at = ptr(ctx) + sockOpsField("bpf_sock_ops_cb_flags").off;
    k.mem.dv.setUint32(at, Number(argval & ALL_CB_FLAGS), true);
    return argval & ~ALL_CB_FLAGS;
  },
  // bpf_sock_map_update(sops, map, key, flags) / bpf_sock_hash_update: the
  // kernel adds sops->sk, but a sock_ops test run has no socket behind its
  // context, which is the kernel's -EOPNOTSUPP (sock_map_sk_is_suitable fails)
  53: () => -E.EOPNOTSUPP,
  70: () => -E.EOPNOTSUPP,
  // bpf_sk_release(sk): sockets from sockmap lookups are the map's; nothing to drop
  86: () => 0,
  // bpf_skc_to_tcp_sock(sk): no sockets, so never a TCP socket
  137: () => 0,
};
