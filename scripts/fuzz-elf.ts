// Mutation fuzzing of the loader: take valid objects, flip bytes, overwrite
// header fields, truncate, and require that loading either returns a spec or
// throws a typed TsbpfError — never a RangeError/TypeError, never a hang. The
// BTF of every spec that loads is also dumped (raw and C).
// The test suite runs a short, seeded session; this script runs long ones.
//
//   npx tsx scripts/fuzz-elf.ts [--count N] [--seed S] [--max-ms MS] [--json] [files...]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { dumpC } from "../src/btf/dump-c.ts";
import { dumpRaw } from "../src/btf/dump-raw.ts";
import { TsbpfError } from "../src/errors.ts";
import { SHF_EXECINSTR, SHT_NOBITS, SHT_REL, SHT_SYMTAB } from "../src/elf/constants.ts";
import { loadCollectionSpec } from "../src/elf/load.ts";
import { ElfFile } from "../src/elf/reader.ts";

/** xorshift32: small, seedable, reproducible. */
export function makeRng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export interface Mutation {
  kind: "flip" | "field" | "truncate" | "splice";
  offset: number;
  detail: string;
}

/**
 * One random mutation. Besides random bytes, it aims at the places where
 * parsers go wrong: the ELF header, the section header table and the start
 * of sections (symbol tables, relocations, .BTF headers), with boundary values.
 */
export function mutate(
  src: Uint8Array,
  rng: () => number,
  regions: readonly Region[] = [],
): { bytes: Uint8Array; mutation: Mutation } {
  const bytes = src.slice();
  const dv = new DataView(bytes.buffer);
  const pick = rng() % 12;
  if (pick >= 10 && regions.length > 0) {
    // Inside a section the loader interprets: BTF, symbols, relocations, maps.
    const r = regions[rng() % regions.length]!;
    const at = r.offset + (rng() % Math.max(1, Math.floor(r.size / 4))) * 4;
    if (at + 4 <= bytes.length) {
      const value =
        rng() % 3 === 0
          ? [0, 1, 0xffff, 0xffffffff][rng() % 4]!
          : rng() % 3 === 1
            ? rng() & 0xff
            : rng();
      dv.setUint32(at, value >>> 0, true);
      return {
        bytes,
        mutation: {
          kind: "field",
          offset: at,
          detail: `${r.name} u32 = 0x${(value >>> 0).toString(16)}`,
        },
      };
    }
  }
  const boundary = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
  const len = bytes.length;
  if (pick === 0 && len > 1) {
    const cut = rng() % len;
    return {
      bytes: bytes.slice(0, cut),
      mutation: { kind: "truncate", offset: cut, detail: `to ${cut} bytes` },
    };
  }
  if (pick <= 3 && len >= 64) {
    // A 32-bit field at an aligned offset: the ELF header, a section header, or a section start.
    const shoff = dv.getUint32(40, true);
    let at: number;
    const where = rng() % 3;
    if (where === 0) at = (rng() % 16) * 4;
    else if (where === 1 && shoff + 64 <= len)
      at = shoff + (rng() % Math.max(1, Math.floor((len - shoff) / 4))) * 4;
    else at = (rng() % Math.floor(len / 4)) * 4;
    if (at + 4 > len) at = len - 4;
    const value = rng() % 2 ? boundary[rng() % boundary.length]! : rng();
    dv.setUint32(at, value >>> 0, true);
    return {
      bytes,
      mutation: { kind: "field", offset: at, detail: `u32 = 0x${(value >>> 0).toString(16)}` },
    };
  }
  if (pick === 4 && len > 16) {
    // Copy a chunk of the file over another place (duplicated headers, shifted tables).
    const n = 1 + (rng() % 64);
    const from = rng() % (len - n);
    const to = rng() % (len - n);
    bytes.copyWithin(to, from, from + n);
    return { bytes, mutation: { kind: "splice", offset: to, detail: `${n} bytes from ${from}` } };
  }
  const flips = 1 + (rng() % 8);
  const first = rng() % len;
  for (let i = 0; i < flips; i++) bytes[(first + (rng() % 256)) % len] = rng() & 0xff;
  return {
    bytes,
    mutation: { kind: "flip", offset: first, detail: `${flips} bytes near ${first}` },
  };
}

/** A byte range of the input worth aiming at. */
export interface Region {
  name: string;
  offset: number;
  size: number;
}

/** Sections of a valid object that the loader parses field by field. */
export function interestingRegions(bytes: Uint8Array): Region[] {
  const elf = new ElfFile(bytes);
  return elf.sections
    .filter(
      (s) =>
        s.size > 0 &&
        s.type !== SHT_NOBITS &&
        (s.name.startsWith(".BTF") ||
          s.type === SHT_SYMTAB ||
          s.type === SHT_REL ||
          s.name === "maps" ||
          s.name === ".maps" ||
          (s.flags & SHF_EXECINSTR) !== 0),
    )
    .map((s) => ({ name: s.name, offset: s.offset, size: s.size }));
}

export type FuzzOutcome =
  | { result: "spec"; ms: number }
  | { result: "typed-error"; ms: number; error: TsbpfError }
  | { result: "crash"; ms: number; error: unknown };

/** Loads `bytes` (and dumps its BTF both ways, which must not fail on BTF that loaded) and classifies what happened. */
export function fuzzOnce(bytes: Uint8Array): FuzzOutcome {
  const t = performance.now();
  try {
    const spec = loadCollectionSpec(bytes);
    if (spec.btf) {
      dumpRaw(spec.btf);
      dumpC(spec.btf);
    }
    return { result: "spec", ms: performance.now() - t };
  } catch (error) {
    const ms = performance.now() - t;
    return error instanceof TsbpfError
      ? { result: "typed-error", ms, error }
      : { result: "crash", ms, error };
  }
}

export interface FuzzReport {
  runs: number;
  specs: number;
  typedErrors: number;
  crashes: { file: string; seed: number; iteration: number; mutation: Mutation; error: string }[];
  slowest: { file: string; iteration: number; ms: number };
  errorKinds: Record<string, number>;
}

/** Runs `count` mutations spread over `inputs`, or stops early when `budgetMs` is spent. */
export function fuzz(
  inputs: readonly { name: string; bytes: Uint8Array; regions?: Region[] }[],
  count: number,
  seed: number,
  budgetMs = Infinity,
): FuzzReport {
  const rng = makeRng(seed);
  const report: FuzzReport = {
    runs: 0,
    specs: 0,
    typedErrors: 0,
    crashes: [],
    slowest: { file: "", iteration: -1, ms: 0 },
    errorKinds: {},
  };
  const start = performance.now();
  for (let i = 0; i < count && performance.now() - start < budgetMs; i++) {
    const input = inputs[i % inputs.length]!;
    input.regions ??= interestingRegions(input.bytes);
    const { bytes, mutation } = mutate(input.bytes, rng, input.regions);
    const out = fuzzOnce(bytes);
    report.runs++;
    if (out.ms > report.slowest.ms) report.slowest = { file: input.name, iteration: i, ms: out.ms };
    if (out.result === "spec") report.specs++;
    else if (out.result === "typed-error") {
      report.typedErrors++;
      report.errorKinds[out.error.name] = (report.errorKinds[out.error.name] ?? 0) + 1;
    } else {
      const e = out.error;
      report.crashes.push({
        file: input.name,
        seed,
        iteration: i,
        mutation,
        error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e),
      });
    }
  }
  return report;
}

/** Small and medium objects of the samples corpus that exercise every loader path. */
export const DEFAULT_INPUTS = [
  "build/bpf2bpf.o",
  "build/global_variable.o",
  "build/map_in_map.o",
  "build/map_in_map_legacy.o",
  "build/prog_array.o",
  "build/tail_call.o",
  "build/externalfunction.o",
  "cilium-examples/tcprtt_bpf_bpfel.o",
  "cilium-examples/tcx_bpf_bpfel.o",
  "linux/sockex3_kern.o",
  "linux/test_map_in_map_kern.o",
  "prototype-kernel/xdp_ddos01_blacklist_kern.o",
  "new_linux/tracex2_kern.o",
];

export function samplesDir(): string {
  return new URL("../../shared/samples/", import.meta.url).pathname;
}

function main(argv: string[]): number {
  const opt = (name: string, def: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : def;
  };
  const count = opt("--count", 10_000);
  const seed = opt("--seed", Date.now() & 0x7fffffff);
  const maxMs = opt("--max-ms", 2000);
  const json = argv.includes("--json");
  const files = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"));
  const paths = files.length > 0 ? files : DEFAULT_INPUTS.map((f) => join(samplesDir(), f));
  const inputs = paths.map((p) => ({ name: p, bytes: new Uint8Array(readFileSync(p)) }));
  const t = performance.now();
  const r = fuzz(inputs, count, seed);
  const totalMs = Math.round(performance.now() - t);
  const ok = r.crashes.length === 0 && r.slowest.ms <= maxMs;
  if (!json) {
    console.log(
      `seed ${seed}: ${r.runs} runs in ${totalMs} ms: ${r.specs} specs, ${r.typedErrors} typed errors, ${r.crashes.length} crashes`,
    );
    console.log(`error kinds: ${JSON.stringify(r.errorKinds)}`);
    console.log(
      `slowest: ${r.slowest.ms.toFixed(1)} ms (${r.slowest.file} #${r.slowest.iteration}), limit ${maxMs} ms`,
    );
    for (const c of r.crashes.slice(0, 10)) {
      console.log(
        `CRASH ${c.file} iteration ${c.iteration} (${c.mutation.kind} ${c.mutation.detail} @${c.mutation.offset}): ${c.error}`,
      );
    }
  }
  console.log(
    JSON.stringify({
      seed,
      runs: r.runs,
      totalMs,
      specs: r.specs,
      typedErrors: r.typedErrors,
      crashes: r.crashes.length,
      slowestMs: Math.round(r.slowest.ms * 10) / 10,
    }),
  );
  return ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
