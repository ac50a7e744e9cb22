// do_misc_fixups, bpf_tail_call: the direct form (the kernel's prog_array
// "pokes"). Where every verified path reaches a tail call with the same
// prog_array and the same in-range constant key (InsnAux.mapPtr/mapKey), the
// call needs no map lookup at run time: the engines jump through a per-site
// target slot that the prog_array keeps current (set on update, cleared on
// delete), as Linux JITs emit a patchable direct jump and
// prog_array_map_poke_run rewrites it.
//
// The rewritten site stays `call bpf_tail_call#12` (what bpftool's dump shows
// for both forms too) with `off` = poke index + 1; a helper call's off is 0
// otherwise, and the engines take off 0 as the map-lookup form. The poke
// table (one { map, key } per index) comes back in FixupResult.pokes. As in
// the kernel, unprivileged programs (whose map pointers are Spectre-masked)
// keep the map-lookup form, and so does any site whose map or key varies.
import { MapType } from "../uapi/index.ts";
import type { MapInfo } from "../verifier/index.ts";
import { CALL } from "./jumps.ts";
import type { FixupList, PassContext } from "./types.ts";

const TAIL_CALL = 12;

/** The site's poke index, or -1 for a call that is not a direct tail call. */
export function pokeIndexOf(x: { code: number; src: number; imm: number; off: number }): number {
  return x.code === CALL && x.src === 0 && x.imm === TAIL_CALL && x.off > 0 ? x.off - 1 : -1;
}

function directTarget(
  map: MapInfo | null,
  poisoned: boolean,
  key: "unseen" | "poisoned" | bigint,
): number {
  if (!map || poisoned || typeof key !== "bigint" || map.type !== MapType.PROG_ARRAY) return -1;
  return key >= 0n && key < BigInt(map.maxEntries) ? Number(key) : -1;
}

export function markDirectTailCalls(list: FixupList, pc: PassContext): void {
  if (pc.opts.directTailCalls !== true || pc.opts.unprivileged === true) return;
  for (const n of list) {
    const x = list.insn(n);
    if (x.code !== CALL || x.src !== 0 || x.imm !== TAIL_CALL || x.off !== 0) continue;
    const a = list.aux(n);
    if (!a.seen) continue;
    const key = directTarget(a.mapPtr, a.mapPtrPoisoned, a.mapKey);
    if (key < 0) continue;
    list.setInsn(n, { ...x, off: pc.pokeNodes.length + 1 });
    pc.pokeNodes.push({ node: n, map: a.mapPtr!, key });
    pc.stats.directTailCalls++;
  }
}
