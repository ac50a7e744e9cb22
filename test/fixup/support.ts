// Shared by the fixup tests: assemble kernel-syntax text, verify it, run the
// rewrite passes and print the result as `bpftool prog dump xlated` would.
import { expect } from "vitest";
import {
  dumpXlated,
  fixupProgram,
  type FixupOptions,
  type FixupResult,
} from "../../src/fixup/index.ts";
import { assemble, type Insn } from "../../src/isa/index.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { verify, type MapInfo } from "../../src/verifier/index.ts";

export interface Case {
  type?: number;
  maps?: ReadonlyMap<number, MapInfo>;
  unprivileged?: boolean;
  fix?: Partial<FixupOptions>;
}

export function fixup(
  src: string,
  c: Case = {},
): { insns: Insn[]; result: FixupResult<never, never> } {
  const insns = assemble(src);
  const progType = c.type ?? ProgType.SOCKET_FILTER;
  const r = verify(insns, {
    progType,
    maps: c.maps,
    unprivileged: c.unprivileged,
    logLevel: 1,
  });
  expect(r.error, r.log).toBeUndefined();
  const result = fixupProgram<never, never>(
    { insns, aux: r.aux },
    { progType, unprivileged: c.unprivileged, ...c.fix },
  );
  return { insns, result };
}

/** The xlated lines of the rewritten program, without the index column. */
export function xlated(src: string, c: Case = {}): string[] {
  return dumpXlated(fixup(src, c).result.insns).map((l) => l.replace(/^ *\d+: /, ""));
}
