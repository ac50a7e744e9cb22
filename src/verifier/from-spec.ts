// Verifying programs of a loaded object: map specs become MapInfo (maps are
// referenced by index in ProgramSpec insns until the runtime assigns fds) and
// the program's type, attach type and license become verifier options.
import type { Btf } from "../btf/btf.ts";
import type { CollectionSpec, MapSpec, ProgramSpec } from "../spec/types.ts";
import { ProgType } from "../uapi/prog-types.ts";
import { BPF_F_RDONLY_PROG } from "../uapi/map-types.ts";
import type { MapInfo } from "./map-info.ts";
import { mapValueFields } from "./map-fields.ts";
import type { VerifyOptions } from "./options.ts";

/** MapInfo of a map spec (inner map templates included); `btf` describes its value. */
export function mapInfoFromSpec(m: MapSpec, btf?: Btf): MapInfo {
  const info: MapInfo = {
    type: m.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    flags: m.flags,
    name: m.name,
    btfKeyTypeId: m.btfKeyTypeId,
    btfValueTypeId: m.btfValueTypeId,
  };
  if (m.innerMap) info.innerMap = mapInfoFromSpec(m.innerMap, btf);
  if (btf && m.btfValueTypeId) {
    const fields = mapValueFields(btf, m.btfValueTypeId);
    if (fields.length) info.btfFields = fields;
  }
  // Frozen read-only data is what programs may read as constants.
  if (m.freeze && m.initialValue && m.flags & BPF_F_RDONLY_PROG) info.frozenValue = m.initialValue;
  return info;
}

/** Licenses the kernel treats as GPL-compatible (license_is_gpl_compatible). */
const GPL_LICENSES = [
  "GPL",
  "GPL v2",
  "GPL and additional rights",
  "Dual BSD/GPL",
  "Dual MIT/GPL",
  "Dual MPL/GPL",
];

export function licenseIsGplCompatible(license: string): boolean {
  return GPL_LICENSES.includes(license);
}

/**
 * Options to verify `prog` of `spec`: its maps by index, type, attach type
 * and license. A program whose section names no type (UNSPEC, e.g. `.text`)
 * is verified as `defaultType`, by default SCHED_CLS: sections without a
 * libbpf name are what iproute2's `tc ... bpf obj FILE sec NAME` loads, and
 * tc is the one common loader that accepts any section name (XDP objects
 * loaded with `ip link ... xdp obj` need `defaultType: XDP`).
 */
export function verifyOptionsForProgram(
  spec: CollectionSpec,
  prog: ProgramSpec,
  opts: Partial<VerifyOptions> & { defaultType?: number } = {},
): VerifyOptions {
  const infos = spec.maps.map((m) => mapInfoFromSpec(m, spec.btf));
  const { defaultType, ...rest } = opts;
  const progType = prog.type === ProgType.UNSPEC ? (defaultType ?? ProgType.SCHED_CLS) : prog.type;
  return {
    progType,
    expectedAttachType: prog.expectedAttachType,
    maps: (_kind, imm) => infos[imm],
    gplCompatible: licenseIsGplCompatible(prog.license || spec.license),
    ...(spec.btf && prog.funcInfo.length ? { btf: spec.btf, funcInfo: prog.funcInfo } : {}),
    ...rest,
  };
}
