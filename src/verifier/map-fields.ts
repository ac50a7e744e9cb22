// The special fields of a map value, found in its BTF as the kernel's
// btf_parse_fields() finds them: members (also inside nested structs) of
// type `struct bpf_spin_lock` or `struct bpf_timer`. The verifier refuses
// direct loads and stores into them and checks the pointers helpers get.
import type { Btf } from "../btf/btf.ts";
import { BtfKind } from "../btf/types.ts";
import type { MapValueField } from "./map-info.ts";

const SPECIAL: Record<string, MapValueField["name"]> = {
  bpf_spin_lock: "bpf_spin_lock",
  bpf_timer: "bpf_timer",
};

/** Special fields of the value type `typeId` (empty when it has none or is not a struct). */
export function mapValueFields(btf: Btf, typeId: number): MapValueField[] {
  const out: MapValueField[] = [];
  const walk = (id: number, base: number, depth: number): void => {
    if (depth > 8 || !btf.has(id)) return;
    const t = btf.resolve(id);
    if (t.kind !== BtfKind.STRUCT && t.kind !== BtfKind.UNION) return;
    for (const m of t.members) {
      if (m.bitfieldSize) continue;
      const off = base + Math.floor(m.bitOffset / 8);
      const mt = btf.resolve(m.type);
      const special = mt.kind === BtfKind.STRUCT ? SPECIAL[mt.name] : undefined;
      if (special && mt.kind === BtfKind.STRUCT) out.push({ name: special, off, size: mt.size });
      else walk(m.type, off, depth + 1);
    }
  };
  walk(typeId, 0, 0);
  return out;
}
