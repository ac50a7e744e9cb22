// Cost of the verifier's scalar domain per call: scalarAlu (a mix of ALU ops
// in both widths), refineCondOp (both branches of a compare), isBranchTaken
// and boundsSync, on a fixed pool of realistic register states. The figure
// of merit is ns per call; each is also printed as a ratio to copying a
// bounds record, measured in the same run, so numbers from a busy machine
// stay comparable, and to one BigInt add-and-mask (the unit all of this is
// built from).
//
//   npx tsx bench/scalar.ts [--json] [--iters N]
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_JGT,
  BPF_JLE,
  BPF_JNE,
  BPF_JSGT,
  BPF_LSH,
  BPF_MUL,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
} from "../src/isa/opcodes.ts";
import {
  boundsSync,
  coerceToSize,
  copyBounds,
  isBranchTaken,
  knownScalar,
  negateJmpOp,
  refineCondOp,
  scalarAlu,
  unknownScalar,
  type ScalarBounds,
} from "../src/verifier/bounds.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const itersArg = args.indexOf("--iters");
const ITERS = itersArg >= 0 ? Number(args[itersArg + 1]) : 200_000;

// Deterministic pool: constants, narrow loads, masked and shifted values,
// branch-refined ranges: the shapes registers have in compiled programs.
let seed = 0x2545f491;
const rnd = (n: number): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};

function poolState(i: number): ScalarBounds {
  const b = unknownScalar();
  switch (i % 6) {
    case 0:
      return knownScalar(BigInt(rnd(1 << 20)));
    case 1:
      coerceToSize(b, [1, 2, 4][rnd(3)]);
      return b;
    case 2:
      scalarAlu(BPF_AND, b, knownScalar(BigInt(rnd(4096))), true);
      return b;
    case 3:
      coerceToSize(b, 4);
      scalarAlu(BPF_LSH, b, knownScalar(32n), true);
      scalarAlu(BPF_ARSH, b, knownScalar(32n), true);
      return b;
    case 4:
      refineCondOp(b, knownScalar(BigInt(rnd(1000))), BPF_JLE, false);
      return b;
    default:
      return b;
  }
}

const POOL = 64;
const pool = Array.from({ length: POOL }, (_, i) => poolState(i));
const srcs = Array.from({ length: POOL }, (_, i) =>
  i % 2 ? knownScalar(BigInt(1 + rnd(31))) : pool[(i * 7) % POOL]!,
);
const ALU_OPS = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH];
const JMP_OPS = [BPF_JGT, BPF_JLE, BPF_JNE, BPF_JSGT];

const a = unknownScalar();
const b = unknownScalar();
let sink = 0n;

function time(fn: (i: number) => void): number {
  for (let i = 0; i < ITERS / 10; i++) fn(i); // warm-up
  const t = performance.now();
  for (let i = 0; i < ITERS; i++) fn(i);
  return ((performance.now() - t) * 1e6) / ITERS;
}

let acc = 0n;
const results = {
  bigintOpNs: time((i) => {
    acc = (acc + BigInt(i & 0xff) + 0xffff_ffffn) & 0xffff_ffff_ffff_ffffn;
  }),
  copyNs: time((i) => {
    copyBounds(a, pool[i % POOL]!);
    sink += a.umax;
  }),
  scalarAluNs: time((i) => {
    copyBounds(a, pool[i % POOL]!);
    scalarAlu(ALU_OPS[i % ALU_OPS.length]!, a, srcs[(i >> 3) % POOL]!, (i & 1) === 0);
    sink += a.umax;
  }),
  refineCondOpNs: time((i) => {
    // both branches, as the verifier does for an undecided compare
    const op = JMP_OPS[i % JMP_OPS.length]!;
    const is32 = (i & 1) === 1;
    copyBounds(a, pool[i % POOL]!);
    copyBounds(b, srcs[(i >> 2) % POOL]!);
    refineCondOp(a, b, op, is32);
    copyBounds(a, pool[i % POOL]!);
    copyBounds(b, srcs[(i >> 2) % POOL]!);
    refineCondOp(a, b, negateJmpOp(op), is32);
    sink += a.umax;
  }),
  isBranchTakenNs: time((i) => {
    sink += BigInt(
      isBranchTaken(
        JMP_OPS[i % JMP_OPS.length]!,
        pool[i % POOL]!,
        srcs[(i >> 2) % POOL]!,
        (i & 1) === 1,
      ),
    );
  }),
  boundsSyncNs: time((i) => {
    copyBounds(a, pool[i % POOL]!);
    boundsSync(a);
    sink += a.umax;
  }),
};

const round = (x: number): number => Math.round(x * 10) / 10;
const report = {
  iters: ITERS,
  ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, round(v)])),
  scalarAluVsCopy: round(results.scalarAluNs / results.copyNs),
  refineCondOpVsCopy: round(results.refineCondOpNs / results.copyNs),
  scalarAluInBigintOps: round(results.scalarAluNs / results.bigintOpNs),
  refineCondOpInBigintOps: round(results.refineCondOpNs / results.bigintOpNs),
  sink: Number((sink + acc) & 0xffn),
};

if (json) console.log(JSON.stringify(report));
else {
  console.log(`scalar domain, ${ITERS} calls each: ns per call, x a bounds copy, x a BigInt op`);
  for (const [k, v] of Object.entries(results))
    console.log(
      `  ${k.padEnd(16)} ${round(v).toString().padStart(8)} ns  x${round(v / results.copyNs)}  x${round(v / results.bigintOpNs)}`,
    );
  console.log(JSON.stringify(report));
}
