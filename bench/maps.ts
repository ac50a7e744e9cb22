// Map speed at scale: a 1M-entry BPF hash map driven from JS (update, lookup,
// delete through the user-space MapHandle), the kernel-side lookup a helper or
// the JIT calls (runtime addresses in, value address out), and a BPF program
// doing lookups through the interpreter. A plain JS Map doing the same work is
// measured side by side as the baseline for the ratios; the machine is shared,
// so absolute figures are noisy but ratios within one run are comparable.
//
//   npx tsx bench/maps.ts [--json] [--n 1000000]
import { BPF_ADD, BPF_DW, BPF_JEQ, BPF_JLT, BPF_W, build, type Insn } from "../src/isa/index.ts";
import { interpreter, makeEnv } from "../src/interp/index.ts";
import { VmMemory } from "../src/memory/index.ts";
import { MapHandle, MapRegistry, type BpfMap } from "../src/runtime/maps/index.ts";
import { MapType } from "../src/uapi/index.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const nArg = args.indexOf("--n");
const N = nArg >= 0 ? Number(args[nArg + 1]) : 1_000_000;
if (!Number.isInteger(N) || N <= 0) {
  console.error("usage: bench/maps.ts [--json] [--n COUNT]");
  process.exit(2);
}

/** Best ops/second of `rounds` timed runs of `body` (each doing `ops` operations). */
function opsPerSec(ops: number, body: () => void, rounds = 3): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    body();
    best = Math.min(best, performance.now() - t);
  }
  return (ops / best) * 1000;
}

const mem = new VmMemory({ maxBytes: 1 << 30 });
const reg = new MapRegistry({ mem });
const map = reg.create({ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: N });
const h = new MapHandle(map);
map.release();

const keys = Array.from({ length: N }, (_, i) => {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, (i * 2654435761) >>> 0, true);
  return k;
});
const value = new Uint8Array(8).fill(7);

// --- user-space API on the BPF hash map ---
const insert = opsPerSec(
  N,
  () => {
    for (let i = 0; i < N; i++) h.update(keys[i], value);
  },
  1,
);
const update = opsPerSec(N, () => {
  for (let i = 0; i < N; i++) h.update(keys[i], value);
});
let found = 0;
const lookup = opsPerSec(N, () => {
  for (let i = 0; i < N; i++) if (h.lookup(keys[i])) found++;
});
const del = opsPerSec(
  N,
  () => {
    for (let i = 0; i < N; i++) h.delete(keys[i]!);
  },
  1,
);
for (let i = 0; i < N; i++) h.update(keys[i], value);

// --- the same work on a JS Map<number, Uint8Array> (baseline) ---
const jsKeys = keys.map((k) => new DataView(k.buffer).getUint32(0, true));
const js = new Map<number, Uint8Array>();
const jsInsert = opsPerSec(
  N,
  () => {
    for (let i = 0; i < N; i++) js.set(jsKeys[i]!, value.slice());
  },
  1,
);
const jsLookup = opsPerSec(N, () => {
  for (let i = 0; i < N; i++) if (js.get(jsKeys[i]!)) found++;
});

// --- kernel side: what a helper or the JIT calls, keys already in runtime memory ---
const keyArea = mem.alloc(4 * N, 4096);
for (let i = 0; i < N; i++) mem.u8.set(keys[i]!, keyArea + 4 * i);
const progLookup = opsPerSec(N, () => {
  for (let i = 0; i < N; i++) if (map.lookupElem(keyArea + 4 * i)) found++;
});
// The helper-shaped call: r1/r2 as BigInts, the map found from its pointer, r0 back as a BigInt.
const helperLookup = (r1: bigint, r2: bigint): bigint => {
  const m: BpfMap | undefined = reg.fromAddr(Number(r1));
  return m ? BigInt(m.lookupElem(Number(r2))) : 0n;
};
const mapPtr = BigInt(map.addr);
const helperRate = opsPerSec(N, () => {
  for (let i = 0; i < N; i++) if (helperLookup(mapPtr, BigInt(keyArea + 4 * i))) found++;
});

// --- a BPF program looking keys up and bumping the values, in the interpreter ---
// r6 = key pointer, r7 = end; loop: r0 = lookup(map, r6); if r0: *(u64*)r0 += 1; r6 += 4
const loops = Math.min(N, 200_000);
const prog: Insn[] = [
  ...build.ld64Imm(6, BigInt(keyArea)),
  ...build.ld64Imm(7, BigInt(keyArea + 4 * loops)),
  ...build.ld64Imm(1, mapPtr),
  build.mov64Reg(2, 6),
  build.callHelper(1),
  build.jmpImm(BPF_JEQ, 0, 0, 3),
  build.ldxMem(BPF_DW, 1, 0, 0),
  build.alu64Imm(BPF_ADD, 1, 1),
  build.stxMem(BPF_DW, 0, 1, 0),
  build.alu64Imm(BPF_ADD, 6, 4),
  build.jmpReg(BPF_JLT, 6, 7, -10),
  build.ldxMem(BPF_W, 0, 10, -4),
  build.mov64Imm(0, 0),
  build.exit(),
];
const env = makeEnv(mem, { 1: (r1, r2) => helperLookup(r1, r2) });
const prepared = interpreter.prepare({ insns: prog, verified: true, name: "bench_lookup" }, env);
const interpLookup = opsPerSec(loops, () => prepared.run());
const bumped = new DataView(h.lookup(keys[0])!.buffer).getBigUint64(0, true);

const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
const result = {
  entries: N,
  hash_insert_ops_per_s: Math.round(insert),
  hash_update_ops_per_s: Math.round(update),
  hash_lookup_ops_per_s: Math.round(lookup),
  hash_delete_ops_per_s: Math.round(del),
  kernel_lookup_ops_per_s: Math.round(progLookup),
  helper_lookup_ops_per_s: Math.round(helperRate),
  interp_program_lookup_ops_per_s: Math.round(interpLookup),
  js_map_insert_ops_per_s: Math.round(jsInsert),
  js_map_lookup_ops_per_s: Math.round(jsLookup),
  ratio_insert_vs_js_map: +(insert / jsInsert).toFixed(3),
  ratio_lookup_vs_js_map: +(lookup / jsLookup).toFixed(3),
  ratio_kernel_lookup_vs_js_map: +(progLookup / jsLookup).toFixed(3),
  runtime_memory_bytes: mem.byteLength,
};
if (bumped < 2n) throw new Error(`program lookups did not reach the map (value ${bumped})`);
if (!json) {
  console.log(`hash map, ${N} entries (4-byte keys, 8-byte values)`);
  console.log(
    `  user insert   ${fmt(insert)}   (JS Map ${fmt(jsInsert)}, ratio ${result.ratio_insert_vs_js_map})`,
  );
  console.log(`  user update   ${fmt(update)}`);
  console.log(
    `  user lookup   ${fmt(lookup)}   (JS Map ${fmt(jsLookup)}, ratio ${result.ratio_lookup_vs_js_map})`,
  );
  console.log(`  user delete   ${fmt(del)}`);
  console.log(`  kernel-side lookupElem   ${fmt(progLookup)}`);
  console.log(`  helper-shaped lookup (BigInt args)   ${fmt(helperRate)}`);
  console.log(`  BPF program lookups in the interpreter   ${fmt(interpLookup)}`);
  console.log(`  runtime memory ${(mem.byteLength / 2 ** 20).toFixed(0)} MiB`);
}
console.log(JSON.stringify(result));
if (found === 0) process.exit(1);
