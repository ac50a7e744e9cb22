// Translations of the kernel selftests in progs/verifier_bounds.c (first
// part: map value arithmetic with subtraction, moves, truncation, shifts and
// 32-bit overflow). Each starts with a lookup in an 8-byte hash map.
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

const MAP_HASH_8B: MapInfo = {
  type: MapType.HASH,
  keySize: 8,
  valueSize: 8,
  maxEntries: 1,
  flags: 0,
};

const LOOKUP = `r1 = 0
      *(u64 *)(r10 - 8) = r1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem`;

/** Lookup, then `body` on the non-NULL value in r0; the NULL path exits with 0. */
const onValue = (body: string): string => `${LOOKUP}
      if r0 == 0 goto l0
      ${body}
    l0:
      r0 = 0
      exit`;

/** Lookup; exits when NULL; `body` runs on the value and must end the program. */
const onValueThen = (body: string): string => `${LOOKUP}
      if r0 != 0 goto l0
      exit
    l0:
      ${body}`;

const bounds = (c: Omit<VerifierCase, "maps">): VerifierCase => ({ ...c, maps: [MAP_HASH_8B] });

const HALF = 0xffffff80 >>> 1;

export const cases: VerifierCase[] = [
  bounds({
    name: "subtraction bounds (map value) variant 1",
    asm: onValue(`r1 = *(u8 *)(r0 + 0)
      if r1 > 0xff goto l0
      r3 = *(u8 *)(r0 + 1)
      if r3 > 0xff goto l0
      r1 -= r3
      r1 >>= 56
      r0 += r1
      r0 = *(u8 *)(r0 + 0)
      exit`),
    err: "R0 max value is outside of the allowed memory range",
  }),
  bounds({
    name: "subtraction bounds (map value) variant 2",
    asm: onValue(`r1 = *(u8 *)(r0 + 0)
      if r1 > 0xff goto l0
      r3 = *(u8 *)(r0 + 1)
      if r3 > 0xff goto l0
      r1 -= r3
      r0 += r1
      r0 = *(u8 *)(r0 + 0)
      exit`),
    err: "R0 min value is negative, either use unsigned index or do a if (index >=0) check.",
  }),
  bounds({
    name: "check subtraction on pointers for unpriv",
    asm: `r0 = 0
      r1 = map[id:0]
      r2 = r10
      r2 += -8
      r6 = 9
      *(u64 *)(r2 + 0) = r6
      call bpf_map_lookup_elem
      r9 = r10
      r9 -= r0
      r1 = map[id:0]
      r2 = r10
      r2 += -8
      r6 = 0
      *(u64 *)(r2 + 0) = r6
      call bpf_map_lookup_elem
      if r0 != 0 goto l0
      exit
    l0:
      *(u64 *)(r0 + 0) = r9
      r0 = 0
      exit`,
    unpriv: "R9 pointer -= pointer prohibited",
  }),
  bounds({
    name: "bounds check based on zero-extended MOV",
    asm: onValue(`w2 = 0xffffffff
      r2 >>= 32
      r0 += r2
      r0 = *(u8 *)(r0 + 0)`),
    unpriv: "ok",
  }),
  bounds({
    name: "bounds check based on sign-extended MOV. test1",
    asm: onValue(`r2 = -1
      r2 >>= 32
      r0 += r2
      r0 = *(u8 *)(r0 + 0)`),
    err: "math between map_value pointer and 4294967295 is not allowed",
  }),
  bounds({
    name: "bounds check based on sign-extended MOV. test2",
    asm: onValue(`r2 = -1
      r2 >>= 36
      r0 += r2
      r0 = *(u8 *)(r0 + 0)`),
    err: "R0 min value is outside of the allowed memory range",
  }),
  bounds({
    name: "bounds check after truncation of non-boundary-crossing range",
    asm: onValue(`r1 = *(u8 *)(r0 + 0)
      r2 = 1
      r2 <<= 36
      r1 += r2
      r1 += 0x7fffffff
      w1 -= 0x7fffffff
      r1 >>= 8
      r0 += r1
      r0 = *(u8 *)(r0 + 0)`),
    unpriv: "ok",
  }),
  bounds({
    name: "bounds check after truncation of boundary-crossing range (1)",
    asm: `${LOOKUP}
      if r0 == 0 goto l0
      r1 = *(u8 *)(r0 + 0)
      r1 += ${HALF}
      r1 += ${HALF}
      w1 += 0
      r1 -= ${HALF}
      r1 -= ${HALF}
      r0 += r1
      r0 = 0
    l0:
      exit`,
    err: "value -4294967168 makes map_value pointer be out of bounds",
  }),
  bounds({
    name: "bounds check after truncation of boundary-crossing range (2)",
    asm: `${LOOKUP}
      if r0 == 0 goto l0
      r1 = *(u8 *)(r0 + 0)
      r1 += ${HALF}
      r1 += ${HALF}
      w1 = w1
      r1 -= ${HALF}
      r1 -= ${HALF}
      r0 += r1
      r0 = 0
    l0:
      exit`,
    err: "value -4294967168 makes map_value pointer be out of bounds",
  }),
  bounds({
    name: "bounds check after wrapping 32-bit addition",
    asm: onValue(`r1 = 0x7fffffff
      r1 += 0x7fffffff
      w1 += 2
      r0 += r1
      r0 = *(u8 *)(r0 + 0)`),
    unpriv: "ok",
  }),
  bounds({
    name: "bounds check after shift with oversized count operand",
    asm: onValue(`r2 = 32
      r1 = 1
      w1 <<= w2
      r1 &= 0xffff
      r0 += r1
      r0 = *(u8 *)(r0 + 0)`),
    err: "R0 max value is outside of the allowed memory range",
  }),
  bounds({
    name: "bounds check after right shift of maybe-negative number",
    asm: onValue(`r1 = *(u8 *)(r0 + 0)
      r1 -= 1
      r1 >>= 8
      r1 >>= 8
      r0 += r1
      r0 = *(u8 *)(r0 + 0)`),
    err: "R0 unbounded memory access, make sure to bounds check any such access",
  }),
  bounds({
    name: "bounds check after 32-bit right shift with 64-bit input",
    asm: `${LOOKUP}
      if r0 == 0 goto l0
      r1 = 2
      r1 <<= 31
      w1 >>= 31
      w1 -= 2
      r0 += r1
      r0 = 0
    l0:
      exit`,
    err: "math between map_value pointer and 4294967294 is not allowed",
  }),
  bounds({
    name: "bounds check map access with off+size signed 32bit overflow. test1",
    asm: onValueThen(`r0 += 0x7ffffffe
      r0 = *(u64 *)(r0 + 0)
      goto l1
    l1:
      exit`),
    err: "math between map_value pointer and 2147483646 is not allowed",
  }),
  bounds({
    name: "bounds check map access with off+size signed 32bit overflow. test2",
    asm: onValueThen(`r0 += 0x1fffffff
      r0 += 0x1fffffff
      r0 += 0x1fffffff
      r0 = *(u64 *)(r0 + 0)
      goto l1
    l1:
      exit`),
    err: "map_value pointer offset 1073741822 is not allowed",
    unpriv: "R0 pointer arithmetic of map value goes out of range, prohibited for !root",
  }),
  bounds({
    name: "bounds check map access with off+size signed 32bit overflow. test3",
    asm: onValueThen(`r0 -= 0x1fffffff
      r0 -= 0x1fffffff
      r0 = *(u64 *)(r0 + 2)
      goto l1
    l1:
      exit`),
    err: "map_value pointer offset -1073741822 is not allowed",
    unpriv: "R0 pointer arithmetic of map value goes out of range, prohibited for !root",
  }),
  bounds({
    name: "bounds check map access with off+size signed 32bit overflow. test4",
    asm: onValueThen(`r1 = 1000000
      r1 *= 1000000
      r0 += r1
      r0 = *(u64 *)(r0 + 2)
      goto l1
    l1:
      exit`),
    err: "math between map_value pointer and 1000000000000 is not allowed",
  }),
];

const RND2 = `call bpf_get_prandom_u32
      r6 = r0
      call bpf_get_prandom_u32`;

/** xdp: r1 = one packet byte (r2 = data), or exit when the packet is empty. */
const PKT_BYTE = `r2 = *(u32 *)(r1 + 0)
      r3 = *(u32 *)(r1 + 4)
      r1 = r2
      r1 += 1
      if r1 > r3 goto l0
      r1 = *(u8 *)(r2 + 0)`;

cases.push(
  {
    name: "bounds check mixed 32bit and 64bit arithmetic. test1",
    asm: `r0 = 0
      r1 = -1
      r1 <<= 32
      r1 += 1
      if w1 > 1 goto l0
      r1 += 1
      if w1 > 2 goto l0
      goto l1
    l0:
      r0 = *(u64 *)(r0 - 1)
    l1:
      exit`,
    unpriv: "ok",
  },
  {
    name: "bounds check mixed 32bit and 64bit arithmetic. test2",
    asm: `r0 = 0
      r1 = -1
      r1 <<= 32
      r1 += 1
      r2 = 3
      w1 += 1
      if r1 > r2 goto l0
      goto l1
    l0:
      r0 = *(u64 *)(r0 - 1)
    l1:
      exit`,
    unpriv: "ok",
  },
  {
    name: "assigning 32bit bounds to 64bit for wA = 0, wB = wA",
    type: "sched_cls",
    asm: `r8 = *(u32 *)(r1 + 80)
      r7 = *(u32 *)(r1 + 76)
      w9 = 0
      w2 = w9
      r6 = r7
      r6 += r2
      r3 = r6
      r3 += 8
      if r3 > r8 goto l0
      r5 = *(u32 *)(r6 + 0)
    l0:
      r0 = 0
      exit`,
  },
  bounds({
    name: "bounds check for reg = 0, reg xor 1",
    asm: onValueThen(`r1 = 0
      r1 ^= 1
      if r1 != 0 goto l1
      r0 = *(u64 *)(r0 + 8)
    l1:
      r0 = 0
      exit`),
    unpriv: "ok",
  }),
  bounds({
    name: "bounds check for reg32 = 0, reg32 xor 1",
    asm: onValueThen(`w1 = 0
      w1 ^= 1
      if w1 != 0 goto l1
      r0 = *(u64 *)(r0 + 8)
    l1:
      r0 = 0
      exit`),
    unpriv: "ok",
  }),
  bounds({
    name: "bounds check for reg = 2, reg xor 3",
    asm: onValueThen(`r1 = 2
      r1 ^= 3
      if r1 > 0 goto l1
      r0 = *(u64 *)(r0 + 8)
    l1:
      r0 = 0
      exit`),
    unpriv: "ok",
  }),
  bounds({
    name: "bounds check for reg = any, reg xor 3",
    asm: onValueThen(`r1 = *(u64 *)(r0 + 0)
      r1 ^= 3
      if r1 != 0 goto l1
      r0 = *(u64 *)(r0 + 8)
    l1:
      r0 = 0
      exit`),
    err: "invalid access to map value, value_size=8 off=8 size=8",
    unpriv: "invalid access to map value, value_size=8 off=8 size=8",
  }),
  bounds({
    name: "bounds check for reg32 = any, reg32 xor 3",
    asm: onValueThen(`r1 = *(u64 *)(r0 + 0)
      w1 ^= 3
      if w1 != 0 goto l1
      r0 = *(u64 *)(r0 + 8)
    l1:
      r0 = 0
      exit`),
    err: "invalid access to map value, value_size=8 off=8 size=8",
    unpriv: "invalid access to map value, value_size=8 off=8 size=8",
  }),
  bounds({
    name: "bounds check for reg > 0, reg xor 3",
    asm: onValueThen(`r1 = *(u64 *)(r0 + 0)
      if r1 <= 0 goto l1
      r1 ^= 3
      if r1 >= 0 goto l1
      r0 = *(u64 *)(r0 + 8)
    l1:
      r0 = 0
      exit`),
    unpriv: "ok",
  }),
  bounds({
    name: "bounds check for reg32 > 0, reg32 xor 3",
    asm: onValueThen(`r1 = *(u64 *)(r0 + 0)
      if w1 <= 0 goto l1
      w1 ^= 3
      if w1 >= 0 goto l1
      r0 = *(u64 *)(r0 + 8)
    l1:
      r0 = 0
      exit`),
    unpriv: "ok",
  }),
  {
    name: "bounds check for non const xor src dst",
    asm: `${RND2}
      r6 &= 0xaf
      r0 &= 0x1a0
      r0 ^= r6
      exit`,
    logHas: [
      "5: (af) r0 ^= r6                      ; R0_w=scalar(smin=smin32=0,smax=umax=smax32=umax32=431,var_off=(0x0; 0x1af))",
    ],
  },
  {
    name: "bounds check for non const or src dst",
    asm: `${RND2}
      r6 &= 0xaf
      r0 &= 0x1a0
      r0 |= r6
      exit`,
    logHas: [
      "5: (4f) r0 |= r6                      ; R0_w=scalar(smin=smin32=0,smax=umax=smax32=umax32=431,var_off=(0x0; 0x1af))",
    ],
  },
  {
    name: "bounds check for non const mul regs",
    asm: `${RND2}
      r6 &= 0xff
      r0 &= 0x0f
      r0 *= r6
      exit`,
    logHas: [
      "5: (2f) r0 *= r6                      ; R0_w=scalar(smin=smin32=0,smax=umax=smax32=umax32=3825,var_off=(0x0; 0xfff))",
    ],
  },
  bounds({
    name: "bounds checks after 32-bit truncation. test 1",
    asm: `${LOOKUP}
      if r0 == 0 goto l0
      r1 = *(u32 *)(r0 + 0)
      if r1 == 0 goto l1
      if r1 > 0x7fffffff goto l0
    l1:
      r0 = 0
    l0:
      exit`,
    unpriv: "R0 leaks addr as return value",
  }),
  bounds({
    name: "bounds checks after 32-bit truncation. test 2",
    asm: `${LOOKUP}
      if r0 == 0 goto l0
      r1 = *(u32 *)(r0 + 0)
      if r1 s< 1 goto l1
      if w1 s< 0 goto l0
    l1:
      r0 = 0
    l0:
      exit`,
    unpriv: "R0 leaks addr as return value",
  }),
  {
    name: "bound check with JMP_JLT for crossing 64-bit signed boundary",
    type: "xdp",
    asm: `${PKT_BYTE}
      r0 = 0x7fffffffffffff10 ll
      r1 += r0
      r0 = 0x8000000000000000 ll
    l1:
      r0 += 1
      if r0 < r1 goto l1
    l0:
      r0 = 0
      exit`,
  },
  {
    name: "bound check with JMP_JSLT for crossing 64-bit signed boundary",
    type: "xdp",
    asm: `${PKT_BYTE}
      r0 = 0x7fffffffffffff10 ll
      r1 += r0
      r2 = 0x8000000000000fff ll
      r0 = 0x8000000000000000 ll
    l1:
      r0 += 1
      if r0 s> r2 goto l0
      if r0 s< r1 goto l1
      r0 = 1
      exit
    l0:
      r0 = 0
      exit`,
  },
  {
    name: "bound check for loop upper bound greater than U32_MAX",
    type: "xdp",
    asm: `${PKT_BYTE}
      r0 = 0x100000000 ll
      r1 += r0
      r0 = 0x100000000 ll
    l1:
      r0 += 1
      if r0 < r1 goto l1
    l0:
      r0 = 0
      exit`,
  },
  {
    name: "bound check with JMP32_JLT for crossing 32-bit signed boundary",
    type: "xdp",
    asm: `${PKT_BYTE}
      w0 = 0x7fffff10
      w1 += w0
      w0 = -2147483648
    l1:
      w0 += 1
      if w0 < w1 goto l1
    l0:
      r0 = 0
      exit`,
  },
  {
    name: "bound check with JMP32_JSLT for crossing 32-bit signed boundary",
    type: "xdp",
    asm: `${PKT_BYTE}
      w0 = 0x7fffff10
      w1 += w0
      w2 = -2147479553
      w0 = -2147483648
    l1:
      w0 += 1
      if w0 s> w2 goto l0
      if w0 s< w1 goto l1
      r0 = 1
      exit
    l0:
      r0 = 0
      exit`,
  },
  {
    name: "bounds check with JMP_NE for reg edge",
    type: "sched_cls",
    asm: `r6 = r1
      r1 = 0
      *(u64 *)(r10 - 8) = r1
      call bpf_get_prandom_u32
      r4 = r0
      r4 &= 7
      if r4 != 0 goto l0
      r0 = 0
      exit
    l0:
      r1 = r6
      r2 = 0
      r3 = r10
      r3 += -8
      r5 = 0
      call bpf_skb_store_bytes
      r0 = 0
      exit`,
  },
  {
    name: "bounds check with JMP_EQ for reg edge",
    type: "sched_cls",
    asm: `r6 = r1
      r1 = 0
      *(u64 *)(r10 - 8) = r1
      call bpf_get_prandom_u32
      r4 = r0
      r4 &= 7
      if r4 == 0 goto l0
      r1 = r6
      r2 = 0
      r3 = r10
      r3 += -8
      r5 = 0
      call bpf_skb_store_bytes
    l0:
      r0 = 0
      exit`,
  },
);

/** `N: (op) insn ... ; ... R=...`: the state printed after insn N (regex-escaped `state`). */
const after = (insn: string, state: string): RegExp =>
  new RegExp(`${esc(insn)} .*; .*${esc(state)}`);
function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const TWO_RND = `call bpf_get_prandom_u32
      r6 = r0
      call bpf_get_prandom_u32
      r7 = r0`;

cases.push(
  {
    name: "multiply mixed sign bounds. test 2",
    type: "sched_cls",
    asm: `${TWO_RND}
      r6 &= 0xf
      r6 -= 0xa
      r7 &= 0xf
      r7 -= 0x14
      r6 *= r7
      exit`,
    logHas: [after("r6 *= r7", "R6_w=scalar(smin=smin32=-100,smax=smax32=200)")],
  },
  {
    name: "multiply negative bounds",
    type: "sched_cls",
    asm: `r8 = 0x7fff
      ${TWO_RND}
      r6 &= 0xa
      r6 -= r8
      r7 &= 0xf
      r7 -= r8
      r6 *= r7
      exit`,
    logHas: [
      after(
        "r6 *= r7",
        "R6_w=scalar(smin=umin=smin32=umin32=0x3ff280b0,smax=umax=smax32=umax32=0x3fff0001,var_off=(0x3ff00000; 0xf81ff))",
      ),
    ],
  },
  {
    name: "multiply bounds that don't cross signed boundary",
    type: "sched_cls",
    asm: `r6 = 0xb
      r8 = 0xb3c3f8c99262687 ll
      call bpf_get_prandom_u32
      r7 = r0
      r6 &= r7
      r8 *= r6
      exit`,
    logHas: [
      after(
        "r8 *= r6",
        "R8_w=scalar(smin=0,smax=umax=0x7b96bb0a94a3a7cd,var_off=(0x0; 0x7fffffffffffffff))",
      ),
    ],
  },
  {
    name: "multiplication overflow, result in unbounded reg. test 1",
    type: "sched_cls",
    asm: `r8 = 0x7ffffffffff ll
      ${TWO_RND}
      r6 &= 0x7fffffff
      r7 &= r8
      r6 *= r7
      exit`,
    logHas: [after("r6 *= r7", "R6_w=scalar()")],
  },
  {
    name: "multiplication overflow, result in unbounded reg. test 2",
    type: "sched_cls",
    asm: `r8 = 0x7ffffffff ll
      ${TWO_RND}
      r6 &= 0xa
      r6 -= r8
      r7 &= 0x7fffffff
      r6 *= r7
      exit`,
    logHas: [after("r6 *= r7", "R6_w=scalar()")],
  },
  {
    name: "64-bit addition, all outcomes overflow",
    asm: `call bpf_get_prandom_u32
      r4 = r0
      r3 = 0xa000000000000000 ll
      r3 |= r4
      r3 += r3
      r0 = 0
      exit`,
    logHas: [
      after("5: (0f) r3 += r3", "R3_w=scalar(umin=0x4000000000000000,umax=0xfffffffffffffffe)"),
    ],
  },
  {
    name: "64-bit addition, partial overflow, result in unbounded reg",
    asm: `call bpf_get_prandom_u32
      r4 = r0
      r3 = 2
      r3 |= r4
      r3 += r3
      r0 = 0
      exit`,
    logHas: [after("4: (0f) r3 += r3", "R3_w=scalar()")],
  },
  {
    name: "32-bit addition overflow, all outcomes overflow",
    asm: `call bpf_get_prandom_u32
      w4 = w0
      w3 = -1610612736
      w3 |= w4
      w3 += w3
      r0 = 0
      exit`,
    logHas: [
      after(
        "4: (0c) w3 += w3",
        "R3_w=scalar(smin=umin=umin32=0x40000000,smax=umax=umax32=0xfffffffe,var_off=(0x0; 0xffffffff))",
      ),
    ],
  },
  {
    name: "32-bit addition, partial overflow, result in unbounded u32 bounds",
    asm: `call bpf_get_prandom_u32
      w4 = w0
      w3 = 2
      w3 |= w4
      w3 += w3
      r0 = 0
      exit`,
    logHas: [
      after(
        "4: (0c) w3 += w3",
        "R3_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))",
      ),
    ],
  },
  {
    name: "64-bit subtraction, all outcomes underflow",
    asm: `call bpf_get_prandom_u32
      r1 = r0
      r2 = 0x8000000000000000 ll
      r1 |= r2
      r3 = 0
      r3 -= r1
      r0 = 0
      exit`,
    logHas: [after("6: (1f) r3 -= r1", "R3_w=scalar(umin=1,umax=0x8000000000000000)")],
  },
  {
    name: "32-bit subtraction overflow, all outcomes underflow",
    asm: `call bpf_get_prandom_u32
      w1 = w0
      w2 = -2147483648
      w1 |= w2
      w3 = 0
      w3 -= w1
      r0 = 0
      exit`,
    logHas: [
      after(
        "5: (1c) w3 -= w1",
        "R3_w=scalar(smin=umin=umin32=1,smax=umax=umax32=0x80000000,var_off=(0x0; 0xffffffff))",
      ),
    ],
  },
  {
    name: "32-bit subtraction, partial overflow, result in unbounded u32 bounds",
    asm: `call bpf_get_prandom_u32
      w3 = w0
      w2 = 1
      w3 -= w2
      r0 = 0
      exit`,
    logHas: [
      after(
        "3: (1c) w3 -= w2",
        "R3_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))",
      ),
    ],
  },
  {
    name: "bounds deduction cross sign boundary, two overlaps",
    asm: `call bpf_get_prandom_u32
      r0 = (s8)r0
      r1 = -128
      if r0 > r1 goto l0
      if r0 < 128 goto l0
      r10 = 0
    l0:
      r0 = 0
      exit`,
    err: "frame pointer is read only",
  },
  {
    name: "conditional jump on same register, branch taken",
    asm: `call bpf_get_prandom_u32
      w8 = -2147483648
      r0 &= r8
      if r0 == r0 goto +1
      goto l1
      if r0 >= r0 goto +1
      goto l1
      if r0 s>= r0 goto +1
      goto l1
      if r0 <= r0 goto +1
      goto l1
      if r0 s<= r0 goto +1
      goto l1
      if r0 != r0 goto l1
      if r0 > r0 goto l1
      if r0 s> r0 goto l1
      if r0 < r0 goto l1
      if r0 s< r0 goto l1
    l0:
      r0 = 0
      exit
    l1:
      r0 = 1
      exit`,
    logLacks: [/20: \(b7\) r0 = 1/],
  },
  {
    name: "jset on same register, constant value branch taken",
    asm: `r0 = 0
      if r0 & r0 goto l1
      r0 = 1
      if r0 & r0 goto +1
      goto l1
    l0:
      r0 = 0
      exit
    l1:
      r0 = 1
      exit`,
    logLacks: [/7: \(b7\) r0 = 1/],
  },
  {
    name: "jset on same register, scalar value unknown branch 1",
    asm: `call bpf_get_prandom_u32
      r0 &= 0x1
      if r0 & r0 goto l1
    l0:
      r0 = 0
      exit
    l1:
      r0 = 1
      exit`,
    logHas: [after("3: (b7) r0 = 0", "R0_w=0"), after("5: (b7) r0 = 1", "R0_w=1")],
  },
);
