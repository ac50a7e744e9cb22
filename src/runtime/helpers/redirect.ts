// Redirects. A test run performs no transmission (as BPF_PROG_TEST_RUN
// without live frames): the helpers return what the kernel's would and the
// target is recorded in the run state, where testRun() reports it.
//
// bpf_redirect_map follows __bpf_xdp_redirect_map: flags other than the
// fallback action (and, for devmaps, BPF_F_BROADCAST/BPF_F_EXCLUDE_INGRESS)
// give XDP_ABORTED; a key the map's lookup does not find gives the action in
// the low flag bits and clears the redirect; otherwise the target is recorded
// and the answer is XDP_REDIRECT. The record also says where xdp_do_redirect
// would send the frame (device, CPU, AF_XDP socket, the broadcast's devices)
// and the errno it would fail with. The kernel resolves those after the
// program returns; the runtime does it at the call, which differs only for a
// program that resizes the frame after redirecting.
import { ExecError } from "../../errors.ts";
import { mapTypeName, ProgType } from "../../uapi/index.ts";
import type { Kernel, RedirectRecord } from "../kernel.ts";
import {
  BPF_F_BROADCAST,
  BPF_F_EXCLUDE_INGRESS,
  errnoName,
  isXdpBroadcastMap,
  isXdpRedirectMap,
  SockHash,
  SockMap,
  redirectAllowed,
  type BpfMap,
  type RuntimeSocket,
} from "../maps/index.ts";
import { XdpContext } from "../progtypes/xdp-context.ts";
import { mapArg } from "./maps.ts";
import type { HelperImpl, HelperTable } from "./types.ts";
import { E, ptr, u32 } from "./util.ts";

const XDP_ABORTED = 0;
const XDP_REDIRECT = 4;
const TC_ACT_SHOT = 2;
const TC_ACT_REDIRECT = 7;
const SK_DROP = 0;
const SK_PASS = 1;
const BPF_F_INGRESS = 1n;
/** XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX: the fallback action bits. */
const ACTION_MASK = 3n;

function wrongMap(name: string, m: BpfMap, pc: number): ExecError {
  return new ExecError(`${name}: ${m.describe()} is a ${mapTypeName(m.type)}`, pc);
}

/** bpf_redirect_map's record for a found target (or a broadcast). */
function mapRedirect(k: Kernel, m: BpfMap, key: number, flags: bigint): RedirectRecord | undefined {
  if (!isXdpRedirectMap(m)) return undefined;
  const rec: RedirectRecord = {
    kind: "map",
    mapId: m.id,
    mapName: m.name,
    mapType: m.type,
    key,
    flags: Number(flags),
  };
  const ctx = k.currentRun()?.ctx;
  const xdp = ctx instanceof XdpContext ? ctx : undefined;
  const len = xdp ? xdp.dataEnd - xdp.data : undefined;
  const fail = (err: number): void => {
    if (err < 0) rec.err = errnoName(err);
  };
  if (flags & BigInt(BPF_F_BROADCAST) && isXdpBroadcastMap(m)) {
    // dev_map_enqueue_multi: every device that can take the frame, minus the ingress one.
    const exclude = flags & BigInt(BPF_F_EXCLUDE_INGRESS) ? xdp?.ingressIfindex : undefined;
    rec.toIfindex = 0;
    rec.broadcast = m
      .broadcastDevices()
      .filter((d) => d.ifindex !== exclude && (len === undefined || d.forwardError(len) === 0))
      .map((d) => d.ifindex);
    return rec;
  }
  const t = m.redirectLookup(key)!;
  switch (t.kind) {
    case "dev":
      rec.toIfindex = t.dev.ifindex;
      if (len !== undefined) fail(t.dev.forwardError(len));
      break;
    case "cpu":
      rec.cpu = t.cpu;
      break;
    case "xsk":
      rec.xsk = t.sock.id;
      // xsk_rcv: the socket must be bound to the queue the frame arrived on.
      if (xdp && (t.sock.ifindex !== xdp.ingressIfindex || t.sock.queueId !== xdp.rxQueueIndex))
        rec.err = "EINVAL";
      break;
  }
  return rec;
}

/** The socket a sockmap/sockhash redirect names, or undefined. */
function sockTarget(
  k: Kernel,
  m: BpfMap,
  key: bigint,
): [RuntimeSocket, number | string] | undefined {
  if (m instanceof SockMap) {
    k.mem.dv.setUint32(m.scratchKey, u32(key), true);
    const s = m.socketAt(m.scratchKey);
    return s && [s, u32(key)];
  }
  if (m instanceof SockHash) {
    const bytes = k.mem.read(ptr(key), m.keySize);
    const s = m.socketForKey(bytes);
    return s && [s, Buffer.from(bytes).toString("hex")];
  }
  return undefined;
}

/** bpf_sk_redirect_* / bpf_msg_redirect_*: SK_PASS with the target recorded, or SK_DROP. */
function sockRedirect(name: string, kind: typeof SockMap | typeof SockHash): HelperImpl {
  return (k, _ctx, map, key, flags, _r5, call) => {
    const m = mapArg(k, map);
    if (!m) return -E.EINVAL;
    if (!(m instanceof kind)) throw wrongMap(name, m, call.pc);
    if (flags & ~BPF_F_INGRESS) return SK_DROP;
    const found = sockTarget(k, m, key);
    if (!found || !redirectAllowed(found[0])) return SK_DROP;
    const run = k.currentRun();
    if (run)
      run.redirect = {
        kind: "sock",
        mapId: m.id,
        mapName: m.name,
        mapType: m.type,
        key: found[1],
        ingress: (flags & BPF_F_INGRESS) !== 0n,
        socketId: found[0].id,
        cookie: Number(found[0].cookie),
      };
    return SK_PASS;
  };
}

export const REDIRECT_HELPERS: HelperTable = {
  // bpf_redirect(ifindex, flags): XDP and tc flavours differ in flags and return codes
  23: (k, ifindex, flags) => {
    const run = k.currentRun();
    const xdp = run?.progType === ProgType.XDP;
    if (xdp ? flags !== 0n : flags & ~BPF_F_INGRESS) return xdp ? XDP_ABORTED : TC_ACT_SHOT;
    if (run) run.redirect = { kind: "ifindex", ifindex: u32(ifindex), flags: Number(flags) };
    return xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
  },
  // bpf_redirect_map(map, key, flags): devmap, devmap_hash, cpumap, xskmap
  51: (k, map, key, flags, _r4, _r5, call) => {
    const m = mapArg(k, map);
    if (!m) return XDP_ABORTED;
    if (!isXdpRedirectMap(m)) throw wrongMap("bpf_redirect_map", m, call.pc);
    if (flags & ~(ACTION_MASK | BigInt(m.redirectFlagMask))) return XDP_ABORTED;
    const index = u32(key);
    const run = k.currentRun();
    if (!m.redirectLookup(index) && !(flags & BigInt(BPF_F_BROADCAST))) {
      // A failed lookup clears the redirect state, so the last call decides.
      if (run) run.redirect = undefined;
      return Number(flags & ACTION_MASK);
    }
    if (run) run.redirect = mapRedirect(k, m, index, flags);
    return XDP_REDIRECT;
  },
  // bpf_clone_redirect(skb, ifindex, flags): the clone is recorded; the original continues
  13: (k, _skb, ifindex, flags) => {
    if (flags & ~BPF_F_INGRESS) return -E.EINVAL;
    k.currentRun()?.clones.push({ ifindex: u32(ifindex), flags: Number(flags) });
    return 0;
  },
  // bpf_sk_redirect_map(skb, map, key, flags) / bpf_msg_redirect_map(msg, map, key, flags)
  52: sockRedirect("bpf_sk_redirect_map", SockMap),
  60: sockRedirect("bpf_msg_redirect_map", SockMap),
  // bpf_msg_redirect_hash(msg, map, key, flags) / bpf_sk_redirect_hash(skb, map, key, flags)
  71: sockRedirect("bpf_msg_redirect_hash", SockHash),
  72: sockRedirect("bpf_sk_redirect_hash", SockHash),
};
