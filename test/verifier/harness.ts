// Test harness for verifier cases written as small kernel-syntax assembly
// programs: one record per case with the program type, the maps it uses
// (`r1 = map[id:N]` refers to maps[N]) and the expected verdict and message.
import { assemble } from "../../src/isa/asm/index.ts";
import type { Insn } from "../../src/isa/insn.ts";
import { AttachType, ProgType } from "../../src/uapi/prog-types.ts";
import {
  verify,
  type MapInfo,
  type VerifyOptions,
  type VerifyResult,
} from "../../src/verifier/index.ts";

export type ProgTypeName = Lowercase<keyof typeof ProgType>;

export interface VerifierCase {
  name: string;
  /** Program type (default socket_filter, the kernel selftests' SEC("socket")). */
  type?: ProgTypeName;
  /** Expected attach type, e.g. "CGROUP_INET_EGRESS". */
  attach?: keyof typeof AttachType;
  asm: string;
  maps?: MapInfo[];
  /** Expected privileged outcome: undefined = accepted, else one line (or lines) of the error. */
  err?: string;
  /** Also verify unprivileged: "ok" = accepted, else an error line. */
  unpriv?: "ok" | string;
  /** License is GPL-compatible (default true). */
  gpl?: boolean;
  /** Lower instruction budget for cases about the complexity limit (default 1M, the kernel's). */
  insnLimit?: number;
  /** Lines (or line fragments, or patterns) the privileged level-2 log must contain. */
  logHas?: (string | RegExp)[];
  /** Patterns the privileged level-2 log must not contain (e.g. a dead branch's insn). */
  logLacks?: (string | RegExp)[];
  /** Extra assertions on the privileged result. */
  check?: (r: VerifyResult, insns: Insn[]) => void;
  /** More verifier options (BTF, func_info, ...), or a function of the assembled program giving them. */
  opts?: Partial<VerifyOptions> | ((insns: Insn[]) => Partial<VerifyOptions>);
}

export function progTypeOf(name: ProgTypeName | undefined): number {
  const key = (name ?? "socket_filter").toUpperCase() as keyof typeof ProgType;
  const t = ProgType[key];
  if (t === undefined) throw new Error(`unknown program type ${name}`);
  return t;
}

const RAW_MARK = 0x5eed0000;

/**
 * Assemble kernel syntax plus `.insn CODE DST SRC OFF IMM` lines for raw
 * encodings the syntax cannot express (reserved fields, unknown opcodes):
 * each is assembled as a marker `w0 = <mark>` and then replaced.
 */
export function assembleCase(asm: string): Insn[] {
  const raws: Insn[] = [];
  const text = asm
    .split("\n")
    .map((line) => {
      const m = /^(\s*(?:\w+:)?\s*)\.insn\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (!m) return line;
      const [code, dst, src, off, imm] = m.slice(2).map((v) => Number(v));
      raws.push({ code: code!, dst: dst!, src: src!, off: off!, imm: imm! | 0 });
      return `${m[1]}w0 = ${RAW_MARK + raws.length - 1}`;
    })
    .join("\n");
  const insns = assemble(text, { syntax: "kernel" });
  return insns.map((x) =>
    x.code === 0xb4 && x.imm >= RAW_MARK && x.imm < RAW_MARK + raws.length
      ? raws[x.imm - RAW_MARK]!
      : x,
  );
}

export function runCase(
  c: VerifierCase,
  unprivileged: boolean,
  logLevel = 0,
): { r: VerifyResult; insns: Insn[] } {
  const insns = assembleCase(c.asm);
  const r = verify(insns, {
    progType: progTypeOf(c.type),
    expectedAttachType: c.attach ? AttachType[c.attach] : undefined,
    maps: c.maps ?? [],
    unprivileged,
    logLevel,
    insnLimit: c.insnLimit,
    gplCompatible: c.gpl ?? true,
    ...(typeof c.opts === "function" ? c.opts(insns) : c.opts),
  });
  return { r, insns };
}

/** Does the verifier's error contain `expected` as whole lines? */
export function errorMatches(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  if (expected.includes("\n")) return actual.includes(expected);
  return actual.split("\n").includes(expected);
}
