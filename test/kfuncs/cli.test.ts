// `tsbpf verify` resolves kfunc calls as libbpf does (objects' `__ksym`
// externs, assembly `call NAME`) against tsbpf's built-in kfuncs and the
// modules given with --kfuncs, and --xlated shows the inlined bodies.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempFiles } from "../support/cli.ts";

const EXAMPLE = "examples/kfunc-module";

describe("tsbpf verify with kfuncs", () => {
  it("verifies an object calling a --kfuncs module and prints the inlined program", async () => {
    const r = await cli(
      "verify",
      `${EXAMPLE}/counter.bpf.o`,
      "--kfuncs",
      `${EXAMPLE}/flowstats.ts`,
      "--xlated",
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^xdp\/count: accepted/);
    // fs_update(&s->packets, 1, FS_ADD): the mode tests are gone.
    expect(r.out).toContain(
      [
        "  28: (79) r0 = *(u64 *)(r1 +0)",
        "  29: (67) r3 <<= 32",
        "  30: (77) r3 >>= 32",
        "  31: (0f) r0 += r2",
        "  32: (7b) *(u64 *)(r1 +0) = r0",
        "  33: (05) goto pc+0",
      ].join("\n"),
    );
  });

  it("refuses an object whose kfuncs tsbpf does not provide", async () => {
    const r = await cli("verify", `${EXAMPLE}/counter.bpf.o`);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "program 'count' calls kfunc 'fs_update', which tsbpf does not provide",
    );
  });

  it("resolves `call NAME` of built-in kfuncs in assembly", async () => {
    const dir = tempFiles({
      "x.s": `
        r2 = 0
        r3 = r10
        r3 += -16
        call bpf_dynptr_from_xdp
        r1 = r10
        r1 += -16
        call bpf_dynptr_size
        r0 = 2
        exit`,
    });
    const r = await cli("verify", "--asm", join(dir, "x.s"), "--type", "xdp", "--xlated");
    expect(r.code).toBe(0);
    // bpf_dynptr_size is inlined; its NULL check stays (the data pointer is not known).
    expect(r.out).toContain("(79) r0 = *(u64 *)(r1 +0)");
    expect(r.out).toContain("(57) r0 &= 16777215");
  });
});
