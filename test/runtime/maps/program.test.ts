// End to end: BPF programs run by the reference interpreter call map helpers
// wired straight to the kernel-side map API, and load/store through the
// addresses lookups return. (The real helper table lives elsewhere; these
// few closures only translate r1..r5.)
import { describe, expect, it } from "vitest";
import {
  BPF_ADD,
  BPF_DW,
  BPF_JEQ,
  BPF_JLT,
  BPF_W,
  build,
  type Insn,
} from "../../../src/isa/index.ts";
import { interpreter, makeEnv, type HelperFn } from "../../../src/interp/index.ts";
import { MapType } from "../../../src/uapi/index.ts";
import { RingBufMap, RingBufReader, type MapRegistry } from "../../../src/runtime/maps/index.ts";
import { readU64, setup } from "./setup.ts";

function helpers(reg: MapRegistry): Record<number, HelperFn> {
  const map = (r1: bigint) => reg.fromAddr(Number(r1))!;
  const ret = (x: number) => BigInt.asUintN(64, BigInt(x));
  return {
    1: (r1, r2) => ret(map(r1).lookupElem(Number(r2))), // bpf_map_lookup_elem
    2: (r1, r2, r3, r4) => ret(map(r1).updateElem(Number(r2), Number(r3), Number(r4))),
    3: (r1, r2) => ret(map(r1).deleteElem(Number(r2))),
  };
}

function run(reg: MapRegistry, insns: Insn[]): bigint {
  const env = makeEnv(reg.mem, helpers(reg));
  return interpreter.prepare({ insns, verified: true }, env).run().r0;
}

describe("maps from BPF programs", () => {
  it("a counter program bumps array values through the lookup pointer", () => {
    const { reg, open } = setup();
    const h = open({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 });
    // for (i = 0; i < 4; i++) { v = lookup(&i); if (v) *v += i + 1; }
    const prog: Insn[] = [
      build.mov64Imm(6, 0),
      build.stxMem(BPF_W, 10, 6, -4),
      ...build.ld64Imm(1, BigInt(h.map.addr)),
      build.mov64Reg(2, 10),
      build.alu64Imm(BPF_ADD, 2, -4),
      build.callHelper(1),
      build.jmpImm(BPF_JEQ, 0, 0, 4),
      build.ldxMem(BPF_DW, 1, 0, 0),
      build.alu64Reg(BPF_ADD, 1, 6),
      build.alu64Imm(BPF_ADD, 1, 1),
      build.stxMem(BPF_DW, 0, 1, 0),
      build.alu64Imm(BPF_ADD, 6, 1),
      build.jmpImm(BPF_JLT, 6, 4, -13),
      build.mov64Imm(0, 0),
      build.exit(),
    ];
    run(reg, prog);
    run(reg, prog);
    expect([0, 1, 2, 3].map((i) => readU64(h.lookup(i)!))).toEqual([2n, 4n, 6n, 8n]);
  });

  it("update and delete helpers return 0 or -errno to the program", () => {
    const { reg, open } = setup();
    const h = open({ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1 });
    // key 5 → value 9 (BPF_NOEXIST twice: second is -EEXIST), then delete key 6 → -ENOENT
    const prog = (flags: number, delKey: number): Insn[] => [
      build.stMem(BPF_W, 10, -4, 5),
      build.stMem(BPF_DW, 10, -16, 9),
      ...build.ld64Imm(1, BigInt(h.map.addr)),
      build.mov64Reg(2, 10),
      build.alu64Imm(BPF_ADD, 2, -4),
      build.mov64Reg(3, 10),
      build.alu64Imm(BPF_ADD, 3, -16),
      build.mov64Imm(4, flags),
      build.callHelper(2),
      build.mov64Reg(6, 0),
      build.stMem(BPF_W, 10, -4, delKey),
      ...build.ld64Imm(1, BigInt(h.map.addr)),
      build.mov64Reg(2, 10),
      build.alu64Imm(BPF_ADD, 2, -4),
      build.callHelper(3),
      // r0 = (update_rc << 32) | (delete_rc & 0xffffffff)
      build.alu64Imm(0x60 /* BPF_LSH */, 6, 32),
      build.alu64Imm(0x60, 0, 32),
      build.alu64Imm(0x70 /* BPF_RSH */, 0, 32),
      build.alu64Reg(0x40 /* BPF_OR */, 0, 6),
      build.exit(),
    ];
    const r1 = run(reg, prog(1, 6));
    expect(Number(r1 >> 32n)).toBe(0);
    expect(BigInt.asIntN(32, r1)).toBe(-2n);
    const r2 = run(reg, prog(1, 5));
    expect(BigInt.asIntN(32, r2 >> 32n)).toBe(-17n); // EEXIST
    expect(BigInt.asIntN(32, r2)).toBe(0n);
    expect(h.lookup(5)).toBeUndefined();
  });

  it("a program fills a reserved ring buffer record that JS then reads", () => {
    const { reg, open } = setup();
    const h = open({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
    const rb = h.map as RingBufMap;
    const hs: Record<number, HelperFn> = {
      131: (r1, r2, r3) =>
        BigInt((reg.fromAddr(Number(r1)) as RingBufMap).reserve(Number(r2), Number(r3))),
      132: (r1, r2) => (reg.ringbufOfSample(Number(r1))!.submit(Number(r1), Number(r2)), 0n),
    };
    const prog: Insn[] = [
      ...build.ld64Imm(1, BigInt(rb.addr)),
      build.mov64Imm(2, 8),
      build.mov64Imm(3, 0),
      build.callHelper(131),
      build.jmpImm(BPF_JEQ, 0, 0, 5),
      ...build.ld64Imm(1, 0x1122334455667788n),
      build.stxMem(BPF_DW, 0, 1, 0),
      build.mov64Reg(1, 0),
      build.mov64Imm(2, 0),
      build.callHelper(132),
      build.mov64Imm(0, 0),
      build.exit(),
    ];
    const env = makeEnv(reg.mem, hs);
    interpreter.prepare({ insns: prog, verified: true }, env).run();
    const r = new RingBufReader(h);
    expect(readU64(r.read()!)).toBe(0x1122334455667788n);
    expect(r.read()).toBeUndefined();
  });
});
