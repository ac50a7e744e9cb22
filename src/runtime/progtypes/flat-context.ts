// Contexts without runtime-side structure: a block of bytes the program reads
// (pt_regs, a tracepoint record, raw tracepoint / fentry u64 arguments,
// bpf_sock_ops, bpf_perf_event_data), and the raw "mem" context of the
// conformance style, where r1 is the address of the data and r2 its length.
import type { VmMemory } from "../../memory/index.ts";
import { RunContext } from "../contexts.ts";

export class FlatContext extends RunContext {
  readonly kind = "flat" as const;

  constructor(mem: VmMemory, size: number, init?: Uint8Array) {
    super(mem, size);
    if (init) mem.write(this.addr, init.subarray(0, size));
  }
}

export class MemContext extends RunContext {
  readonly kind = "mem" as const;

  constructor(mem: VmMemory, data: Uint8Array) {
    super(mem, data.length);
    mem.write(this.addr, data);
  }

  /** r1 = the data, r2 = its length (0 and 0 without data, as the conformance runner does). */
  override args(): bigint[] {
    return this.size === 0 ? [0n, 0n] : [BigInt(this.addr), BigInt(this.size)];
  }
}
