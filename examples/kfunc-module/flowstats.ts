// The "flowstats" kfunc module: three kfuncs with their host implementations
// (TypeScript, what a call runs) and their BPF bodies (flowstats.bpf.o, built
// from flowstats.bpf.c), which tsbpf inlines at each call site. Both must
// compute the same thing; test/kfuncs/example.test.ts checks that they do.
import { readFileSync } from "node:fs";
import {
  defineKfuncModule,
  dynptrSlice,
  ptrArg,
  u32Arg,
  type KfuncModule,
} from "../../src/kfuncs/index.ts";

const FS_ADD = 0;
const FS_MAX = 1;
const FS_MIN = 2;
const U64 = (1n << 64n) - 1n;

/** The module, with its bodies from the prebuilt object next to this file. */
export function flowstatsModule(): KfuncModule {
  const object = readFileSync(new URL("./flowstats.bpf.o", import.meta.url));
  return defineKfuncModule("flowstats", [
    {
      name: "fs_update",
      proto: "u64 fs_update(u64 *slot, u64 value, u32 mode)",
      impl: (k, slot, value, mode) => {
        const at = ptrArg(slot);
        let cur = k.mem.dv.getBigUint64(at, true);
        const m = u32Arg(mode);
        if (m === FS_ADD) cur = (cur + value) & U64;
        else if (m === FS_MAX) cur = value > cur ? value : cur;
        else if (m === FS_MIN) cur = cur === 0n || value < cur ? value : cur;
        k.mem.dv.setBigUint64(at, cur, true);
        return cur;
      },
      body: { object },
    },
    {
      name: "fs_ewma",
      proto: "u32 fs_ewma(u32 avg, u32 sample, u32 shift)",
      // A u32 result: callers use the low half. The upper half is what the
      // body (clang's code) leaves there, so that both agree on all 64 bits.
      impl: (_k, avg, sample, shift) => {
        const sh = BigInt(u32Arg(shift));
        const a = BigInt(u32Arg(avg));
        if (sh === 0n || a === 0n) return sample;
        return (avg - (a >> sh) + (BigInt(u32Arg(sample)) >> sh)) & U64;
      },
      body: { object },
    },
    {
      name: "fs_be16",
      proto: "u32 fs_be16(const struct bpf_dynptr *p, u32 off)",
      impl: (k, p, off, _r3, _r4, _r5, call) => {
        const at = dynptrSlice(k, ptrArg(p), u32Arg(off), 2, call.pc);
        if (at === 0) return 0x10000;
        const b = k.mem.u8;
        return (b[at]! << 8) | b[at + 1]!;
      },
      body: { object },
    },
  ]);
}
