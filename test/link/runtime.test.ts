// The link layer through the Runtime, on clang-built objects: the trace-node
// example (fentry/fexit on a host function, a latency histogram in a map),
// tracing the XDP example's verdicts, probe reads through bad pointers,
// load-time refusals, stats, and links going away with their programs.
import { describe, expect, it } from "vitest";
import {
  AttachType,
  CollectionSpec,
  ProgType,
  Runtime,
  VerifierError,
  assemble,
} from "../../src/index.ts";
import { jit } from "../../src/jit/index.ts";
import { bpfTargetOf } from "../../src/link/runtime-glue.ts";
import { OBJECT, runTrace } from "../../examples/trace-node/main.ts";
import { declareTypes, HANDLE_REQUEST, REQUEST } from "../../examples/trace-node/kernel.ts";
import { runVerdicts, TRACER_OBJECT, XDP_OBJECT } from "../../examples/trace-node/verdicts.ts";

const spec = CollectionSpec.fromFile(OBJECT);

describe.each(["jit", "interp"] as const)("trace-node example (%s)", (engine) => {
  it("builds the latency histogram, status classes and method counts", () => {
    // 400 requests of 3, 20, 100 and 1500 simulated microseconds.
    const r = runTrace({ requests: 400, engine, simulate: (i) => [3, 20, 100, 1500][i % 4]! });
    expect(r.histogram).toEqual([
      { lowUs: 2, highUs: 4, count: 100 },
      { lowUs: 16, highUs: 32, count: 100 },
      { lowUs: 64, highUs: 128, count: 100 },
      { lowUs: 1024, highUs: 2048, count: 100 },
    ]);
    const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
    expect(sum(r.statusClasses)).toBe(400);
    expect(r.statusClasses).toEqual({
      "2xx": r.responses.get(200),
      "4xx": r.responses.get(404),
      "5xx": r.responses.get(500),
    });
    expect(r.methods).toEqual({ GET: 100, POST: 100, PUT: 100, DELETE: 100 });
  });

  it("records every XDP verdict of the packet counter with fexit", () => {
    const r = runVerdicts(engine);
    expect(r.recorded).toEqual(r.returned);
    expect(r.entries).toBe(r.returned.reduce((a, b) => a + b, 0));
    // Read through xdp->rxq, typed by the runtime's struct tsbpf_xdp_buff: test runs arrive on lo.
    expect(r.ifindex).toBe(1);
    expect(r.returned[2]).toBeGreaterThan(0); // XDP_PASS
    expect(r.returned[1]).toBeGreaterThan(0); // XDP_DROP (the blocked port)
  });
});

function world() {
  const rt = new Runtime();
  declareTypes(rt.kernel);
  let calls = 0;
  const handle = rt.kernel.define("handle_request", HANDLE_REQUEST, (_id: bigint, _req: number) => {
    calls++;
    return 204;
  });
  const coll = rt.loadCollection(spec, { verify: true });
  const u64 = (map: string, k: number): bigint =>
    new DataView(coll.map(map).lookup(k)!.buffer).getBigUint64(0, true);
  return { rt, handle, coll, u64, calls: () => calls };
}

describe("tracing through the Runtime", () => {
  it("reads through NULL and garbage struct pointers as zeros (probe reads)", () => {
    const { rt, handle, coll, u64 } = world();
    rt.attach(coll.program("request_start"));
    const req = rt.mem.alloc(REQUEST.size, 8);
    rt.mem.dv.setUint32(req + REQUEST.method, 3, true);
    expect(handle(1n, req)).toBe(204);
    expect(handle(2n, 0)).toBe(204);
    expect(handle(3n, 0xdead_beef_00)).toBe(204);
    // DELETE once (the good pointer), GET twice: method read as 0 through the bad ones.
    expect([u64("methods", 0), u64("methods", 3)]).toEqual([2n, 1n]);
    rt.close();
  });

  it("refuses to load a tracing program whose target does not exist", () => {
    const rt = new Runtime();
    let err: unknown;
    try {
      rt.loadCollection(spec, { verify: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    expect((err as Error).message).toContain(
      "The address of function handle_request cannot be found",
    );
    rt.close();
  });

  it("counts runs while stats are enabled, and releases links with their programs", () => {
    const { rt, handle, coll, calls } = world();
    const p = coll.program("request_end");
    const link = rt.attach(p);
    rt.attach(coll.program("request_start"));
    expect(() => rt.attach(p)).toThrow(/EBUSY/);
    handle(1n, 0);
    expect(rt.programStats(p).runCount).toBe(0);
    const off = rt.enableStats();
    handle(2n, 0);
    handle(3n, 0);
    off();
    handle(4n, 0);
    expect(rt.programStats(p).runCount).toBe(2);
    expect(rt.kernel.function("handle_request")!.routed).toBe(true);
    coll.close();
    // The programs went away with the collection, and so did their links.
    expect(link.attached).toBe(false);
    expect(rt.kernel.function("handle_request")!.routed).toBe(false);
    expect(handle(5n, 0)).toBe(204);
    expect(calls()).toBe(5);
    rt.close();
  });

  it("releases every link when the runtime closes", () => {
    const { rt, handle, coll } = world();
    const links = ["request_start", "request_end"].map((n) => rt.attach(coll.program(n)));
    rt.close();
    expect(links.map((l) => l.attached)).toEqual([false, false]);
    expect(rt.kernel.function("handle_request")!.routed).toBe(false);
    expect(handle(1n, 0)).toBe(204);
  });

  it("detaches the programs tracing a BPF program when that program goes away", () => {
    const rt = new Runtime();
    const xdp = rt.loadCollection(CollectionSpec.fromFile(XDP_OBJECT), { verify: true });
    const tracer = rt.loadCollection(CollectionSpec.fromFile(TRACER_OBJECT), {
      verify: true,
      attachTarget: xdp.program("count_packets"),
    });
    const link = rt.attach(tracer.program("xdp_verdict"));
    expect(link.target).toBe("count_packets");
    xdp.close();
    expect(link.attached).toBe(false);
    rt.close();
  });

  it("traces subprograms of a clang-built program after the rewrite passes renumbered it", () => {
    // build/bpf2bpf.o (-O0): func calls add2 twice, add2 calls add1 twice.
    const rt = new Runtime();
    const obj = CollectionSpec.fromFile("../shared/samples/build/bpf2bpf.o");
    const coll = rt.loadCollection(obj, { verify: true, types: { func: ProgType.XDP } });
    const p = coll.program("func");
    // Dead code and nops went away, so the functions moved; func_info followed them.
    expect(p.exec.insns.length).toBeLessThan(obj.programs[0]!.insns.length);
    const buf = rt.mem.alloc(256, 8);
    const dv = () => rt.mem.dv;
    // A fexit program storing arg0 and ret (index 1) at buf+off and counting its runs at buf+off+16.
    const recorder = (off: number) => ({
      name: `rec${off}`,
      attachType: AttachType.TRACE_FEXIT,
      prepared: jit.prepare(
        {
          insns: assemble(
            [
              `r2 = ${buf + off} ll`,
              "r3 = *(u64 *)(r1 + 0)",
              "*(u64 *)(r2 + 0) = r3",
              "r3 = *(u64 *)(r1 + 8)",
              "*(u64 *)(r2 + 8) = r3",
              "r3 = *(u64 *)(r2 + 16)",
              "r3 += 1",
              "*(u64 *)(r2 + 16) = r3",
              "r0 = 0",
              "exit",
            ].join("\n"),
          ),
          name: `rec${off}`,
          verified: true,
        },
        rt.env,
      ),
    });
    const target = bpfTargetOf(p);
    rt.trampolines.attachBpf(recorder(0), target, { name: "add1" });
    rt.trampolines.attachBpf(recorder(32), target, { name: "add2" });
    rt.trampolines.attachBpf(recorder(64), target, { name: "func" });
    const r = p.testRun({ data: new Uint8Array(64) });
    const at = (o: number): bigint => dv().getBigUint64(buf + o, true);
    expect([at(16), at(48), at(80)]).toEqual([4n, 2n, 1n]); // runs of add1, add2, func
    expect(at(72)).toBe(BigInt(r.retval)); // func's return value, seen by fexit
    expect(at(40)).toBe(BigInt(r.retval)); // func returns what add2 returned
    expect(at(0)).toBe(at(32)); // add1 and add2 got the same pointer
    rt.close();
  });
});
