// Test runs of program types whose context is a plain block: kprobe
// (x86-64 pt_regs), perf_event, tracepoint records, raw tracepoint and tracing
// (fentry/fexit: u64 args[]), sock_ops. The block's size comes from the
// verifier's layout for the type; the input ctx fills it (the rest is zero)
// and the block is returned as it is after the run. sock_ops may also take a
// packet: it is placed in memory and skb_data/skb_data_end/skb_len point at it.
import type { VmMemory } from "../../memory/index.ts";
import { ProgType } from "../../uapi/index.ts";
import { ctxLayoutFor } from "../../verifier/index.ts";
import { SOCK_OPS_CTX } from "../../verifier/ctx/others.ts";
import type { RunContext } from "../contexts.ts";
import { TestRunError } from "../errors.ts";
import { ctxIn, noData } from "./ctx-input.ts";
import { fieldTable } from "./fields.ts";
import { FlatContext } from "./flat-context.ts";
import type { ProgTypeRunner, TestRunOptions } from "./types.ts";
import { progTypeName } from "../../uapi/index.ts";

export const FLAT_PROG_TYPES: readonly number[] = [
  ProgType.KPROBE,
  ProgType.PERF_EVENT,
  ProgType.TRACEPOINT,
  ProgType.RAW_TRACEPOINT,
  ProgType.RAW_TRACEPOINT_WRITABLE,
  ProgType.TRACING,
  ProgType.SOCK_OPS,
];

const sockOps = fieldTable("struct bpf_sock_ops", SOCK_OPS_CTX.fields);

/** x86-64 struct pt_regs register order (8 bytes each): what kprobe contexts hold. */
export const PT_REGS = [
  "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
  "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
] as const; // prettier-ignore
export type PtReg = (typeof PT_REGS)[number];

/** Build pt_regs bytes from named registers (the rest zero): `ptRegs({ di: 1n, si: 2n })`. */
export function ptRegs(regs: Partial<Record<PtReg, bigint | number>>): Uint8Array {
  const out = new Uint8Array(PT_REGS.length * 8);
  const dv = new DataView(out.buffer);
  for (const [name, v] of Object.entries(regs)) {
    const i = PT_REGS.indexOf(name as PtReg);
    if (i < 0) throw new TestRunError(`pt_regs has no register '${name}'`);
    dv.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(v!)), true);
  }
  return out;
}

/** A u64 argument array (raw tracepoint / fentry context): `u64Args(1, 2n)`. */
export function u64Args(...args: (bigint | number)[]): Uint8Array {
  const out = new Uint8Array(args.length * 8);
  const dv = new DataView(out.buffer);
  args.forEach((v, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(v)), true));
  return out;
}

class SockOpsContext extends FlatContext {
  packet = 0;

  protected override freeExtra(): void {
    if (this.packet) this.mem.free(this.packet);
  }
}

function prepare(mem: VmMemory, type: number, input: TestRunOptions): RunContext {
  const layout = ctxLayoutFor(type)!;
  const what = `${progTypeName(type)} test run`;
  const ctx = ctxIn(what, input.ctx, layout.size);
  if (type !== ProgType.SOCK_OPS) {
    noData(progTypeName(type), input.data);
    return new FlatContext(mem, layout.size, ctx);
  }
  const c = new SockOpsContext(mem, layout.size, ctx);
  if (input.data && input.data.length > 0) {
    c.packet = mem.alloc(input.data.length);
    mem.write(c.packet, input.data);
    const dv = mem.dv;
    dv.setBigUint64(c.addr + sockOps("skb_data").off, BigInt(c.packet), true);
    dv.setBigUint64(
      c.addr + sockOps("skb_data_end").off,
      BigInt(c.packet + input.data.length),
      true,
    );
    dv.setUint32(c.addr + sockOps("skb_len").off, input.data.length, true);
  }
  return c;
}

function finish(c: RunContext): { ctx: Uint8Array } {
  return { ctx: c.readCtx() };
}

export const FLAT_RUNNER: ProgTypeRunner = { name: "flat", prepare, finish };
