// bpf_trace_printk's formatting (the kernel's bprintf rules): conversions,
// lengths, flags and widths, strings and IP addresses through pointers, and
// every format the kernel refuses with -EINVAL.
import { describe, expect, it } from "vitest";
import { bprintf, type MemReader } from "../../src/runtime/index.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const memory = new Map<bigint, Uint8Array>([
  [0x10000n, enc("hello\0")],
  [0x20000n, Uint8Array.of(192, 168, 1, 7)],
  [0x30000n, Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1)],
]);
const mem: MemReader = {
  bytes: (a, n) => memory.get(a)?.subarray(0, n),
  cString: (a) => {
    const b = memory.get(a);
    return b && new TextDecoder().decode(b.subarray(0, b.indexOf(0)));
  },
};
const fmt = (f: string, ...args: (number | bigint)[]): string | number =>
  bprintf(enc(f), [...args.map(BigInt), 0n, 0n, 0n].slice(0, 3), mem);

describe("bprintf", () => {
  it("formats integers by length: int is 32 bits, l and ll 64", () => {
    expect(fmt("%d %u %x", -1, -1, 0xabcdef12)).toBe("-1 4294967295 abcdef12");
    expect(fmt("%ld %lu %llx", -1n, 1n << 40n, 0xdeadbeefcafen)).toBe(
      "-1 1099511627776 deadbeefcafe",
    );
    expect(fmt("%lli %X", -5n, 0xabc)).toBe("-5 ABC");
    expect(fmt("%d", 0x1_0000_0005n)).toBe("5");
  });

  it("applies flags and widths", () => {
    expect(fmt("[%5d] [%-5d] [%05d]", 42, 42, -42)).toBe("[   42] [42   ] [-0042]");
    expect(fmt("[%+d] [% d] [%8x]", 7, 7, 255)).toBe("[+7] [ 7] [      ff]");
    expect(fmt("[%-8s]", 0x10000n)).toBe("[hello   ]");
  });

  it("prints strings, characters, pointers and addresses", () => {
    expect(fmt("%s world%c", 0x10000n, 33)).toBe("hello world!");
    expect(fmt("%s.", 0x99999n)).toBe(".");
    expect(fmt("%p %px", 0x1234n, 0xabcn)).toBe("0000000000001234 0000000000000abc");
    expect(fmt("%pI4 %pi4", 0x20000n, 0x20000n)).toBe("192.168.1.7 192.168.001.007");
    expect(fmt("%pI6", 0x30000n)).toBe("2001:0db8:0000:0000:0000:0000:0000:0001");
    expect(fmt("%pi6", 0x30000n)).toBe("20010db8000000000000000000000001");
    expect(fmt("%pks", 0x10000n)).toBe("hello");
    expect(fmt("100%%")).toBe("100%");
  });

  it("refuses what the kernel refuses", () => {
    const EINVAL = -22;
    expect(fmt("%d %d %d %d", 1, 2, 3)).toBe(EINVAL); // four conversions, three arguments
    expect(fmt("%f", 1)).toBe(EINVAL);
    expect(fmt("%sx", 0x10000n)).toBe(EINVAL); // %s must end the conversion
    expect(fmt("%pZ", 1)).toBe(EINVAL);
    expect(fmt("%lld%", 1)).toBe(EINVAL);
    expect(bprintf(Uint8Array.of(0x41, 0x07), [0n, 0n, 0n], mem)).toBe(EINVAL); // non-printable
    expect(bprintf(Uint8Array.of(0xc3, 0xa9), [0n, 0n, 0n], mem)).toBe(EINVAL); // non-ASCII
  });
});
