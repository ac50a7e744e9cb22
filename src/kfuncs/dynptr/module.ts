// The dynptr kfuncs of the kernel as a kfunc module every Runtime registers:
// bpf_dynptr_from_skb/xdp (packet dynptrs), bpf_dynptr_slice[_rdwr],
// bpf_dynptr_is_null/is_rdonly/size, bpf_dynptr_adjust and bpf_dynptr_clone.
// The slice and query kfuncs are inlinable: their BPF bodies (bodies.ts)
// compute what the host implementations do, and a call site that knows its
// dynptr's type loses the paths for the other types.
import { SKB_PROG_TYPES } from "../../runtime/progtypes/skb.ts";
import { ProgType } from "../../uapi/prog-types.ts";
import { DynptrType, KF } from "../../verifier/kfuncs/types.ts";
import { defineKfuncModule } from "../module.ts";
import { ptrArg, u32Arg } from "../args.ts";
import { IS_NULL_BODY, IS_RDONLY_BODY, SIZE_BODY, SLICE_BODY, SLICE_RDWR_BODY } from "./bodies.ts";
import { adjust, clone, dynptrAt, fromPacket, packetOf, slice } from "./ops.ts";

/** Program types whose ctx is a __sk_buff (bpf_dynptr_from_skb's kfunc set). */
const SKB_TYPES = [...SKB_PROG_TYPES, ProgType.LWT_SEG6LOCAL, ProgType.SK_SKB];

const DP = "const struct bpf_dynptr *p";

export const DYNPTR_KFUNCS = defineKfuncModule("tsbpf_dynptr", [
  {
    name: "bpf_dynptr_from_skb",
    proto:
      "int bpf_dynptr_from_skb(struct __sk_buff *s, u64 flags, struct bpf_dynptr *ptr__uninit)",
    progTypes: SKB_TYPES,
    impl: (k, s, flags, p) => fromPacket(k, ptrArg(s), flags, ptrArg(p), DynptrType.SKB),
  },
  {
    name: "bpf_dynptr_from_xdp",
    proto: "int bpf_dynptr_from_xdp(struct xdp_md *x, u64 flags, struct bpf_dynptr *ptr__uninit)",
    progTypes: [ProgType.XDP],
    impl: (k, x, flags, p) => fromPacket(k, ptrArg(x), flags, ptrArg(p), DynptrType.XDP),
  },
  {
    name: "bpf_dynptr_slice",
    proto: `void *bpf_dynptr_slice(${DP}, u32 offset, void *buffer__opt, u32 buffer__szk)`,
    flags: KF.RET_NULL,
    impl: (k, p, off, _buf, len, _r5, call) =>
      slice(k, dynptrAt(k, ptrArg(p), "bpf_dynptr_slice", call.pc), u32Arg(off), u32Arg(len)),
    body: { asm: SLICE_BODY },
  },
  {
    name: "bpf_dynptr_slice_rdwr",
    proto: `void *bpf_dynptr_slice_rdwr(${DP}, u32 offset, void *buffer__opt, u32 buffer__szk)`,
    flags: KF.RET_NULL,
    impl: (k, p, off, _buf, len, _r5, call) => {
      const d = dynptrAt(k, ptrArg(p), "bpf_dynptr_slice_rdwr", call.pc);
      return d.rdonly ? 0 : slice(k, d, u32Arg(off), u32Arg(len));
    },
    body: { asm: SLICE_RDWR_BODY },
  },
  {
    name: "bpf_dynptr_is_null",
    proto: `bool bpf_dynptr_is_null(${DP})`,
    impl: (k, p, _r2, _r3, _r4, _r5, call) =>
      dynptrAt(k, ptrArg(p), "bpf_dynptr_is_null", call.pc).data ? 0 : 1,
    body: { asm: IS_NULL_BODY },
  },
  {
    name: "bpf_dynptr_is_rdonly",
    proto: `bool bpf_dynptr_is_rdonly(${DP})`,
    impl: (k, p, _r2, _r3, _r4, _r5, call) => {
      const d = dynptrAt(k, ptrArg(p), "bpf_dynptr_is_rdonly", call.pc);
      return d.data && d.rdonly ? 1 : 0;
    },
    body: { asm: IS_RDONLY_BODY },
  },
  {
    name: "bpf_dynptr_size",
    proto: `u32 bpf_dynptr_size(${DP})`,
    impl: (k, p, _r2, _r3, _r4, _r5, call) => {
      const d = dynptrAt(k, ptrArg(p), "bpf_dynptr_size", call.pc);
      return d.data ? d.size : 0xffff_ffea; // -EINVAL as a u32
    },
    body: { asm: SIZE_BODY },
  },
  {
    name: "bpf_dynptr_adjust",
    proto: `int bpf_dynptr_adjust(${DP}, u32 start, u32 end)`,
    impl: (k, p, start, end, _r4, _r5, call) => {
      dynptrAt(k, ptrArg(p), "bpf_dynptr_adjust", call.pc);
      return adjust(k, ptrArg(p), u32Arg(start), u32Arg(end));
    },
  },
  {
    name: "bpf_dynptr_clone",
    proto: `int bpf_dynptr_clone(${DP}, struct bpf_dynptr *clone__uninit)`,
    impl: (k, p, c, _r3, _r4, _r5, call) => {
      dynptrAt(k, ptrArg(p), "bpf_dynptr_clone", call.pc);
      dynptrAt(k, ptrArg(c), "bpf_dynptr_clone", call.pc);
      return clone(k, ptrArg(p), ptrArg(c));
    },
  },
  {
    // The packet path of the slice bodies: the address of the bytes, or NULL.
    name: "bpf_dynptr_slice_pkt",
    proto:
      "void *bpf_dynptr_slice_pkt(const struct bpf_dynptr *p, u32 offset, void *buffer, u32 len)",
    internal: true,
    impl: (k, p, off, _buf, len, _r5, call) => {
      const d = dynptrAt(k, ptrArg(p), "bpf_dynptr_slice", call.pc);
      return d.data && packetOf(k, d.data) ? slice(k, d, u32Arg(off), u32Arg(len)) : 0;
    },
  },
]);
