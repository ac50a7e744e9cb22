// Assembles a WebAssembly module from its parts: types, imports, functions,
// exports and element segments, in section order. Function bodies arrive
// already encoded (the code generator writes them straight into bytes), so
// this is only framing.
import { ByteWriter } from "./bytes.ts";
import { Kind, Section, T } from "./ops.ts";

/** `count` locals of type `type`, as a function body declares them. */
export type LocalDecl = readonly [count: number, type: number];

interface ImportEntry {
  module: string;
  name: string;
  write(w: ByteWriter): void;
}

interface FuncEntry {
  type: number;
  locals: readonly LocalDecl[];
  body: Uint8Array;
}

export class ModuleBuilder {
  private readonly types: Uint8Array[] = [];
  private readonly typeKeys = new Map<string, number>();
  private readonly imports: ImportEntry[] = [];
  private importedFuncs = 0;
  private importedGlobals = 0;
  private readonly funcs: FuncEntry[] = [];
  private readonly exports: Array<{ name: string; kind: number; index: number }> = [];
  private readonly elems: Array<{ offset: number; funcs: number[] }> = [];
  private readonly funcNames = new Map<number, string>();
  private readonly localNames = new Map<number, ReadonlyArray<readonly [number, string]>>();

  /** Index of the function type params → results (deduplicated). */
  type(params: readonly number[], results: readonly number[]): number {
    const key = `${params.join(",")}>${results.join(",")}`;
    const known = this.typeKeys.get(key);
    if (known !== undefined) return known;
    const w = new ByteWriter(16);
    w.u8(T.func).u32(params.length);
    for (const p of params) w.u8(p);
    w.u32(results.length);
    for (const r of results) w.u8(r);
    this.types.push(w.view().slice());
    this.typeKeys.set(key, this.types.length - 1);
    return this.types.length - 1;
  }

  private noFuncsYet(): void {
    // Imported functions take the first indices; adding one after a defined
    // function would shift indices already written into code.
    if (this.funcs.length > 0) throw new Error("imports must be declared before functions");
  }

  importFunc(module: string, name: string, type: number): number {
    this.noFuncsYet();
    this.imports.push({ module, name, write: (w) => w.u8(Kind.func).u32(type) });
    return this.importedFuncs++;
  }

  importMemory(module: string, name: string, minPages: number): void {
    this.imports.push({ module, name, write: (w) => w.u8(Kind.memory).u8(0).u32(minPages) });
  }

  importTable(module: string, name: string, minSize: number): void {
    this.imports.push({
      module,
      name,
      write: (w) => w.u8(Kind.table).u8(T.funcref).u8(0).u32(minSize),
    });
  }

  importGlobal(module: string, name: string, type: number, mutable: boolean): number {
    this.imports.push({
      module,
      name,
      write: (w) =>
        w
          .u8(Kind.global)
          .u8(type)
          .u8(mutable ? 1 : 0),
    });
    return this.importedGlobals++;
  }

  /** Index the next defined function will get. */
  get nextFuncIndex(): number {
    return this.importedFuncs + this.funcs.length;
  }

  /** Index the `k`-th defined function gets (defined functions follow the imports). */
  definedFuncIndex(k: number): number {
    return this.importedFuncs + k;
  }

  addFunc(type: number, locals: readonly LocalDecl[], body: Uint8Array): number {
    this.funcs.push({ type, locals, body });
    return this.importedFuncs + this.funcs.length - 1;
  }

  exportFunc(name: string, index: number): void {
    this.exports.push({ name, kind: Kind.func, index });
  }

  /** Active element segment: table[offset + i] = funcs[i] at instantiation. */
  elem(offset: number, funcs: number[]): void {
    this.elems.push({ offset, funcs });
  }

  /** Debug names for the "name" custom section (what `--wat` prints). */
  nameFunc(index: number, name: string, locals?: ReadonlyArray<readonly [number, string]>): void {
    this.funcNames.set(index, name);
    if (locals) this.localNames.set(index, locals);
  }

  build(): Uint8Array<ArrayBuffer> {
    const out = new ByteWriter(1024);
    out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    const section = (id: number, fill: (w: ByteWriter) => void): void => {
      const w = new ByteWriter(256);
      fill(w);
      out.u8(id).u32(w.len).bytes(w.view());
    };
    section(Section.type, (w) => {
      w.u32(this.types.length);
      for (const t of this.types) w.bytes(t);
    });
    if (this.imports.length > 0) {
      section(Section.import, (w) => {
        w.u32(this.imports.length);
        for (const imp of this.imports) {
          w.name(imp.module).name(imp.name);
          imp.write(w);
        }
      });
    }
    section(Section.function, (w) => {
      w.u32(this.funcs.length);
      for (const f of this.funcs) w.u32(f.type);
    });
    if (this.exports.length > 0) {
      section(Section.export, (w) => {
        w.u32(this.exports.length);
        for (const e of this.exports) w.name(e.name).u8(e.kind).u32(e.index);
      });
    }
    if (this.elems.length > 0) {
      section(Section.element, (w) => {
        w.u32(this.elems.length);
        for (const e of this.elems) {
          // Flags 0: active, table 0, offset expression, vector of func indices.
          w.u32(0).u8(0x41).s32(e.offset).u8(0x0b).u32(e.funcs.length);
          for (const f of e.funcs) w.u32(f);
        }
      });
    }
    section(Section.code, (w) => {
      w.u32(this.funcs.length);
      for (const f of this.funcs) {
        const head = new ByteWriter(16);
        head.u32(f.locals.length);
        for (const [count, type] of f.locals) head.u32(count).u8(type);
        w.u32(head.len + f.body.length + 1);
        w.bytes(head.view()).bytes(f.body).u8(0x0b);
      }
    });
    if (this.funcNames.size > 0) this.writeNames(out);
    return out.view().slice();
  }

  private writeNames(out: ByteWriter): void {
    const w = new ByteWriter(256);
    w.name("name");
    const sub = (id: number, fill: (s: ByteWriter) => void): void => {
      const s = new ByteWriter(128);
      fill(s);
      w.u8(id).u32(s.len).bytes(s.view());
    };
    const sorted = [...this.funcNames].sort((a, b) => a[0] - b[0]);
    sub(1, (s) => {
      s.u32(sorted.length);
      for (const [i, n] of sorted) s.u32(i).name(n);
    });
    const locals = [...this.localNames].sort((a, b) => a[0] - b[0]);
    sub(2, (s) => {
      s.u32(locals.length);
      for (const [i, names] of locals) {
        s.u32(i).u32(names.length);
        for (const [l, n] of names) s.u32(l).name(n);
      }
    });
    out.u8(0).u32(w.len).bytes(w.view());
  }
}
