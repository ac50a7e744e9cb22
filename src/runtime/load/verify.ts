// Running the verifier at load time: maps are described by id (the runtime's
// stand-in for an fd), the license decides GPL-only helpers, and the
// runtime's CPU count bounds bpf_get_smp_processor_id. A rejection throws the
// verifier's VerifierError with the full log.
import type { Insn } from "../../isa/index.ts";
import { ProgType } from "../../uapi/index.ts";
import { licenseIsGplCompatible } from "../../verifier/from-spec.ts";
import { verifyOrThrow, type VerifierCaps } from "../../verifier/index.ts";
import type { MapRegistry } from "../maps/index.ts";

export interface VerifyRequest {
  insns: readonly Insn[];
  type: number;
  expectedAttachType: number;
  license: string;
  logLevel?: number;
  caps?: Partial<VerifierCaps>;
}

/** Verify; returns the log of an accepted program, throws VerifierError otherwise. */
export function verifyLoaded(registry: MapRegistry, req: VerifyRequest): string {
  const r = verifyOrThrow(req.insns, {
    // A program whose section names no type is checked as the loader tools do (kprobe).
    progType: req.type === ProgType.UNSPEC ? ProgType.KPROBE : req.type,
    expectedAttachType: req.expectedAttachType,
    maps: (_kind, id) => registry.fromId(id)?.verifierInfo(),
    logLevel: req.logLevel ?? 1,
    caps: req.caps ?? { bpf: true, perfmon: true },
    gplCompatible: licenseIsGplCompatible(req.license),
    nrCpuIds: registry.ncpus,
  });
  return r.log;
}
