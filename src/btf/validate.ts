// Pass 2 of BTF checking, after every record decoded: the checks the kernel's
// btf_check_all_types does by resolving each type — referenced ids exist and
// have the right kinds, members fit their structs, arrays and by-value
// nesting have sizes, no type contains itself, pointer/modifier chains do not
// loop, type tags precede other modifiers. Messages are the kernel's.
import type { Btf } from "./btf.ts";
import { BtfError } from "./errors.ts";
import {
  BtfKind,
  BtfLinkage,
  isModifier,
  kindName,
  type BtfMember,
  type BtfType,
} from "./types.ts";

/** "object": BTF as found in a .o (extern linkage, unfixed DATASECs, .ksyms FUNCs); "kernel": the kernel's rules. */
export type BtfMode = "object" | "kernel";

const MAX_RESOLVE_DEPTH = 32;
const VISITING = 1;
const RESOLVED = 2;

export function validateBtf(btf: Btf, mode: BtfMode = "kernel"): void {
  new Validator(btf, mode).run();
}

class Validator {
  private readonly state: Uint8Array;
  /** Resolved byte size of each type (0 for sizeless ones), filled as types resolve. */
  private readonly size: Float64Array;
  private depth = 0;

  constructor(
    private readonly btf: Btf,
    private readonly mode: BtfMode,
  ) {
    this.state = new Uint8Array(btf.count);
    this.size = new Float64Array(btf.count);
    this.state[0] = RESOLVED;
  }

  run(): void {
    const n = this.btf.count;
    for (let id = 1; id < n; id++) {
      this.resolve(id);
      const t = this.btf.types[id]!;
      if (t.kind === BtfKind.FUNC_PROTO) this.checkProto(id, t.type, t.params);
      // Extern FUNCs in a .o (kfunc declarations) carry unnamed parameters; libbpf sanitizes them.
      const externInObject =
        this.mode === "object" && t.kind === BtfKind.FUNC && t.linkage === BtfLinkage.EXTERN;
      if (t.kind === BtfKind.FUNC && !externInObject) this.checkFunc(id, t.type);
    }
    this.checkPointerLoops();
    this.checkTypeTags();
  }

  private fail(id: number, msg: string): never {
    const t = this.btf.types[id]!;
    throw new BtfError(`[${id}] ${kindName(t.kind)} ${t.name || "(anon)"} ${msg}`, id);
  }

  private exists(id: number): boolean {
    return id < this.btf.count;
  }

  /** Types whose size is not known: void, FWD, FUNC, FUNC_PROTO. */
  private nosize(id: number): boolean {
    const k = this.btf.types[id]!.kind;
    return id === 0 || k === BtfKind.FWD || k === BtfKind.FUNC || k === BtfKind.FUNC_PROTO;
  }

  /** Kinds that can never be referenced as a value (the kernel's resolve_source_only). */
  private sourceOnly(id: number): boolean {
    const k = this.btf.types[id]!.kind;
    return k === BtfKind.VAR || k === BtfKind.DATASEC || k === BtfKind.DECL_TAG;
  }

  /** Resolves `id` by value (state 0 is not visited yet), returning its byte size (0 for sizeless types behind modifiers). */
  private resolve(id: number): number {
    const st = this.state[id];
    if (st === RESOLVED) return this.size[id]!;
    if (st === VISITING) this.fail(id, "Loop detected");
    if (this.depth >= MAX_RESOLVE_DEPTH)
      this.fail(id, `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`);
    this.state[id] = VISITING;
    this.depth++;
    const size = this.resolveKind(id, this.btf.types[id]!);
    this.depth--;
    this.state[id] = RESOLVED;
    this.size[id] = size;
    return size;
  }

  private resolveKind(id: number, t: BtfType): number {
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FLOAT:
        return t.size;
      case BtfKind.FWD:
      case BtfKind.FUNC_PROTO:
        return 0;
      case BtfKind.PTR: {
        // A pointer is a sink: its target may be anything but a VAR/DATASEC/DECL_TAG,
        // and it need not be resolved by value (struct A { struct A *next; }).
        if (!this.exists(t.type) || this.sourceOnly(t.type)) this.fail(id, "Invalid type_id");
        return 8;
      }
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG: {
        if (!this.exists(t.type) || this.sourceOnly(t.type)) this.fail(id, "Invalid type_id");
        const target = this.btf.types[t.type]!;
        if (target.kind === BtfKind.FUNC) this.fail(id, "Invalid type_id");
        return this.resolve(t.type);
      }
      case BtfKind.ARRAY: {
        if (!this.exists(t.indexType) || this.nosize(t.indexType) || this.sourceOnly(t.indexType)) {
          this.fail(id, "Invalid index");
        }
        this.resolve(t.indexType);
        const index = this.btf.resolve(t.indexType);
        if (index.kind !== BtfKind.INT || !regularInt(index)) this.fail(id, "Invalid index");
        if (!this.exists(t.type) || this.nosize(t.type) || this.sourceOnly(t.type))
          this.fail(id, "Invalid elem");
        const elemSize = this.resolve(t.type);
        const elem = this.btf.resolve(t.type);
        if (elem.kind === BtfKind.FWD || elem.kind === BtfKind.FUNC_PROTO || t.type === 0)
          this.fail(id, "Invalid elem");
        if (elem.kind === BtfKind.INT && !regularInt(elem)) this.fail(id, "Invalid array of int");
        if (t.nelems && elemSize > 0xffffffff / t.nelems)
          this.fail(id, "Array size overflows U32_MAX");
        return elemSize * t.nelems;
      }
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        for (const m of t.members) this.checkMember(id, t.size, t.kflag, m);
        return t.size;
      }
      case BtfKind.FUNC:
        if (!this.exists(t.type)) this.fail(id, "Invalid type_id");
        return 0;
      case BtfKind.VAR: {
        if (!this.exists(t.type) || this.sourceOnly(t.type)) this.fail(id, "Invalid type_id");
        const size = this.resolve(t.type);
        // `extern const void sym __ksym;` (a typeless ksym) is a VAR of void in an object.
        const typeless = this.mode === "object" && t.linkage === BtfLinkage.EXTERN;
        if (!typeless && this.nosize(this.btf.skipModsAndTypedefs(t.type)))
          this.fail(id, "Invalid type_id");
        return size;
      }
      case BtfKind.DATASEC: {
        for (const v of t.vars) {
          const where = `type_id=${v.type} offset=${v.offset} size=${v.size}`;
          if (!this.exists(v.type)) this.fail(id, `${where} Not a VAR kind member`);
          const k = this.btf.types[v.type]!.kind;
          // .ksyms in an object lists extern FUNCs (kfuncs) next to VARs.
          const ok = k === BtfKind.VAR || (this.mode === "object" && k === BtfKind.FUNC);
          if (!ok) this.fail(id, `${where} Not a VAR kind member`);
          const varSize = this.resolve(v.type);
          if (this.mode === "kernel" && v.size < varSize) this.fail(id, `${where} Invalid size`);
        }
        return t.size;
      }
      case BtfKind.DECL_TAG: {
        if (!this.exists(t.type)) this.fail(id, "Invalid type_id");
        const target = this.btf.types[t.type]!;
        const k = target.kind;
        if (
          k !== BtfKind.FUNC &&
          k !== BtfKind.STRUCT &&
          k !== BtfKind.UNION &&
          k !== BtfKind.VAR &&
          k !== BtfKind.TYPEDEF
        ) {
          this.fail(id, "Invalid type_id");
        }
        if (t.componentIdx !== -1) {
          let vlen = 0;
          if (k === BtfKind.STRUCT || k === BtfKind.UNION) vlen = target.members.length;
          else if (k === BtfKind.FUNC) {
            const proto = this.exists(target.type) ? this.btf.types[target.type]! : undefined;
            vlen = proto?.kind === BtfKind.FUNC_PROTO ? proto.params.length : 0;
          } else this.fail(id, "Invalid component_idx");
          if (t.componentIdx >= vlen) this.fail(id, "Invalid component_idx");
        }
        return 0;
      }
      default:
        return 0;
    }
  }

  private checkMember(id: number, structSize: number, kflag: boolean, m: BtfMember): void {
    const where = `${m.name || "(anon)"} type_id=${m.type} bits_offset=${m.bitOffset}`;
    if (!this.exists(m.type) || this.sourceOnly(m.type)) this.fail(id, `${where} Invalid member`);
    const size = this.resolve(m.type);
    const resolvedId = this.btf.skipModsAndTypedefs(m.type);
    if (this.nosize(resolvedId)) this.fail(id, `${where} Invalid member`);
    const rt = this.btf.types[resolvedId]!;
    const isIntLike =
      rt.kind === BtfKind.INT || rt.kind === BtfKind.ENUM || rt.kind === BtfKind.ENUM64;
    if (m.bitfieldSize) {
      if (!kflag) this.fail(id, `${where} Invalid member bitfield_size`);
      if (!isIntLike) this.fail(id, `${where} Invalid member bitfield_size`);
      const width = rt.kind === BtfKind.INT ? rt.bits : size * 8;
      if (m.bitfieldSize > width) this.fail(id, `${where} Invalid member bitfield_size`);
      const bytesOff = Math.floor(m.bitOffset / 8);
      const copyBits = m.bitfieldSize + (m.bitOffset % 8);
      if (copyBits > 128) this.fail(id, `${where} nr_copy_bits exceeds 128`);
      if (structSize < bytesOff || structSize - bytesOff < Math.ceil(copyBits / 8)) {
        this.fail(id, `${where} Member exceeds struct_size`);
      }
      return;
    }
    if (rt.kind === BtfKind.INT && !kflag) {
      // Old-style (no kind_flag) int bitfields encode their offset in the INT itself.
      const bitsOff = m.bitOffset + rt.bitOffset;
      const copyBits = rt.bits + (bitsOff % 8);
      if (copyBits > 128) this.fail(id, `${where} nr_copy_bits exceeds 128`);
      const bytesOff = Math.floor(bitsOff / 8);
      if (structSize < bytesOff || structSize - bytesOff < Math.ceil(copyBits / 8)) {
        this.fail(id, `${where} Member exceeds struct_size`);
      }
      return;
    }
    if (m.bitOffset % 8 !== 0) this.fail(id, `${where} Member is not byte aligned`);
    const bytesOff = m.bitOffset / 8;
    if (structSize < bytesOff || structSize - bytesOff < size)
      this.fail(id, `${where} Member exceeds struct_size`);
  }

  private checkProto(
    id: number,
    ret: number,
    params: readonly { name: string; type: number }[],
  ): void {
    if (ret) {
      if (!this.exists(ret) || this.sourceOnly(ret)) this.fail(id, "Invalid return type");
      this.resolve(ret);
      const r = this.btf.skipModsAndTypedefs(ret);
      const rk = this.btf.types[r]!.kind;
      if (r === 0 || rk === BtfKind.FUNC || rk === BtfKind.FUNC_PROTO)
        this.fail(id, "Invalid return type");
    }
    let n = params.length;
    if (n && params[n - 1]!.type === 0) {
      if (params[n - 1]!.name) this.fail(id, `Invalid arg#${n}`);
      n--;
    }
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      if (!this.exists(p.type) || p.type === 0 || this.sourceOnly(p.type))
        this.fail(id, `Invalid arg#${i + 1}`);
      this.resolve(p.type);
      const r = this.btf.skipModsAndTypedefs(p.type);
      const rk = this.btf.types[r]!.kind;
      if (r === 0 || rk === BtfKind.FUNC || rk === BtfKind.FUNC_PROTO)
        this.fail(id, `Invalid arg#${i + 1}`);
    }
  }

  private checkFunc(id: number, protoId: number): void {
    const proto = this.btf.types[protoId]!;
    if (proto.kind !== BtfKind.FUNC_PROTO) this.fail(id, "Invalid type_id");
    for (let i = 0; i < proto.params.length; i++) {
      const p = proto.params[i]!;
      if (!p.name && p.type) this.fail(id, `Invalid arg#${i + 1}`);
    }
  }

  /** PTR/modifier chains that come back to where they started (CONST -> PTR -> CONST -> ...). */
  private checkPointerLoops(): void {
    const n = this.btf.count;
    const done = new Uint8Array(n);
    const onPath = new Int32Array(n).fill(-1);
    for (let start = 1; start < n; start++) {
      if (done[start]) continue;
      const path: number[] = [];
      let cur = start;
      while (cur !== 0 && !done[cur]) {
        const t = this.btf.types[cur]!;
        if (t.kind !== BtfKind.PTR && !isModifier(t)) break;
        if (onPath[cur] === start) this.fail(cur, "Loop detected");
        onPath[cur] = start;
        path.push(cur);
        cur = t.type;
      }
      for (const p of path) done[p] = 1;
    }
  }

  /** The kernel's btf_check_type_tags: TYPE_TAGs come first in a modifier chain. */
  private checkTypeTags(): void {
    const n = this.btf.count;
    for (let id = 1; id < n; id++) {
      let t = this.btf.types[id]!;
      if (!isModifier(t)) continue;
      let inTags = t.kind === BtfKind.TYPE_TAG;
      let cur = id;
      for (let hops = 0; isModifier(t); hops++) {
        if (hops > MAX_RESOLVE_DEPTH) throw new BtfError("Max chain length or cycle detected", id);
        if (t.kind === BtfKind.TYPE_TAG) {
          if (!inTags) throw new BtfError("Type tags don't precede modifiers", cur);
        } else inTags = false;
        cur = t.type;
        t = this.btf.types[cur]!;
      }
    }
  }
}

/** The kernel's btf_type_int_is_regular: a whole 1/2/4/8-byte integer, no bit offset. */
function regularInt(t: { bits: number; bitOffset: number }): boolean {
  return t.bitOffset === 0 && t.bits % 8 === 0 && [1, 2, 4, 8].includes(t.bits / 8);
}
