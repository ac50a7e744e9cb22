// The runtime's "kernel": the host functions BPF programs may trace, described
// in BTF the way vmlinux BTF describes kernel functions. Host code defines a
// function with a prototype — a C declaration string, a small
// { ret, args } description, or a FUNC/FUNC_PROTO id it built itself through
// `kernel.builder` — and gets back the callable its application uses. fentry/
// fexit programs name the function (or its BTF id) as their attach target;
// `tsbpf btf dump --runtime --format c` prints this BTF as a C header.
//
// Types are appended only (ids never change), so BTF snapshots taken earlier
// stay valid for the programs verified against them.
import { Btf } from "../../btf/btf.ts";
import { BtfBuilder } from "../../btf/builder.ts";
import { BtfKind, BtfLinkage, type BtfParam, type BtfStruct } from "../../btf/types.ts";
import { UsageError } from "../../errors.ts";
import { distillFuncProto, type FuncModel } from "../model.ts";
import { parseCFields, parseCFunc, parseCType, type CDecl, type CType } from "./c-decl.ts";
import { CallbackSlot } from "./callback-slot.ts";
import { HostFunction, type HostImpl } from "./host-function.ts";

/** What tracing programs can attach to in the host: a function or a callback slot. */
export type HostTarget = HostFunction | CallbackSlot;

/** Builtin integer types: name → [size, signed, char, bool]. */
const BUILTINS: Record<string, [number, boolean, boolean, boolean]> = {
  char: [1, true, true, false],
  "signed char": [1, true, true, false],
  "unsigned char": [1, false, true, false],
  short: [2, true, false, false],
  "unsigned short": [2, false, false, false],
  int: [4, true, false, false],
  "unsigned int": [4, false, false, false],
  long: [8, true, false, false],
  "unsigned long": [8, false, false, false],
  "long long": [8, true, false, false],
  "unsigned long long": [8, false, false, false],
  _Bool: [1, false, false, true],
};

/** Typedefs every kernel header has, created on first use (as in vmlinux: u32 → __u32 → unsigned int). */
const STD_TYPEDEFS: Record<string, string> = {
  __u8: "unsigned char",
  __s8: "signed char",
  __u16: "unsigned short",
  __s16: "short",
  __u32: "unsigned int",
  __s32: "int",
  __u64: "unsigned long long",
  __s64: "long long",
  u8: "__u8",
  s8: "__s8",
  u16: "__u16",
  s16: "__s16",
  u32: "__u32",
  s32: "__s32",
  u64: "__u64",
  s64: "__s64",
  bool: "_Bool",
  size_t: "unsigned long",
  ssize_t: "long",
};

/** A prototype as data: `{ ret: "long", args: [["u32", "method"], ["struct req *", "r"]] }`. */
export interface ProtoSpec {
  /** Return type (default void). */
  ret?: string;
  /** [type, name] pairs, or bare types. */
  args?: ReadonlyArray<readonly [type: string, name: string] | string>;
}

/** A struct field as data: [type, name] or [type, name, arrayLength]. */
export type FieldSpec = readonly [type: string, name: string, array?: number];

export class HostKernel {
  /** Builder of the kernel's BTF; add types through it and pass their ids to define(). */
  readonly builder = new BtfBuilder();
  private cached: Btf | undefined;
  private cachedCount = 0;
  private readonly named = new Map<string, number>();
  private readonly ptrs = new Map<number, number>();
  private readonly consts = new Map<number, number>();
  private readonly byName = new Map<string, HostTarget>();
  private readonly byId = new Map<number, HostTarget>();

  /** The kernel's BTF as it is now (a snapshot; later definitions add ids after it). */
  get btf(): Btf {
    if (!this.cached || this.cachedCount !== this.builder.nextId) {
      this.cached = this.builder.build();
      this.cachedCount = this.builder.nextId;
    }
    return this.cached;
  }

  /** The kernel's BTF in the .BTF binary format. */
  encode(): Uint8Array {
    return this.builder.encode();
  }

  /** BTF id of a C type such as `u32`, `const char *` or `struct request *`. */
  type(text: string | CType): number {
    const t = typeof text === "string" ? parseCType(text) : text;
    let id = this.baseId(t.base);
    if (t.isConst && t.ptr > 0) id = this.constOf(id);
    for (let i = 0; i < t.ptr; i++) id = this.ptrTo(id);
    return id;
  }

  private baseId(base: CType["base"]): number {
    const key = base.kind === "name" ? base.name : `${base.kind} ${base.name}`;
    const known = this.named.get(key);
    if (known !== undefined) return known;
    let id: number;
    if (base.kind === "name") {
      if (base.name === "void") return 0;
      const b = BUILTINS[base.name];
      const td = STD_TYPEDEFS[base.name];
      if (b) {
        id = this.builder.addInt(base.name, b[0], { signed: b[1], char: b[2], bool: b[3] });
      } else if (td) {
        id = this.builder.addTypedef(base.name, this.baseId({ kind: "name", name: td }));
      } else {
        throw new UsageError(`unknown type '${base.name}' (define it first)`);
      }
    } else if (base.kind === "enum") {
      throw new UsageError(`unknown type 'enum ${base.name}' (define it with kernel.enum())`);
    } else {
      // A pointer to a struct not defined yet: a forward declaration, as C allows.
      id = this.builder.addFwd(base.name, base.kind === "union");
    }
    this.named.set(key, id);
    return id;
  }

  private ptrTo(id: number): number {
    let p = this.ptrs.get(id);
    if (p === undefined) this.ptrs.set(id, (p = this.builder.addPtr(id)));
    return p;
  }

  private constOf(id: number): number {
    let c = this.consts.get(id);
    if (c === undefined) this.consts.set(id, (c = this.builder.addConst(id)));
    return c;
  }

  /** `typedef <type> name;` */
  typedef(name: string, type: string): number {
    this.checkFree(name);
    const id = this.builder.addTypedef(name, this.type(type));
    this.named.set(name, id);
    return id;
  }

  /** An enum with the given values (4 bytes unless `size` says otherwise). */
  enum(name: string, values: Record<string, number>, size = 4): number {
    const key = `enum ${name}`;
    if (this.named.has(key)) throw new UsageError(`${key} is already defined`);
    const list = Object.entries(values).map(([n, value]) => ({ name: n, value }));
    const signed = list.some((v) => v.value < 0);
    const id = this.builder.addEnum(name, list, size, signed);
    this.named.set(key, id);
    return id;
  }

  /**
   * A struct laid out as C lays it out (natural alignment), from a C body
   * (`"u32 method; u64 start; char path[64];"`) or [type, name, n?] rows. A
   * struct may point to itself; one declared earlier only by pointer becomes
   * defined here (pointers made before keep pointing to the forward
   * declaration, which the verifier resolves by name).
   */
  struct(name: string, fields: string | readonly FieldSpec[]): number {
    const key = `struct ${name}`;
    const prior = this.named.get(key);
    if (prior !== undefined && this.btf.type(prior).kind !== BtfKind.FWD) {
      throw new UsageError(`${key} is already defined`);
    }
    const decls: CDecl[] =
      typeof fields === "string"
        ? parseCFields(fields)
        : fields.map(([type, n, array]) => ({ type: parseCType(type), name: n, array }));
    // The struct takes its id first so that its fields may point to it; its
    // members are filled in once their types exist.
    const record: BtfStruct = { kind: BtfKind.STRUCT, name, size: 0, members: [], kflag: false };
    const id = this.builder.add(record);
    this.named.set(key, id);
    const types = decls.map((d) => {
      if (d.type.ptr === 0 && d.type.base.kind === "struct" && d.type.base.name === name) {
        throw new UsageError(`struct ${name} cannot contain itself (field '${d.name}')`);
      }
      return this.fieldType(d);
    });
    const btf = this.btf;
    let off = 0;
    let align = 1;
    decls.forEach((d, i) => {
      const t = types[i]!;
      const a = btf.alignof(t);
      off = Math.ceil(off / a) * a;
      record.members.push({ name: d.name, type: t, bitOffset: off * 8, bitfieldSize: 0 });
      off += btf.sizeof(t);
      align = Math.max(align, a);
    });
    record.size = Math.ceil(off / align) * align;
    return id;
  }

  private fieldType(d: CDecl): number {
    const t = this.type(d.type);
    if (t === 0) throw new UsageError(`field '${d.name}' cannot be void`);
    if (d.array === undefined) return t;
    return this.builder.addArray(t, d.array, this.type("int"));
  }

  private checkFree(name: string): void {
    if (this.named.has(name) || BUILTINS[name] || STD_TYPEDEFS[name]) {
      throw new UsageError(`type '${name}' is already defined`);
    }
  }

  /**
   * Define an attachable host function. `proto` is a C prototype
   * (`"long handle(u32 method, struct req *r)"`, the name optional), a
   * ProtoSpec, or the id of a FUNC_PROTO (or FUNC) in this kernel's BTF.
   * Returns the callable application code should use in place of `impl`.
   */
  define<F extends HostImpl>(name: string, proto: string | ProtoSpec | number, impl: F): F {
    return this.defineFunction(name, proto, impl).call;
  }

  /** Like define() but returns the HostFunction record. */
  defineFunction<F extends HostImpl>(
    name: string,
    proto: string | ProtoSpec | number,
    impl: F,
  ): HostFunction<F> {
    if (typeof impl !== "function")
      throw new UsageError(`host function '${name}' needs a function`);
    const { funcId, protoId, model } = this.declare(name, proto);
    const fn = new HostFunction(name, funcId, protoId, model, impl);
    this.register(fn as HostFunction);
    return fn;
  }

  /**
   * Make `obj[key]` (a callback table entry) attachable under `name` (default
   * the key) with the given prototype. Programs attached to it run whenever
   * code calls through the slot; see CallbackSlot.
   */
  slot(
    obj: object,
    key: PropertyKey,
    proto: string | ProtoSpec | number,
    opts: { name?: string; callOriginal?: boolean } = {},
  ): CallbackSlot {
    const name = opts.name ?? String(key);
    const { funcId, protoId, model } = this.declare(name, proto);
    const slot = new CallbackSlot(
      name,
      funcId,
      protoId,
      model,
      obj as Record<PropertyKey, unknown>,
      key,
      opts.callOriginal ?? true,
    );
    this.register(slot);
    return slot;
  }

  /** Checks, the FUNC_PROTO + FUNC in BTF, and the model. */
  private declare(
    name: string,
    proto: string | ProtoSpec | number,
  ): { funcId: number; protoId: number; model: FuncModel } {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(`host function name '${name}' is not a C identifier`);
    }
    if (this.byName.has(name)) throw new UsageError(`host function '${name}' is already defined`);
    const protoId = this.protoId(name, proto);
    // The model first: a prototype the trampoline cannot model (a
    // FuncModelError with the kernel's message) adds no FUNC.
    const model = distillFuncProto(this.btf, protoId, name);
    const funcId = this.builder.addFunc(name, protoId, BtfLinkage.GLOBAL);
    return { funcId, protoId, model };
  }

  private register(t: HostTarget): void {
    this.byName.set(t.name, t);
    this.byId.set(t.btfId, t);
  }

  private protoId(name: string, proto: string | ProtoSpec | number): number {
    if (typeof proto === "number") {
      const btf = this.btf;
      if (!btf.has(proto)) throw new UsageError(`BTF id ${proto} is not in the kernel's BTF`);
      const t = btf.type(proto);
      if (t.kind === BtfKind.FUNC) return t.type;
      if (t.kind !== BtfKind.FUNC_PROTO) {
        throw new UsageError(`BTF id ${proto} is ${btf.describe(proto)}, not a FUNC_PROTO`);
      }
      return proto;
    }
    let ret: number;
    let params: BtfParam[];
    if (typeof proto === "string") {
      const f = parseCFunc(proto);
      if (f.name && f.name !== name) {
        throw new UsageError(`prototype names '${f.name}', the function is '${name}'`);
      }
      ret = this.type(f.ret);
      params = f.params.map((p) => ({ name: p.name, type: this.type(p.type) }));
    } else {
      ret = proto.ret === undefined ? 0 : this.type(proto.ret);
      params = (proto.args ?? []).map((a) =>
        typeof a === "string"
          ? { name: "", type: this.type(a) }
          : { name: a[1], type: this.type(a[0]) },
      );
    }
    // The kernel's BTF check wants every parameter of a FUNC named.
    return this.builder.addFuncProto(
      ret,
      params.map((p, i) => ({ name: p.name || `arg${i}`, type: p.type })),
    );
  }

  /** The host function or callback slot of that name. */
  target(name: string): HostTarget | undefined {
    return this.byName.get(name);
  }

  /** The host function or callback slot whose FUNC has this BTF id. */
  targetById(btfId: number): HostTarget | undefined {
    return this.byId.get(btfId);
  }

  /** The host function of that name (not a callback slot). */
  function(name: string): HostFunction | undefined {
    const t = this.byName.get(name);
    return t instanceof HostFunction ? t : undefined;
  }

  /** Every function and callback slot, in definition order. */
  targets(): HostTarget[] {
    return [...this.byName.values()];
  }
}
