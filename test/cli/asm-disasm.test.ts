import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempFiles } from "../support/cli.ts";

const UBPF = "mov32 %r0, 1\nadd %r0, %r1\nexit\n";
const BYTES = Uint8Array.from(
  Buffer.from("b400000001000000" + "0f10000000000000" + "9500000000000000", "hex"),
);

describe("tsbpf asm", () => {
  it("prints hex, one instruction per line, for either syntax", async () => {
    const dir = tempFiles({ "p.asm": UBPF, "k.s": "w0 = 1\nr0 += r1\nexit\n" });
    const want = "b4 00 00 00 01 00 00 00\n0f 10 00 00 00 00 00 00\n95 00 00 00 00 00 00 00\n";
    expect(await cli("asm", join(dir, "p.asm"))).toEqual({ code: 0, out: want, err: "" });
    expect((await cli("asm", join(dir, "k.s"))).out).toBe(want);
  });

  it("writes raw bytes with -o, hex text with -o --hex", async () => {
    const dir = tempFiles({ "p.asm": UBPF });
    expect((await cli("asm", join(dir, "p.asm"), "-o", join(dir, "p.bin"))).code).toBe(0);
    expect(new Uint8Array(readFileSync(join(dir, "p.bin")))).toEqual(BYTES);
    await cli("asm", join(dir, "p.asm"), "--hex", "-o", join(dir, "p.hex"));
    expect(readFileSync(join(dir, "p.hex"), "utf8").split("\n")[0]).toBe("b4 00 00 00 01 00 00 00");
  });

  it("exits 2 naming file, line, column and reason on an assembler error", async () => {
    const dir = tempFiles({ "bad.asm": "mov %r0, 1\nmov %r0, %r99\n" });
    const r = await cli("asm", join(dir, "bad.asm"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("bad.asm:2:10: invalid register '%r99'");
  });

  it("exits 2 on a missing file or a bad --syntax", async () => {
    expect((await cli("asm", "/nonexistent/x.asm")).code).toBe(2);
    const dir = tempFiles({ "p.asm": UBPF });
    expect((await cli("asm", join(dir, "p.asm"), "--syntax", "intel")).code).toBe(2);
    expect((await cli("asm", join(dir, "p.asm"), "--syntax", "kernel")).code).toBe(2);
  });
});

describe("tsbpf disasm", () => {
  const LISTING = "0: (b4) w0 = 1\n1: (0f) r0 += r1\n2: (95) exit\n";

  it("disassembles raw bytecode, hex files, hex strings and assembly", async () => {
    const dir = tempFiles({
      "p.bin": BYTES,
      "p.hex": "b4000000 01000000\n0f10000000000000 9500000000000000",
      "p.asm": UBPF,
    });
    expect(await cli("disasm", join(dir, "p.bin"))).toEqual({ code: 0, out: LISTING, err: "" });
    expect((await cli("disasm", join(dir, "p.hex"))).out).toBe(LISTING);
    expect(
      (await cli("disasm", "--hex", "b4 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00")).out,
    ).toBe("0: (b4) w0 = 1\n1: (95) exit\n");
    expect((await cli("disasm", join(dir, "p.asm"))).out).toBe(LISTING);
  });

  it("leaves out opcodes and indexes on request", async () => {
    const dir = tempFiles({ "p.bin": BYTES });
    expect((await cli("disasm", join(dir, "p.bin"), "--no-opcodes", "--no-index")).out).toBe(
      "w0 = 1\nr0 += r1\nexit\n",
    );
  });

  it("exits 2 on a partial instruction, bad hex, or a truncated ELF object", async () => {
    const dir = tempFiles({
      "odd.bin": new Uint8Array(12),
      "x.o": Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1),
    });
    const odd = await cli("disasm", join(dir, "odd.bin"));
    expect(odd.code).toBe(2);
    expect(odd.err).toMatch(/12 bytes is not a whole number of 8-byte instructions/);
    expect((await cli("disasm", "--hex", "zz")).code).toBe(2);
    // ELF objects go to the loader's listing; a truncated one is bad input.
    const elf = await cli("disasm", join(dir, "x.o"));
    expect(elf.code).toBe(2);
    expect(elf.err).toMatch(/ElfError/);
  });

  it("has a useful --help", async () => {
    const r = await cli("disasm", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--no-opcodes/);
    expect(r.out).toMatch(/kernel's syntax/);
  });
});
