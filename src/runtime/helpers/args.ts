// Argument checks for unverified programs, driven by the verifier's helper
// proto table (the one table of protos): what the verifier would have proved
// about a helper's pointer arguments is checked at the call instead, so a
// wild pointer faults with a precise message rather than reading or writing
// memory it does not own. Verified programs skip this.
import { ExecError } from "../../errors.ts";
import type { HelperCallInfo } from "../../interp/index.ts";
import { helperProtoById } from "../../verifier/index.ts";
import { decodeArgType } from "../../verifier/helpers/decode.ts";
import { ArgKind } from "../../verifier/helpers/proto-types.ts";
import { TypeFlag } from "../../verifier/reg-types.ts";
import type { BpfMap } from "../maps/index.ts";
import type { Kernel } from "../kernel.ts";
import { ptr, size } from "./util.ts";

type Check =
  | { kind: "map"; reg: number }
  | { kind: "key" | "value"; reg: number; mapReg: number; nullable: boolean }
  | { kind: "mem"; reg: number; sizeReg: number; fixed: number; nullable: boolean }
  | { kind: "ctx"; reg: number; nullable: boolean };

/** The checks a proto implies, argument by argument (registers 1..5). */
export function argChecks(id: number): Check[] {
  const proto = helperProtoById(id);
  if (!proto) return [];
  const checks: Check[] = [];
  let mapReg = 0;
  proto.args.forEach((text, i) => {
    const reg = i + 1;
    const { kind, flags } = decodeArgType(text);
    const nullable = (flags & TypeFlag.PTR_MAYBE_NULL) !== 0;
    switch (kind) {
      case ArgKind.ARG_CONST_MAP_PTR:
        mapReg = reg;
        checks.push({ kind: "map", reg });
        break;
      case ArgKind.ARG_PTR_TO_MAP_KEY:
        if (mapReg) checks.push({ kind: "key", reg, mapReg, nullable });
        break;
      case ArgKind.ARG_PTR_TO_MAP_VALUE:
        if (mapReg) checks.push({ kind: "value", reg, mapReg, nullable });
        break;
      case ArgKind.ARG_PTR_TO_MEM: {
        const fixed = flags & TypeFlag.MEM_FIXED_SIZE ? (proto.argSize?.[i] ?? 0) : -1;
        checks.push({ kind: "mem", reg, sizeReg: reg + 1, fixed, nullable });
        break;
      }
      case ArgKind.ARG_PTR_TO_CTX:
        checks.push({ kind: "ctx", reg, nullable });
        break;
    }
  });
  return checks;
}

function fault(name: string, reg: number, what: string, call: HelperCallInfo): ExecError {
  return new ExecError(`${name}: R${reg} ${what}`, call.pc);
}

const hex = (a: number): string => `0x${a.toString(16)}`;

/** Run the checks; throws ExecError naming the helper and register on the first failure. */
export function checkArgs(
  k: Kernel,
  name: string,
  checks: readonly Check[],
  regs: readonly bigint[],
  call: HelperCallInfo,
): void {
  const mem = k.mem;
  const mapOf = (reg: number): BpfMap | undefined => k.maps.fromAddr(ptr(regs[reg - 1]!));
  for (const c of checks) {
    const a = ptr(regs[c.reg - 1]!);
    switch (c.kind) {
      case "map":
        if (!mapOf(c.reg)) throw fault(name, c.reg, `(${hex(a)}) is not a map pointer`, call);
        break;
      case "key":
      case "value": {
        if (c.nullable && regs[c.reg - 1] === 0n) break;
        const m = mapOf(c.mapReg)!;
        const n = c.kind === "key" ? m.keySize : m.valueSize;
        if (n > 0 && !mem.isAccessible(a, n))
          throw fault(
            name,
            c.reg,
            `(${hex(a)}) does not point to ${n} bytes of map ${c.kind}`,
            call,
          );
        break;
      }
      case "mem": {
        if (c.nullable && regs[c.reg - 1] === 0n) break;
        const n = c.fixed >= 0 ? c.fixed : size(regs[c.sizeReg - 1] ?? 0n);
        if (n > 0 && !mem.isAccessible(a, n))
          throw fault(name, c.reg, `(${hex(a)}) does not point to ${n} accessible bytes`, call);
        break;
      }
      case "ctx":
        if (c.nullable && regs[c.reg - 1] === 0n) break;
        if (!k.contextAt(a)) throw fault(name, c.reg, `(${hex(a)}) is not a context`, call);
        break;
    }
  }
}
