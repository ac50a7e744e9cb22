// Contexts materialised in runtime memory. A program's r1 is the address of a
// real block holding the user-visible struct (__sk_buff, xdp_md, pt_regs, a
// u64 argument array, ...), with real runtime addresses in its data/data_end
// fields: programs run before any ctx-rewrite pass exists, and a verified
// program's ctx accesses land on exactly the UAPI offsets it was checked
// against. Helpers that take the ctx look the block up by address to reach
// the JS-side state (packet geometry, headroom) behind it.
import type { VmMemory } from "../memory/index.ts";

export type ContextKind = "skb" | "xdp" | "flat" | "mem";

export abstract class RunContext {
  /** Address of the context block (the program's r1). */
  readonly addr: number;
  private disposed = false;

  constructor(
    protected readonly mem: VmMemory,
    /** Size of the context block in bytes. */
    readonly size: number,
  ) {
    this.addr = mem.alloc(Math.max(size, 8), 8);
  }

  abstract readonly kind: ContextKind;

  /** The packet of this context for ld_abs/ld_ind (skb programs), if any. */
  packetData(): { addr: number; len: number } | undefined {
    return undefined;
  }

  /** The registers the program starts with (r1..r5); the ctx address by default. */
  args(): bigint[] {
    return [BigInt(this.addr)];
  }

  /** Free the context and everything it allocated. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freeExtra();
    this.mem.free(this.addr);
  }

  /** Free memory besides the ctx block (packet buffers). */
  protected freeExtra(): void {}

  /** A copy of runtime memory (for output buffers this context owns). */
  readMem(addr: number, n: number): Uint8Array {
    return this.mem.read(addr, n);
  }

  /** Bytes of the context block as they are now. */
  readCtx(): Uint8Array {
    return this.mem.read(this.addr, this.size);
  }
}

/** The live contexts, by address. */
export class ContextTable {
  private readonly byAddr = new Map<number, RunContext>();

  add(ctx: RunContext): void {
    this.byAddr.set(ctx.addr, ctx);
  }

  remove(ctx: RunContext): void {
    this.byAddr.delete(ctx.addr);
  }

  at(addr: number): RunContext | undefined {
    return this.byAddr.get(addr);
  }
}
