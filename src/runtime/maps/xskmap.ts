// BPF_MAP_TYPE_XSKMAP (net/xdp/xskmap.c semantics): slots hold AF_XDP sockets
// of the runtime (maps/sockets.ts), each bound to one device queue;
// bpf_redirect_map hands a frame to the socket in a slot. User space writes a
// socket id (the kernel's fd) and can't read slots back (EOPNOTSUPP, the
// kernel's lookup_elem_sys_only); programs may look a slot up and get the
// socket's `struct bpf_xdp_sock` (u32 queue_id).
//
// Update: flags above BPF_EXIST EINVAL, index out of range E2BIG, unknown
// socket EBADF, a socket that is not AF_XDP EOPNOTSUPP; the same socket again
// is a no-op, BPF_NOEXIST on a taken slot EEXIST, BPF_EXIST on an empty one
// ENOENT. Delete: any index in range succeeds, beyond it EINVAL. A closed
// socket leaves every map.
import { BPF_EXIST, BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY } from "../../uapi/index.ts";
import { BPF_NOEXIST } from "../../uapi/index.ts";
import { arrayNextKey, readIndex } from "./array.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import { BpfMap, isFlagWord } from "./map.ts";
import type { RuntimeSocket, SocketHolder } from "./sockets.ts";
import type { RedirectTarget, XdpRedirectMap } from "./xdp-redirect.ts";

const XSK_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY;

/** xsk_map_alloc's checks. */
export function checkXskmapAttrs(a: MapAttrs): AttrProblem | undefined {
  const flags = a.flags ?? 0;
  if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
  if (a.keySize !== 4) return problem("EINVAL", `xskmap key_size must be 4, got ${a.keySize}`);
  if (a.valueSize !== 4)
    return problem("EINVAL", `xskmap value_size must be 4 (a socket), got ${a.valueSize}`);
  if (flags & ~XSK_CREATE_FLAG_MASK)
    return problem("EINVAL", `unsupported flags 0x${(flags & ~XSK_CREATE_FLAG_MASK).toString(16)}`);
  return undefined;
}

export class XskMap extends BpfMap implements XdpRedirectMap, SocketHolder {
  readonly redirectFlagMask = 0;
  private readonly slots: (RuntimeSocket | undefined)[] = [];

  static check(a: MapAttrs): AttrProblem | undefined {
    return checkXskmapAttrs(a);
  }

  protected initStorage(): void {}

  /** The socket in slot `index`, if any. */
  socketAt(index: number): RuntimeSocket | undefined {
    return index < this.maxEntries ? this.slots[index] : undefined;
  }

  override lookupElem(keyAddr: number): number {
    return this.socketAt(readIndex(this.mem.u8, keyAddr))?.addr ?? 0;
  }

  redirectLookup(key: number): RedirectTarget | undefined {
    const sock = this.socketAt(key);
    return sock && { kind: "xsk", sock };
  }

  /** User space can't read an xskmap (xsk_map_lookup_elem_sys_only). */
  override sysLookup(): number {
    return -Errno.EOPNOTSUPP;
  }

  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    if (!isFlagWord(flags) || flags > BPF_EXIST) return -Errno.EINVAL;
    const i = readIndex(this.mem.u8, keyAddr);
    if (i >= this.maxEntries) return -Errno.E2BIG;
    const sock = this.registry.sockets.get(this.mem.dv.getUint32(valueAddr, true));
    if (!sock) return -Errno.EBADF;
    if (!sock.isXdp) return -Errno.EOPNOTSUPP;
    const old = this.slots[i];
    if (old === sock) return 0;
    if (old && flags === BPF_NOEXIST) return -Errno.EEXIST;
    if (!old && flags === BPF_EXIST) return -Errno.ENOENT;
    sock.acquire();
    sock.addHolder(this);
    this.slots[i] = sock;
    if (old) this.letGo(old);
    return 0;
  }

  override deleteElem(keyAddr: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    if (i >= this.maxEntries) return -Errno.EINVAL;
    const old = this.slots[i];
    this.slots[i] = undefined;
    if (old) this.letGo(old);
    return 0;
  }

  /** Release a socket that left a slot, unless another slot still holds it. */
  private letGo(sock: RuntimeSocket): void {
    if (!this.slots.includes(sock)) sock.removeHolder(this);
    sock.release();
  }

  /** The socket closed: it leaves every slot (xsk_map_try_sock_delete). */
  dropSocket(sock: RuntimeSocket): void {
    for (let i = 0; i < this.slots.length; i++)
      if (this.slots[i] === sock) {
        this.slots[i] = undefined;
        sock.release();
      }
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    return arrayNextKey(this, keyAddr, nextAddr);
  }

  protected override releaseContents(): void {
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      this.slots[i] = undefined;
      if (s) this.letGo(s);
    }
  }
}
