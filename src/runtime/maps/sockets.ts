// The runtime's sockets: what sockmap, sockhash and xskmap slots hold. There
// is no network stack behind them. An inet socket is a TCP or UDP endpoint
// with addresses, ports and a TCP state; an XDP socket (AF_XDP) is bound to a
// device queue. User space creates them (their id stands in for the fd it
// would store into a map) and closes them; closing removes the socket from
// every map holding it, as sock_map_close / xsk release do in the kernel.
//
// Each socket owns a block in runtime memory that programs see when a map
// lookup hands them the socket: `struct bpf_sock` (the verifier's layout of
// it) for inet sockets, `struct bpf_xdp_sock` (u32 queue_id) for XDP sockets.
import { UsageError } from "../../errors.ts";
import type { VmMemory } from "../../memory/index.ts";
import { CGROUP_SOCK_CTX } from "../../verifier/ctx/sock.ts";
import { RefCounted } from "../object.ts";
import { parseIpv4, parseIpv6 } from "../packets.ts";
import { fieldTable } from "../progtypes/fields.ts";

export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_XDP = 44;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

/** include/net/tcp_states.h (UDP sockets use ESTABLISHED once connected, CLOSE otherwise). */
export const TcpState = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT1: 4,
  FIN_WAIT2: 5,
  TIME_WAIT: 6,
  CLOSE: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
} as const;
export type TcpStateName = keyof typeof TcpState;

export interface InetSocketSpec {
  protocol: "tcp" | "udp";
  /** Default ESTABLISHED for TCP, CLOSE (unconnected) for UDP. */
  state?: TcpStateName;
  /** Dotted IPv4 or IPv6 text; the family follows the addresses (default IPv4, 0.0.0.0). */
  localAddress?: string;
  remoteAddress?: string;
  localPort?: number;
  remotePort?: number;
  mark?: number;
  priority?: number;
  boundDevIf?: number;
}

export interface XdpSocketSpec {
  /** Device and queue the socket is bound to (xsk_bind). */
  ifindex: number;
  queueId: number;
}

const sockField = fieldTable("struct bpf_sock", CGROUP_SOCK_CTX.fields);
/** sizeof(struct bpf_xdp_sock). */
const XDP_SOCK_SIZE = 4;

interface SocketInit {
  id: number;
  cookie: bigint;
  family: number;
  type: number;
  protocol: number;
  state: number;
  ifindex: number;
  queueId: number;
  addr: number;
}

/** Something that holds a socket and must let go when the socket closes (a map slot). */
export interface SocketHolder {
  dropSocket(sock: RuntimeSocket): void;
}

export class RuntimeSocket extends RefCounted {
  readonly id: number;
  /** The socket cookie (bpf_get_socket_cookie, sockmap lookups from user space). */
  readonly cookie: bigint;
  readonly family: number;
  readonly type: number;
  readonly protocol: number;
  readonly state: number;
  /** XDP sockets: the device and queue they are bound to. */
  readonly ifindex: number;
  readonly queueId: number;
  /** Address of the block programs see (struct bpf_sock / struct bpf_xdp_sock). */
  readonly addr: number;
  private readonly holders = new Set<SocketHolder>();
  private open = true;

  constructor(
    private readonly table: SocketTable,
    init: SocketInit,
  ) {
    super();
    this.id = init.id;
    this.cookie = init.cookie;
    this.family = init.family;
    this.type = init.type;
    this.protocol = init.protocol;
    this.state = init.state;
    this.ifindex = init.ifindex;
    this.queueId = init.queueId;
    this.addr = init.addr;
  }

  describe(): string {
    return `socket ${this.id}`;
  }

  get isTcp(): boolean {
    return this.protocol === IPPROTO_TCP && this.type === SOCK_STREAM;
  }

  get isXdp(): boolean {
    return this.family === AF_XDP;
  }

  /** Still open (not closed by user space). */
  get isOpen(): boolean {
    return this.open;
  }

  /** A map slot took this socket (the slot also holds a reference). */
  addHolder(h: SocketHolder): void {
    this.holders.add(h);
  }

  removeHolder(h: SocketHolder): void {
    this.holders.delete(h);
  }

  /** close(2): leave every map, then drop the descriptor's reference. Idempotent. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    for (const h of [...this.holders]) h.dropSocket(this);
    this.holders.clear();
    this.table.forget(this);
    this.release();
  }

  protected destroy(): void {
    this.table.mem.free(this.addr);
  }
}

function address(text: string | undefined, v6: boolean): Uint8Array {
  if (text === undefined) return new Uint8Array(v6 ? 16 : 4);
  return v6 ? parseIpv6(text) : parseIpv4(text);
}

function port(p: number | undefined, what: string): number {
  const v = p ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > 0xffff)
    throw new UsageError(`${what} must be an integer in 0..65535, got ${v}`);
  return v;
}

/** The runtime's open sockets, by id (the fd user space would pass). */
export class SocketTable {
  private readonly byId = new Map<number, RuntimeSocket>();
  private readonly byAddr = new Map<number, RuntimeSocket>();
  /** Socket ids count up like fds would; cookies are a separate counter, as in the kernel. */
  private nextId = 1;
  private nextCookie = 1n;

  constructor(readonly mem: VmMemory) {}

  /** A TCP or UDP socket. */
  create(spec: InetSocketSpec): RuntimeSocket {
    const tcp = spec.protocol === "tcp";
    if (!tcp && spec.protocol !== "udp")
      throw new UsageError(`protocol must be "tcp" or "udp", got ${String(spec.protocol)}`);
    const v6 = [spec.localAddress, spec.remoteAddress].some((a) => a?.includes(":"));
    const local = address(spec.localAddress, v6);
    const remote = address(spec.remoteAddress, v6);
    const lport = port(spec.localPort, "localPort");
    const rport = port(spec.remotePort, "remotePort");
    const stateName = spec.state ?? (tcp ? "ESTABLISHED" : "CLOSE");
    const state = TcpState[stateName];
    if (state === undefined) throw new UsageError(`unknown socket state ${String(stateName)}`);
    const addr = this.mem.alloc(CGROUP_SOCK_CTX.size, 8);
    this.mem.u8.fill(0, addr, addr + CGROUP_SOCK_CTX.size);
    const dv = this.mem.dv;
    const put = (name: string, v: number): void =>
      dv.setUint32(addr + sockField(name).off, v >>> 0, true);
    put("bound_dev_if", spec.boundDevIf ?? 0);
    put("family", v6 ? AF_INET6 : AF_INET);
    put("type", tcp ? SOCK_STREAM : SOCK_DGRAM);
    put("protocol", tcp ? IPPROTO_TCP : IPPROTO_UDP);
    put("mark", spec.mark ?? 0);
    put("priority", spec.priority ?? 0);
    // Addresses in network byte order, src_port in host order, dst_port big-endian.
    this.mem.write(addr + sockField(v6 ? "src_ip6[0]" : "src_ip4").off, local);
    this.mem.write(addr + sockField(v6 ? "dst_ip6[0]" : "dst_ip4").off, remote);
    put("src_port", lport);
    dv.setUint16(addr + sockField("dst_port").off, rport, false);
    put("state", state);
    put("rx_queue_mapping", -1);
    return this.register({
      family: v6 ? AF_INET6 : AF_INET,
      type: tcp ? SOCK_STREAM : SOCK_DGRAM,
      protocol: tcp ? IPPROTO_TCP : IPPROTO_UDP,
      state,
      ifindex: 0,
      queueId: 0,
      addr,
    });
  }

  /** An AF_XDP socket bound to queue `queueId` of device `ifindex`. */
  createXdp(spec: XdpSocketSpec): RuntimeSocket {
    for (const [what, v] of [
      ["ifindex", spec.ifindex],
      ["queueId", spec.queueId],
    ] as const)
      if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
        throw new UsageError(`${what} must be a u32, got ${v}`);
    const addr = this.mem.alloc(8, 8);
    this.mem.dv.setUint32(addr, spec.queueId, true);
    this.mem.dv.setUint32(addr + XDP_SOCK_SIZE, 0, true);
    return this.register({
      family: AF_XDP,
      type: SOCK_RAW,
      protocol: 0,
      state: 0,
      ifindex: spec.ifindex,
      queueId: spec.queueId,
      addr,
    });
  }

  private register(init: Omit<SocketInit, "id" | "cookie">): RuntimeSocket {
    const sock = new RuntimeSocket(this, { ...init, id: this.nextId++, cookie: this.nextCookie++ });
    this.byId.set(sock.id, sock);
    this.byAddr.set(sock.addr, sock);
    return sock;
  }

  /** An open socket by id. */
  get(id: number): RuntimeSocket | undefined {
    return this.byId.get(id);
  }

  /** The socket whose block is at `addr` (what a program holds after a lookup). */
  at(addr: number): RuntimeSocket | undefined {
    return this.byAddr.get(addr);
  }

  /** Open sockets. */
  get size(): number {
    return this.byId.size;
  }

  /** Called by close(): the id is free again; the block lives while maps hold the socket. */
  forget(sock: RuntimeSocket): void {
    this.byId.delete(sock.id);
    this.byAddr.delete(sock.addr);
  }
}
