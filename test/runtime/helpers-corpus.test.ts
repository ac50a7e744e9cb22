// Every helper any program of the samples corpus calls has an implementation
// (found by scanning each object's programs with the loader), named in
// messages as the UAPI names it; and a program calling a helper the runtime
// lacks fails to load with a message naming the helper and its id.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BPF_CALL, BPF_JMP, build } from "../../src/isa/index.ts";
import {
  helperLabel,
  IMPLEMENTED_HELPERS,
  isHelperImplemented,
  LoadError,
  Runtime,
} from "../../src/runtime/index.ts";
import { CollectionSpec } from "../../src/spec/index.ts";
import { helperName } from "../../src/uapi/index.ts";

const ROOT = new URL("../../../shared/samples/", import.meta.url).pathname;

function objects(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) {
      if (n !== "invalid") out.push(...objects(p));
    } else if (n.endsWith(".o")) out.push(p);
  }
  return out;
}

describe("helpers of the samples corpus", () => {
  it("every called helper id has an implementation", { timeout: 60_000 }, () => {
    const called = new Map<number, string>();
    for (const f of objects(ROOT)) {
      let spec;
      try {
        spec = CollectionSpec.fromFile(f);
      } catch {
        continue; // objects the loader rejects are the loader tests' business
      }
      for (const p of spec.programs)
        for (const x of p.insns)
          if (x.code === (BPF_JMP | BPF_CALL) && x.src === 0 && !called.has(x.imm))
            called.set(x.imm, `${f.slice(ROOT.length)} ${p.name}`);
    }
    expect(called.size).toBeGreaterThanOrEqual(45);
    const missing = [...called]
      .filter(([id]) => !isHelperImplemented(id))
      .map(([id, where]) => `${helperLabel(id)} (${where})`);
    expect(missing).toEqual([]);
  });

  it("names helpers as the UAPI does", () => {
    expect(helperLabel(1)).toBe("bpf_map_lookup_elem#1");
    for (const id of IMPLEMENTED_HELPERS) expect(helperName(id), `id ${id}`).toBeDefined();
  });

  it("refuses a program calling a helper the runtime lacks, naming it and its id", () => {
    const rt = new Runtime();
    // bpf_sk_lookup_tcp (84) is not implemented.
    expect(isHelperImplemented(84)).toBe(false);
    const load = () => rt.loadProgram({ name: "p", insns: [build.callHelper(84), build.exit()] });
    expect(load).toThrow(LoadError);
    expect(load).toThrow(/bpf_sk_lookup_tcp#84/);
    // An id the UAPI does not define at all.
    expect(() => rt.loadProgram({ insns: [build.callHelper(9999), build.exit()] })).toThrow(
      /unknown#9999/,
    );
    rt.close();
  });
});
