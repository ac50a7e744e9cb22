// BPF_MAP_TYPE_SOCKMAP and SOCKHASH (net/core/sock_map.c semantics): slots
// hold TCP/UDP sockets of the runtime (maps/sockets.ts). The runtime has no
// socket layer for them to steer, so what is modelled is the map itself and
// what programs do with it: lookups, updates from programs holding a socket,
// deletes, and the redirect helpers' choice of target (recorded in the run).
//
// - User space writes a socket id (the kernel's fd; u64 when value_size is
//   8): above S32_MAX EINVAL, unknown EBADF, an AF_XDP socket EOPNOTSUPP, a
//   TCP socket neither established nor listening EOPNOTSUPP; flags above
//   BPF_EXIST EINVAL; BPF_NOEXIST on a taken key EEXIST, BPF_EXIST on a free
//   one ENOENT; sockmap index out of range E2BIG, a full sockhash E2BIG.
// - User space reads back the socket cookie, only with value_size 8
//   (otherwise ENOSPC).
// - Programs' lookups give the socket's `struct bpf_sock`; a program's update
//   passes such a pointer as the value.
// - Delete: sockmap index out of range or empty EINVAL; sockhash missing key
//   ENOENT. Closing a socket removes it from every map.
import { BPF_EXIST, BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY } from "../../uapi/index.ts";
import { BPF_NOEXIST, MapType } from "../../uapi/index.ts";
import { arrayNextKey, indexMaskFor, readIndex } from "./array.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import { MAX_BPF_STACK } from "./flags.ts";
import { jhash } from "./jhash.ts";
import { BpfMap, isFlagWord } from "./map.ts";
import { TcpState, type RuntimeSocket, type SocketHolder } from "./sockets.ts";

const SOCK_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY;
const S32_MAX = 0x7fff_ffff;

/** sock_map_alloc / sock_hash_alloc checks. */
export function checkSockmapAttrs(a: MapAttrs): AttrProblem | undefined {
  const flags = a.flags ?? 0;
  const hash = a.type === MapType.SOCKHASH;
  if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
  if (hash ? a.keySize === 0 : a.keySize !== 4)
    return problem(
      "EINVAL",
      hash ? "key_size must not be 0" : `sockmap key_size must be 4, got ${a.keySize}`,
    );
  if (a.valueSize !== 4 && a.valueSize !== 8)
    return problem("EINVAL", `value_size must be 4 or 8 (a socket), got ${a.valueSize}`);
  if (flags & ~SOCK_CREATE_FLAG_MASK)
    return problem(
      "EINVAL",
      `unsupported flags 0x${(flags & ~SOCK_CREATE_FLAG_MASK).toString(16)}`,
    );
  if (hash && a.keySize > MAX_BPF_STACK)
    return problem("E2BIG", `key_size ${a.keySize} exceeds the BPF stack (${MAX_BPF_STACK})`);
  return undefined;
}

/** sock_map_sk_state_allowed: TCP sockets must be established or listening. */
function stateAllowed(s: RuntimeSocket): boolean {
  return !s.isTcp || s.state === TcpState.ESTABLISHED || s.state === TcpState.LISTEN;
}

/** sock_map_redirect_allowed: a TCP socket that isn't listening, or a connected UDP one. */
export function redirectAllowed(s: RuntimeSocket): boolean {
  return s.isTcp ? s.state !== TcpState.LISTEN : s.state === TcpState.ESTABLISHED;
}

abstract class SockMapBase extends BpfMap implements SocketHolder {
  static check(a: MapAttrs): AttrProblem | undefined {
    return checkSockmapAttrs(a);
  }

  protected initStorage(): void {}

  /** The socket under the key at `keyAddr`, if any. */
  abstract socketAt(keyAddr: number): RuntimeSocket | undefined;
  /** Store (flags already checked against the socket): 0 or -errno. */
  protected abstract store(keyAddr: number, sock: RuntimeSocket, flags: number): number;
  /** Every (slot, socket) pair, for dropping a closed socket or the map's contents. */
  protected abstract removeWhere(pred: (s: RuntimeSocket) => boolean): void;

  override lookupElem(keyAddr: number): number {
    return this.socketAt(keyAddr)?.addr ?? 0;
  }

  /** A socket may go in (sock_map_sk_is_suitable + state): 0 or -errno. */
  private admit(sock: RuntimeSocket, flags: number): number {
    if (sock.isXdp) return -Errno.EOPNOTSUPP;
    if (!stateAllowed(sock)) return -Errno.EOPNOTSUPP;
    if (!isFlagWord(flags) || flags > BPF_EXIST) return -Errno.EINVAL;
    return 0;
  }

  /** From a program: the value is a socket pointer the program holds. */
  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    const sock = this.registry.sockets.at(valueAddr);
    if (!sock) return -Errno.EINVAL;
    return this.admit(sock, flags) || this.store(keyAddr, sock, flags);
  }

  /** From user space: the value is a socket id (u32, or u64 with value_size 8). */
  override sysUpdate(keyAddr: number, valueAddr: number, flags: number): number {
    const err = this.checkUserWrite();
    if (err) return err;
    const dv = this.mem.dv;
    const fd =
      this.valueSize === 8
        ? dv.getUint32(valueAddr + 4, true) * 2 ** 32 + dv.getUint32(valueAddr, true)
        : dv.getUint32(valueAddr, true);
    if (fd > S32_MAX) return -Errno.EINVAL;
    const sock = this.registry.sockets.get(fd);
    if (!sock) return -Errno.EBADF;
    return this.admit(sock, flags) || this.store(keyAddr, sock, flags);
  }

  /** User space reads the socket cookie (sock_map_lookup_sys). */
  override sysLookup(keyAddr: number, outAddr: number, flags: number): number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    const err = this.checkLookupFlags(flags);
    if (err) return err;
    if (this.valueSize !== 8) return -Errno.ENOSPC;
    const sock = this.socketAt(keyAddr);
    if (!sock) return -Errno.ENOENT;
    this.mem.dv.setBigUint64(outAddr, sock.cookie, true);
    return 0;
  }

  protected take(sock: RuntimeSocket): void {
    sock.acquire();
    sock.addHolder(this);
  }

  protected letGo(sock: RuntimeSocket, stillHeld: boolean): void {
    if (!stillHeld) sock.removeHolder(this);
    sock.release();
  }

  dropSocket(sock: RuntimeSocket): void {
    this.removeWhere((s) => s === sock);
  }

  protected override releaseContents(): void {
    this.removeWhere(() => true);
  }
}

export class SockMap extends SockMapBase {
  private readonly slots: (RuntimeSocket | undefined)[] = [];

  socketAt(keyAddr: number): RuntimeSocket | undefined {
    const i = readIndex(this.mem.u8, keyAddr);
    return i < this.maxEntries ? this.slots[i] : undefined;
  }

  protected store(keyAddr: number, sock: RuntimeSocket, flags: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    if (i >= this.maxEntries) return -Errno.E2BIG;
    const old = this.slots[i];
    if (old && flags === BPF_NOEXIST) return -Errno.EEXIST;
    if (!old && flags === BPF_EXIST) return -Errno.ENOENT;
    this.take(sock);
    this.slots[i] = sock;
    if (old) this.letGo(old, this.slots.includes(old));
    return 0;
  }

  override deleteElem(keyAddr: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    if (i >= this.maxEntries) return -Errno.EINVAL;
    const old = this.slots[i];
    if (!old) return -Errno.EINVAL;
    this.slots[i] = undefined;
    this.letGo(old, this.slots.includes(old));
    return 0;
  }

  protected removeWhere(pred: (s: RuntimeSocket) => boolean): void {
    const gone: RuntimeSocket[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s && pred(s)) {
        this.slots[i] = undefined;
        gone.push(s);
      }
    }
    for (const s of gone) this.letGo(s, this.slots.includes(s));
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    return arrayNextKey(this, keyAddr, nextAddr);
  }
}

interface HashSlot {
  key: Uint8Array;
  sock: RuntimeSocket;
  /** jhash of the key: its bucket is hash & (buckets - 1). */
  hash: number;
  seq: number;
}

export class SockHash extends SockMapBase {
  private readonly byKey = new Map<string, HashSlot>();
  private readonly bucketMask = indexMaskFor(this.maxEntries);
  private seq = 0;

  private keyOf(keyAddr: number): [Uint8Array, string] {
    const key = this.mem.read(keyAddr, this.keySize);
    return [key, Buffer.from(key).toString("hex")];
  }

  socketAt(keyAddr: number): RuntimeSocket | undefined {
    return this.byKey.get(this.keyOf(keyAddr)[1])?.sock;
  }

  protected store(keyAddr: number, sock: RuntimeSocket, flags: number): number {
    const [key, id] = this.keyOf(keyAddr);
    const old = this.byKey.get(id);
    if (old && flags === BPF_NOEXIST) return -Errno.EEXIST;
    if (!old && flags === BPF_EXIST) return -Errno.ENOENT;
    if (!old && this.byKey.size >= this.maxEntries) return -Errno.E2BIG;
    this.take(sock);
    this.byKey.set(id, { key, sock, hash: jhash(key), seq: this.seq++ });
    if (old) this.letGo(old.sock, this.holds(old.sock));
    return 0;
  }

  private holds(sock: RuntimeSocket): boolean {
    for (const s of this.byKey.values()) if (s.sock === sock) return true;
    return false;
  }

  override deleteElem(keyAddr: number): number {
    const id = this.keyOf(keyAddr)[1];
    const old = this.byKey.get(id);
    if (!old) return -Errno.ENOENT;
    this.byKey.delete(id);
    this.letGo(old.sock, this.holds(old.sock));
    return 0;
  }

  protected removeWhere(pred: (s: RuntimeSocket) => boolean): void {
    const gone: RuntimeSocket[] = [];
    for (const [id, slot] of this.byKey)
      if (pred(slot.sock)) {
        this.byKey.delete(id);
        gone.push(slot.sock);
      }
    for (const s of gone) this.letGo(s, this.holds(s));
  }

  /** Keys in the kernel's walk order: by bucket, newest first within one. */
  private ordered(): HashSlot[] {
    const m = this.bucketMask;
    return [...this.byKey.values()].sort((a, b) => (a.hash & m) - (b.hash & m) || b.seq - a.seq);
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    const order = this.ordered();
    let i = 0;
    if (keyAddr !== 0) {
      const id = this.keyOf(keyAddr)[1];
      const at = order.findIndex((s) => this.byKey.get(id) === s);
      i = at < 0 ? 0 : at + 1;
    }
    const next = order[i];
    if (!next) return -Errno.ENOENT;
    this.mem.write(nextAddr, next.key);
    return 0;
  }

  /** The socket under a key given as bytes (the redirect helpers pass a key pointer). */
  socketForKey(key: Uint8Array): RuntimeSocket | undefined {
    return this.byKey.get(Buffer.from(key).toString("hex"))?.sock;
  }
}
