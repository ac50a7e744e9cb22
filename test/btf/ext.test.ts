// .BTF.ext: func_info, line_info and CO-RE records as clang writes them, and
// the checks on malformed records.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BtfError } from "../../src/btf/errors.ts";
import { parseBtfExt } from "../../src/btf/ext.ts";
import { parseHeaderAndStrings } from "../../src/btf/parse.ts";
import { ElfFile } from "../../src/elf/reader.ts";
import { SAMPLES } from "../elf/samples.ts";
import { patchU32 } from "./fixtures.ts";

function sections(rel: string): { btf: Uint8Array; ext: Uint8Array } {
  const elf = new ElfFile(new Uint8Array(readFileSync(join(SAMPLES, rel))));
  return { btf: elf.section(".BTF")!.data, ext: elf.section(".BTF.ext")!.data.slice() };
}

describe(".BTF.ext", () => {
  const { btf, ext } = sections("build/bpf2bpf.o");
  const strings = parseHeaderAndStrings(btf).strings;
  const dv = new DataView(ext.buffer);
  const funcOff = 32 + dv.getUint32(8, true);

  it("groups records by section, in instruction units", () => {
    const e = parseBtfExt(ext, strings);
    expect(e.funcInfo.map((s) => [s.section, s.records.map((r) => r.insnOff)])).toEqual([
      [".text", [0, 13]],
      ["test", [0]],
    ]);
    const test = e.lineInfo.find((s) => s.section === "test")!;
    expect(test.records[0]).toMatchObject({
      insnOff: 0,
      line: "int func(void* ctx) {",
      lineNum: 37,
      column: 0,
    });
    expect(test.records.every((r, i, a) => i === 0 || r.insnOff >= a[i - 1]!.insnOff)).toBe(true);
    expect(e.coreRelos).toEqual([]);
  });

  it("reads CO-RE relocation records", () => {
    const s = sections("cilium-examples/tcprtt_bpf_bpfel.o");
    const e = parseBtfExt(s.ext, parseHeaderAndStrings(s.btf).strings);
    const relos = e.coreRelos.find((x) => x.section === "fentry/tcp_close")!.records;
    expect(relos.length).toBeGreaterThan(3);
    expect(relos[0]).toEqual({
      insnOff: 1,
      typeId: expect.any(Number),
      accessStr: "0:0:2",
      kind: 0,
    });
  });

  it.each([
    ["bad magic", patchU32(ext, 0, 0x0001eb9e), /invalid magic/],
    ["bad record size", patchU32(ext, funcOff, 4), /func_info section has invalid record size 4/],
    [
      "too many records",
      patchU32(ext, funcOff + 8, 1000),
      /func_info section '\.text' has incorrect num_records 1000/,
    ],
    ["zero records", patchU32(ext, funcOff + 8, 0), /incorrect num_records 0/],
    [
      "section past the end",
      patchU32(ext, 12, 1 << 16),
      /beyond the end of the ELF section \.BTF\.ext/,
    ],
    ["unaligned section", patchU32(ext, 8, 2), /is not aligned to 4 bytes/],
    ["bad section name", patchU32(ext, funcOff + 4, 1 << 20), /sec_name_off/],
    ["unaligned insn_off", patchU32(ext, funcOff + 12, 3), /insn_off 3 is not a multiple of 8/],
    ["truncated header", ext.slice(0, 6), /header is truncated/],
  ] as const)("rejects %s", (_what, bytes, message) => {
    expect(() => parseBtfExt(bytes, strings)).toThrow(BtfError);
    expect(() => parseBtfExt(bytes, strings)).toThrow(message);
  });
});
