// do_misc_fixups, map lookups: bpf_map_lookup_elem on an array map becomes
// inline code (arraymap.c's array_map_gen_lookup), so a verified program
// reads the element address without a helper call:
//
//   r1 = *(u32 *)(r1 +VALUES)      map header → address of element 0
//   r0 = *(u32 *)(r2 +0)           the key
//   if r0 >= max_entries goto null
//   w0 &= index_mask               (unprivileged only: Spectre v1)
//   r0 <<= log2(elem_size)         (or r0 *= elem_size)
//   r0 += r1
//   goto +1
//   null: r0 = 0
//
// The kernel adds a constant (offsetof(struct bpf_array, value)) to the map
// pointer; our map headers store the values address instead, read once here,
// which also covers inner maps whose header the program gets at run time.
// Where the kernel does not inline (a call site that saw different maps,
// BPF_F_INNER_MAP arrays whose size may vary) neither do we. Per-CPU arrays
// and hash maps stay helper calls: the kernel's inlined forms call internal
// functions or read the CPU number from per-CPU memory, which our runtime
// keeps on the JS side.
import { BPF_ALU, BPF_AND, BPF_JGE, BPF_K, BPF_LSH, BPF_MUL, build, insn } from "../isa/index.ts";
import type { Insn } from "../isa/index.ts";
import { BPF_F_INNER_MAP, MapType } from "../uapi/index.ts";
import type { MapInfo } from "../verifier/index.ts";
import { CALL } from "./jumps.ts";
import type { FixupList, PassContext } from "./types.ts";

const MAP_LOOKUP_ELEM = 1;
const W = 0x00;

/** roundup_pow_of_two(n) - 1. */
function indexMask(maxEntries: number): number {
  let p = 1;
  while (p < maxEntries) p *= 2;
  return (p - 1) | 0;
}

/** array_map_gen_lookup() with the values address read from the header at `valuesOff`. */
export function arrayLookupSeq(map: MapInfo, valuesOff: number, maskIndex: boolean): Insn[] {
  const elemSize = Math.ceil(map.valueSize / 8) * 8;
  const seq: Insn[] = [build.ldxMem(W, 1, 1, valuesOff), build.ldxMem(W, 0, 2, 0)];
  seq.push(build.jmpImm(BPF_JGE, 0, map.maxEntries | 0, maskIndex ? 4 : 3));
  if (maskIndex) seq.push(insn(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, indexMask(map.maxEntries)));
  const pow2 = (elemSize & (elemSize - 1)) === 0;
  seq.push(
    pow2 ? build.alu64Imm(BPF_LSH, 0, Math.log2(elemSize)) : build.alu64Imm(BPF_MUL, 0, elemSize),
  );
  seq.push(build.alu64Reg(0x00 /* BPF_ADD */, 0, 1), build.ja(1), build.mov64Imm(0, 0));
  return seq;
}

function inlinable(map: MapInfo | null, poisoned: boolean): map is MapInfo {
  return !!map && !poisoned && map.type === MapType.ARRAY && (map.flags & BPF_F_INNER_MAP) === 0;
}

export function inlineMapLookups(list: FixupList, pc: PassContext): void {
  const valuesOff = pc.opts.arrayValuesOffset;
  if (valuesOff === undefined) return;
  for (const n of list) {
    const x = list.insn(n);
    if (x.code !== CALL || x.src !== 0 || x.imm !== MAP_LOOKUP_ELEM) continue;
    const a = list.aux(n);
    if (!a.seen || !inlinable(a.mapPtr, a.mapPtrPoisoned)) continue;
    list.replace(n, arrayLookupSeq(a.mapPtr, valuesOff, pc.opts.unprivileged === true));
    pc.stats.lookupsInlined++;
  }
}
