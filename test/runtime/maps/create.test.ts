// Creation validation per map type, against the kernel's alloc checks.
import { describe, expect, it } from "vitest";
import {
  BPF_F_INNER_MAP,
  BPF_F_MMAPABLE,
  BPF_F_NO_COMMON_LRU,
  BPF_F_NO_PREALLOC,
  BPF_F_RDONLY,
  BPF_F_WRONLY,
  MapType,
} from "../../../src/uapi/index.ts";
import { MapError, type MapAttrs } from "../../../src/runtime/maps/index.ts";
import { setup } from "./setup.ts";

const T = MapType;
const cases: Array<[string, MapAttrs, string]> = [
  [
    "array key_size must be 4",
    { type: T.ARRAY, keySize: 8, valueSize: 4, maxEntries: 1 },
    "EINVAL",
  ],
  ["array needs entries", { type: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 0 }, "EINVAL"],
  ["array needs a value", { type: T.ARRAY, keySize: 4, valueSize: 0, maxEntries: 1 }, "EINVAL"],
  [
    "huge array value",
    { type: T.ARRAY, keySize: 4, valueSize: (1 << 22) + 1, maxEntries: 1 },
    "E2BIG",
  ],
  [
    "mmapable percpu array",
    { type: T.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_MMAPABLE },
    "EINVAL",
  ],
  [
    "percpu value over 32 KiB",
    { type: T.PERCPU_ARRAY, keySize: 4, valueSize: 32769, maxEntries: 1 },
    "E2BIG",
  ],
  [
    "rdonly and wronly",
    { type: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_RDONLY | BPF_F_WRONLY },
    "EINVAL",
  ],
  ["bad name", { type: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "a-b" }, "EINVAL"],
  [
    "long name",
    { type: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "abcdefghijklmnop" },
    "EINVAL",
  ],
  ["hash key 0", { type: T.HASH, keySize: 0, valueSize: 4, maxEntries: 1 }, "EINVAL"],
  ["hash key over stack", { type: T.HASH, keySize: 513, valueSize: 4, maxEntries: 1 }, "E2BIG"],
  [
    "common-lru flag on hash",
    { type: T.HASH, keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_NO_COMMON_LRU },
    "EINVAL",
  ],
  [
    "lru without prealloc",
    { type: T.LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_NO_PREALLOC },
    "ENOTSUPP",
  ],
  [
    "lpm needs NO_PREALLOC",
    { type: T.LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 1 },
    "EINVAL",
  ],
  [
    "lpm key too short",
    { type: T.LPM_TRIE, keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_NO_PREALLOC },
    "EINVAL",
  ],
  [
    "lpm key too long",
    { type: T.LPM_TRIE, keySize: 261, valueSize: 4, maxEntries: 1, flags: BPF_F_NO_PREALLOC },
    "EINVAL",
  ],
  [
    "ringbuf not a power of 2",
    { type: T.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 12288 },
    "EINVAL",
  ],
  [
    "ringbuf under a page",
    { type: T.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 2048 },
    "EINVAL",
  ],
  ["ringbuf with a key", { type: T.RINGBUF, keySize: 4, valueSize: 0, maxEntries: 4096 }, "EINVAL"],
  ["queue with a key", { type: T.QUEUE, keySize: 4, valueSize: 4, maxEntries: 1 }, "EINVAL"],
  ["stack needs a value", { type: T.STACK, keySize: 0, valueSize: 0, maxEntries: 1 }, "EINVAL"],
  ["prog_array value 8", { type: T.PROG_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 }, "EINVAL"],
  [
    "inner-map flag on a hash",
    { type: T.HASH, keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_INNER_MAP },
    "EINVAL",
  ],
  [
    "array of maps without template",
    { type: T.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 1 },
    "EBADF",
  ],
  [
    "map-in-map as inner",
    {
      type: T.ARRAY_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
      innerMap: {
        type: T.HASH_OF_MAPS,
        keySize: 4,
        valueSize: 4,
        maxEntries: 1,
        innerMap: { type: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 },
      },
    },
    "EINVAL",
  ],
  [
    "invalid inner template",
    {
      type: T.HASH_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
      innerMap: { type: T.ARRAY, keySize: 8, valueSize: 4, maxEntries: 1 },
    },
    "EINVAL",
  ],
  ["unsupported type", { type: T.BLOOM_FILTER, keySize: 0, valueSize: 8, maxEntries: 1 }, "EINVAL"],
  ["non-integer size", { type: T.ARRAY, keySize: 4, valueSize: 1.5, maxEntries: 1 }, "EINVAL"],
];

describe("map creation checks", () => {
  it.each(cases)("%s → %s", (_name, attrs, errno) => {
    const { reg } = setup();
    let err: unknown;
    try {
      reg.create(attrs);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MapError);
    expect((err as MapError).errno).toBe(errno);
    expect(reg.size).toBe(0);
  });

  it("gives precise reasons", () => {
    const { reg } = setup();
    expect(() => reg.create({ type: T.ARRAY, keySize: 8, valueSize: 4, maxEntries: 1 })).toThrow(
      "EINVAL: create array map: array key_size must be 4, got 8",
    );
  });

  it("runtime memory exhaustion is ENOMEM and leaves nothing allocated", () => {
    const { reg, mem } = setup();
    const before = mem.allocatedBytes;
    expect(() =>
      reg.create({ type: T.ARRAY, keySize: 4, valueSize: 1 << 20, maxEntries: 2048 }),
    ).toThrow(expect.objectContaining({ errno: "ENOMEM" }));
    expect(mem.allocatedBytes).toBe(before);
    expect(reg.size).toBe(0);
  });

  it("accepts valid attributes of every supported type", () => {
    const { reg } = setup(2);
    const inner = { type: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 };
    const ok: MapAttrs[] = [
      { type: T.ARRAY, keySize: 4, valueSize: 1, maxEntries: 1 },
      { type: T.PERCPU_ARRAY, keySize: 4, valueSize: 1, maxEntries: 1 },
      { type: T.HASH, keySize: 1, valueSize: 1, maxEntries: 1 },
      { type: T.PERCPU_HASH, keySize: 1, valueSize: 1, maxEntries: 1 },
      { type: T.LRU_HASH, keySize: 1, valueSize: 1, maxEntries: 1 },
      {
        type: T.LRU_PERCPU_HASH,
        keySize: 1,
        valueSize: 1,
        maxEntries: 1,
        flags: BPF_F_NO_COMMON_LRU,
      },
      { type: T.LPM_TRIE, keySize: 5, valueSize: 1, maxEntries: 1, flags: BPF_F_NO_PREALLOC },
      { type: T.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 },
      { type: T.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 },
      { type: T.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 1, innerMap: inner },
      { type: T.HASH_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 1, innerMap: inner },
      { type: T.QUEUE, keySize: 0, valueSize: 1, maxEntries: 1 },
      { type: T.STACK, keySize: 0, valueSize: 1, maxEntries: 1 },
      { type: T.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 },
    ];
    const maps = ok.map((a) => reg.create(a));
    expect(new Set(maps.map((m) => m.id)).size).toBe(ok.length);
    expect(new Set(maps.map((m) => m.addr)).size).toBe(ok.length);
    for (const m of maps) expect(reg.fromAddr(m.addr)).toBe(m);
  });

  it("rounds LRU max_entries to a multiple of the CPU count with BPF_F_NO_COMMON_LRU", () => {
    const { reg } = setup(4);
    const m = reg.create({
      type: T.LRU_HASH,
      keySize: 4,
      valueSize: 4,
      maxEntries: 10,
      flags: BPF_F_NO_COMMON_LRU,
    });
    expect(m.maxEntries).toBe(12);
  });
});
