// The runtime side of an XDP program's context: a real `struct xdp_md` (the
// verifier's XDP_CTX offsets) whose data/data_end/data_meta are runtime
// addresses into one page-sized frame, as BPF_PROG_TEST_RUN builds it:
//
//   hard_start ── XDP_PACKET_HEADROOM (256) ── [meta] data ... data_end ── tailroom (skb_shared_info)
//
// bpf_xdp_adjust_head/meta/tail move the pointers inside that frame and
// rewrite the ctx fields; the kernel's bounds (room for struct xdp_frame at
// the front, 14 bytes of Ethernet at least, the shared info at the end) apply.
import type { VmMemory } from "../../memory/index.ts";
import { XDP_BUFF } from "../../fixup/ctx/kern-layouts.ts";
import { XDP_CTX } from "../../verifier/ctx/others.ts";
import { RunContext } from "../contexts.ts";
import { fieldTable } from "./fields.ts";
import { SKB_SHINFO_SIZE } from "./skb-context.ts";

export const XDP_PACKET_HEADROOM = 256;
/** The test-run frame is one page (frame_sz). */
export const XDP_FRAME_SIZE = 4096;
/** Largest linear packet test-run takes. */
export const XDP_MAX_DATA = XDP_FRAME_SIZE - XDP_PACKET_HEADROOM - SKB_SHINFO_SIZE;
/** sizeof(struct xdp_frame) on x86-64: adjust_head/meta keep it free at the front. */
export const XDP_FRAME_STRUCT_SIZE = 40;
/** xdp_metalen_invalid: metadata is a multiple of 4 bytes, at most 32. */
export const XDP_META_MAX = 32;
/** The loopback device's ifindex, where test-run frames arrive. */
export const LOOPBACK_IFINDEX = 1;

export const xdpField = fieldTable("struct xdp_md", XDP_CTX.fields);
export const XDP_CTX_SIZE = XDP_CTX.size;

export const metalenInvalid = (n: number): boolean => (n & 3) !== 0 || n > XDP_META_MAX;

export class XdpContext extends RunContext {
  readonly kind = "xdp" as const;
  readonly hardStart: number;
  data = 0;
  dataEnd = 0;
  dataMeta = 0;
  ingressIfindex = LOOPBACK_IFINDEX;
  rxQueueIndex = 0;

  constructor(
    mem: VmMemory,
    /**
     * The block is the runtime-side `struct tsbpf_xdp_buff` (src/fixup/ctx),
     * for programs whose ctx accesses the rewrite passes converted; else the
     * user-visible `struct xdp_md`.
     */
    readonly kern = false,
  ) {
    super(mem, kern ? XDP_BUFF.size : XDP_CTX_SIZE);
    this.hardStart = mem.alloc(XDP_FRAME_SIZE, 8);
  }

  /** Place `bytes` (the first `metalen` of them are metadata) after the headroom. */
  loadFrame(bytes: Uint8Array, metalen: number): void {
    const start = this.hardStart + XDP_PACKET_HEADROOM - metalen;
    this.mem.write(start, bytes);
    this.dataMeta = start;
    this.data = start + metalen;
    this.dataEnd = start + bytes.length;
    this.sync();
  }

  /** The first address adjust_head/meta may move to (after struct xdp_frame). */
  get frameEnd(): number {
    return this.hardStart + XDP_FRAME_STRUCT_SIZE;
  }

  /** The last address the packet may extend to (xdp_data_hard_end). */
  get hardEnd(): number {
    return this.hardStart + XDP_FRAME_SIZE - SKB_SHINFO_SIZE;
  }

  sync(): void {
    const dv = this.mem.dv;
    const a = this.addr;
    if (this.kern) {
      const k = XDP_BUFF.fields;
      const u64 = (name: string, v: number): void =>
        dv.setBigUint64(a + k[name]!.off, BigInt(v), true);
      u64("data", this.data);
      u64("data_end", this.dataEnd);
      u64("data_meta", this.dataMeta);
      u64("data_hard_start", this.hardStart);
      dv.setUint32(a + k.frame_sz!.off, XDP_FRAME_SIZE, true);
      for (const l of XDP_BUFF.links) dv.setBigUint64(a + l.at, BigInt(a + l.to), true);
      const rxq = a + XDP_BUFF.links[0]!.to;
      dv.setUint32(rxq + k.ingress_ifindex!.off, this.ingressIfindex, true);
      dv.setUint32(rxq + k.rx_queue_index!.off, this.rxQueueIndex, true);
      return;
    }
    dv.setUint32(a + xdpField("data").off, this.data, true);
    dv.setUint32(a + xdpField("data_end").off, this.dataEnd, true);
    dv.setUint32(a + xdpField("data_meta").off, this.dataMeta, true);
    dv.setUint32(a + xdpField("ingress_ifindex").off, this.ingressIfindex, true);
    dv.setUint32(a + xdpField("rx_queue_index").off, this.rxQueueIndex, true);
  }

  override packetData(): { addr: number; len: number } {
    return { addr: this.data, len: this.dataEnd - this.data };
  }

  protected override freeExtra(): void {
    this.mem.free(this.hardStart);
  }
}
