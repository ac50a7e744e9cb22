// BPF_PROG_TEST_RUN for XDP (bpf_prog_test_run_xdp): the frame sits after 256
// bytes of headroom in a page-sized buffer on the loopback's rx queue 0. A
// ctx may declare metadata in front of the packet (ctx.data = its length,
// ctx.data_end = the input size) and pick the ingress device and queue. The
// output starts at data_meta; the ctx returned gives data and data_end as
// offsets from it.
import type { VmMemory } from "../../memory/index.ts";
import { ProgType } from "../../uapi/index.ts";
import type { RunContext } from "../contexts.ts";
import { TestRunError } from "../errors.ts";
import { ctxIn } from "./ctx-input.ts";
import { ETH_HLEN } from "./packet.ts";
import type { ProgTypeRunner, TestRunOptions } from "./types.ts";
import {
  LOOPBACK_IFINDEX,
  XDP_CTX_SIZE,
  XDP_MAX_DATA,
  XdpContext,
  metalenInvalid,
  xdpField,
} from "./xdp-context.ts";

export const XDP_PROG_TYPES: readonly number[] = [ProgType.XDP];
/** egress_ifindex follows rx_queue_index in struct xdp_md; test-run refuses it. */
const EGRESS_IFINDEX_OFF = xdpField("rx_queue_index").off + 4;

function prepare(mem: VmMemory, _type: number, input: TestRunOptions, kern = false): RunContext {
  const data = input.data ?? new Uint8Array(0);
  const ctx = ctxIn("xdp test run", input.ctx, XDP_CTX_SIZE);
  const dv = new DataView(ctx.buffer);
  const get = (name: string): number => dv.getUint32(xdpField(name).off, true);
  let metalen = 0;
  let ifindex = LOOPBACK_IFINDEX;
  let queue = 0;
  if (input.ctx) {
    metalen = get("data");
    if (
      get("data_meta") !== 0 ||
      get("data_end") !== data.length ||
      metalen > get("data_end") ||
      metalenInvalid(metalen) ||
      dv.getUint32(EGRESS_IFINDEX_OFF, true) !== 0
    )
      throw new TestRunError(
        "xdp test run: ctx must have data_meta = 0, data = metadata length (a multiple of 4, at most 32), data_end = data size, egress_ifindex = 0",
      );
    ifindex = get("ingress_ifindex") || LOOPBACK_IFINDEX;
    queue = get("rx_queue_index");
    // The loopback device has one rx queue.
    if (queue !== 0 && ifindex === LOOPBACK_IFINDEX)
      throw new TestRunError(`xdp test run: rx_queue_index ${queue} does not exist on lo`);
  }
  if (data.length - metalen < ETH_HLEN || data.length - metalen > XDP_MAX_DATA)
    throw new TestRunError(
      `xdp test run: packet must be ${ETH_HLEN}..${XDP_MAX_DATA} bytes after metadata, got ${data.length - metalen}`,
    );
  const x = new XdpContext(mem, kern);
  x.ingressIfindex = ifindex;
  x.rxQueueIndex = queue;
  x.loadFrame(data, metalen);
  return x;
}

function finish(c: RunContext): { data: Uint8Array; ctx: Uint8Array } {
  const x = c as XdpContext;
  const out = new Uint8Array(XDP_CTX_SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint32(xdpField("data").off, x.data - x.dataMeta, true);
  dv.setUint32(xdpField("data_end").off, x.dataEnd - x.dataMeta, true);
  dv.setUint32(xdpField("ingress_ifindex").off, x.ingressIfindex, true);
  dv.setUint32(xdpField("rx_queue_index").off, x.rxQueueIndex, true);
  return { data: c.readMem(x.dataMeta, x.dataEnd - x.dataMeta), ctx: out };
}

export const XDP_RUNNER: ProgTypeRunner = { name: "xdp", prepare, finish };
