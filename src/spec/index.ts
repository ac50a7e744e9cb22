// Public surface of specs: the types, and the ways to get one from an object
// file. `CollectionSpec.fromFile(path)` / `CollectionSpec.fromBuffer(bytes)`
// read an ELF object; the lookups find programs and maps by the names users
// know (section, function name, map name).
import { loadCollectionSpec, loadCollectionSpecFile, type LoadOptions } from "../elf/load.ts";
import type { CollectionSpec as CollectionSpecT, MapSpec, ProgramSpec } from "./types.ts";

export type * from "./types.ts";

/** Constructors of CollectionSpec (the type of the same name is the data). */
export const CollectionSpec = {
  fromBuffer: (bytes: Uint8Array, opts?: LoadOptions): CollectionSpecT =>
    loadCollectionSpec(bytes, opts),
  fromFile: (path: string, opts?: LoadOptions): CollectionSpecT =>
    loadCollectionSpecFile(path, opts),
} as const;

export interface ProgramQuery {
  section?: string;
  name?: string;
}

/** Programs matching the section and/or function name, in object order. */
export function findPrograms(spec: CollectionSpecT, q: ProgramQuery): ProgramSpec[] {
  return spec.programs.filter(
    (p) =>
      (q.section === undefined || p.section === q.section) &&
      (q.name === undefined || p.name === q.name),
  );
}

/** The map with this name (".data", ".rodata.str1.1" and friends for global data). */
export function findMap(spec: CollectionSpecT, name: string): MapSpec | undefined {
  return spec.maps.find((m) => m.name === name);
}
