// The runtime's own context structures in its kernel BTF, as vmlinux BTF has
// struct xdp_buff and struct sk_buff. A verified XDP or skb program runs on a
// runtime-side structure (src/fixup/ctx/kern-layouts.ts), not on the UAPI
// struct its own BTF names; tracing programs attached to it see its context
// pointer typed as that structure, the way Linux's btf_ctx_access translates
// `struct xdp_md *` to vmlinux's `struct xdp_buff *`. The layout tables
// leave the pointer members and the records behind them unnamed; they are
// named here.
import { kernCtxFor, type KernCtxLayout } from "../../fixup/index.ts";
import { ProgType } from "../../uapi/prog-types.ts";
import { HostKernel } from "./host-kernel.ts";

/** Names of a layout's pointer members and of the structs they point to, by offset. */
const RECORDS: Record<string, Record<number, { member: string; struct: string }>> = {
  "struct tsbpf_xdp_buff": { 32: { member: "rxq", struct: "tsbpf_xdp_rxq_info" } },
};

/** The program types whose runtime-side context is described. */
const DESCRIBED = [ProgType.XDP, ProgType.SCHED_CLS];

const uint = (size: number): string =>
  size === 1 ? "u8" : size === 2 ? "u16" : size === 4 ? "u32" : "u64";

type Row = [type: string, name: string, off: number, array?: number];

/** Fields as rows sorted by offset, with padding between them as `__padN` byte arrays. */
function rows(fields: Row[]): [string, string, number?][] {
  const out: [string, string, number?][] = [];
  let at = 0;
  for (const [type, name, off, array] of fields.sort((a, b) => a[2] - b[2])) {
    if (off > at) out.push(["u8", `__pad${at}`, off - at]);
    out.push(array === undefined ? [type, name] : [type, name, array]);
    at = off + (array ?? sizeOfRow(type));
  }
  return out;
}

const sizeOfRow = (type: string): number =>
  type.endsWith("*") ? 8 : ({ u8: 1, u16: 2, u32: 4, u64: 8 } as Record<string, number>)[type]!;

function describe(kernel: HostKernel, layout: KernCtxLayout): number {
  const name = layout.name.replace(/^struct /, "");
  const named = RECORDS[layout.name] ?? {};
  const top: Row[] = [];
  for (const { at } of layout.links) {
    const rec = named[at] ?? { member: `rec${at}`, struct: `${name}_rec${at}` };
    const recRows: Row[] = Object.entries(layout.fields)
      .filter(([, f]) => f.via === at)
      .map(([n, f]) => [uint(f.size), n, f.off]);
    kernel.struct(rec.struct, rows(recRows));
    top.push([`struct ${rec.struct} *`, rec.member, at]);
  }
  for (const [n, f] of Object.entries(layout.fields)) {
    if (f.via !== undefined) continue;
    top.push(f.bytes ? ["u8", n, f.off, f.size] : [uint(f.size), n, f.off]);
  }
  return kernel.struct(name, rows(top));
}

const declared = new WeakMap<HostKernel, Map<number, number>>();

/** BTF id in `kernel` of the runtime-side context structure of a program type, if declared. */
export function contextTypeOf(kernel: HostKernel, progType: number): number | undefined {
  return declared.get(kernel)?.get(progType);
}

/** Describe the runtime-side context structures; returns their BTF ids by program type. */
export function declareContextTypes(kernel: HostKernel): Map<number, number> {
  const ids = new Map<number, number>();
  const byLayout = new Map<KernCtxLayout, number>();
  for (const t of DESCRIBED) {
    const layout = kernCtxFor(t);
    if (!layout) continue;
    let id = byLayout.get(layout);
    if (id === undefined) byLayout.set(layout, (id = describe(kernel, layout)));
    ids.set(t, id);
  }
  // Every program type sharing a described layout (the skb family) gets its id.
  for (let t = 0; t < 64; t++) {
    const layout = kernCtxFor(t);
    const id = layout && byLayout.get(layout);
    if (id !== undefined) ids.set(t, id);
  }
  declared.set(kernel, ids);
  return ids;
}

/** A runtime's kernel: the context structures first, then whatever the application defines. */
export function createRuntimeKernel(): HostKernel {
  const k = new HostKernel();
  declareContextTypes(k);
  return k;
}
