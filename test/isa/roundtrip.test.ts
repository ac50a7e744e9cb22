import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble, assembleKernel } from "../../src/isa/asm/index.ts";
import {
  decode,
  disasm,
  encode,
  INSN_FORMS,
  insn,
  type Insn,
  type InsnForm,
} from "../../src/isa/index.ts";
import { programSections, readElfSections, relocatedOffsets } from "../support/elf-sections.ts";

const SAMPLES = join(import.meta.dirname, "../../../shared/samples");

function objectFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "invalid") out.push(...objectFiles(p));
    } else if (name.endsWith(".o")) out.push(p);
  }
  return out;
}

/** A random valid instance of a form (lddw as its two halves). */
function instanceOf(f: InsnForm): fc.Arbitrary<Insn[]> {
  const field = (rule: InsnForm["dst"], any: fc.Arbitrary<number>): fc.Arbitrary<number> =>
    rule === "zero" ? fc.constant(0) : rule === "reg" ? fc.integer({ min: 0, max: 10 }) : any;
  const i16 = fc.integer({ min: -0x8000, max: 0x7fff });
  const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
  return fc
    .record({
      dst: field(f.dst, i16),
      src: f.match.src !== undefined ? fc.constant(f.match.src) : field(f.src, i16),
      // kfunc calls print no BTF fd index (off): keep it 0 so the text carries every field.
      off:
        f.match.off !== undefined
          ? fc.constant(f.match.off)
          : f.kind === "call_kfunc"
            ? fc.constant(0)
            : field(f.off, i16),
      imm: f.match.imm !== undefined ? fc.constant(f.match.imm) : field(f.imm, i32),
      hi: [1, 4, 5].includes(f.match.src ?? -1) ? fc.constant(0) : i32,
    })
    .map((v) => {
      const x = insn(f.code, v.dst, v.src, v.off, v.imm);
      return f.kind === "lddw" ? [x, insn(0, 0, 0, 0, v.hi)] : [x];
    });
}

const anyInsn = fc.oneof(...INSN_FORMS.map(instanceOf));
const program = fc.array(anyInsn, { minLength: 1, maxLength: 20 }).map((xs) => xs.flat());

describe("disasm and the kernel-syntax assembler are inverse", () => {
  it("asm(disasm(p)) === p and disasm(asm(text)) === text for random valid instructions", () => {
    fc.assert(
      fc.property(program, fc.boolean(), fc.boolean(), (p, opcodes, index) => {
        const text = disasm(p, { opcodes, index });
        const back = assembleKernel(text.join("\n"));
        expect(back).toEqual(p);
        expect(disasm(back, { opcodes, index })).toEqual(text);
      }),
      { numRuns: 300 },
    );
  });

  it("covers every form", () => {
    for (const f of INSN_FORMS) {
      const [p] = fc.sample(instanceOf(f), { numRuns: 1, seed: 42 });
      expect(assembleKernel(disasm(p!).join("\n")), f.name).toEqual(p);
    }
  });
});

describe("the samples corpus", () => {
  const files = objectFiles(SAMPLES);

  it("round-trips every program section: decode→encode and disasm→asm→encode are byte-exact", () => {
    let sections = 0;
    let insns = 0;
    for (const file of files) {
      for (const s of programSections(readElfSections(readFileSync(file)))) {
        const decoded = decode(s.data);
        const where = `${file} ${s.name}`;
        expect(Buffer.from(encode(decoded)).equals(s.data), where).toBe(true);
        const text = disasm(decoded, { opcodes: false }).join("\n");
        expect(
          Buffer.from(encode(assemble(text, { syntax: "kernel" }))).equals(s.data),
          where,
        ).toBe(true);
        sections++;
        insns += decoded.length;
      }
    }
    expect(files.length).toBeGreaterThan(100);
    expect(sections).toBeGreaterThan(300);
    expect(insns).toBeGreaterThan(100_000);
  });

  it("assembles every PREVAIL listing in samples/asm to its object's section bytes", () => {
    const listings = readdirSync(join(SAMPLES, "asm")).filter((f) => f.endsWith(".asm"));
    expect(listings.length).toBe(24);
    for (const name of listings) {
      const got = assemble(readFileSync(join(SAMPLES, "asm", name), "utf8"), { file: name });
      const elf = readElfSections(
        readFileSync(join(SAMPLES, "build", name.replace(/\.asm$/, ".o"))),
      );
      // The listing is one program section; PREVAIL prints relocated map loads as `map_fd N`,
      // so at relocated lddw pairs only the opcode and destination are compared.
      const matches = programSections(elf).filter((s) => {
        if (s.data.length !== got.length * 8) return false;
        const rel = relocatedOffsets(elf, s.index);
        return decode(s.data).every((w, i) => {
          const g = got[i]!;
          const relocated = rel.has(i * 8) || rel.has((i - 1) * 8);
          return relocated
            ? g.code === w.code && g.dst === w.dst
            : JSON.stringify(g) === JSON.stringify(w);
        });
      });
      expect(matches.length, name).toBeGreaterThan(0);
    }
  });
});
