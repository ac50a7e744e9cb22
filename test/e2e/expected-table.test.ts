// Every program row of ../shared/samples/expected.tsv whose program type the
// runtime covers is loaded (with only the maps it uses) and test-run on a
// zeroed packet or context. Nothing may escape as anything but a typed error;
// programs the table calls valid must run; the only load failures allowed are
// map types the runtime does not provide, and faults only come from programs
// the table says a verifier rejects.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TsbpfError } from "../../src/errors.ts";
import { MapError } from "../../src/runtime/maps/index.ts";
import { Runtime, RUNNABLE_PROG_TYPES } from "../../src/runtime/index.ts";
import { findPrograms } from "../../src/spec/index.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { SAMPLES, sample } from "./support.ts";

const rows = readFileSync(`${SAMPLES}expected.tsv`, "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split("\t") as [string, string, string, string, string]);

/**
 * Sections that name no program type (Cilium's tail-call slots, iproute2-style
 * tc sections, PREVAIL's .text) get the type their loader would give them.
 */
function typeFor(dir: string, file: string, section: string, type: number): number {
  if (type !== ProgType.UNSPEC) return type;
  if (dir === "cilium") return file.includes("xdp") ? ProgType.XDP : ProgType.SCHED_CLS;
  if (dir === "build") return ProgType.UNSPEC; // PREVAIL-style: the raw "mem" type
  if (file.startsWith("lwt_")) return ProgType.LWT_IN;
  return section === "len_hist" ? ProgType.LWT_IN : ProgType.SCHED_CLS;
}

const PACKET_TYPES = new Set<number>([
  ProgType.SOCKET_FILTER,
  ProgType.SCHED_CLS,
  ProgType.SCHED_ACT,
  ProgType.XDP,
  ProgType.CGROUP_SKB,
  ProgType.LWT_IN,
  ProgType.LWT_OUT,
  ProgType.LWT_XMIT,
  ProgType.UNSPEC,
]);

describe("expected.tsv programs on zeroed contexts", () => {
  it("run or fail with typed errors only", { timeout: 180_000 }, () => {
    const rt = new Runtime({ engine: "interp", seed: 1 });
    const outcome = { ran: 0, unsupportedMap: 0, faulted: [] as string[] };
    const bad: string[] = [];
    let covered = 0;
    for (const [dir, file, section, program, expected] of rows) {
      const spec = sample(`${dir}/${file}`);
      const progs = findPrograms(spec, { section, name: program || undefined });
      expect(progs.length, `${file} ${section}`).toBeGreaterThan(0);
      for (const ps of progs) {
        const type = typeFor(dir, file, section, ps.type);
        if (!RUNNABLE_PROG_TYPES.includes(type)) continue;
        covered++;
        const what = `${dir}/${file} ${section} ${ps.name}`;
        try {
          const c = rt.loadCollection(spec, { programs: [ps.name], types: { [ps.name]: type } });
          try {
            const input = PACKET_TYPES.has(type) ? { data: new Uint8Array(64) } : {};
            c.program(ps.name).testRun(input);
            outcome.ran++;
          } finally {
            c.close();
          }
        } catch (e) {
          if (!(e instanceof TsbpfError)) throw e;
          if (e instanceof MapError && /is not supported/.test(e.message)) outcome.unsupportedMap++;
          else if (expected === "reject") outcome.faulted.push(what);
          else bad.push(`${what}: ${e.name}: ${e.message}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(covered).toBeGreaterThan(220);
    expect(outcome.ran).toBeGreaterThan(180);
    expect(outcome.ran + outcome.unsupportedMap + outcome.faulted.length).toBe(covered);
    // Every map type the corpus uses exists (devmap, cpumap, xskmap, stack_trace, cgroup_array).
    expect(outcome.unsupportedMap).toBe(0);
    // Everything the runtime allocated for the runs was given back.
    rt.close();
    expect(rt.mem.allocatedBytes).toBeLessThan(64 * 1024);
  });
});
