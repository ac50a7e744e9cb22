// Helpers that call back into the program: bpf_loop, bpf_for_each_map_elem
// and bpf_timer_set_callback. The callback is a static function (func_info
// required) entered in a new frame with the registers the helper passes;
// it must return a scalar in [0, 1] (timers: 0); sync callbacks are
// iterated until their states converge (bpf_loop at most nr_loops times),
// timer callbacks are verified as a path of their own. Modelled on the
// selftests verifier_iterating_callbacks.c / bpf_loop / timer tests.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";
import { funcs } from "./btf-funcs.ts";

const MAIN = "int main(struct __sk_buff *skb)";
const LOOP_CB = "static int cb(unsigned int i, void *ctx)";
const loopFuncs = funcs([MAIN, LOOP_CB], { __sk_buff: 192 });

/** bpf_loop(nr, cb, ctx = fp-8 (or NULL), 0) with the callback body `cb`. */
const loop = (nr: number, cb: string, ctx = "r3 = r10\n      r3 += -8", after = "r0 = 0"): string =>
  `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r1 = ${nr}
      r2 = subprog[cb]
      ${ctx}
      r4 = 0
      call bpf_loop
      ${after}
      exit
    cb:
      ${cb}`;

const ARRAY_8: MapInfo = { type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 };
/** `__u8 choice_arr[2]` of the selftests, a global variable (one-entry array map). */
const CHOICE_ARR: MapInfo = {
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 2,
  maxEntries: 1,
  flags: 0,
  name: ".data",
};
/** struct elem { struct bpf_timer t; int v; } with its BTF special field. */
const TIMER_MAP: MapInfo = {
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 24,
  maxEntries: 1,
  flags: 0,
  name: "timers",
  btfValueTypeId: 2,
  btfFields: [{ name: "bpf_timer", off: 0, size: 16 }],
};

/** bpf_for_each_map_elem(map 0, cb, ctx = fp-8, 0); cb(map, key, value, ctx) */
const forEach = (cb: string): string => `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r1 = map[id:0]
      r2 = subprog[cb]
      r3 = r10
      r3 += -8
      r4 = 0
      call bpf_for_each_map_elem
      r0 = 0
      exit
    cb:
      ${cb}`;
const forEachFuncs = funcs([MAIN, "static long cb(void *map, void *key, void *value, void *ctx)"], {
  __sk_buff: 192,
});

/** Look the timer element up, init its timer, set `cb` as callback, start it. */
const timer = (cb: string): string => `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto out
      r6 = r0
      r1 = r6
      r2 = map[id:0]
      r3 = 0
      call bpf_timer_init
      r1 = r6
      r2 = subprog[cb]
      call bpf_timer_set_callback
      r1 = r6
      r2 = 0
      r3 = 0
      call bpf_timer_start
    out:
      r0 = 0
      exit
    cb:
      ${cb}`;
const timerFuncs = funcs([MAIN, "static int cb(void *map, int *key, struct elem *value)"], {
  __sk_buff: 192,
  elem: 24,
});

export const cases: VerifierCase[] = [
  {
    name: "bpf_loop: a static callback",
    asm: loop(10, "r0 = 0\n      exit"),
    opts: loopFuncs,
    logHas: [
      "from 8 to 11: frame1: R1=scalar() R2=fp[0]-8 R10=fp0",
      "to caller at 8:",
      "from 12 to 8: safe",
    ],
  },
  {
    name: "bpf_loop: callbacks need func_info",
    asm: loop(10, "r0 = 0\n      exit"),
    err: "missing btf func_info",
  },
  {
    name: "bpf_loop: a global function cannot be a callback",
    asm: loop(10, "r0 = 0\n      exit"),
    opts: funcs([MAIN, "int cb(unsigned int i, void *ctx)"], { __sk_buff: 192 }),
    err: "callback function not static",
  },
  {
    name: "bpf_loop: callback returns 2",
    asm: loop(10, "r0 = 2\n      exit"),
    opts: loopFuncs,
    err: "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
  },
  {
    name: "bpf_loop: callback returns an unknown scalar",
    asm: loop(10, "call bpf_get_prandom_u32\n      exit"),
    opts: loopFuncs,
    err: "At callback return the register R0 has unknown scalar value should have been in [0, 1]",
  },
  {
    name: "bpf_loop: callback returns a pointer to the caller's stack",
    asm: loop(10, "r0 = r2\n      exit"),
    opts: loopFuncs,
    err: "cannot return stack pointer to the caller",
  },
  {
    name: "bpf_for_each_map_elem: callback returns a pointer",
    maps: [ARRAY_8],
    asm: forEach("r0 = r1\n      exit"),
    opts: forEachFuncs,
    err: "R0 not a scalar value",
  },
  {
    name: "bpf_loop: callback reads an argument it does not get",
    asm: loop(10, "r0 = r3\n      r0 = 0\n      exit"),
    opts: loopFuncs,
    err: "R3 !read_ok",
  },
  {
    name: "bpf_loop: callback increments a counter in the caller's stack",
    asm: loop(
      100,
      `r1 = *(u64 *)(r2 + 0)
      r1 += 1
      *(u64 *)(r2 + 0) = r1
      r0 = 0
      exit`,
    ),
    opts: loopFuncs,
    // Widened after the first round, the counter's state converges.
    check: (r) => expect(r.stats.insnsProcessed).toBeLessThan(60),
  },
  {
    name: "bpf_loop: NULL context dereferenced by the callback",
    asm: loop(10, "r0 = *(u64 *)(r2 + 0)\n      r0 = 0\n      exit", "r3 = 0"),
    opts: loopFuncs,
    err: "R2 invalid mem access 'scalar'",
  },
  {
    name: "bpf_loop: context that is a non-NULL scalar",
    asm: loop(10, "r0 = 0\n      exit", "r3 = 42"),
    opts: loopFuncs,
    err: "R3 type=scalar expected=fp",
  },
  {
    name: "bpf_loop: iteration limit ok (bpf_loop_iter_limit_ok)",
    maps: [CHOICE_ARR],
    asm: loop(
      1,
      `r1 = *(u64 *)(r2 + 0)
      r1 += 1
      *(u64 *)(r2 + 0) = r1
      r0 = 0
      exit`,
      "r3 = r10\n      r3 += -8",
      `r1 = *(u64 *)(r10 - 8)
      r2 = map[id:0][0]+0
      r2 += r1
      r0 = *(u8 *)(r2 + 0)`,
    ),
    opts: loopFuncs,
  },
  {
    name: "bpf_loop: iteration limit overflow (bpf_loop_iter_limit_overflow)",
    maps: [CHOICE_ARR],
    asm: loop(
      2,
      `r1 = *(u64 *)(r2 + 0)
      r1 += 1
      *(u64 *)(r2 + 0) = r1
      r0 = 0
      exit`,
      "r3 = r10\n      r3 += -8",
      `r1 = *(u64 *)(r10 - 8)
      r2 = map[id:0][0]+0
      r2 += r1
      r0 = *(u8 *)(r2 + 0)`,
    ),
    opts: loopFuncs,
    err: "invalid access to map value, value_size=2 off=2 size=1",
  },
  {
    name: "bpf_for_each_map_elem: callback reads key and value",
    maps: [ARRAY_8],
    asm: forEach(`r0 = *(u32 *)(r2 + 0)
      r0 = *(u64 *)(r3 + 0)
      r0 = *(u64 *)(r4 + 0)
      r0 = 0
      exit`),
    opts: forEachFuncs,
  },
  {
    name: "bpf_for_each_map_elem: value read past its size",
    maps: [ARRAY_8],
    asm: forEach(`r0 = *(u64 *)(r3 + 8)
      r0 = 0
      exit`),
    opts: forEachFuncs,
    err: "invalid access to map value, value_size=8 off=8 size=8",
  },
  {
    name: "bpf_for_each_map_elem: callback writes the key",
    maps: [ARRAY_8],
    asm: forEach(`r1 = 0
      *(u32 *)(r2 + 0) = r1
      r0 = 0
      exit`),
    opts: forEachFuncs,
    err: "write to change key R2 not allowed",
  },
  {
    name: "bpf_for_each_map_elem: map type without callback support",
    maps: [{ type: MapType.LPM_TRIE, keySize: 8, valueSize: 8, maxEntries: 4, flags: 1 }],
    asm: forEach("r0 = 0\n      exit"),
    opts: forEachFuncs,
    err: "callback function not allowed for map",
  },
  {
    name: "bpf_for_each_map_elem: callback returns 5",
    maps: [ARRAY_8],
    asm: forEach("r0 = 5\n      exit"),
    opts: forEachFuncs,
    err: "At callback return the register R0 has smin=5 smax=5 should have been in [0, 1]",
  },
  {
    name: "bpf_timer: callback verified as its own path",
    maps: [TIMER_MAP],
    asm: timer(`r0 = *(u32 *)(r3 + 16)
      r0 = 0
      exit`),
    opts: timerFuncs,
    logHas: [
      "from 17 to 24: R1=map_ptr(map=timers,ks=4,vs=24) R2=map_key(map=timers,ks=4,vs=24) R3=map_value(map=timers,ks=4,vs=24) R10=fp0",
    ],
  },
  {
    name: "bpf_timer: async callback must return 0",
    maps: [TIMER_MAP],
    asm: timer("r0 = 1\n      exit"),
    opts: timerFuncs,
    err: "At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]",
  },
  {
    name: "bpf_timer: callback reads past the value",
    maps: [TIMER_MAP],
    asm: timer("r0 = *(u64 *)(r3 + 24)\n      r0 = 0\n      exit"),
    opts: timerFuncs,
    err: "invalid access to map value, value_size=24 off=24 size=8",
  },
  {
    name: "bpf_timer: the timer field cannot be loaded",
    maps: [TIMER_MAP],
    asm: timer("r0 = *(u64 *)(r3 + 8)\n      r0 = 0\n      exit"),
    opts: timerFuncs,
    err: "bpf_timer cannot be accessed directly by load/store",
  },
  {
    name: "bpf_timer: timer pointer not at the timer",
    maps: [TIMER_MAP],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto out
      r1 = r0
      r1 += 16
      r2 = map[id:0]
      r3 = 0
      call bpf_timer_init
    out:
      r0 = 0
      exit`,
    err: "off 16 doesn't point to 'struct bpf_timer' that is at 0",
  },
  {
    name: "bpf_timer: map without a timer",
    maps: [ARRAY_8],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      if r0 == 0 goto out
      r1 = r0
      r2 = map[id:0]
      r3 = 0
      call bpf_timer_init
    out:
      r0 = 0
      exit`,
    err: "map '' has to have BTF in order to use bpf_timer",
  },
];
