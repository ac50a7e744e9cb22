// `tsbpf verify FILE.o` / `tsbpf verify --asm PROG.s --type xdp`: run the
// verifier on every selected program and print the verdict (and the kernel-
// format log with --log 1|2), or one veristat-style JSON line per program.
// Exit 0 when every selected program is accepted, 1 when one is rejected,
// 2 on a load or usage error.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { assemble } from "../../isa/index.ts";
import type { Insn } from "../../isa/insn.ts";
import { CollectionSpec, findPrograms } from "../../spec/index.ts";
import { MapType } from "../../uapi/map-types.ts";
import { ProgType, progTypeName } from "../../uapi/prog-types.ts";
import { verifyOptionsForProgram } from "../../verifier/from-spec.ts";
import {
  verify,
  type MapInfo,
  type VerifyOptions,
  type VerifyResult,
} from "../../verifier/index.ts";
import { EXIT_FAIL, type CommandContext } from "../context.ts";
import { xlatedOfVerified } from "../../fixup/index.ts";
import { cliKfuncs, resolveAsmKfuncs, resolveKfuncCalls } from "../../kfuncs/cli-table.ts";
import type { KfuncRegistry } from "../../kfuncs/registry.ts";

interface VerifyFlags {
  asm?: boolean;
  section?: string;
  program?: string;
  type?: string;
  log?: string;
  json?: boolean;
  unpriv?: boolean;
  map?: string[];
  xlated?: boolean;
  kfuncs?: string[];
}

/** One program to verify: where it came from and what the verifier needs. */
interface Target {
  section: string;
  program: string;
  insns: Insn[];
  options: VerifyOptions;
}

/** `--type`: a program type name as bpftool prints it ("xdp", "sched_cls") or its number. */
export function parseProgType(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (progTypeName(n).startsWith("unknown"))
      throw new UsageError(`--type: unknown program type ${text}`);
    return n;
  }
  const t = (ProgType as Record<string, number>)[text.toUpperCase()];
  if (t === undefined) {
    const names = Object.keys(ProgType)
      .filter((k) => k !== "UNSPEC")
      .map((k) => k.toLowerCase());
    throw new UsageError(`--type: unknown program type '${text}' (one of ${names.join(", ")})`);
  }
  return t;
}

/**
 * `--map ID=TYPE:KEY:VALUE:MAX[:FLAGS]` describes the map an assembly file
 * loads as `r1 = map[id:ID]` (TYPE as in `hash`, `array`, `ringbuf`...).
 */
export function parseMapFlag(text: string): [number, MapInfo] {
  const m = /^(\d+)=([a-z_]+):(\d+):(\d+):(\d+)(?::(0x[0-9a-f]+|\d+))?$/i.exec(text);
  if (!m) throw new UsageError(`--map: expected ID=TYPE:KEY:VALUE:MAX[:FLAGS], got '${text}'`);
  const type = (MapType as Record<string, number>)[m[2]!.toUpperCase()];
  if (type === undefined) throw new UsageError(`--map: unknown map type '${m[2]}'`);
  const info: MapInfo = {
    type,
    keySize: Number(m[3]),
    valueSize: Number(m[4]),
    maxEntries: Number(m[5]),
    flags: m[6] === undefined ? 0 : Number(m[6]),
  };
  return [Number(m[1]), info];
}

function parseLogLevel(text: string | undefined): number {
  if (text === undefined) return 0;
  if (text !== "1" && text !== "2") throw new UsageError(`--log: expected 1 or 2, got '${text}'`);
  return Number(text);
}

function objectTargets(
  file: string,
  flags: VerifyFlags,
  common: Partial<VerifyOptions>,
  kfuncs: KfuncRegistry,
): Target[] {
  if (flags.map?.length)
    throw new UsageError("--map describes maps of --asm input; objects carry their own");
  const spec = CollectionSpec.fromFile(file);
  const progs = findPrograms(spec, { section: flags.section, name: flags.program });
  if (progs.length === 0) {
    const what = [
      flags.section && `section '${flags.section}'`,
      flags.program && `program '${flags.program}'`,
    ]
      .filter(Boolean)
      .join(" and ");
    throw new UsageError(`${file}: no program${what ? ` with ${what}` : "s"}`);
  }
  const defaultType = flags.type === undefined ? undefined : parseProgType(flags.type);
  return progs.map((p) => ({
    section: p.section,
    program: p.name,
    insns: resolveKfuncCalls(spec, p, kfuncs),
    // --type overrides only programs whose section names no type.
    options: verifyOptionsForProgram(spec, p, { ...common, defaultType }),
  }));
}

function asmTargets(
  file: string,
  flags: VerifyFlags,
  common: Partial<VerifyOptions>,
  kfuncs: KfuncRegistry,
): Target[] {
  if (flags.type === undefined) throw new UsageError("--asm needs --type (e.g. --type xdp)");
  if (flags.section !== undefined || flags.program !== undefined) {
    throw new UsageError(
      "--section and --program select programs of an object file, not of --asm input",
    );
  }
  const insns = assemble(resolveAsmKfuncs(readFileSync(file, "utf8"), kfuncs), { file });
  const maps = new Map((flags.map ?? []).map(parseMapFlag));
  return [
    {
      section: "",
      program: file,
      insns,
      options: { progType: parseProgType(flags.type), maps, ...common },
    },
  ];
}

function report(t: Target, r: VerifyResult, flags: VerifyFlags, ctx: CommandContext): void {
  if (flags.json) {
    const row = {
      section: t.section,
      program: t.program,
      verdict: r.accepted ? "accept" : "reject",
      error: r.error ?? null,
      insnsProcessed: r.stats.insnsProcessed,
      totalStates: r.stats.totalStates,
      peakStates: r.stats.peakStates,
      ms: Math.round(r.stats.ms * 1000) / 1000,
      ...(flags.xlated && r.accepted ? { xlated: xlatedLines(t, r) } : {}),
    };
    ctx.out(JSON.stringify(row) + "\n");
    return;
  }
  const name = t.section ? `${t.section}/${t.program}` : t.program;
  if (r.log) ctx.out(r.log.endsWith("\n") ? r.log : r.log + "\n");
  if (r.accepted) {
    ctx.out(`${name}: accepted (${r.stats.insnsProcessed} insns processed)\n`);
    if (flags.xlated) ctx.out(xlatedLines(t, r).join("\n") + "\n");
  } else {
    // At level 0 the log is empty: the reason is the only thing to show.
    ctx.out(`${name}: rejected: ${r.error ?? "unknown error"}\n`);
  }
}

/** --xlated: the program after the rewrite passes (src/fixup), as bpftool prints it. */
function xlatedLines(t: Target, r: VerifyResult): string[] {
  // With inlinable kfunc instances, r.insns is the program as verified (instances appended).
  return xlatedOfVerified(r.insns ?? t.insns, r.aux, {
    progType: t.options.progType,
    unprivileged: t.options.unprivileged,
    kfuncInstances: r.kfuncInstances,
  });
}

async function runVerify(file: string, flags: VerifyFlags, ctx: CommandContext): Promise<void> {
  // kfunc calls are checked against tsbpf's kfuncs and those of --kfuncs modules.
  const kfuncs = await cliKfuncs(flags.kfuncs ?? []);
  const common: Partial<VerifyOptions> = { logLevel: parseLogLevel(flags.log), kfuncs };
  if (flags.unpriv) common.unprivileged = true;
  const targets = flags.asm
    ? asmTargets(file, flags, common, kfuncs)
    : objectTargets(file, flags, common, kfuncs);
  for (const t of targets) {
    const r = verify(t.insns, t.options);
    report(t, r, flags, ctx);
    if (!r.accepted) ctx.exitCode = EXIT_FAIL;
  }
}

export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command("verify")
    .description(
      "Verify BPF programs as the Linux verifier would. FILE is an ELF object (every program in it " +
        "unless --section/--program select some) or, with --asm, a kernel-syntax assembly file " +
        "verified as --type. Exit 0 when every selected program is accepted, 1 when one is rejected, " +
        "2 on a load or usage error.",
    )
    .argument("<FILE>", "BPF object file (.o), or assembly with --asm")
    .option("--asm", "FILE is kernel-syntax assembly (needs --type)")
    .option("--section <S>", "only programs of this ELF section")
    .option("--program <P>", "only the program with this function name")
    .option(
      "--type <T>",
      "program type (xdp, socket_filter, kprobe, sched_cls, ...); for objects, used for sections that name none (default sched_cls, as tc loads them)",
    )
    .option(
      "--log <LEVEL>",
      "print the verifier log: 1 = error path, 2 = every instruction with state",
    )
    .option(
      "--json",
      "one JSON line per program: section, program, verdict, error, insnsProcessed, totalStates, peakStates, ms",
    )
    .option("--unpriv", "verify as an unprivileged user (no CAP_BPF, no CAP_PERFMON)")
    .option(
      "--xlated",
      "also print each accepted program as the runtime rewrites it (dead code, ctx conversion, inlined array lookups), like bpftool prog dump xlated",
    )
    .option(
      "--map <ID=TYPE:KEY:VALUE:MAX[:FLAGS]>",
      "with --asm: the map `map[id:ID]` refers to, e.g. 1=hash:4:8:16 (repeatable)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option(
      "--kfuncs <module>",
      "a TypeScript/JavaScript module exporting a kfunc module (or a function returning one) whose kfuncs programs may call (repeatable)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .action((file: string, flags: VerifyFlags) => runVerify(file, flags, ctx));
}
