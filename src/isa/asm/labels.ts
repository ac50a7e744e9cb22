// Label definitions and forward references for the assemblers. A jump's offset
// is relative to the next instruction slot (target - pc - 1), counting the
// second half of an lddw as a slot, as the ISA does.
import type { Insn } from "../insn.ts";
import { fitsI16, fitsI32 } from "./numbers.ts";
import type { Where } from "./source.ts";

interface Ref {
  pc: number;
  label: string;
  /** `off` for jumps (16 bits), `imm` for gotol/ja32 and BPF-to-BPF calls (32 bits). */
  field: "off" | "imm";
  line: number;
  col: number;
}

export class Labels {
  private readonly defs = new Map<string, { pc: number; line: number }>();
  private readonly refs: Ref[] = [];

  constructor(private readonly where: Where) {}

  has(name: string): boolean {
    return this.defs.has(name);
  }

  define(name: string, pc: number, line: number, col: number): void {
    const prev = this.defs.get(name);
    if (prev)
      this.where.fail(`duplicate label '${name}' (first defined on line ${prev.line})`, line, col);
    this.defs.set(name, { pc, line });
  }

  /** Define `name` only if it is not defined yet (uBPF's implicit `exit` label). */
  defineDefault(name: string, pc: number, line: number): void {
    if (!this.defs.has(name)) this.defs.set(name, { pc, line });
  }

  ref(pc: number, label: string, field: "off" | "imm", line: number, col: number): void {
    this.refs.push({ pc, label, field, line, col });
  }

  /** Patch every reference; labels defined later than first use are fine. */
  resolve(insns: Insn[]): void {
    for (const r of this.refs) {
      const def = this.defs.get(r.label);
      if (!def) this.where.fail(`undefined label '${r.label}'`, r.line, r.col);
      const rel = def.pc - r.pc - 1;
      const x = insns[r.pc]!;
      if (r.field === "off") {
        if (!fitsI16(rel))
          this.where.fail(
            `jump to '${r.label}' out of 16-bit offset range (${rel})`,
            r.line,
            r.col,
          );
        x.off = rel;
      } else {
        if (!fitsI32(rel))
          this.where.fail(`jump to '${r.label}' out of 32-bit range (${rel})`, r.line, r.col);
        x.imm = rel;
      }
    }
  }
}
