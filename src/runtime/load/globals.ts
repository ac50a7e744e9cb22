// Global variables by name. Each global-data map (.data, .bss, .rodata,
// .kconfig) carries a BTF DATASEC listing its variables with offsets and
// sizes; the runtime uses it to set initial values before the map is created
// (`globals` at load, the only way to change .rodata) and to read and write
// the live values afterwards — directly in the map's memory, as an mmap of
// the array would.
import type { Btf } from "../../btf/index.ts";
import { BtfKind } from "../../btf/index.ts";
import { UsageError } from "../../errors.ts";
import type { CollectionSpec, MapSpec } from "../../spec/types.ts";
import type { MapHandle } from "../maps/index.ts";
import { LoadError } from "../errors.ts";
import type { GlobalValue } from "./options.ts";

/** Where a variable lives and how its bytes read as a scalar. */
export interface VariableSpec {
  name: string;
  /** The global-data map ("section") holding it. */
  mapName: string;
  offset: number;
  size: number;
  /** An integer, enum or bool that get()/set() convert; other types are bytes only. */
  scalar: boolean;
  signed: boolean;
}

const DATA_SOURCES = new Set(["data", "rodata", "bss", "kconfig"]);

function scalarKind(btf: Btf, typeId: number): { scalar: boolean; signed: boolean } {
  const t = btf.resolve(typeId);
  if (t.kind === BtfKind.INT) return { scalar: t.size <= 8, signed: (t.encoding & 1) !== 0 };
  if (t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64)
    return { scalar: true, signed: t.signed };
  return { scalar: false, signed: false };
}

/** The variables of one global-data map spec, from its DATASEC. */
export function variablesOf(spec: CollectionSpec, map: MapSpec): VariableSpec[] {
  const btf = spec.btf;
  if (!btf || !DATA_SOURCES.has(map.source) || !map.btfValueTypeId) return [];
  const sec = btf.type(map.btfValueTypeId);
  if (sec.kind !== BtfKind.DATASEC) return [];
  const out: VariableSpec[] = [];
  for (const v of sec.vars) {
    const t = btf.type(v.type);
    if (t.kind !== BtfKind.VAR) continue;
    out.push({
      name: t.name,
      mapName: map.name,
      offset: v.offset,
      size: v.size,
      ...scalarKind(btf, t.type),
    });
  }
  return out;
}

/** Every global variable of the collection, by name. */
export function variablesByName(spec: CollectionSpec): Map<string, VariableSpec> {
  const out = new Map<string, VariableSpec>();
  for (const m of spec.maps) for (const v of variablesOf(spec, m)) out.set(v.name, v);
  return out;
}

/** The bytes of `value` for variable `v` (range-checked for scalars). */
export function encodeValue(v: VariableSpec, value: GlobalValue): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== v.size)
      throw new UsageError(`variable '${v.name}' is ${v.size} bytes, got ${value.length}`);
    return value;
  }
  if (!v.scalar || v.size > 8)
    throw new UsageError(`variable '${v.name}' is not a scalar: give its ${v.size} bytes`);
  const bits = BigInt(v.size * 8);
  const n = typeof value === "boolean" ? (value ? 1n : 0n) : BigInt(value);
  const min = v.signed ? -(1n << (bits - 1n)) : 0n;
  const max = v.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (n < min || n > max)
    throw new UsageError(
      `value ${n} does not fit variable '${v.name}' (${v.size} bytes, ${v.signed ? "signed" : "unsigned"})`,
    );
  const out = new Uint8Array(v.size);
  let u = BigInt.asUintN(Number(bits), n);
  for (let i = 0; i < v.size; i++, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
}

/** Decode a scalar variable's bytes: a number up to 4 bytes, a bigint for 8. */
export function decodeValue(v: VariableSpec, bytes: Uint8Array): number | bigint {
  let u = 0n;
  for (let i = v.size - 1; i >= 0; i--) u = (u << 8n) | BigInt(bytes[i]!);
  const n = v.signed ? BigInt.asIntN(v.size * 8, u) : u;
  return v.size <= 4 ? Number(n) : n;
}

/** Initial value bytes of each global-data map with `globals` applied (keyed by map name). */
export function initialValues(
  spec: CollectionSpec,
  globals: Readonly<Record<string, GlobalValue>> = {},
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const vars = variablesByName(spec);
  for (const m of spec.maps) if (m.initialValue) out.set(m.name, m.initialValue.slice());
  for (const [name, value] of Object.entries(globals)) {
    const v = vars.get(name);
    if (!v) throw new LoadError(`no global variable '${name}' in the object`, "ENOENT");
    out.get(v.mapName)!.set(encodeValue(v, value), v.offset);
  }
  return out;
}

/** A live global variable of a loaded collection. */
export class Variable {
  constructor(
    readonly spec: VariableSpec,
    private readonly handle: MapHandle,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** Frozen maps (.rodata, .kconfig) are read-only for user space after load. */
  get readOnly(): boolean {
    return this.handle.map.frozen;
  }

  private addr(): number {
    const a = this.handle.map.directValueAddr(this.spec.offset);
    if (a < 0) throw new UsageError(`variable '${this.name}' has no storage`);
    return a;
  }

  /** The variable's bytes as they are now. */
  bytes(): Uint8Array {
    return this.handle.map.registry.mem.read(this.addr(), this.spec.size);
  }

  /** A scalar's value (number up to 4 bytes, bigint for 8), else its bytes. */
  get(): number | bigint | Uint8Array {
    const b = this.bytes();
    return this.spec.scalar ? decodeValue(this.spec, b) : b;
  }

  set(value: GlobalValue): void {
    if (this.readOnly)
      throw new UsageError(
        `variable '${this.name}' is in the frozen map ${this.spec.mapName}; set it before load with the 'globals' option`,
      );
    this.handle.map.registry.mem.write(this.addr(), encodeValue(this.spec, value));
  }
}
