// `tsbpf test-run FILE.o --program P`: load an object into a runtime and run
// one program as BPF_PROG_TEST_RUN does, on a packet (--data / --data-hex) or a
// context (--ctx / --ctx-hex); print the return value, duration, output data
// and, with --maps, what the maps hold afterwards. Exit 0 when the program
// ran, 1 when it was rejected or faulted, 2 on bad input.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ExecError, UsageError } from "../../errors.ts";
import {
  LoadError,
  Runtime,
  TestRunNoSpaceError,
  type TestRunResult,
} from "../../runtime/index.ts";
import { MapError, type MapHandle } from "../../runtime/maps/index.ts";
import { CollectionSpec } from "../../spec/index.ts";
import { ProgType, progTypeName } from "../../uapi/index.ts";
import { VerifierError } from "../../verifier/index.ts";
import { EXIT_FAIL, type CommandContext } from "../context.ts";
import { DEFAULT_ENGINE, engineNames } from "../engines.ts";
import { parseHexBytes } from "./run.ts";

interface TestRunFlags {
  program?: string;
  data?: string;
  dataHex?: string;
  ctx?: string;
  ctxHex?: string;
  repeat: string;
  engine: string;
  type?: string;
  verify?: boolean;
  pktType?: string;
  l2?: boolean;
  maps?: boolean;
  json?: boolean;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** A program type by its bpftool name ("xdp", "sched_cls", ...) or number; "mem" is UNSPEC. */
export function parseProgType(text: string): number {
  if (text === "mem") return ProgType.UNSPEC;
  if (/^\d+$/.test(text)) return Number(text);
  const t = (ProgType as Record<string, number>)[text.toUpperCase()];
  if (t === undefined) throw new UsageError(`--type: unknown program type '${text}'`);
  return t;
}

function bytesFrom(
  file: string | undefined,
  hexText: string | undefined,
  what: string,
): Uint8Array | undefined {
  if (file !== undefined && hexText !== undefined)
    throw new UsageError(`--${what} and --${what}-hex are exclusive`);
  if (file !== undefined) return new Uint8Array(readFileSync(file));
  return hexText === undefined ? undefined : parseHexBytes(hexText);
}

function count(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag}: expected a non-negative integer, got '${text}'`);
  return n;
}

/** The map's entries, leaving out all-zero values (arrays have every index). */
function dumpMap(h: MapHandle): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  try {
    for (const [k, v] of h.entries())
      if (v.some((b) => b !== 0)) out.push({ key: hex(k), value: hex(v) });
  } catch (e) {
    if (!(e instanceof MapError)) throw e;
  }
  return out;
}

function report(
  ctx: CommandContext,
  flags: TestRunFlags,
  name: string,
  type: number,
  engine: string,
  r: TestRunResult,
  maps: Map<string, { key: string; value: string }[]>,
): void {
  if (flags.json) {
    const obj: Record<string, unknown> = {
      program: name,
      type: progTypeName(type),
      engine,
      retval: r.retval,
      r0: r.r0.toString(),
      durationNs: Math.round(r.durationNs),
      repeat: Number(flags.repeat) || 1,
    };
    if (r.data) obj.data = hex(r.data);
    if (r.ctx) obj.ctx = hex(r.ctx);
    if (r.redirect) obj.redirect = r.redirect;
    if (r.clones.length) obj.clones = r.clones;
    if (flags.maps) obj.maps = Object.fromEntries(maps);
    ctx.out(JSON.stringify(obj) + "\n");
    return;
  }
  ctx.out(`program ${name} (${progTypeName(type)}), engine ${engine}\n`);
  ctx.out(`retval ${r.retval} (0x${r.retval.toString(16)})\n`);
  ctx.out(`duration ${Math.round(r.durationNs)} ns per run\n`);
  if (r.data) ctx.out(`data ${r.data.length} bytes: ${hex(r.data)}\n`);
  if (r.ctx) ctx.out(`ctx ${r.ctx.length} bytes: ${hex(r.ctx)}\n`);
  if (r.redirect) ctx.out(`redirect ${JSON.stringify(r.redirect)}\n`);
  for (const c of r.clones) ctx.out(`clone_redirect ifindex ${c.ifindex} flags ${c.flags}\n`);
  for (const [m, entries] of maps) {
    ctx.out(`map ${m}: ${entries.length} non-zero entries\n`);
    for (const e of entries) ctx.out(`  ${e.key}: ${e.value}\n`);
  }
}

function testRunFile(file: string, flags: TestRunFlags, ctx: CommandContext): void {
  const spec = CollectionSpec.fromFile(file);
  const name = flags.program ?? (spec.programs.length === 1 ? spec.programs[0]!.name : undefined);
  if (!name) {
    const known = spec.programs.map((p) => p.name).join(", ");
    throw new UsageError(
      `${file} has ${spec.programs.length} programs; pick one with --program (${known})`,
    );
  }
  const ps = spec.programs.find((p) => p.name === name || p.section === name);
  if (!ps)
    throw new UsageError(
      `${file}: no program '${name}' (have: ${spec.programs.map((p) => p.name).join(", ")})`,
    );
  if (!engineNames().includes(flags.engine as "interp" | "jit"))
    throw new UsageError(
      `unknown engine '${flags.engine}' (available: ${engineNames().join(", ")})`,
    );
  const type = flags.type !== undefined ? parseProgType(flags.type) : ps.type;
  const rt = new Runtime({ engine: flags.engine as "interp" | "jit" });
  try {
    let r: TestRunResult;
    const maps = new Map<string, { key: string; value: string }[]>();
    try {
      const c = rt.loadCollection(spec, {
        programs: [ps.name],
        types: { [ps.name]: type },
        verify: flags.verify,
      });
      try {
        r = c.program(ps.name).testRun({
          data: bytesFrom(flags.data, flags.dataHex, "data"),
          ctx: bytesFrom(flags.ctx, flags.ctxHex, "ctx"),
          repeat: count(flags.repeat, "--repeat"),
          pktType: flags.pktType === undefined ? undefined : count(flags.pktType, "--pkt-type"),
          l2: flags.l2,
        });
      } catch (e) {
        if (!(e instanceof TestRunNoSpaceError)) throw e;
        r = e.result;
      }
      if (flags.maps) for (const [n, h] of c.maps) maps.set(n, dumpMap(h));
      c.close();
    } catch (e) {
      if (e instanceof VerifierError) {
        ctx.err(e.log.endsWith("\n") ? e.log : e.log + "\n");
        ctx.err(`tsbpf: program ${ps.name} rejected: ${e.reason}\n`);
        ctx.exitCode = EXIT_FAIL;
        return;
      }
      if (e instanceof ExecError || e instanceof LoadError || e instanceof MapError) {
        ctx.err(`tsbpf: ${e.name}: ${e.message}\n`);
        ctx.exitCode = EXIT_FAIL;
        return;
      }
      throw e;
    }
    report(ctx, flags, ps.name, type, flags.engine, r, maps);
  } finally {
    rt.close();
  }
}

export function registerTestRun(program: Command, ctx: CommandContext): void {
  program
    .command("test-run")
    .description(
      "Load an object and run one program as BPF_PROG_TEST_RUN does: on a packet for skb/XDP " +
        "programs (an Ethernet frame from --data/--data-hex), or on a context (--ctx/--ctx-hex) " +
        "for the others. Prints the return value, the mean duration, the output data and ctx " +
        "(and with --maps the maps' contents). Exit 0 when it ran, 1 when the program was " +
        "rejected or faulted, 2 on bad input.",
    )
    .argument("<FILE>", "BPF object file (clang -target bpf)")
    .option(
      "--program <NAME>",
      "program function name or section (needed when the object has several)",
    )
    .option("--data <FILE>", "packet / input bytes from a file")
    .option("--data-hex <HEX>", 'packet / input bytes in hex, e.g. "ff ff ff ff ff ff ..."')
    .option("--ctx <FILE>", "context bytes from a file (__sk_buff, xdp_md, pt_regs, ...)")
    .option("--ctx-hex <HEX>", "context bytes in hex")
    .option("--repeat <N>", "run N times on the same context; the duration is the mean", "1")
    .option("--engine <NAME>", `execution engine (${engineNames().join(", ")})`, DEFAULT_ENGINE)
    .option(
      "--type <TYPE>",
      "program type for sections that name none (xdp, sched_cls, socket_filter, mem, ...)",
    )
    .option("--verify", "run the verifier first (a rejection prints the log and exits 1)")
    .option(
      "--pkt-type <N>",
      "skb programs: packet type instead of eth_type_trans's (4 = outgoing)",
    )
    .option(
      "--l2",
      "skb programs: start the data at the Ethernet header (as a packet socket sees it)",
    )
    .option("--maps", "print every map's entries after the run")
    .option("--json", "print one JSON object")
    .action((file: string, flags: TestRunFlags) => testRunFile(file, flags, ctx));
}
