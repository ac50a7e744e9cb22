// `tsbpf inspect FILE.o [--json]`: what an object holds, as the loader sees it —
// programs (section, name, type, instruction counts), maps (name, type, sizes,
// flags), externs and a BTF summary. Exit 0, or 2 on a malformed object.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { BtfKind, kindName } from "../../btf/types.ts";
import { CollectionSpec } from "../../spec/index.ts";
import type { CollectionSpec as Spec } from "../../spec/types.ts";
import { mapTypeName, progTypeName } from "../../uapi/index.ts";
import type { CommandContext } from "../context.ts";

interface InspectFlags {
  json?: boolean;
}

/** The summary `inspect --json` prints (also the data behind the table). */
export function inspectSummary(file: string, spec: Spec): object {
  const btf = spec.btf;
  const kinds: Record<string, number> = {};
  if (btf)
    for (let id = 1; id < btf.count; id++)
      kinds[kindName(btf.type(id).kind)] = (kinds[kindName(btf.type(id).kind)] ?? 0) + 1;
  return {
    file,
    license: spec.license,
    kernelVersion: spec.kernelVersion,
    programs: spec.programs.map((p) => ({
      section: p.section,
      name: p.name,
      type: progTypeName(p.type),
      expectedAttachType: p.expectedAttachType,
      attachTo: p.attachTo,
      sectionMatch: p.sectionMatch,
      insns: p.entryInsnCount,
      totalInsns: p.insns.length,
      subprograms: p.functions.slice(1).map((f) => f.name),
      maps: [...new Set(p.mapRefs.map((r) => r.mapName))],
      externs: [...new Set(p.externRefs.map((r) => r.name))],
      funcInfo: p.funcInfo.length,
      lineInfo: p.lineInfo.length,
      coreRelos: p.coreRelos.length,
    })),
    maps: spec.maps.map((m) => ({
      name: m.name,
      type: mapTypeName(m.type),
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      flags: m.flags,
      source: m.source,
      ...(m.innerMap
        ? {
            innerMap: {
              type: mapTypeName(m.innerMap.type),
              keySize: m.innerMap.keySize,
              valueSize: m.innerMap.valueSize,
              maxEntries: m.innerMap.maxEntries,
            },
          }
        : {}),
      ...(m.init.length ? { init: m.init } : {}),
    })),
    externs: spec.externs.map((e) => ({ name: e.name, kind: e.kind, weak: e.weak })),
    btf: btf
      ? {
          types: btf.count - 1,
          kinds,
          funcs: btf.types.filter((t) => t.kind === BtfKind.FUNC).length,
        }
      : null,
  };
}

/** Left-aligned columns. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
}

function printText(file: string, spec: Spec, ctx: CommandContext): void {
  const out = (s = ""): void => ctx.out(`${s}\n`);
  out(
    `${file}: license "${spec.license}"${spec.kernelVersion ? `, kernel version 0x${spec.kernelVersion.toString(16)}` : ""}`,
  );
  out();
  out(`programs (${spec.programs.length}):`);
  if (spec.programs.length) {
    const rows = [["  SECTION", "NAME", "TYPE", "INSNS", "TOTAL"]];
    for (const p of spec.programs) {
      rows.push([
        `  ${p.section}`,
        p.name,
        progTypeName(p.type),
        String(p.entryInsnCount),
        String(p.insns.length),
      ]);
    }
    for (const l of table(rows)) out(l);
  }
  out();
  out(`maps (${spec.maps.length}):`);
  if (spec.maps.length) {
    const rows = [["  NAME", "TYPE", "KEY", "VALUE", "MAX", "FLAGS", "FROM"]];
    for (const m of spec.maps) {
      rows.push([
        `  ${m.name}`,
        mapTypeName(m.type),
        String(m.keySize),
        String(m.valueSize),
        String(m.maxEntries),
        `0x${m.flags.toString(16)}`,
        m.source,
      ]);
    }
    for (const l of table(rows)) out(l);
  }
  if (spec.externs.length) {
    out();
    out(`externs (${spec.externs.length}):`);
    for (const e of spec.externs) out(`  ${e.name} (${e.kind}${e.weak ? ", weak" : ""})`);
  }
  out();
  const btf = spec.btf;
  if (!btf) out("btf: none");
  else {
    const ext = spec.programs.reduce(
      (a, p) => ({
        fi: a.fi + p.funcInfo.length,
        li: a.li + p.lineInfo.length,
        cr: a.cr + p.coreRelos.length,
      }),
      { fi: 0, li: 0, cr: 0 },
    );
    const summary = inspectSummary(file, spec) as { btf: { kinds: Record<string, number> } };
    const kinds = Object.entries(summary.btf.kinds)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    out(`btf: ${btf.count - 1} types (${kinds})`);
    out(
      `btf.ext (programs): ${ext.fi} func_info, ${ext.li} line_info, ${ext.cr} CO-RE relocations`,
    );
  }
}

export function registerInspect(program: Command, ctx: CommandContext): void {
  program
    .command("inspect")
    .description(
      "Show what a BPF object file holds: programs (section, name, type, instruction count), " +
        "maps (name, type, key/value size, max entries, flags), externs and a BTF summary. " +
        "Exit 0, or 2 when the file is not a valid object.",
    )
    .argument("<FILE>", "ELF object built with clang -target bpf")
    .option("--json", "print one JSON object instead of tables")
    .action((file: string, flags: InspectFlags) => {
      const spec = CollectionSpec.fromBuffer(new Uint8Array(readFileSync(file)));
      if (flags.json) ctx.out(`${JSON.stringify(inspectSummary(file, spec))}\n`);
      else printText(file, spec, ctx);
    });
}
