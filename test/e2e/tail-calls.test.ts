// Tail calls through prog_arrays on real objects: build/tail_call.o chains
// into the program in slot 0 and falls through while the slot is empty;
// build/prog_array.o's initialiser fills four slots at load and a random key
// picks one, a deleted slot falling through to `return -1`; a program that
// tail-calls itself stops after MAX_TAIL_CALL_CNT (33) calls, as the kernel.
import { describe, expect, it } from "vitest";
import { BPF_ADD, BPF_DW, BPF_JEQ, BPF_W, build, MAX_TAIL_CALL_CNT } from "../../src/isa/index.ts";
import { frame, Runtime } from "../../src/runtime/index.ts";
import { MapType, ProgType } from "../../src/uapi/index.ts";
import { ENGINES, sample, u64le } from "./support.ts";

const PKT = frame({ ipv4: { src: "1.1.1.1", dst: "2.2.2.2" }, udp: { sport: 1, dport: 2 } });

describe.each(ENGINES)("tail calls on %s", (engine) => {
  it("tail_call.o reaches the callee in slot 0 and falls through when the slot is empty", () => {
    const rt = new Runtime({ engine });
    const c = rt.loadCollection(sample("build/tail_call.o"));
    const caller = c.program("caller");
    const empty = caller.testRun({ data: PKT }).retval;
    expect(empty).not.toBe(42);
    c.map("map").setProgram(0, c.program("callee"));
    expect(caller.testRun({ data: PKT }).retval).toBe(42);
    c.map("map").delete(0);
    expect(caller.testRun({ data: PKT }).retval).toBe(empty);
    rt.close();
  });

  it("prog_array.o: the initialiser fills the slots; a deleted slot falls through to -1", () => {
    const rt = new Runtime({ engine, seed: 7 });
    const c = rt.loadCollection(sample("build/prog_array.o"));
    const func = c.program("func");
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) seen.add(func.testRun({ data: new Uint8Array(16) }).retval);
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    c.map("prog_array_map").delete(2);
    seen.clear();
    for (let i = 0; i < 64; i++) seen.add(func.testRun({ data: new Uint8Array(16) }).retval);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 3, 0xffff_ffff]);
    rt.close();
  });

  it("a program tail-calling itself runs 1 + MAX_TAIL_CALL_CNT times", () => {
    const rt = new Runtime({ engine });
    const counter = rt.createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    const progs = rt.createMap({
      type: MapType.PROG_ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
    });
    const prog = rt.loadProgram({
      type: ProgType.XDP,
      insns: [
        build.mov64Reg(6, 1),
        build.stMem(BPF_W, 10, -4, 0),
        ...build.ldMapFd(1, counter.id),
        build.mov64Reg(2, 10),
        build.alu64Imm(BPF_ADD, 2, -4),
        build.callHelper(1),
        build.jmpImm(BPF_JEQ, 0, 0, 3),
        build.ldxMem(BPF_DW, 1, 0, 0),
        build.alu64Imm(BPF_ADD, 1, 1),
        build.stxMem(BPF_DW, 0, 1, 0),
        build.mov64Reg(1, 6),
        ...build.ldMapFd(2, progs.id),
        build.mov64Imm(3, 0),
        build.callHelper(12),
        build.mov64Imm(0, 7),
        build.exit(),
      ],
    });
    progs.setProgram(0, prog);
    expect(prog.testRun({ data: PKT }).retval).toBe(7);
    expect(u64le(counter.lookup(0)!)).toBe(BigInt(1 + MAX_TAIL_CALL_CNT));
    rt.close();
    expect(prog.freed).toBe(true);
  });
});
