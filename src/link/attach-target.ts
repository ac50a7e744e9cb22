// Finding what a tracing program attaches to, with the kernel's checks and
// messages (bpf_check_attach_target): a host function or callback slot of the
// runtime's kernel, by name or BTF id, or a function of a BPF program (its
// main function or a subprogram, found through its func_info). The verifier
// calls this at load time (the messages end up in its log) and the link
// layer at attach time.
import type { Btf } from "../btf/btf.ts";
import { BtfKind } from "../btf/types.ts";
import { JitProgram } from "../jit/engine.ts";
import { LinkError, type LinkErrnoName } from "./errors.ts";
import type { HostKernel, HostTarget } from "./kernel/host-kernel.ts";
import {
  conservativeModel,
  distillFuncProto,
  MAX_BPF_FUNC_REG_ARGS,
  type FuncModel,
} from "./model.ts";
import type { BpfTargetProgram } from "./types.ts";

/** A refused attach target; `reason` is the kernel's log line. */
export class AttachTargetError extends LinkError {
  override name = "AttachTargetError";
  constructor(
    errno: LinkErrnoName,
    readonly reason: string,
  ) {
    super(errno, reason);
  }
}

export type ResolvedTarget =
  | {
      kind: "host";
      name: string;
      target: HostTarget;
      btf: Btf;
      funcId: number;
      model: FuncModel;
    }
  | {
      kind: "bpf";
      name: string;
      program: BpfTargetProgram;
      /** Entry pc of the function in the prepared program. */
      pc: number;
      /** The program's BTF and the FUNC's id in it (absent without BTF). */
      btf: Btf | undefined;
      funcId: number | undefined;
      model: FuncModel;
    };

/** How a program names its target: the FUNC's BTF id or the function name. */
export interface TargetSpec {
  btfId?: number;
  name?: string;
}

/** A host function or callback slot of the kernel. */
export function resolveHostTarget(kernel: HostKernel, spec: TargetSpec): ResolvedTarget {
  const btf = kernel.btf;
  let id = spec.btfId;
  if (id === undefined) {
    if (spec.name === undefined)
      throw new AttachTargetError("EINVAL", "Tracing programs must provide btf_id");
    id = btf.find(spec.name, BtfKind.FUNC);
    if (id === undefined) {
      throw new AttachTargetError("ENOENT", `The address of function ${spec.name} cannot be found`);
    }
  }
  const t = checkFunc(btf, id);
  const target = kernel.targetById(id);
  if (!target)
    throw new AttachTargetError("ENOENT", `The address of function ${t.name} cannot be found`);
  return { kind: "host", name: t.name, target, btf, funcId: id, model: target.model };
}

/** attach_btf_id must name a FUNC with a name. */
function checkFunc(btf: Btf, id: number): { name: string } {
  if (!btf.has(id) || id === 0)
    throw new AttachTargetError("EINVAL", `attach_btf_id ${id} is invalid`);
  const t = btf.type(id);
  if (!t.name) throw new AttachTargetError("EINVAL", `attach_btf_id ${id} doesn't have a name`);
  if (t.kind !== BtfKind.FUNC)
    throw new AttachTargetError("EINVAL", `attach_btf_id ${id} is not a function`);
  return t;
}

/**
 * A function of a BPF program: its main function when `spec` is empty, else
 * the func_info entry with that FUNC id or name.
 */
export function resolveBpfTarget(program: BpfTargetProgram, spec: TargetSpec): ResolvedTarget {
  if (program.isTracing) throw new AttachTargetError("EINVAL", "Cannot recursively attach");
  const prepared = program.prepared;
  if (!(prepared instanceof JitProgram)) {
    throw new AttachTargetError(
      "EOPNOTSUPP",
      `program ${program.name} is not JIT-compiled; only the JIT's function slots can be traced`,
    );
  }
  const btf = program.btf;
  const infos = program.funcInfo ?? [];
  let pc = 0;
  let funcId: number | undefined;
  if (spec.btfId !== undefined || spec.name !== undefined) {
    if (!btf || infos.length === 0) {
      throw new AttachTargetError(
        "EINVAL",
        `program ${program.name} has no BTF func_info to find functions in`,
      );
    }
    if (spec.btfId !== undefined) {
      const t = checkFunc(btf, spec.btfId);
      const rec = infos.find((r) => r.typeId === spec.btfId);
      if (!rec) throw new AttachTargetError("EINVAL", `Subprog ${t.name} doesn't exist`);
      pc = rec.insnOff;
      funcId = rec.typeId;
    } else {
      const rec = infos.find((r) => btf.has(r.typeId) && btf.type(r.typeId).name === spec.name);
      if (!rec) throw new AttachTargetError("EINVAL", `Subprog ${spec.name} doesn't exist`);
      pc = rec.insnOff;
      funcId = rec.typeId;
    }
  } else if (btf) {
    funcId = infos.find((r) => r.insnOff === 0)?.typeId;
  }
  if (!prepared.funcSlots.has(pc)) {
    throw new AttachTargetError("EINVAL", `no function starts at insn ${pc} of ${program.name}`);
  }
  const name =
    btf && funcId !== undefined ? btf.type(funcId).name : pc === 0 ? program.name : `func_${pc}`;
  const model =
    btf && funcId !== undefined && !program.unreliable?.has(pc)
      ? bpfModel(btf, funcId, name, pc === 0)
      : conservativeModel(name);
  return { kind: "bpf", name, program, pc, btf, funcId, model };
}

/**
 * The model of a BPF function from its BTF; conservative (five u64 scalars)
 * when the prototype cannot describe what the function really receives: more
 * than five arguments, a type the trampoline cannot model, or a main function
 * whose first argument is not the context pointer.
 */
function bpfModel(btf: Btf, funcId: number, name: string, isMain: boolean): FuncModel {
  let m: FuncModel;
  try {
    m = distillFuncProto(btf, funcId, name);
  } catch {
    return conservativeModel(name);
  }
  if (m.args.length > MAX_BPF_FUNC_REG_ARGS) return conservativeModel(name);
  if (isMain && (m.args.length > 1 || (m.args.length === 1 && m.args[0]!.kind !== "ptr"))) {
    return conservativeModel(name);
  }
  return m;
}
