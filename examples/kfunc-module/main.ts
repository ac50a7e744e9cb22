// A module of inlinable kfuncs, end to end: register the flowstats module
// (host implementations in flowstats.ts, BPF bodies in flowstats.bpf.o) in a
// runtime, load the XDP counter (counter.bpf.o, which calls the kfuncs
// through `extern ... __ksym`) with the kfuncs inlined and with plain calls,
// run the same frames through both, and compare. Unregistering the module
// leaves loaded programs working; new loads then fail.
//
//   npx tsx examples/kfunc-module/main.ts
import { readFileSync } from "node:fs";
import { CollectionSpec } from "../../src/spec/index.ts";
import { Runtime } from "../../src/runtime/index.ts";
import { flowstatsModule } from "./flowstats.ts";

const spec = CollectionSpec.fromBuffer(readFileSync(new URL("./counter.bpf.o", import.meta.url)));
const rt = new Runtime();
const mod = flowstatsModule();
rt.kfuncs.register(mod);

/** An Ethernet frame of `len` bytes with this ethertype. */
function ethFrame(ethertype: number, len: number): Uint8Array {
  const f = new Uint8Array(len);
  f[12] = ethertype >> 8;
  f[13] = ethertype & 0xff;
  return f;
}
const FRAMES = [
  ethFrame(0x0800, 60),
  ethFrame(0x86dd, 114),
  ethFrame(0x0806, 42),
  ethFrame(0x0800, 1014),
];

function run(inline: boolean): { stats: Record<string, bigint | number>; insns: number } {
  const c = rt.loadCollection(spec, { verify: true, inlineKfuncs: inline });
  const prog = c.program("count");
  for (const f of FRAMES) prog.testRun({ data: f });
  const v = c.map("stats").lookup(new Uint8Array(4))!;
  const dv = new DataView(v.buffer, v.byteOffset);
  const u64 = (i: number): bigint => dv.getBigUint64(i * 8, true);
  const stats = {
    packets: u64(0),
    bytes: u64(1),
    maxLen: u64(2),
    minLen: u64(3),
    ipv4: u64(4),
    ipv6: u64(5),
    other: u64(6),
    avgLen: dv.getUint32(56, true),
  };
  const insns = prog.exec.insns.length;
  c.close();
  return { stats, insns };
}

const inlined = run(true);
const called = run(false);
console.log("kfuncs inlined:", inlined.insns, "instructions;", inlined.stats);
console.log("kfuncs called: ", called.insns, "instructions;", called.stats);
console.log(
  "same counts:",
  JSON.stringify(inlined.stats, bigints) === JSON.stringify(called.stats, bigints),
);

rt.kfuncs.unregister(mod);
try {
  rt.loadCollection(spec, { verify: true });
} catch (e) {
  console.log("after unregister:", (e as Error).message);
}
rt.close();

function bigints(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}
