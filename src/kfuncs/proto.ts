// A kfunc's prototype in the runtime's kernel BTF (runtime.kernel, the
// "vmlinux" BTF): a FUNC_PROTO whose parameter names keep their suffixes,
// and a FUNC whose id is the kfunc's id — what a program's `call` names.
import { BtfKind, BtfLinkage, type BtfParam } from "../btf/types.ts";
import { TsbpfError } from "../errors.ts";
import { parseCFunc } from "../link/kernel/c-decl.ts";
import type { HostKernel, ProtoSpec } from "../link/kernel/host-kernel.ts";
import { KfuncError } from "./errors.ts";

/** Types the kfunc prototypes of the kernel use, created once per kernel BTF. */
function ensureStdTypes(kernel: HostKernel): void {
  if (kernel.btf.find("bpf_dynptr", BtfKind.STRUCT) === undefined)
    kernel.struct("bpf_dynptr", "u64 __opaque[2];");
}

/** Add FUNC_PROTO + FUNC for `name`; returns their ids. */
export function declareKfuncProto(
  kernel: HostKernel,
  name: string,
  proto: string | ProtoSpec,
): { funcId: number; protoId: number } {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new KfuncError(`kfunc name '${name}' is not a C identifier`);
  try {
    ensureStdTypes(kernel);
    let ret: number;
    let params: BtfParam[];
    if (typeof proto === "string") {
      const f = parseCFunc(proto);
      if (f.name && f.name !== name)
        throw new KfuncError(`kfunc '${name}': its prototype names '${f.name}'`);
      ret = kernel.type(f.ret);
      params = f.params.map((p) => ({ name: p.name, type: kernel.type(p.type) }));
    } else {
      ret = proto.ret === undefined ? 0 : kernel.type(proto.ret);
      params = (proto.args ?? []).map((a) =>
        typeof a === "string"
          ? { name: "", type: kernel.type(a) }
          : { name: a[1], type: kernel.type(a[0]) },
      );
    }
    if (params.length > 5)
      throw new KfuncError(`kfunc '${name}' has ${params.length} > 5 parameters`);
    // BPF passes everything in registers: no struct or union by value.
    const btf = kernel.btf;
    for (const p of [{ name: "the result", type: ret }, ...params]) {
      const k = btf.type(btf.skipModsAndTypedefs(p.type)).kind;
      if (k === BtfKind.STRUCT || k === BtfKind.UNION || k === BtfKind.FWD)
        throw new KfuncError(
          `kfunc '${name}': ${p.name || "a parameter"} is a struct or union by value`,
        );
    }
    const protoId = kernel.builder.addFuncProto(
      ret,
      params.map((p, i) => ({ name: p.name || `arg${i}`, type: p.type })),
    );
    const funcId = kernel.builder.addFunc(name, protoId, BtfLinkage.GLOBAL);
    return { funcId, protoId };
  } catch (e) {
    if (e instanceof KfuncError || !(e instanceof TsbpfError)) throw e;
    throw new KfuncError(`kfunc '${name}': ${e.message}`);
  }
}
