// Redirects. A test run performs no transmission (as BPF_PROG_TEST_RUN
// without live frames): the helpers return what the kernel's would and the
// target is recorded in the run state, where testRun() reports it.
//
// devmap/cpumap/xskmap are not among the runtime's map types, so
// bpf_redirect_map accepts any map and treats a key its lookup finds as a
// valid target (an empty slot takes the fallback action in the flags, as in
// the kernel).
import { ProgType } from "../../uapi/index.ts";
import { mapArg } from "./maps.ts";
import type { HelperTable } from "./types.ts";
import { E, u32 } from "./util.ts";

const XDP_ABORTED = 0;
const XDP_REDIRECT = 4;
const TC_ACT_SHOT = 2;
const TC_ACT_REDIRECT = 7;
const BPF_F_INGRESS = 1n;
/** bpf_redirect_map flags: fallback action in the low bits, broadcast options above. */
const BPF_F_ACTION_MASK = 3n;
const BPF_F_BROADCAST = 1n << 3n;
const BPF_F_EXCLUDE_INGRESS = 1n << 4n;

export const REDIRECT_HELPERS: HelperTable = {
  // bpf_redirect(ifindex, flags): XDP and tc flavours differ in flags and return codes
  23: (k, ifindex, flags) => {
    const run = k.currentRun();
    const xdp = run?.progType === ProgType.XDP;
    if (xdp ? flags !== 0n : flags & ~BPF_F_INGRESS) return xdp ? XDP_ABORTED : TC_ACT_SHOT;
    if (run) run.redirect = { kind: "ifindex", ifindex: u32(ifindex), flags: Number(flags) };
    return xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
  },
  // bpf_redirect_map(map, key, flags)
  51: (k, map, key, flags) => {
    if (flags & ~(BPF_F_ACTION_MASK | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)) return XDP_ABORTED;
    const m = mapArg(k, map);
    if (!m) return XDP_ABORTED;
    let found = flags & BPF_F_BROADCAST ? 1 : 0;
    if (!found && m.keySize === 4) {
      k.mem.dv.setUint32(m.scratchKey, u32(key), true);
      found = m.lookupElem(m.scratchKey);
    }
    if (!found) return Number(flags & BPF_F_ACTION_MASK);
    const run = k.currentRun();
    if (run)
      run.redirect = {
        kind: "map",
        mapId: m.id,
        mapName: m.name,
        key: u32(key),
        flags: Number(flags),
      };
    return XDP_REDIRECT;
  },
  // bpf_clone_redirect(skb, ifindex, flags): the clone is recorded; the original continues
  13: (k, _skb, ifindex, flags) => {
    if (flags & ~BPF_F_INGRESS) return -E.EINVAL;
    k.currentRun()?.clones.push({ ifindex: u32(ifindex), flags: Number(flags) });
    return 0;
  },
};
