// BPF programs to trace in tests: assembled in kernel syntax, compiled by the
// JIT, with BTF (struct xdp_md, FUNC prototypes) and func_info built by hand
// the way clang would emit them.
import { BtfBuilder } from "../../src/btf/index.ts";
import { BtfLinkage } from "../../src/btf/types.ts";
import type { Engine } from "../../src/interp/index.ts";
import { assemble } from "../../src/isa/index.ts";
import { jit } from "../../src/jit/index.ts";
import type { BpfTargetProgram, FuncInfoEntry } from "../../src/link/index.ts";
import { ProgType } from "../../src/uapi/prog-types.ts";
import type { setup } from "./setup.ts";

type Env = ReturnType<typeof setup>;

function xdpBtf() {
  const b = new BtfBuilder();
  const u32 = b.addInt("unsigned int", 4);
  const int = b.addInt("int", 4, { signed: true });
  const u64 = b.addInt("unsigned long long", 8);
  const names = [
    "data",
    "data_end",
    "data_meta",
    "ingress_ifindex",
    "rx_queue_index",
    "egress_ifindex",
  ];
  const xdp = b.addStruct(
    "xdp_md",
    24,
    names.map((name, i) => ({ name, type: u32, offset: 4 * i })),
  );
  const pxdp = b.addPtr(xdp);
  return { b, u32, int, u64, xdp, pxdp };
}

/**
 * A one-function XDP program: returns XDP_DROP (1) when the ingress ifindex
 * is odd, XDP_PASS (2) otherwise.
 */
export function singleFunction(s: Env, engine: Engine = jit): BpfTargetProgram {
  const t = xdpBtf();
  const main = t.b.addFunction("xdp_verdict", t.int, [{ name: "ctx", type: t.pxdp }]);
  const insns = assemble(
    ["r2 = *(u32 *)(r1 + 12)", "r2 &= 1", "r0 = 2", "if r2 == 0 goto +1", "r0 = 1", "exit"].join(
      "\n",
    ),
  );
  return target(s, "xdp_verdict", insns, t.b, [{ insnOff: 0, typeId: main }], engine);
}

/**
 * An XDP program with two subprograms: main calls add(ifindex, 7) and then
 * twice(result); XDP verdict = twice(add(ifindex, 7)) & 3.
 *   0: r6 = r1
 *   1: r1 = *(u32 *)(r6 + 12)
 *   2: r2 = 7
 *   3: call add          (pc 8)
 *   4: r1 = r0
 *   5: call twice        (pc 11)
 *   6: r0 &= 3
 *   7: exit
 *   8: add:   r0 = r1 ; r0 += r2 ; exit
 *  11: twice: r0 = r1 ; r0 <<= 1 ; exit
 */
export function threeFunctions(s: Env, engine: Engine = jit): BpfTargetProgram {
  const t = xdpBtf();
  const main = t.b.addFunction("xdp_calls", t.int, [{ name: "ctx", type: t.pxdp }]);
  const add = t.b.addFunction(
    "add",
    t.int,
    [
      { name: "a", type: t.int },
      { name: "b", type: t.u64 },
    ],
    BtfLinkage.STATIC,
  );
  const twice = t.b.addFunction("twice", t.u64, [{ name: "x", type: t.u64 }], BtfLinkage.STATIC);
  const insns = assemble(
    [
      "r6 = r1",
      "r1 = *(u32 *)(r6 + 12)",
      "r2 = 7",
      "call pc+4",
      "r1 = r0",
      "call pc+5",
      "r0 &= 3",
      "exit",
      "r0 = r1",
      "r0 += r2",
      "exit",
      "r0 = r1",
      "r0 <<= 1",
      "exit",
    ].join("\n"),
  );
  const info: FuncInfoEntry[] = [
    { insnOff: 0, typeId: main },
    { insnOff: 8, typeId: add },
    { insnOff: 11, typeId: twice },
  ];
  return target(s, "xdp_calls", insns, t.b, info, engine);
}

/** A chain of 8 nested calls: f0 (main) calls f1 ... calls f7, which returns its r1 + 100. */
export function deepChain(s: Env): BpfTargetProgram {
  const t = xdpBtf();
  const info: FuncInfoEntry[] = [];
  const lines: string[] = [];
  for (let k = 0; k < 8; k++) {
    const id = t.b.addFunction(`f${k}`, t.u64, [{ name: "x", type: t.u64 }], BtfLinkage.STATIC);
    info.push({ insnOff: lines.length, typeId: id });
    if (k < 7) lines.push("r1 += 1", "call pc+1", "exit");
    else lines.push("r0 = r1", "r0 += 100", "exit");
  }
  return target(s, "f0", assemble(lines.join("\n")), t.b, info, jit);
}

function target(
  s: Env,
  name: string,
  insns: ReturnType<typeof assemble>,
  b: BtfBuilder,
  funcInfo: FuncInfoEntry[],
  engine: Engine,
): BpfTargetProgram {
  const prepared = engine.prepare({ insns, name, verified: true }, s.env);
  return { name, progType: ProgType.XDP, prepared, btf: b.build(), funcInfo };
}

/** An xdp_md in runtime memory with this ingress ifindex; returns its address. */
export function xdpCtx(s: Env, ifindex: number): number {
  const a = s.mem.alloc(24, 8);
  s.mem.dv.setUint32(a + 12, ifindex, true);
  return a;
}
