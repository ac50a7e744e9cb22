// Map values through bpf_map_lookup_elem: NULL checks (and their transfer to
// copies of the pointer), value bounds with constant and variable offsets,
// map flags, pseudo map lddw forms and helper/map-type compatibility.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";
import type { MapInfo } from "../../../src/verifier/index.ts";

const map = (
  type: number,
  keySize: number,
  valueSize: number,
  maxEntries = 1,
  flags = 0,
): MapInfo => ({
  type,
  keySize,
  valueSize,
  maxEntries,
  flags,
});
const HASH_8 = map(MapType.HASH, 4, 8);
const HASH_48 = map(MapType.HASH, 4, 48);
const ARRAY_4 = map(MapType.ARRAY, 4, 4);

/** key 0 at fp-4, r2 = &key, r1 = map 0, lookup. */
const LOOKUP = `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem`;

export const cases: VerifierCase[] = [
  {
    name: "lookup, NULL check, read",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r0 = *(u64 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "lookup without NULL check",
    maps: [HASH_8],
    asm: `${LOOKUP}
      r0 = *(u64 *)(r0 + 0)
      exit`,
    err: "R0 invalid mem access 'map_value_or_null'",
  },
  {
    name: "store without NULL check",
    maps: [HASH_8],
    asm: `${LOOKUP}
      r1 = 1
      *(u64 *)(r0 + 0) = r1
      r0 = 0
      exit`,
    err: "R0 invalid mem access 'map_value_or_null'",
  },
  {
    name: "NULL check with != jumps to the access",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if r0 != 0 goto ok
      exit
    ok:
      r1 = 1
      *(u64 *)(r0 + 0) = r1
      r0 = 0
      exit`,
  },
  {
    name: "NULL check on a copy covers the original",
    maps: [HASH_8],
    asm: `${LOOKUP}
      r6 = r0
      if r6 == 0 goto out
      r0 = *(u64 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
  },
  {
    name: "in the NULL branch the pointer is the scalar 0",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if r0 != 0 goto out
      r0 = *(u64 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    err: "R0 invalid mem access 'scalar'",
  },
  {
    name: "32-bit compare is not a NULL check",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if w0 == 0 goto out
      r0 = *(u64 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    err: "R0 invalid mem access 'map_value_or_null'",
  },
  {
    name: "read past the end of the value",
    maps: [ARRAY_4],
    asm: `${LOOKUP}
      r1 = r0
      r0 = 0
      if r1 == 0 goto out
      r0 = *(u64 *)(r1 + 0)
    out:
      exit`,
    err: "invalid access to map value, value_size=4 off=0 size=8\nR1 min value is outside of the allowed memory range",
  },
  {
    name: "read before the start of the value",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r0 = *(u32 *)(r0 - 4)
    out:
      r0 = 0
      exit`,
    err: "invalid access to map value, value_size=8 off=-4 size=4",
  },
  {
    name: "write at the last byte",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = 1
      *(u8 *)(r0 + 7) = r1
    out:
      r0 = 0
      exit`,
  },
  {
    name: "constant pointer offset accumulates",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r0 += 4
      r0 += 2
      r1 = *(u16 *)(r0 + 0)
      r1 = *(u32 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    err: "invalid access to map value, value_size=8 off=6 size=4",
  },
  {
    name: "bounded variable index",
    maps: [HASH_48],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = *(u32 *)(r0 + 0)
      if r1 > 44 goto out
      r0 += r1
      r1 = *(u32 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "variable index one too large",
    maps: [HASH_48],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = *(u32 *)(r0 + 0)
      if r1 > 45 goto out
      r0 += r1
      r1 = *(u32 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    err: "invalid access to map value, value_size=48 off=45 size=4\nR0 max value is outside of the allowed memory range",
  },
  {
    name: "unbounded variable index",
    maps: [HASH_48],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = *(u32 *)(r0 + 0)
      r0 += r1
      r1 = *(u32 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    err: "R0 unbounded memory access, make sure to bounds check any such access",
  },
  {
    name: "index bounded only from above (signed) may be negative",
    maps: [HASH_48],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = *(u64 *)(r0 + 0)
      if r1 s> 40 goto out
      if r1 s< -8 goto out
      r0 += r1
      r1 = *(u8 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    err: "R0 min value is negative, either use unsigned index or do a if (index >=0) check.",
  },
  {
    name: "signed index checked both ways",
    maps: [HASH_48],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = *(u64 *)(r0 + 0)
      if r1 s> 40 goto out
      if r1 s< 0 goto out
      r0 += r1
      r1 = *(u8 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
  },
  {
    name: "index with unbounded minimum",
    maps: [HASH_48],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = *(u64 *)(r0 + 0)
      if r1 s> 40 goto out
      r0 += r1
    out:
      r0 = 0
      exit`,
    err: "math between map_value pointer and register with unbounded min value is not allowed",
  },
  {
    name: "storing a pointer into a map value",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      *(u64 *)(r0 + 0) = r10
    out:
      r0 = 0
      exit`,
    unpriv: "R10 leaks addr into map",
  },
  {
    name: "map value pointer arithmetic out of range for unprivileged",
    maps: [HASH_8],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r0 += 8
      r0 = 0
    out:
      r0 = 0
      exit`,
    unpriv: "R0 pointer arithmetic of map value goes out of range, prohibited for !root",
  },
  {
    name: "key is a scalar",
    maps: [HASH_8],
    asm: `r1 = map[id:0]
      r2 = 0
      call bpf_map_lookup_elem
      r0 = 0
      exit`,
    err: "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  },
  {
    name: "map argument is not a map",
    maps: [HASH_8],
    asm: `r2 = r10
      r2 += -4
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      call bpf_map_lookup_elem
      r0 = 0
      exit`,
    err: "R1 type=scalar expected=map_ptr",
  },
  {
    name: "uninitialised key",
    maps: [HASH_8],
    asm: `r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r0 = 0
      exit`,
    unpriv: "invalid read from stack R2 off=-4 size=4",
  },
  {
    name: "key partly initialised",
    maps: [map(MapType.HASH, 8, 8)],
    asm: `r1 = 0
      *(u32 *)(r10 - 8) = r1
      *(u32 *)(r10 - 16) = r1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r0 = 0
      exit`,
    unpriv: "invalid read from stack R2 off -8+4 size 8",
  },
  {
    name: "key extends past the frame pointer",
    maps: [map(MapType.HASH, 8, 8)],
    asm: `r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r0 = 0
      exit`,
    err: "invalid read from stack R2 off=-4 size=8",
  },
  {
    name: "update with key and value on the stack",
    maps: [HASH_8],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      *(u64 *)(r10 - 16) = r1
      r2 = r10
      r2 += -4
      r3 = r10
      r3 += -16
      r1 = map[id:0]
      r4 = 0
      call bpf_map_update_elem
      r0 = 0
      exit`,
    unpriv: "ok",
  },
  {
    name: "update value smaller than the map's",
    maps: [map(MapType.HASH, 4, 16)],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r3 = r10
      r3 += -8
      r1 = map[id:0]
      r4 = 0
      call bpf_map_update_elem
      r0 = 0
      exit`,
    err: "invalid read from stack R3 off=-8 size=16",
  },
  {
    name: "update flags from a pointer",
    maps: [HASH_8],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      *(u64 *)(r10 - 16) = r1
      r2 = r10
      r2 += -4
      r3 = r10
      r3 += -16
      r1 = map[id:0]
      r4 = r10
      call bpf_map_update_elem
      r0 = 0
      exit`,
    unpriv: "R4 leaks addr into helper function",
  },
  {
    name: "value argument is the map pointer",
    maps: [HASH_8],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      r3 = r1
      r4 = 0
      call bpf_map_update_elem
      r0 = 0
      exit`,
    err: "R3 type=map_ptr expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  },
  {
    name: "map value as the key of another lookup",
    maps: [HASH_8, HASH_8],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r2 = r0
      r1 = map[id:1]
      call bpf_map_lookup_elem
    out:
      r0 = 0
      exit`,
  },
  {
    name: "registers r1-r5 are clobbered by a call",
    maps: [HASH_8],
    asm: `${LOOKUP}
      r0 = r2
      exit`,
    err: "R2 !read_ok",
  },
  {
    name: "callee-saved registers survive a call",
    maps: [HASH_8],
    asm: `r6 = 7
      ${LOOKUP}
      r0 = r6
      exit`,
  },
  {
    name: "read-only map: store",
    maps: [map(MapType.ARRAY, 4, 8, 1, 0x80)],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = 1
      *(u32 *)(r0 + 0) = r1
    out:
      r0 = 0
      exit`,
    err: "write into map forbidden, value_size=8 off=0 size=4",
  },
  {
    name: "read-only map: update helper",
    maps: [map(MapType.HASH, 4, 8, 1, 0x80)],
    asm: `r1 = 0
      *(u32 *)(r10 - 4) = r1
      *(u64 *)(r10 - 16) = r1
      r2 = r10
      r2 += -4
      r3 = r10
      r3 += -16
      r1 = map[id:0]
      r4 = 0
      call bpf_map_update_elem
      r0 = 0
      exit`,
    err: "write into map forbidden",
  },
  {
    name: "write-only map: load",
    maps: [map(MapType.ARRAY, 4, 8, 1, 0x100)],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r0 = *(u32 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    err: "read from map forbidden, value_size=8 off=0 size=4",
  },
  {
    name: "direct value access to global data",
    maps: [map(MapType.ARRAY, 4, 16)],
    asm: `r1 = map[id:0][0]+8
      r0 = *(u64 *)(r1 + 0)
      exit`,
    unpriv: "ok",
  },
  {
    name: "direct value access past the value",
    maps: [map(MapType.ARRAY, 4, 16)],
    asm: `r1 = map[id:0][0]+4
      r0 = *(u64 *)(r1 + 8)
      exit`,
    err: "invalid access to map value, value_size=16 off=12 size=8",
  },
  {
    name: "direct value offset beyond the value",
    maps: [map(MapType.ARRAY, 4, 16)],
    asm: `r1 = map[id:0][0]+16
      r0 = 0
      exit`,
    err: "invalid access to map value pointer, value_size=16 off=16",
  },
  {
    name: "direct value access to a hash map",
    maps: [HASH_8],
    asm: `r1 = map[id:0][0]+0
      r0 = 0
      exit`,
    err: "no direct value access support for this map type",
  },
  {
    name: "map reference without a map",
    asm: `r1 = map[id:3]
      r0 = 0
      exit`,
    err: "fd 3 is not pointing to valid bpf_map",
  },
  {
    name: "lookup in a program array",
    maps: [map(MapType.PROG_ARRAY, 4, 4, 4)],
    asm: `${LOOKUP}
      r0 = 0
      exit`,
    err: "cannot pass map_type 3 into func bpf_map_lookup_elem#1",
  },
  {
    name: "lookup in a ring buffer",
    maps: [map(MapType.RINGBUF, 0, 0, 4096)],
    asm: `${LOOKUP}
      r0 = 0
      exit`,
    err: "invalid zero-sized read",
  },
  {
    name: "constant in-range key into an array: value is never NULL",
    maps: [map(MapType.ARRAY, 4, 8, 4)],
    asm: `r1 = 1
      *(u32 *)(r10 - 8) = r1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r0 = *(u64 *)(r0 + 0)
      exit`,
  },
  {
    name: "a key written at a misaligned slot is not tracked as constant",
    maps: [map(MapType.ARRAY, 4, 8, 4)],
    asm: `r1 = 1
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r0 = *(u64 *)(r0 + 0)
      exit`,
    err: "R0 invalid mem access 'map_value_or_null'",
  },
  {
    name: "constant out-of-range key into an array may give NULL",
    maps: [map(MapType.ARRAY, 4, 8, 4)],
    asm: `r1 = 4
      *(u32 *)(r10 - 8) = r1
      r2 = r10
      r2 += -8
      r1 = map[id:0]
      call bpf_map_lookup_elem
      r0 = *(u64 *)(r0 + 0)
      exit`,
    err: "R0 invalid mem access 'map_value_or_null'",
  },
  {
    name: "map in map: the inner map of a checked lookup",
    maps: [{ ...map(MapType.ARRAY_OF_MAPS, 4, 4), innerMap: map(MapType.ARRAY, 4, 8) }],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r1 = r0
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem
      if r0 == 0 goto out
      r0 = *(u64 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
  },
  {
    name: "map in map: the outer value is not memory",
    maps: [{ ...map(MapType.ARRAY_OF_MAPS, 4, 4), innerMap: map(MapType.ARRAY, 4, 8) }],
    asm: `${LOOKUP}
      if r0 == 0 goto out
      r0 = *(u32 *)(r0 + 0)
    out:
      r0 = 0
      exit`,
    err: "map_ptr access not supported without CONFIG_DEBUG_INFO_BTF",
  },
  {
    name: "map call sites record the map",
    maps: [HASH_8, HASH_8],
    asm: `${LOOKUP}
      r0 = 0
      exit`,
    check: (r) => {
      expect(r.aux[6]!.mapPtr?.valueSize).toBe(8);
      expect(r.aux[6]!.mapPtrPoisoned).toBe(false);
    },
  },
  {
    name: "two maps at one call site poison the record",
    maps: [HASH_8, HASH_48],
    asm: `r6 = *(u32 *)(r1 + 0)
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      if r6 == 0 goto call
      r1 = map[id:1]
    call:
      call bpf_map_lookup_elem
      r0 = 0
      exit`,
    check: (r) => expect(r.aux[10]!.mapPtrPoisoned).toBe(true),
  },
];
