// `npm run demo`: load the bundled XDP example (examples/packet_counter.bpf.o,
// built from packet_counter.bpf.c), verify it, run it on generated traffic
// with BPF_PROG_TEST_RUN semantics, and print what its maps, ring buffer and
// global variables hold afterwards.
//
//   npm run demo [-- --engine interp|jit] [--blocked-port N] [--no-verify]
import { fileURLToPath } from "node:url";
import {
  CollectionSpec,
  RingBufReader,
  Runtime,
  type Collection,
  type MapHandle,
} from "../src/index.ts";
import { generateTraffic, type Packet } from "./traffic.ts";

export const OBJECT = fileURLToPath(new URL("packet_counter.bpf.o", import.meta.url));
const XDP_NAMES = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"];
const PROTO_NAMES: Record<number, string> = { 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6" };
const PORT_NAMES: Record<number, string> = {
  23: "telnet",
  53: "dns",
  80: "http",
  123: "ntp",
  443: "https",
};

export interface DemoOptions {
  engine?: "interp" | "jit";
  blockedPort?: number;
  verify?: boolean;
  out?: (line: string) => void;
  traffic?: Packet[];
}

export interface Flow {
  family: 4 | 6;
  proto: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  packets: bigint;
  bytes: bigint;
}

export interface DemoResult {
  verdicts: Map<number, number>;
  protoStats: Map<number, { packets: bigint; bytes: bigint }>;
  flows: Flow[];
  dportHits: Map<number, bigint>;
  synEvents: { src: string; dst: string; sport: number; dport: number }[];
  globals: Record<string, bigint>;
  medianRunNs: number;
}

const dvOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function address(family: number, b: Uint8Array): string {
  if (family === 4) return [...b.subarray(0, 4)].join(".");
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16),
  );
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** struct flow_key { u8 family, proto; be16 sport, dport; u16 pad; be32 saddr[4], daddr[4]; } */
function decodeFlowKey(k: Uint8Array): Omit<Flow, "packets" | "bytes"> {
  const dv = dvOf(k);
  const family = k[0] === 6 ? 6 : 4;
  return {
    family,
    proto: k[1]!,
    sport: dv.getUint16(2, false),
    dport: dv.getUint16(4, false),
    src: address(family, k.subarray(8, 24)),
    dst: address(family, k.subarray(24, 40)),
  };
}

const endpoint = (
  f: { family: number; src?: string; dst?: string },
  addr: string,
  port: number,
): string => (f.family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`);

function counters(v: Uint8Array): { packets: bigint; bytes: bigint } {
  const dv = dvOf(v);
  return { packets: dv.getBigUint64(0, true), bytes: dv.getBigUint64(8, true) };
}

function readMaps(c: Collection): Omit<DemoResult, "verdicts" | "synEvents" | "medianRunNs"> {
  const protoStats = new Map<number, { packets: bigint; bytes: bigint }>();
  for (const [k, v] of c.map("proto_stats").entries()) {
    const s = counters(v);
    if (s.packets > 0n) protoStats.set(dvOf(k).getUint32(0, true), s);
  }
  const flows: Flow[] = [];
  for (const [k, v] of c.map("flows").entries())
    flows.push({ ...decodeFlowKey(k), ...counters(v) });
  flows.sort((a, b) => Number(b.bytes - a.bytes));
  const dportHits = new Map<number, bigint>();
  const hits: MapHandle = c.map("dport_hits");
  for (const [k, v] of hits.entries())
    dportHits.set(dvOf(k).getUint16(0, true), dvOf(v).getBigUint64(0, true));
  const globals: Record<string, bigint> = {};
  for (const name of ["total_packets", "dropped_packets", "malformed_packets", "non_ip_packets"])
    globals[name] = c.variable(name).get() as bigint;
  return { protoStats, flows, dportHits, globals };
}

function table(
  out: (l: string) => void,
  head: string[],
  rows: (string | number | bigint)[][],
): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  for (const r of cells)
    out(
      "  " +
        r
          .map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
          .join("  "),
    );
}

export function runDemo(opts: DemoOptions = {}): DemoResult {
  const out = opts.out ?? ((l: string) => console.log(l));
  const engine = opts.engine ?? "jit";
  const blockedPort = opts.blockedPort ?? 23;
  const traffic = opts.traffic ?? generateTraffic();
  const rt = new Runtime({ engine });
  try {
    const spec = CollectionSpec.fromFile(OBJECT);
    const c = rt.loadCollection(spec, {
      verify: opts.verify ?? true,
      globals: { blocked_port: blockedPort },
    });
    const prog = c.program("count_packets");
    out(`tsbpf demo: ${prog.name} from examples/packet_counter.bpf.o (XDP), engine ${engine}`);
    const processed = prog.verifierLog?.match(/processed (\d+) insns/)?.[1];
    out(
      prog.verified
        ? `verifier: accepted (${processed ?? "?"} instructions processed)`
        : "verifier: skipped (running with the engine's bounds checks)",
    );
    out(`blocked_port = ${c.variable("blocked_port").get()} (.rodata, set at load)`);

    const reader = new RingBufReader(c.map("syn_events"));
    const verdicts = new Map<number, number>();
    const times: number[] = [];
    for (const p of traffic) {
      const r = prog.testRun({ data: p.bytes });
      verdicts.set(r.retval, (verdicts.get(r.retval) ?? 0) + 1);
      times.push(r.durationNs);
    }
    const medianRunNs = times.sort((x, y) => x - y)[times.length >> 1]!;
    const summary = [...verdicts].map(([v, n]) => `${n} ${XDP_NAMES[v] ?? v}`).join(", ");
    out("");
    out(`ran ${traffic.length} packets: ${summary}`);
    out(`  (median ${(medianRunNs / 1000).toFixed(1)} µs per run; the first runs include warm-up)`);

    const synEvents: DemoResult["synEvents"] = [];
    reader.consume((s) => {
      const f = decodeFlowKey(s.subarray(8));
      synEvents.push({ src: f.src, dst: f.dst, sport: f.sport, dport: f.dport });
    });
    reader.close();
    const maps = readMaps(c);

    out("");
    out("per IP protocol (proto_stats, array):");
    table(
      out,
      ["proto", "", "packets", "bytes"],
      [...maps.protoStats].map(([p, s]) => [
        PROTO_NAMES[p] ?? `proto ${p}`,
        "",
        s.packets,
        s.bytes,
      ]),
    );
    out("");
    out("flows (flows, LRU hash), by bytes:");
    table(
      out,
      ["proto", "source -> destination", "packets", "bytes"],
      maps.flows.map((f) => [
        PROTO_NAMES[f.proto] ?? String(f.proto),
        f.sport || f.dport
          ? `${endpoint(f, f.src, f.sport)} -> ${endpoint(f, f.dst, f.dport)}`
          : `${f.src} -> ${f.dst}`,
        f.packets,
        f.bytes,
      ]),
    );
    out("");
    out("destination ports (dport_hits, hash):");
    table(
      out,
      ["port", "service", "packets"],
      [...maps.dportHits]
        .sort((a, b) => a[0] - b[0])
        .map(([p, n]) => [String(p), PORT_NAMES[p] ?? "", n]),
    );
    out("");
    out("TCP connection attempts (syn_events ring buffer, in order):");
    synEvents.forEach((e, i) =>
      out(`  ${i + 1}. ${e.src} port ${e.sport} -> ${e.dst} port ${e.dport}`),
    );
    out("");
    out(
      "global counters (.bss): " +
        Object.entries(maps.globals)
          .map(([k, v]) => `${k}=${v}`)
          .join(" "),
    );
    c.close();
    return { verdicts, synEvents, medianRunNs, ...maps };
  } finally {
    rt.close();
  }
}

function parseArgs(argv: string[]): DemoOptions {
  const opts: DemoOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--engine") opts.engine = argv[++i] as DemoOptions["engine"];
    else if (a === "--blocked-port") opts.blockedPort = Number(argv[++i]);
    else if (a === "--no-verify") opts.verify = false;
    else if (a === "--help" || a === "-h") {
      console.log("usage: npm run demo -- [--engine interp|jit] [--blocked-port N] [--no-verify]");
      process.exit(0);
    } else {
      console.error(`demo: unknown argument '${a}'`);
      process.exit(2);
    }
  }
  if (opts.engine && opts.engine !== "interp" && opts.engine !== "jit") {
    console.error(`demo: --engine must be interp or jit`);
    process.exit(2);
  }
  return opts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  runDemo(parseArgs(process.argv.slice(2)));
