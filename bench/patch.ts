// Benchmark: patching every instruction of a program with the linear-time
// PatchList versus the naive kernel-style patcher (copy the program and fix
// every jump, aux, line_info and subprogram start on each patch).
//
//   npx tsx bench/patch.ts [--json] [--sizes 15000,45000,...] [--naive-limit 60]
//
// Each program has realistic shape: 1000-instruction subprograms with ctx
// loads, ALU32, short forward branches, backward loops, helper and pseudo
// calls, lddw, stack stores and line_info every 4 instructions. Every
// instruction gets one patch (expanding it to 2-3 instructions: ctx-load
// conversion, zero-extension, a check before branches, ...), as the
// verifier's fixup passes would. The naive patcher only runs where its
// estimated time (quadratic extrapolation from the previous size) stays under
// --naive-limit seconds; above that it is reported as null.
//
// Columns: list wall and CPU seconds (best run; the list time covers building
// the list from Insn[], the pass, and linearize), list growth against the
// previous size, list/copy = list time over the time to merely copy the
// program into fresh Insn objects in the same run (a yardstick that makes
// figures from a loaded machine comparable), naive seconds and naive/list.
import type { Insn } from "../src/isa/index.ts";
import {
  BPF_ADD,
  BPF_DW,
  BPF_JGT,
  BPF_LDX,
  BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_W,
  build,
  LDDW,
  opClass,
} from "../src/isa/index.ts";
import { NaivePatcher, PatchList, type PatchedProgram } from "../src/patch/index.ts";

interface Aux {
  seen: number;
  orig: number;
}
interface Line {
  insnOff: number;
  line: number;
}
interface Func {
  insnOff: number;
  typeId: number;
}
const newAux = (from: Aux): Aux => ({ seen: from.seen, orig: -1 });

const SUBPROG = 1000;

/** A program of `n` instructions (lddw counts once) with jumps within each subprogram. */
function makeProgram(n: number) {
  // Item → slot, first pass: which items are lddw.
  const isLddw = (i: number): boolean => i % 64 === 5;
  const slot = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) slot[i + 1] = slot[i]! + (isLddw(i) ? 2 : 1);
  const insns: Insn[] = [];
  const subprogStarts: number[] = [];
  const funcInfo: Func[] = [];
  const lineInfo: Line[] = [];
  const rel = (from: number, to: number): number => slot[to]! - slot[from]! - 1;
  for (let i = 0; i < n; i++) {
    const sub = Math.floor(i / SUBPROG);
    const subStart = sub * SUBPROG;
    const subEnd = Math.min(subStart + SUBPROG, n) - 1; // its exit
    if (i === subStart) {
      subprogStarts.push(slot[i]!);
      funcInfo.push({ insnOff: slot[i]!, typeId: sub + 1 });
    }
    if (i % 4 === 0) lineInfo.push({ insnOff: slot[i]!, line: i });
    if (i === subEnd) {
      insns.push(build.exit());
      continue;
    }
    switch (i % 8) {
      case 0:
        insns.push(build.ldxMem(BPF_W, 2, 1, 4 * (i % 16)));
        break;
      case 1:
        insns.push(build.alu32Imm(BPF_ADD, 2, 1));
        break;
      case 2:
        insns.push(build.jmpImm(BPF_JGT, 2, 10, rel(i, Math.min(i + 2 + (i % 13), subEnd))));
        break;
      case 3:
        insns.push(build.mov64Reg(3, 2));
        break;
      case 4: {
        const callee = subStart + SUBPROG;
        insns.push(
          i % 64 === 4 && callee < n ? build.callLocal(rel(i, callee)) : build.callHelper(1),
        );
        break;
      }
      case 5:
        if (isLddw(i)) insns.push(...build.ld64Imm(4, BigInt(i) << 20n));
        else insns.push(build.alu64Reg(BPF_ADD, 4, 3));
        break;
      case 6:
        insns.push(
          i % 32 === 6 && i - 6 >= subStart
            ? build.ja(rel(i, i - 6))
            : build.stxMem(BPF_DW, 10, 3, -8),
        );
        break;
      default:
        insns.push(build.mov64Imm(0, 0));
    }
  }
  const aux: Aux[] = insns.map((_, i) => ({ seen: 1, orig: i }));
  return { insns, aux, subprogStarts, funcInfo, lineInfo };
}

interface Patch {
  op: "replace" | "append" | "prepend";
  seq: Insn[];
  keep: number;
}

// Patches are written into buffers reused for every patch, as the kernel's
// passes reuse insn_buf: both patchers copy what they are given.
const slot = (): Insn => build.mov64Imm(0, 0);
const two = [slot(), slot()];
const one = [slot()];
const put = (x: Insn, y: Insn): void => {
  x.code = y.code;
  x.dst = y.dst;
  x.src = y.src;
  x.off = y.off;
  x.imm = y.imm;
};
const REPLACE_KEEP_LAST: Patch = { op: "replace", seq: two, keep: 1 };
const REPLACE_KEEP_FIRST: Patch = { op: "replace", seq: two, keep: 0 };
const APPEND_ONE: Patch = { op: "append", seq: one, keep: 0 };
const PREPEND_ONE: Patch = { op: "prepend", seq: one, keep: 0 };
const PREPEND_TWO: Patch = { op: "prepend", seq: two, keep: 0 };

/** The patch a fixup pass would apply to instruction x (always 2-3 instructions result). */
function patchFor(x: Insn): Patch {
  const cls = opClass(x.code);
  if (x.code === (BPF_LDX | BPF_MEM | BPF_W)) {
    // ctx field load → load the real pointer, then the field.
    put(two[0]!, build.ldxMem(BPF_DW, x.dst, x.src, 0));
    put(two[1]!, build.ldxMem(BPF_W, x.dst, x.dst, x.off));
    return REPLACE_KEEP_LAST;
  }
  if (cls === 0x04) {
    put(one[0]!, build.zext32(x.dst)); // ALU32: explicit zero extension
    return APPEND_ONE;
  }
  if (x.code === LDDW) {
    put(one[0]!, build.mov64Reg(5, x.dst));
    return APPEND_ONE;
  }
  if (cls === 0x05 && x.code !== 0x85 && x.code !== 0x95) {
    put(two[0]!, build.mov64Imm(9, 0)); // a check in front of every branch
    put(two[1]!, build.mov64Imm(9, 1));
    return PREPEND_TWO;
  }
  if (x.code === 0x85 && x.src === 0) {
    put(two[0]!, build.mov64Imm(0, 0));
    put(two[1]!, build.callHelper(x.imm));
    return REPLACE_KEEP_LAST;
  }
  if (cls === BPF_STX || cls === BPF_ST) {
    put(two[0]!, x);
    put(two[1]!, build.stMem(BPF_DW, 10, -16, 0));
    return REPLACE_KEEP_FIRST;
  }
  put(one[0]!, build.mov64Reg(6, 6));
  return PREPEND_ONE;
}

type Result = PatchedProgram<Aux, Func, Line>;

/** Wall-clock and CPU seconds of f(); the machine is shared, so both are reported. */
function timed<T>(f: () => T): { value: T; seconds: number; cpuSeconds: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

/**
 * Machine yardstick measured in the same run: copying the program into fresh
 * Insn objects, the least any rewrite that returns an Insn[] must do.
 */
function copyInsns(prog: ReturnType<typeof makeProgram>): Insn[] {
  return prog.insns.map((x) => ({ code: x.code, dst: x.dst, src: x.src, off: x.off, imm: x.imm }));
}

function runList(prog: ReturnType<typeof makeProgram>): { out: Result; patches: number } {
  const list = new PatchList<Aux, Func, Line>(prog, { newAux });
  let patches = 0;
  for (const n of list) {
    const x = list.insn(n);
    const p = patchFor(x);
    if (p.op === "replace") {
      // Jumps and pseudo calls re-emitted by a patch keep their target.
      const t = list.target(n);
      const targets = t === null ? undefined : p.seq.map((_, j) => (j === p.keep ? t : undefined));
      list.replace(n, p.seq, { keep: p.keep, targets });
    } else list[p.op](n, p.seq);
    patches++;
  }
  return { out: list.linearize(), patches };
}

function runNaive(prog: ReturnType<typeof makeProgram>): Result {
  const naive = new NaivePatcher<Aux, Func, Line>(prog, { newAux });
  for (let pos = 0; pos < naive.length;) {
    const x = naive.insnAt(pos);
    const w = x.code === LDDW ? 2 : 1;
    const p = patchFor(x);
    if (p.op === "replace") {
      const t = x.code === 0x85 && x.src === 1 ? pos + x.imm + 1 : undefined;
      const targets =
        t === undefined ? undefined : p.seq.map((_, j) => (j === p.keep ? t : undefined));
      naive.replace(pos, p.seq, { keep: p.keep, targets });
      pos += p.seq.length;
    } else {
      naive[p.op](pos, p.seq);
      pos += w + p.seq.length;
    }
  }
  return naive.result();
}

function sameResult(a: Result, b: Result): boolean {
  if (a.insns.length !== b.insns.length) return false;
  for (let i = 0; i < a.insns.length; i++) {
    const x = a.insns[i]!;
    const y = b.insns[i]!;
    if (
      x.code !== y.code ||
      x.dst !== y.dst ||
      x.src !== y.src ||
      x.off !== y.off ||
      x.imm !== y.imm
    ) {
      return false;
    }
    if (a.newToOld[i] !== b.newToOld[i]) return false;
  }
  const key = (r: Result): string =>
    JSON.stringify([r.subprogStarts, r.funcInfo, r.lineInfo, Array.from(r.oldToNew)]);
  return key(a) === key(b);
}

function main(): void {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes("--help")) {
    console.log("usage: tsx bench/patch.ts [--json] [--sizes N,N,...] [--naive-limit SECONDS]");
    return;
  }
  const sizes = (arg("--sizes") ?? "15000,45000,95000,195000,1000000").split(",").map(Number);
  const naiveLimit = Number(arg("--naive-limit") ?? 60);
  if (sizes.some((n) => !Number.isInteger(n) || n < 16) || !(naiveLimit > 0)) {
    console.error("usage: tsx bench/patch.ts [--json] [--sizes N,N,...] [--naive-limit SECONDS]");
    process.exit(2);
  }

  // Warm up the JIT on a small program so the first size is not penalised.
  for (let i = 0; i < 3; i++) runList(makeProgram(20_000));
  // Seed the naive extrapolation with a small size (not reported).
  const seedN = 3000;
  let lastNaive = { n: seedN, s: timed(() => runNaive(makeProgram(seedN))).seconds };

  const listSeconds: number[] = [];
  const listCpuSeconds: number[] = [];
  const copySeconds: number[] = [];
  const naiveSeconds: (number | null)[] = [];
  const naiveEstimate: number[] = [];
  const patchCounts: number[] = [];
  for (const n of sizes) {
    const prog = makeProgram(n);
    // Best of several runs (more for small sizes): the machine is shared and
    // GC pauses are noisy. Results are dropped at once so they do not weigh
    // on the next run's GC. (Forcing a full GC between runs was tried: it
    // shrinks the young generation and made every run slower.)
    let best = { seconds: Infinity, cpuSeconds: Infinity };
    let copy = Infinity;
    let patches = 0;
    const runs = Math.min(20, Math.max(3, Math.ceil(3_000_000 / n)));
    for (let r = 0; r < runs; r++) {
      const run = timed(() => runList(prog).patches);
      if (run.seconds < best.seconds) best = run;
      patches = run.value;
      copy = Math.min(copy, timed(() => copyInsns(prog).length).seconds);
    }
    listSeconds.push(best.seconds);
    listCpuSeconds.push(best.cpuSeconds);
    copySeconds.push(copy);
    patchCounts.push(patches);
    const est = lastNaive.s * (n / lastNaive.n) ** 2;
    naiveEstimate.push(est);
    if (est <= naiveLimit) {
      const naive = timed(() => runNaive(prog));
      if (!sameResult(runList(prog).out, naive.value)) {
        console.error(`list and naive results differ at n=${n}`);
        process.exit(1);
      }
      naiveSeconds.push(naive.seconds);
      lastNaive = { n, s: naive.seconds };
    } else naiveSeconds.push(null);
    if (!json) {
      const nv = naiveSeconds.at(-1);
      console.error(
        `n=${n}: list ${best.seconds.toFixed(3)} s, naive ${nv == null ? `skipped (est. ${est.toFixed(0)} s)` : `${nv.toFixed(2)} s`}`,
      );
    }
  }

  const idx100k = sizes.findIndex((n) => n >= 95_000 && n <= 105_000);
  const idx1m = sizes.indexOf(1_000_000);
  const growth = idx100k >= 0 && idx1m >= 0 ? listSeconds[idx1m]! / listSeconds[idx100k]! : null;

  const rows = sizes.map((n, i) => {
    const l = listSeconds[i]!;
    const nv = naiveSeconds[i];
    const prev = i > 0 ? l / listSeconds[i - 1]! : null;
    return [
      String(n),
      String(patchCounts[i]),
      l.toFixed(3),
      listCpuSeconds[i]!.toFixed(3),
      ((l / n) * 1e9).toFixed(0),
      prev === null ? "-" : `${prev.toFixed(2)} (n ×${(n / sizes[i - 1]!).toFixed(2)})`,
      (l / copySeconds[i]!).toFixed(1),
      nv == null ? `null (est. ${naiveEstimate[i]!.toFixed(0)})` : nv.toFixed(2),
      nv == null ? "-" : `${(nv / l).toFixed(0)}×`,
    ];
  });
  const head = [
    "insns",
    "patches",
    "list s",
    "list cpu s",
    "ns/insn",
    "list growth",
    "list/copy",
    "naive s",
    "naive/list",
  ];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const fmt = (r: string[]): string => r.map((v, c) => v.padStart(widths[c]!)).join("  ");
  console.log(fmt(head));
  for (const r of rows) console.log(fmt(r));
  if (growth !== null) {
    console.log(
      `time(1M) / time(${sizes[idx100k]}) = ${growth.toFixed(2)} (goal ≤ 12; linear = ${(1e6 / sizes[idx100k]!).toFixed(2)})`,
    );
  }
  if (idx1m >= 0) {
    const t = listSeconds[idx1m]!;
    console.log(`1,000,000 patches: ${t.toFixed(3)} s (goal < 0.5 s) ${t < 0.5 ? "ok" : "MISSED"}`);
  }
  if (json) {
    console.log(
      JSON.stringify({
        sizes,
        listSeconds,
        naiveSeconds,
        naiveEstimatedSeconds: naiveEstimate,
        patches: patchCounts,
        growth1MOver100k: growth,
      }),
    );
  }
}

main();
