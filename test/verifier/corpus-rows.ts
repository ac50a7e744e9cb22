// The samples corpus as rows to verify, shared by the corpus test and
// `npm run bench:verify`: every row of ../shared/samples/expected.tsv, plus
// every program of the directories the table has no rows for (new_linux/ and
// cilium-examples/ hold production programs: the kernel accepts them all).
// Each row is verified the way its loader would load it (`tsbpf verify`):
//   - build/: CAP_BPF without CAP_PERFMON on a `mitigations=off` kernel (the
//     table was judged without pointer leaks);
//   - cilium/bpf_xdp*.o: `--type xdp` (their sections name no type; Cilium
//     attaches them with `ip link ... xdp`), other sections without a type
//     as tc programs (the default);
//   - everything else as root.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { CollectionSpec, findPrograms } from "../../src/spec/index.ts";
import type { CollectionSpec as Spec, ProgramSpec } from "../../src/spec/types.ts";
import { ProgType } from "../../src/uapi/prog-types.ts";
import { verifyOptionsForProgram } from "../../src/verifier/from-spec.ts";
import { verify, type VerifyOptions, type VerifyResult } from "../../src/verifier/index.ts";

export const SAMPLES = new URL("../../../shared/samples/", import.meta.url).pathname;

export interface CorpusRow {
  dir: string;
  file: string;
  section: string;
  /** Program name when a section holds several ("" = all of the section). */
  program: string;
  expected: "accept" | "reject";
  /** PREVAIL's verdict (expected.tsv), or undefined for rows the table lacks. */
  prevail?: string;
}

/** Directories of production programs expected.tsv has no rows for. */
const UNTABLED_DIRS = ["new_linux", "cilium-examples"];

/** Row key as the known-disagreements table spells it: `dir/file section[/program]`. */
export const rowKey = (r: CorpusRow): string =>
  `${r.dir}/${r.file} ${r.section}${r.program ? "/" + r.program : ""}`;

/** Every row; empty when ../shared/samples is not there. */
export function corpusRows(): CorpusRow[] {
  const tsv = `${SAMPLES}expected.tsv`;
  if (!existsSync(tsv)) return [];
  const rows: CorpusRow[] = readFileSync(tsv, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => {
      const [dir, file, section, program, expected, prevail] = l.split("\t");
      return {
        dir: dir!,
        file: file!,
        section: section!,
        program: program ?? "",
        expected: expected === "reject" ? "reject" : "accept",
        prevail,
      };
    });
  for (const dir of UNTABLED_DIRS) {
    if (!existsSync(`${SAMPLES}${dir}`)) continue;
    for (const file of readdirSync(`${SAMPLES}${dir}`).sort()) {
      const spec = CollectionSpec.fromFile(`${SAMPLES}${dir}/${file}`);
      for (const p of spec.programs) {
        rows.push({ dir, file, section: p.section, program: p.name, expected: "accept" });
      }
    }
  }
  return rows;
}

/** Verifier options for one program of a row (see the header). */
export function rowOptions(row: CorpusRow, spec: Spec, prog: ProgramSpec): VerifyOptions {
  if (row.dir === "build") {
    return verifyOptionsForProgram(spec, prog, {
      caps: { bpf: true, perfmon: false, mitigationsOff: true },
    });
  }
  const xdp = row.dir === "cilium" && row.file.startsWith("bpf_xdp");
  return verifyOptionsForProgram(spec, prog, xdp ? { defaultType: ProgType.XDP } : {});
}

export interface RowResult {
  row: CorpusRow;
  /** One per program the row selects. */
  /** `ms` wall-clock, `cpuMs` this process's CPU time (less sensitive to a busy machine). */
  programs: { name: string; insns: number; result: VerifyResult; ms: number; cpuMs: number }[];
  /** "accept" only when every program was accepted. */
  verdict: "accept" | "reject";
  /** The first rejection's error. */
  error?: string;
}

/** Load the row's object, verify each program it selects, and time each. */
export function verifyRow(row: CorpusRow): RowResult {
  const spec = CollectionSpec.fromFile(`${SAMPLES}${row.dir}/${row.file}`);
  const progs = findPrograms(spec, { section: row.section, name: row.program || undefined });
  if (progs.length === 0) throw new Error(`${rowKey(row)}: no such program`);
  const programs = progs.map((prog) => {
    const opts = rowOptions(row, spec, prog);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = verify(prog.insns, opts);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return {
      name: prog.name,
      insns: prog.insns.length,
      result,
      ms,
      cpuMs: (c.user + c.system) / 1000,
    };
  });
  const rejected = programs.find((p) => !p.result.accepted);
  return {
    row,
    programs,
    verdict: rejected ? "reject" : "accept",
    error: rejected?.result.error,
  };
}
