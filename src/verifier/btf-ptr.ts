// PTR_TO_BTF_ID: a pointer whose target is described by BTF (a traced
// function's `struct request *` argument). Loads through it are checked
// against the struct layout the way the kernel's check_ptr_to_btf_access and
// btf_struct_walk do — fields, nested structs, arrays, bitfields, pointer
// members (which yield new PTR_TO_BTF_IDs) — with the kernel's messages;
// stores are refused ("only read is supported"). A cast in C does not change
// what the verifier knows: the register keeps its BTF type, so reading a
// field of another struct through it is checked against the real one.
// Accepted loads keep aux.ptrType = PTR_TO_BTF_ID, which the probe-read
// rewrite (src/link/probe-mem.ts) turns into loads that give 0 on a NULL or
// otherwise unmapped address, like the kernel's BPF_PROBE_MEM.
import type { Btf } from "../btf/btf.ts";
import { BtfKind, type BtfMember, type BtfType } from "../btf/types.ts";
import { tnumIsConst } from "./domain.ts";
import type { Env } from "./env.ts";
import { tnumText } from "./log.ts";
import { markRegKnownZero, markRegUnknown, type RegState } from "./regs.ts";
import { RegType } from "./reg-types.ts";

/** A BTF type a PTR_TO_BTF_ID points to; interned, so `===` compares types. */
export interface BtfRef {
  readonly btf: Btf;
  /** The struct's id (modifiers skipped). */
  readonly id: number;
  /** From the runtime's kernel BTF (non-GPL programs may not read it). */
  readonly kernel: boolean;
}

const interned = new WeakMap<Btf, Map<string, BtfRef>>();

/** The one BtfRef of (btf, id, kernel). */
export function btfRef(btf: Btf, id: number, kernel: boolean): BtfRef {
  let m = interned.get(btf);
  if (!m) interned.set(btf, (m = new Map()));
  const key = `${id}:${kernel ? 1 : 0}`;
  let r = m.get(key);
  if (!r) m.set(key, (r = Object.freeze({ btf, id, kernel })));
  return r;
}

/** The struct's name as the log prints it after `ptr_`. */
export const btfRefName = (r: BtfRef): string => r.btf.type(r.id).name;

/** Follow modifiers and typedefs; returns [id, type]. */
function skipMods(btf: Btf, id: number): [number, BtfType] {
  const r = btf.skipModsAndTypedefs(id);
  return [r, btf.type(r)];
}

const isStruct = (t: BtfType): boolean => t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION;

/**
 * A struct for a pointer's target: through modifiers, and a forward
 * declaration resolved to the struct of that name in the same BTF (the
 * runtime's kernel may declare a struct by pointer before defining it).
 */
export function pointeeStruct(btf: Btf, ptrTargetId: number): number | undefined {
  const [id, t] = skipMods(btf, ptrTargetId);
  if (isStruct(t)) return id;
  if (t.kind === BtfKind.FWD) {
    const def = btf.find(t.name, t.union ? BtfKind.UNION : BtfKind.STRUCT);
    if (def !== undefined) return def;
  }
  return undefined;
}

/** __btf_resolve_size: size, and for (multi-dimensional) arrays the element and total count. */
function resolveSize(
  btf: Btf,
  id: number,
): { id: number; t: BtfType; size: number; elemId: number; nelems: number } | undefined {
  const rid = btf.skipModsAndTypedefs(id);
  const t = btf.type(rid);
  let nelems = 1;
  let cur = rid;
  for (let depth = 0; btf.type(cur).kind === BtfKind.ARRAY; depth++) {
    if (depth > 32) return undefined;
    const a = btf.type(cur) as { type: number; nelems: number };
    nelems *= a.nelems;
    cur = btf.skipModsAndTypedefs(a.type);
  }
  let elemSize: number;
  try {
    elemSize = btf.sizeof(cur);
  } catch {
    return undefined;
  }
  return { id: rid, t, size: elemSize * nelems, elemId: cur, nelems };
}

type Walk = { kind: "scalar" } | { kind: "ptr"; id: number } | { kind: "struct"; id: number };

/** btf_struct_walk: what a load of `size` bytes at `off` inside struct `id` reads. */
function structWalk(env: Env, btf: Btf, id: number, off: number, size: number): Walk {
  let t = btf.resolve(id);
  for (;;) {
    const tname = t.name;
    if (!isStruct(t)) env.fail(`Type '${tname}' is not a struct`);
    const st = t as BtfType & { members: BtfMember[]; size: number };
    if (off + size > st.size) {
      // A flexible array at the end may be indexed past the struct's size.
      const last = st.members[st.members.length - 1];
      const beyond = (): never =>
        env.fail(`access beyond struct ${tname} at off ${off} size ${size}`);
      if (!last) beyond();
      const mt = btf.resolve(last!.type);
      if (mt.kind !== BtfKind.ARRAY || mt.nelems !== 0) beyond();
      const moff = Math.floor(last!.bitOffset / 8);
      if (off < moff) beyond();
      const et = btf.resolve((mt as { type: number }).type);
      if (et.kind === BtfKind.INT) return { kind: "scalar" };
      if (!isStruct(et)) beyond();
      off = (off - moff) % (et as { size: number }).size;
      t = et;
      continue;
    }
    let next: BtfType | undefined;
    for (const m of st.members) {
      const moff0 = Math.floor(m.bitOffset / 8);
      if (off + size <= moff0) break;
      if (m.bitfieldSize) {
        const endBit = m.bitOffset + m.bitfieldSize;
        if (off <= moff0 && Math.ceil(endBit / 8) <= off + size) return { kind: "scalar" };
        continue;
      }
      if (off < moff0) break;
      const mname = m.name;
      const r = resolveSize(btf, m.type);
      if (!r) env.fail(`field ${mname} doesn't have size`);
      const mtrueEnd = moff0 + r!.size;
      if (off >= mtrueEnd) continue;
      let moff = moff0;
      let mid = r!.id;
      let mtype = r!.t;
      let msize = r!.size;
      if (mtype.kind === BtfKind.ARRAY) {
        if (moff === mtrueEnd) continue; // empty array
        msize = msize / r!.nelems;
        moff += Math.floor((off - moff) / msize) * msize;
        mid = btf.skipModsAndTypedefs(r!.elemId);
        mtype = btf.type(mid);
      }
      if (isStruct(mtype)) {
        if (off === moff) return { kind: "struct", id: mid };
        off -= moff;
        next = mtype;
        break;
      }
      if (mtype.kind === BtfKind.PTR) {
        if (msize !== size || off !== moff) {
          env.fail(
            `cannot access ptr member ${mname} with moff ${moff} in struct ${tname} with off ${off} size ${size}`,
          );
        }
        const target = pointeeStruct(btf, mtype.type);
        // A pointer to anything but a struct reads as a plain value.
        return target !== undefined ? { kind: "ptr", id: target } : { kind: "scalar" };
      }
      if (off + size > mtrueEnd) {
        env.fail(
          `access beyond the end of member ${mname} (mend:${mtrueEnd}) in struct ${tname} with off ${off} size ${size}`,
        );
      }
      return { kind: "scalar" };
    }
    if (next) {
      t = next;
      continue;
    }
    env.fail(`struct ${tname} doesn't have field at offset ${off}`);
  }
}

/** check_ptr_to_btf_access(): a load or store of `size` bytes at `off` through PTR_TO_BTF_ID `regno`. */
export function checkPtrToBtfAccess(
  env: Env,
  regno: number,
  off: number,
  size: number,
  write: boolean,
  valueRegno: number,
): void {
  const reg = env.regs[regno]!;
  const ref = reg.btf;
  if (!ref) env.fail(`R${regno} invalid mem access 'ptr_'`);
  const tname = btfRefName(ref!);
  if (!env.allowPtrLeaks) {
    env.fail(`'struct ${tname}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN`);
  }
  if (!env.gplCompatible && ref!.kernel) {
    env.fail(`Cannot access kernel 'struct ${tname}' from non-GPL compatible program`);
  }
  if (off < 0) env.fail(`R${regno} is ptr_${tname} invalid negative access: off=${off}`);
  if (!tnumIsConst(reg.varOff) || reg.varOff.value !== 0n) {
    env.fail(
      `R${regno} is ptr_${tname} invalid variable offset: off=${off}, var_off=${tnumText(reg.varOff)}`,
    );
  }
  if (write) env.fail("only read is supported");
  let id = ref!.id;
  let w = structWalk(env, ref!.btf, id, off, size);
  // A nested struct at the exact offset: walk into it with offset 0.
  while (w.kind === "struct") {
    id = w.id;
    w = structWalk(env, ref!.btf, id, 0, size);
  }
  if (valueRegno < 0) return;
  const dst: RegState = env.regs[valueRegno]!;
  if (w.kind === "scalar") {
    markRegUnknown(dst, env.bpfCapable);
    return;
  }
  markRegKnownZero(dst);
  dst.type = RegType.PTR_TO_BTF_ID;
  dst.btf = btfRef(ref!.btf, w.id, ref!.kernel);
}
