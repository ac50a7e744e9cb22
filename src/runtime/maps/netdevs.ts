// The runtime's network devices: what devmaps point at and what XDP
// redirects are checked against. There is no real link underneath — a device
// is an ifindex, a name, an MTU, an up/down state and whether it can transmit
// XDP frames (ndo_xdp_xmit). Test-run frames arrive on the loopback device
// (ifindex 1), which, as in Linux, cannot transmit XDP frames.
//
// Removing a device removes it from every devmap first, as the kernel's
// NETDEV_UNREGISTER notifier does.
import { UsageError } from "../../errors.ts";
import { Errno } from "./errors.ts";

/** ETH_HLEN + VLAN_HLEN: what xdp_ok_fwd_dev allows beyond the MTU. */
const FWD_HEADROOM = 14 + 4;
export const LOOPBACK_IFINDEX = 1;

export interface NetDeviceSpec {
  name: string;
  /** Default: one above the highest ifindex in use. */
  ifindex?: number;
  /** Default 1500. */
  mtu?: number;
  /** IFF_UP (default true). */
  up?: boolean;
  /** The driver implements ndo_xdp_xmit, so devmap redirects can send on it (default true). */
  xdpXmit?: boolean;
}

export class NetDevice {
  readonly ifindex: number;
  readonly name: string;
  mtu: number;
  up: boolean;
  xdpXmit: boolean;

  constructor(ifindex: number, spec: NetDeviceSpec) {
    this.ifindex = ifindex;
    this.name = spec.name;
    this.mtu = spec.mtu ?? 1500;
    this.up = spec.up ?? true;
    this.xdpXmit = spec.xdpXmit ?? true;
  }

  /**
   * Why a frame of `len` bytes can't be forwarded here (xdp_ok_fwd_dev plus
   * __xdp_enqueue's transmit check), as a negative errno; 0 when it can.
   */
  forwardError(len: number): number {
    if (!this.xdpXmit) return -Errno.EOPNOTSUPP;
    if (!this.up) return -Errno.ENETDOWN;
    if (len > this.mtu + FWD_HEADROOM) return -Errno.EMSGSIZE;
    return 0;
  }
}

export class NetDevices {
  private readonly byIndex = new Map<number, NetDevice>();
  private readonly unregisterHooks = new Set<(dev: NetDevice) => void>();

  constructor() {
    this.byIndex.set(
      LOOPBACK_IFINDEX,
      new NetDevice(LOOPBACK_IFINDEX, { name: "lo", mtu: 65536, xdpXmit: false }),
    );
  }

  /** Register a device (throws UsageError on a taken ifindex or name). */
  add(spec: NetDeviceSpec): NetDevice {
    let ifindex = spec.ifindex;
    if (ifindex === undefined) ifindex = Math.max(0, ...this.byIndex.keys()) + 1;
    if (!Number.isInteger(ifindex) || ifindex < 1 || ifindex > 0x7fff_ffff)
      throw new UsageError(`ifindex must be an integer in 1..2^31-1, got ${ifindex}`);
    if (this.byIndex.has(ifindex)) throw new UsageError(`ifindex ${ifindex} is taken`);
    if (!spec.name || this.byName(spec.name))
      throw new UsageError(`device name "${spec.name}" is empty or taken`);
    const mtu = spec.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65536)
      throw new UsageError(`mtu must be an integer in 68..65536, got ${mtu}`);
    const dev = new NetDevice(ifindex, spec);
    this.byIndex.set(ifindex, dev);
    return dev;
  }

  get(ifindex: number): NetDevice | undefined {
    return this.byIndex.get(ifindex);
  }

  byName(name: string): NetDevice | undefined {
    for (const d of this.byIndex.values()) if (d.name === name) return d;
    return undefined;
  }

  list(): NetDevice[] {
    return [...this.byIndex.values()];
  }

  /** Unregister a device: devmaps drop it first (NETDEV_UNREGISTER). The loopback stays. */
  remove(ifindex: number): void {
    const dev = this.byIndex.get(ifindex);
    if (!dev) throw new UsageError(`no device with ifindex ${ifindex}`);
    if (ifindex === LOOPBACK_IFINDEX) throw new UsageError("the loopback device can't be removed");
    for (const hook of [...this.unregisterHooks]) hook(dev);
    this.byIndex.delete(ifindex);
  }

  /** Devmaps watch for unregistering devices; returns the unsubscribe function. */
  onUnregister(hook: (dev: NetDevice) => void): () => void {
    this.unregisterHooks.add(hook);
    return () => this.unregisterHooks.delete(hook);
  }
}
