// Tracing a BPF program: fentry/fexit programs (verdicts.bpf.c) on the XDP
// example's main function `count_packets` (examples/packet_counter.bpf.o).
// The tracing object is loaded with the XDP program as its attach target;
// attaching swaps the XDP program's function-table slot to a generated
// trampoline, so every run — here BPF_PROG_TEST_RUN on generated traffic —
// goes through it, and the fexit program sees each verdict.
//
//   npx tsx examples/trace-node/verdicts.ts
import { fileURLToPath } from "node:url";
import { CollectionSpec, Runtime, type MapHandle } from "../../src/index.ts";
import { generateTraffic } from "../traffic.ts";

export const XDP_OBJECT = fileURLToPath(new URL("../packet_counter.bpf.o", import.meta.url));
export const TRACER_OBJECT = fileURLToPath(new URL("verdicts.bpf.o", import.meta.url));
const ACTIONS = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"];

export interface VerdictsResult {
  /** What BPF_PROG_TEST_RUN returned, by action. */
  returned: number[];
  /** What the fexit program recorded, by action. */
  recorded: number[];
  /** Calls the fentry program saw. */
  entries: number;
  /** xdp->rxq->ingress_ifindex, as the fentry program read it. */
  ifindex: number;
}

const u64At = (h: MapHandle, k: number): number =>
  Number(new DataView(h.lookup(k)!.buffer).getBigUint64(0, true));

export function runVerdicts(engine: "interp" | "jit" = "jit"): VerdictsResult {
  const rt = new Runtime({ engine: "jit" });
  try {
    const xdp = rt.loadCollection(CollectionSpec.fromFile(XDP_OBJECT), {
      verify: true,
      globals: { blocked_port: 23 },
    });
    const target = xdp.program("count_packets");
    const tracer = rt.loadCollection(CollectionSpec.fromFile(TRACER_OBJECT), {
      verify: true,
      attachTarget: target,
      engine,
    });
    const links = ["xdp_enter", "xdp_verdict"].map((n) => rt.attach(tracer.program(n)));
    const returned = new Array<number>(8).fill(0);
    for (const p of generateTraffic())
      returned[Number(target.testRun({ data: p.bytes }).retval)]!++;
    for (const l of links) l.detach();
    const v = tracer.map("verdicts");
    const recorded = Array.from({ length: 8 }, (_, k) => u64At(v, k));
    const calls = tracer.map("calls");
    return { returned, recorded, entries: u64At(calls, 0), ifindex: u64At(calls, 1) };
  } finally {
    rt.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = runVerdicts();
  console.log(`fentry on count_packets saw ${r.entries} runs (ingress ifindex ${r.ifindex})`);
  console.log("verdict          test-run   fexit recorded");
  ACTIONS.forEach((a, k) =>
    console.log(
      `${a.padEnd(16)} ${String(r.returned[k]).padStart(8)}   ${String(r.recorded[k]).padStart(8)}`,
    ),
  );
}
