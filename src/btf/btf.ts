// A parsed (or built) set of BTF types and the queries later stages ask of it:
// follow modifiers and typedefs, size and alignment of a type, the member at a
// byte offset, lookups by name and kind. Immutable after construction.
import { BtfError } from "./errors.ts";
import {
  BtfKind,
  isComposite,
  isModifier,
  kindName,
  type BtfMember,
  type BtfStruct,
  type BtfType,
  type BtfUnion,
} from "./types.ts";

/** How many modifier/typedef/array hops a resolution may take before it is called a loop (the kernel's MAX_RESOLVE_DEPTH). */
export const MAX_RESOLVE_DEPTH = 32;

export interface MemberAtOffset {
  /** The member containing the byte. */
  member: BtfMember;
  /** Its index in the struct's member list. */
  index: number;
  /** Byte offset of the member from the start of the struct. */
  memberOffset: number;
}

export class Btf {
  private nameIndex: Map<string, number[]> | undefined;

  /** `types[0]` must be void. */
  constructor(readonly types: readonly BtfType[]) {
    if (types.length === 0 || types[0]!.kind !== BtfKind.UNKN) {
      throw new BtfError("BTF type list must start with void (id 0)");
    }
  }

  /** Number of type ids, including void. */
  get count(): number {
    return this.types.length;
  }

  has(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.types.length;
  }

  type(id: number): BtfType {
    const t = this.types[id];
    if (t === undefined || !Number.isInteger(id)) {
      throw new BtfError(`type id ${id} is out of range (${this.types.length} types)`, id);
    }
    return t;
  }

  /** The type's name, or "" when anonymous. */
  name(id: number): string {
    return this.type(id).name;
  }

  /** Short description for messages: "STRUCT foo" / "PTR (anon)". */
  describe(id: number): string {
    const t = this.type(id);
    return `${kindName(t.kind)} ${t.name || "(anon)"}`;
  }

  /** Follows CONST/VOLATILE/RESTRICT/TYPE_TAG and TYPEDEF to the underlying type id. */
  skipModsAndTypedefs(id: number): number {
    return this.skip(id, true);
  }

  /** Follows CONST/VOLATILE/RESTRICT/TYPE_TAG but stops at a TYPEDEF. */
  skipQualifiers(id: number): number {
    return this.skip(id, false);
  }

  private skip(id: number, typedefs: boolean): number {
    for (let i = 0; i <= MAX_RESOLVE_DEPTH; i++) {
      const t = this.type(id);
      if (!isModifier(t) || (!typedefs && t.kind === BtfKind.TYPEDEF)) return id;
      id = t.type;
    }
    throw new BtfError(`[${id}] modifier chain longer than ${MAX_RESOLVE_DEPTH} (loop?)`, id);
  }

  /** The resolved type (modifiers and typedefs skipped). */
  resolve(id: number): BtfType {
    return this.type(this.skipModsAndTypedefs(id));
  }

  /**
   * Size in bytes of a type, as btf__resolve_size computes it: through
   * modifiers, typedefs, VARs and arrays. Throws for types without a size
   * (void, FWD, FUNC, FUNC_PROTO, DATASEC with no size).
   */
  sizeof(id: number): number {
    let nelems = 1;
    let cur = id;
    for (let i = 0; i <= MAX_RESOLVE_DEPTH; i++) {
      const t = this.type(cur);
      switch (t.kind) {
        case BtfKind.INT:
        case BtfKind.STRUCT:
        case BtfKind.UNION:
        case BtfKind.ENUM:
        case BtfKind.ENUM64:
        case BtfKind.FLOAT:
        case BtfKind.DATASEC:
          return checkedSize(nelems * t.size, id);
        case BtfKind.PTR:
          return checkedSize(nelems * 8, id);
        case BtfKind.TYPEDEF:
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.TYPE_TAG:
        case BtfKind.VAR:
          cur = t.type;
          break;
        case BtfKind.ARRAY:
          nelems *= t.nelems;
          cur = t.type;
          break;
        default:
          throw new BtfError(
            `[${id}] ${this.describe(id)} has no size (resolves to ${this.describe(cur)})`,
            id,
          );
      }
    }
    throw new BtfError(`[${id}] size resolution deeper than ${MAX_RESOLVE_DEPTH} (loop?)`, id);
  }

  /** Alignment in bytes, as btf__align_of computes it (packed structs align to 1). */
  alignof(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) throw new BtfError(`[${id}] alignment resolution loops`, id);
    const t = this.type(id);
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FLOAT:
        return Math.min(8, Math.max(1, t.size));
      case BtfKind.PTR:
        return 8;
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
      case BtfKind.VAR:
        return this.alignof(t.type, depth + 1);
      case BtfKind.ARRAY:
        return this.alignof(t.type, depth + 1);
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        let max = 1;
        for (const m of t.members) {
          const a = this.alignof(m.type, depth + 1);
          // A member placed off its natural alignment means the struct is packed.
          if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return 1;
          max = Math.max(max, a);
        }
        if (t.size % max !== 0) return 1;
        return max;
      }
      default:
        throw new BtfError(`[${id}] ${this.describe(id)} has no alignment`, id);
    }
  }

  /** The struct/union behind `id` (through modifiers/typedefs), or a BtfError. */
  composite(id: number): BtfStruct | BtfUnion {
    const t = this.resolve(id);
    if (!isComposite(t))
      throw new BtfError(`[${id}] ${this.describe(id)} is not a struct or union`, id);
    return t;
  }

  /** The member by name (direct members only). */
  member(id: number, name: string): { member: BtfMember; index: number } | undefined {
    const members = this.composite(id).members;
    const index = members.findIndex((m) => m.name === name);
    return index < 0 ? undefined : { member: members[index]!, index };
  }

  /**
   * The direct member of a struct/union that contains byte `offset`, the way
   * the verifier maps a pointer offset to a field. For unions the first member
   * covering the byte wins; bitfields are matched by their containing bytes.
   */
  memberAt(id: number, offset: number): MemberAtOffset | undefined {
    const t = this.composite(id);
    for (let index = 0; index < t.members.length; index++) {
      const member = t.members[index]!;
      const startBit = member.bitOffset;
      let endBit: number;
      if (member.bitfieldSize > 0) endBit = startBit + member.bitfieldSize;
      else {
        let size: number;
        try {
          size = this.sizeof(member.type);
        } catch {
          size = 0; // flexible array or other sizeless member
        }
        endBit = startBit + size * 8;
      }
      const memberOffset = Math.floor(startBit / 8);
      if (offset * 8 + 8 > startBit && offset * 8 < endBit) return { member, index, memberOffset };
    }
    return undefined;
  }

  /** All ids with this name (optionally of this kind), in id order. */
  findAll(name: string, kind?: number): number[] {
    if (!this.nameIndex) {
      const idx = new Map<string, number[]>();
      for (let id = 1; id < this.types.length; id++) {
        const n = this.types[id]!.name;
        if (!n) continue;
        const list = idx.get(n);
        if (list) list.push(id);
        else idx.set(n, [id]);
      }
      this.nameIndex = idx;
    }
    const ids = this.nameIndex.get(name) ?? [];
    return kind === undefined ? ids.slice() : ids.filter((id) => this.types[id]!.kind === kind);
  }

  /** The first id with this name and kind, or undefined (btf__find_by_name_kind). */
  find(name: string, kind?: number): number | undefined {
    return this.findAll(name, kind)[0];
  }

  /** Like find() but throws a BtfError naming what was missing. */
  mustFind(name: string, kind?: number): number {
    const id = this.find(name, kind);
    if (id === undefined) {
      throw new BtfError(
        `${kind === undefined ? "type" : kindName(kind)} '${name}' not found in BTF`,
      );
    }
    return id;
  }
}

function checkedSize(n: number, id: number): number {
  if (!Number.isSafeInteger(n) || n > 0xffffffff) {
    throw new BtfError(`[${id}] size overflows U32_MAX`, id);
  }
  return n;
}
