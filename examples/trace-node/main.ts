// Tracing a Node.js request handler with fentry/fexit programs written in C.
//
// The application defines its handler through runtime.kernel.define(), which
// gives it BTF (so BPF programs can name it and read its arguments) and hands
// back the function the application calls. trace.bpf.o — built from
// trace.bpf.c against runtime.h, the runtime's BTF as a C header — has an
// fentry program stamping each request's start and an fexit program adding
// its latency to a log2 histogram, counting status classes, and (through the
// `struct request *` argument, typed by BTF) methods. The programs are
// verified against the handler's prototype, attached, and the histogram is
// read back from the map afterwards.
//
//   npx tsx examples/trace-node/main.ts [--requests N] [--engine interp|jit]
import { fileURLToPath } from "node:url";
import { CollectionSpec, Runtime, type MapHandle } from "../../src/index.ts";
import { declareTypes, HANDLE_REQUEST, METHODS, REQUEST } from "./kernel.ts";

export const OBJECT = fileURLToPath(new URL("trace.bpf.o", import.meta.url));

export interface TraceOptions {
  requests?: number;
  engine?: "interp" | "jit";
  /**
   * bpf_ktime_get_ns. Default: the process's monotonic clock (real latency).
   * With `simulate`, each request advances this clock by its simulated time.
   */
  clock?: () => bigint;
  /** Deterministic run: requests take `simulate(i)` microseconds of fake time. */
  simulate?: (i: number) => number;
  out?: (line: string) => void;
}

export interface TraceResult {
  /** log2 buckets of microseconds: [lowUs, highUs) and count. */
  histogram: { lowUs: number; highUs: number; count: number }[];
  statusClasses: Record<string, number>;
  methods: Record<string, number>;
  /** What the application saw: responses by status. */
  responses: Map<number, number>;
}

const PATHS = ["/", "/api/users", "/api/orders", "/static/app.js", "/missing", "/api/fail"];

/** The application's handler: real work proportional to the request, a status code. */
function work(path: string, bodyLen: number): number {
  if (path === "/missing") return 404;
  if (path === "/api/fail") return 500;
  // Some real work: build and serialise a document of bodyLen entries.
  const doc = Array.from({ length: bodyLen }, (_, i) => ({ i, path, sq: i * i }));
  return JSON.stringify(doc).length > 0 ? 200 : 500;
}

export function runTrace(opts: TraceOptions = {}): TraceResult {
  const n = opts.requests ?? 2000;
  let fakeNs = 1_000_000n;
  const clock = opts.simulate ? () => fakeNs : opts.clock;
  const rt = new Runtime({ engine: opts.engine, clock });
  try {
    // The host side: struct request and the traced handler.
    declareTypes(rt.kernel);
    const mem = rt.mem;
    const req = mem.alloc(REQUEST.size, 8);
    const text = new TextDecoder();
    const handleRequest = rt.kernel.define(
      "handle_request",
      HANDLE_REQUEST,
      (id: bigint, r: number) => {
        const dv = mem.dv;
        const len = dv.getUint32(r + REQUEST.bodyLen, true);
        const raw = mem.u8.subarray(r + REQUEST.path, r + REQUEST.path + REQUEST.pathLen);
        const path = text.decode(raw.subarray(0, Math.max(0, raw.indexOf(0))));
        const status = work(path, len);
        if (opts.simulate) fakeNs += BigInt(Math.round(opts.simulate(Number(id)) * 1000));
        return status;
      },
    );

    // The BPF side: load, verify against the handler's BTF, attach.
    const coll = rt.loadCollection(CollectionSpec.fromFile(OBJECT), { verify: true });
    const links = [
      rt.attach(coll.program("request_start")),
      rt.attach(coll.program("request_end")),
    ];

    // The application at work: requests through the traced handler.
    const responses = new Map<number, number>();
    const enc = new TextEncoder();
    for (let i = 0; i < n; i++) {
      const path = PATHS[(i * 7) % PATHS.length]!;
      const dv = mem.dv;
      mem.u8.fill(0, req, req + REQUEST.size);
      dv.setBigUint64(req + REQUEST.id, BigInt(i), true);
      dv.setUint32(req + REQUEST.method, i % METHODS.length, true);
      dv.setUint32(req + REQUEST.bodyLen, (i * 37) % 400, true);
      mem.u8.set(enc.encode(path).subarray(0, REQUEST.pathLen - 1), req + REQUEST.path);
      const status = handleRequest(BigInt(i), req);
      responses.set(status, (responses.get(status) ?? 0) + 1);
    }
    for (const l of links) l.detach();
    const result = read(coll.map("latency_us"), coll.map("status_class"), coll.map("methods"));
    return { ...result, responses };
  } finally {
    rt.close();
  }
}

const u64At = (h: MapHandle, k: number): number =>
  Number(new DataView(h.lookup(k)!.buffer).getBigUint64(0, true));

function read(
  lat: MapHandle,
  status: MapHandle,
  methods: MapHandle,
): Omit<TraceResult, "responses"> {
  const histogram = [];
  for (let k = 0; k < lat.maxEntries; k++) {
    const count = u64At(lat, k);
    if (count) histogram.push({ lowUs: k === 0 ? 0 : 2 ** k, highUs: 2 ** (k + 1), count });
  }
  const statusClasses: Record<string, number> = {};
  for (let k = 1; k < status.maxEntries; k++) {
    const c = u64At(status, k);
    if (c) statusClasses[`${k}xx`] = c;
  }
  const byMethod: Record<string, number> = {};
  METHODS.forEach((m, k) => (byMethod[m] = u64At(methods, k)));
  return { histogram, statusClasses, methods: byMethod };
}

/** The histogram as bpftrace and the bcc tools print one. */
export function formatHistogram(h: TraceResult["histogram"]): string[] {
  const max = Math.max(1, ...h.map((b) => b.count));
  return h.map((b) => {
    const bar = "@".repeat(Math.round((b.count / max) * 40));
    return (
      `[${b.lowUs}, ${b.highUs}) us`.padEnd(22) +
      String(b.count).padStart(7) +
      ` |${bar.padEnd(40)}|`
    );
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const r = runTrace({
    requests: Number(arg("--requests") ?? 2000),
    engine: (arg("--engine") as "interp" | "jit" | undefined) ?? "jit",
  });
  console.log("handle_request latency (fentry/fexit, log2 buckets):");
  for (const line of formatHistogram(r.histogram)) console.log("  " + line);
  console.log(`status classes: ${JSON.stringify(r.statusClasses)}`);
  console.log(`methods:        ${JSON.stringify(r.methods)}`);
  console.log(`application saw: ${JSON.stringify(Object.fromEntries(r.responses))}`);
}
