// What bpf_redirect_map needs from the map types it accepts (devmap,
// devmap_hash, cpumap, xskmap): which flags besides the fallback action the
// type allows, and the lookup __bpf_xdp_redirect_map does on the key.
import type { BpfMap } from "./map.ts";
import type { NetDevice } from "./netdevs.ts";
import type { RuntimeSocket } from "./sockets.ts";

/** The target a redirect map's slot names. */
export type RedirectTarget =
  | { kind: "dev"; dev: NetDevice; progId: number }
  | { kind: "cpu"; cpu: number; qsize: number; progId: number }
  | { kind: "xsk"; sock: RuntimeSocket };

export interface XdpRedirectMap extends BpfMap {
  /** bpf_redirect_map flags allowed besides the action bits (the kernel's flag_mask). */
  readonly redirectFlagMask: number;
  /** The slot's target, undefined when empty or out of range. */
  redirectLookup(key: number): RedirectTarget | undefined;
}

/** Devmaps also answer broadcasts: every valid device, in the kernel's walk order. */
export interface XdpBroadcastMap extends XdpRedirectMap {
  broadcastDevices(): NetDevice[];
}

export function isXdpRedirectMap(m: BpfMap): m is XdpRedirectMap {
  return "redirectLookup" in m && typeof m.redirectLookup === "function";
}

export function isXdpBroadcastMap(m: BpfMap): m is XdpBroadcastMap {
  return "broadcastDevices" in m && typeof m.broadcastDevices === "function";
}
