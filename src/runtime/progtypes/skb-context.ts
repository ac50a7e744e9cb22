// The runtime side of an skb program's context. The program sees a real
// `struct __sk_buff` (192 bytes, offsets from the verifier's SKB_FIELDS) whose
// data/data_end/data_meta hold runtime addresses into a packet buffer laid out
// as the kernel's test-run skb:
//
//   buf ── headroom (NET_SKB_PAD) ── mac header ── network header ... ── tailroom (skb_shared_info)
//                                    ^data (L2 programs: tc)  ^data (L3 programs: socket filter, cgroup, lwt)
//
// The JS object keeps the geometry (buffer, data, len, header offsets) and
// what the kernel keeps outside __sk_buff (the hw-accelerated VLAN tag,
// tunnel key, hash state); fields a program may write (mark, priority, cb,
// tc_index, tc_classid, queue_mapping, tstamp) live only in the ctx block.
// Helpers that move data (change_tail/head/proto, vlan push/pop) go through
// the methods below, which reallocate the buffer when room runs out and then
// rewrite the geometry fields — programs must reload data/data_end after such
// helpers, exactly as the verifier demands.
import type { VmMemory } from "../../memory/index.ts";
import { SK_BUFF, type KernField } from "../../fixup/ctx/kern-layouts.ts";
import { SKB_FIELDS } from "../../verifier/ctx/sk-buff.ts";
import { RunContext } from "../contexts.ts";
import { fieldTable } from "./fields.ts";
import { bswap16, ETH_HLEN } from "./packet.ts";

export const SKB_CTX_SIZE = 192;
/** NET_SKB_PAD + NET_IP_ALIGN on x86-64: the headroom test-run reserves. */
export const SKB_HEADROOM = 64;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64. */
export const SKB_SHINFO_SIZE = 320;
/** BPF_SKB_MAX_LEN (SKB_MAX_ALLOC): the most bpf_skb_change_tail/head may grow to. */
export const BPF_SKB_MAX_LEN = (4096 << 2) - SKB_SHINFO_SIZE;

export const skbField = fieldTable("struct __sk_buff", SKB_FIELDS);
const OFF = (name: string): number => skbField(name).off;

/** The skb's hardware-accelerated VLAN tag (not in the packet bytes). */
export interface VlanTag {
  /** Ethertype of the tag in host order (0x8100 / 0x88a8). */
  proto: number;
  tci: number;
}

export class SkbContext extends RunContext {
  readonly kind = "skb" as const;
  /** Packet buffer (runtime address) and its size. */
  buf = 0;
  bufSize = 0;
  /** Address of the first packet byte the program sees, and the byte count from there. */
  data = 0;
  len = 0;
  /** Offsets of the mac and network headers from `buf`. */
  macOff = 0;
  netOff = 0;
  /** Ethertype (host order) of the payload, skb->protocol. */
  protocol = 0;
  vlan: VlanTag | undefined;
  hash = 0;
  /** bpf_skb_set_tunnel_key's key (struct bpf_tunnel_key bytes), if set. */
  tunnelKey: Uint8Array | undefined;
  /** The tunnel key was set for IPv6 (BPF_F_TUNINFO_IPV6). */
  tunnelIpv6 = false;

  constructor(
    mem: VmMemory,
    /** Programs that see the frame from its mac header (tc) rather than its network header. */
    readonly l2: boolean,
    /**
     * The block is the runtime-side `struct tsbpf_sk_buff` (src/fixup/ctx),
     * for programs whose ctx accesses the rewrite passes converted; else the
     * user-visible `struct __sk_buff`.
     */
    readonly kern = false,
  ) {
    super(mem, kern ? SK_BUFF.size : SKB_CTX_SIZE);
  }

  /** Where field `name` lives in this block: offset, width, and whether it holds raw bytes. */
  private slot(name: string): KernField {
    if (!this.kern) return skbField(name);
    const k = SK_BUFF.fields[name];
    if (!k) throw new Error(`${SK_BUFF.name} has no field '${name}'`);
    return k;
  }

  /** Write a field given in its user-visible encoding (little-endian, UAPI width). */
  writeField(name: string, bytes: Uint8Array): void {
    const k = this.slot(name);
    if (!this.kern || k.bytes) {
      this.mem.write(this.addr + k.off, bytes.subarray(0, k.size));
      return;
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const v = bytes.length >= 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
    this.writeNum(k, v);
  }

  /** A field in its user-visible encoding (`size` bytes, little-endian). */
  readField(name: string): Uint8Array {
    const f = skbField(name);
    if (!this.kern) return this.mem.read(this.addr + f.off, f.size);
    const k = this.slot(name);
    if (k.bytes) return this.mem.read(this.addr + k.off, k.size);
    const out = new Uint8Array(f.size);
    const dv = new DataView(out.buffer);
    const v = this.readNum(k);
    if (f.size >= 8) dv.setBigUint64(0, v, true);
    else dv.setUint32(0, Number(v & 0xffff_ffffn), true);
    return out;
  }

  private writeNum(k: KernField, v: bigint): void {
    const dv = this.mem.dv;
    const a = this.addr + k.off;
    if (k.size === 1) dv.setUint8(a, Number(v & 0xffn));
    else if (k.size === 2) dv.setUint16(a, Number(v & 0xffffn), true);
    else if (k.size === 4) dv.setUint32(a, Number(v & 0xffff_ffffn), true);
    else dv.setBigUint64(a, BigInt.asUintN(64, v), true);
  }

  private readNum(k: KernField): bigint {
    const dv = this.mem.dv;
    const a = this.addr + k.off;
    if (k.size === 1) return BigInt(dv.getUint8(a));
    if (k.size === 2) return BigInt(dv.getUint16(a, true));
    if (k.size === 4) return BigInt(dv.getUint32(a, true));
    return dv.getBigUint64(a, true);
  }

  /** Place `frame` (Ethernet header first) in a fresh buffer with test-run's head- and tailroom. */
  loadFrame(frame: Uint8Array): void {
    this.bufSize = SKB_HEADROOM + frame.length + SKB_SHINFO_SIZE;
    this.buf = this.mem.alloc(this.bufSize, 8);
    this.mem.write(this.buf + SKB_HEADROOM, frame);
    this.macOff = SKB_HEADROOM;
    this.netOff = SKB_HEADROOM + ETH_HLEN;
    this.data = this.buf + (this.l2 ? this.macOff : this.netOff);
    this.len = this.l2 ? frame.length : frame.length - ETH_HLEN;
    this.sync();
  }

  get headroom(): number {
    return this.data - this.buf;
  }

  get tailroom(): number {
    return this.buf + this.bufSize - (this.data + this.len);
  }

  /** Offset of the network header from `data` (the mac header length for L2 programs). */
  get networkOffset(): number {
    return this.buf + this.netOff - this.data;
  }

  override packetData(): { addr: number; len: number } {
    return { addr: this.data, len: this.len };
  }

  u32(name: string): number {
    if (this.kern) return Number(this.readNum(this.slot(name)) & 0xffff_ffffn);
    return this.mem.dv.getUint32(this.addr + OFF(name), true);
  }

  setU32(name: string, v: number): void {
    if (this.kern) return this.writeNum(this.slot(name), BigInt(v >>> 0));
    this.mem.dv.setUint32(this.addr + OFF(name), v >>> 0, true);
  }

  setU64(name: string, v: bigint): void {
    if (this.kern) return this.writeNum(this.slot(name), v);
    this.mem.dv.setBigUint64(this.addr + OFF(name), BigInt.asUintN(64, v), true);
  }

  /** Rewrite the fields that mirror the geometry and kernel-side state. */
  sync(): void {
    this.setU32("len", this.len);
    this.setU32("data", this.data);
    this.setU32("data_end", this.data + this.len);
    // No metadata in front of skb data (xdp2skb metadata is not carried over).
    this.setU32("data_meta", this.data);
    this.setU32("protocol", bswap16(this.protocol));
    this.setU32("vlan_present", this.vlan ? 1 : 0);
    this.setU32("vlan_tci", this.vlan?.tci ?? 0);
    this.setU32("vlan_proto", this.vlan ? bswap16(this.vlan.proto) : 0);
    this.setU32("hash", this.hash);
  }

  /**
   * Make sure there are at least `head` bytes before data and `tail` after
   * data+len, moving the packet into a bigger buffer if needed
   * (pskb_expand_head). Header offsets move with the bytes.
   */
  ensureRoom(head: number, tail: number): void {
    if (this.headroom >= head && this.tailroom >= tail) return;
    const newHead = Math.max(head, this.headroom);
    const newTail = Math.max(tail, this.tailroom);
    const size = newHead + this.len + newTail;
    const buf = this.mem.alloc(size, 8);
    const shift = buf + newHead - this.data;
    // Copy everything from the old buffer start (headers before data included).
    const from = this.buf;
    const to = from + shift;
    const n = Math.min(this.bufSize, size - (to - buf));
    this.mem.u8.copyWithin(to, from, from + n);
    this.mem.free(this.buf);
    this.macOff += to - buf;
    this.netOff += to - buf;
    this.buf = buf;
    this.bufSize = size;
    this.data = buf + newHead;
  }

  /** skb_push: `n` more bytes in front of data (contents as they are in the headroom). */
  push(n: number): void {
    this.ensureRoom(n, 0);
    this.data -= n;
    this.len += n;
  }

  /** skb_pull. */
  pull(n: number): void {
    this.data += n;
    this.len -= n;
  }

  /** Grow (zero-filled) or trim the packet to `newLen` bytes. */
  setLen(newLen: number): void {
    if (newLen > this.len) {
      this.ensureRoom(0, newLen - this.len);
      this.mem.u8.fill(0, this.data + this.len, this.data + newLen);
    }
    this.len = newLen;
  }

  /**
   * Insert `n` zero bytes at offset `off` from data: the first `off` bytes
   * move to the new front. Headers that started inside [data, data+off] move
   * with them, so a header starting at the insertion point now starts at the
   * inserted bytes (bpf_skb_net_hdr_push, __vlan_insert_tag).
   */
  insertAt(off: number, n: number): void {
    this.push(n);
    const base = this.data - this.buf + n;
    const u8 = this.mem.u8;
    u8.copyWithin(this.data, this.data + n, this.data + n + off);
    u8.fill(0, this.data + off, this.data + off + n);
    const moved = (h: number): boolean => h >= base && h <= base + off;
    if (moved(this.macOff)) this.macOff -= n;
    if (moved(this.netOff)) this.netOff -= n;
  }

  /** Remove `n` bytes at offset `off` from data; the first `off` bytes move back over them. */
  removeAt(off: number, n: number): void {
    const base = this.data - this.buf;
    const u8 = this.mem.u8;
    u8.copyWithin(this.data + n, this.data, this.data + off);
    this.pull(n);
    const moved = (h: number): boolean => h >= base && h <= base + off;
    if (moved(this.macOff)) this.macOff += n;
    if (moved(this.netOff)) this.netOff += n;
  }

  /** Zero `n` bytes at `addr` (inside this context's buffer). */
  zero(addr: number, n: number): void {
    this.mem.u8.fill(0, addr, addr + n);
  }

  /** The packet bytes from data (a copy). */
  bytes(): Uint8Array {
    return this.mem.read(this.data, this.len);
  }

  protected override freeExtra(): void {
    if (this.buf) this.mem.free(this.buf);
    this.buf = 0;
  }
}
