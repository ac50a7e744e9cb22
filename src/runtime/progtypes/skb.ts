// BPF_PROG_TEST_RUN for skb programs (bpf_prog_test_run_skb): the frame goes
// into an skb on the loopback device; eth_type_trans gives pkt_type and
// protocol and pulls the Ethernet header; tc programs get it pushed back (L2),
// the others see the network header first (L3). The made-up socket gets the
// family and IP addresses of the packet. Afterwards non-L2 output gets a
// zeroed Ethernet header in front, and the ctx returned carries only the
// fields the kernel copies back.
import type { VmMemory } from "../../memory/index.ts";
import { ProgType } from "../../uapi/index.ts";
import type { RunContext } from "../contexts.ts";
import { TestRunError } from "../errors.ts";
import { ctxIn, onlyFields } from "./ctx-input.ts";
import { ETH_HLEN, ethTypeTrans, sockAddrs } from "./packet.ts";
import {
  SKB_CTX_SIZE,
  SKB_HEADROOM,
  SKB_SHINFO_SIZE,
  SkbContext,
  skbField,
} from "./skb-context.ts";
import type { ProgTypeRunner, TestRunOptions } from "./types.ts";
import { LOOPBACK_IFINDEX } from "./xdp-context.ts";

export const SKB_PROG_TYPES: readonly number[] = [
  ProgType.SOCKET_FILTER,
  ProgType.SCHED_CLS,
  ProgType.SCHED_ACT,
  ProgType.CGROUP_SKB,
  ProgType.LWT_IN,
  ProgType.LWT_OUT,
  ProgType.LWT_XMIT,
];

/** Fields of __sk_buff user space may set (convert___skb_to_skb) and gets back (convert_skb_to___skb). */
const CTX_FIELDS = [
  "mark",
  "priority",
  "ingress_ifindex",
  "ifindex",
  "cb",
  "tstamp",
  "wire_len",
  "gso_segs",
  "gso_size",
  "hwtstamp",
].map(skbField);

/** The largest frame test-run takes: one page less headroom and shared info. */
export const SKB_MAX_DATA = 4096 - SKB_HEADROOM - SKB_SHINFO_SIZE;
const GSO_LEGACY_MAX_SIZE = 65536;
const GSO_MAX_SEGS = 65535;

function prepare(mem: VmMemory, type: number, input: TestRunOptions, kern = false): RunContext {
  const data = input.data ?? new Uint8Array(0);
  if (data.length < ETH_HLEN || data.length > SKB_MAX_DATA)
    throw new TestRunError(
      `skb test run: data must be ${ETH_HLEN}..${SKB_MAX_DATA} bytes, got ${data.length}`,
    );
  const ctx = ctxIn("skb test run", input.ctx, SKB_CTX_SIZE);
  onlyFields("skb test run", ctx, CTX_FIELDS);
  const cdv = new DataView(ctx.buffer);
  const at = (name: string): number => cdv.getUint32(skbField(name).off, true);

  const l2 = input.l2 ?? (type === ProgType.SCHED_CLS || type === ProgType.SCHED_ACT);
  const skb = new SkbContext(mem, l2, kern);
  skb.loadFrame(data);
  const eth = ethTypeTrans(data);
  skb.protocol = eth.protocol;
  const wire = at("wire_len");
  if (wire !== 0 && (wire < skb.len || wire > GSO_LEGACY_MAX_SIZE)) {
    skb.dispose();
    throw new TestRunError(
      `skb test run: wire_len ${wire} must be ${skb.len}..${GSO_LEGACY_MAX_SIZE}`,
    );
  }
  if (at("gso_segs") > GSO_MAX_SEGS) {
    skb.dispose();
    throw new TestRunError(`skb test run: gso_segs ${at("gso_segs")} exceeds ${GSO_MAX_SEGS}`);
  }
  // Settable fields go in as given (the zero-byte check above allowed only these).
  for (const f of CTX_FIELDS) skb.writeField(f.name, ctx.subarray(f.off, f.off + f.size));
  skb.setU32("pkt_type", input.pktType ?? eth.pktType);
  skb.setU32("ifindex", at("ifindex") || LOOPBACK_IFINDEX);
  skb.setU32("wire_len", wire || skb.len);
  const sock = sockAddrs(data, ETH_HLEN, eth.protocol);
  skb.setU32("family", sock.family);
  skb.setU32("local_ip4", sock.local4);
  skb.setU32("remote_ip4", sock.remote4);
  skb.writeField("local_ip6", sock.local6);
  skb.writeField("remote_ip6", sock.remote6);
  skb.sync();
  return skb;
}

function finish(c: RunContext): { data: Uint8Array; ctx: Uint8Array } {
  const skb = c as SkbContext;
  if (!skb.l2) {
    // The kernel pushes the (zeroed) link-layer header back before copying out.
    skb.push(ETH_HLEN);
    skb.zero(skb.data, ETH_HLEN);
  }
  const out = new Uint8Array(SKB_CTX_SIZE);
  for (const f of CTX_FIELDS) out.set(skb.readField(f.name), f.off);
  return { data: skb.bytes(), ctx: out };
}

export const SKB_RUNNER: ProgTypeRunner = { name: "skb", prepare, finish };
