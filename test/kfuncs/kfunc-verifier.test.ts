// check_kfunc_call as the kernel does it, from the callee's BTF prototype and
// KF_* flags: scalar and constant (`__k`) arguments, memory sized by its type
// or by a `__sz`/`__szk` argument (NULL allowed for `__nullable`), the ctx,
// BTF-typed pointers (trusted with KF_TRUSTED_ARGS), references acquired by
// KF_ACQUIRE and released by KF_RELEASE, KF_RET_NULL results, capabilities,
// sleepable and per-program-type kfuncs. Messages are the kernel's.
import { afterAll, describe, expect, it } from "vitest";
import { ProgType } from "../../src/uapi/index.ts";
import type { VerifyOptions, VerifyResult } from "../../src/verifier/index.ts";
import { check, testRuntime } from "./support.ts";

const rt = testRuntime();
afterAll(() => rt.close());

function run(asm: string, opts: Partial<VerifyOptions> = {}): VerifyResult {
  return check(rt, asm, { progType: ProgType.SOCKET_FILTER, logLevel: 1, ...opts }).result;
}

const lastLine = (r: VerifyResult): string | undefined => r.error?.split("\n").at(-1);

describe("kfunc arguments", () => {
  it("scalars, and `__k` constants", () => {
    expect(run("r1 = 5\nr2 = 7\ncall bpf_kf_scalar\nexit").accepted).toBe(true);
    expect(run("r1 = r10\nr2 = 7\ncall bpf_kf_scalar\nexit").error).toBe("R1 is not a scalar");
    expect(run("r2 = *(u32 *)(r1 + 0)\nr1 = 5\ncall bpf_kf_scalar\nexit").error).toBe(
      "R2 must be a known constant",
    );
  });

  it("memory sized by the next `__sz` argument", () => {
    const ok = run(`r1 = 0
      *(u64 *)(r10 - 8) = r1
      r1 = r10
      r1 += -8
      r2 = 8
      call bpf_kf_mem
      exit`);
    expect(ok.error).toBeUndefined();
    const beyond = run(`r1 = 0
      *(u64 *)(r10 - 8) = r1
      r1 = r10
      r1 += -8
      r2 = 16
      call bpf_kf_mem
      exit`);
    expect(lastLine(beyond)).toBe("arg#0 arg#1 memory, len pair leads to invalid memory access");
    expect(beyond.error!.split("\n")).toHaveLength(2);
    const unbounded = run(`r2 = *(u32 *)(r1 + 0)
      r1 = r10
      r1 += -8
      call bpf_kf_mem
      exit`);
    expect(unbounded.error).toBe(
      "R2 unbounded memory access, use 'var &= const' or 'if (var < const)'\n" +
        "arg#0 arg#1 memory, len pair leads to invalid memory access",
    );
  });

  it("NULL memory: only a `__nullable` buffer skips its size check", () => {
    expect(run("r1 = 0\nr2 = 8\ncall bpf_kf_mem_opt\nexit").accepted).toBe(true);
    expect(lastLine(run("r1 = 0\nr2 = 8\ncall bpf_kf_mem\nexit"))).toBe(
      "arg#0 arg#1 memory, len pair leads to invalid memory access",
    );
  });

  it("memory sized by the pointee", () => {
    const short = run(`r1 = 0
      *(u32 *)(r10 - 4) = r1
      r1 = r10
      r1 += -4
      call bpf_kf_fixed
      exit`);
    expect(short.error).toBe("invalid read from stack R1 off=-4 size=8");
    expect(run("r1 = 0\ncall bpf_kf_fixed\nexit").accepted).toBe(true);
  });

  it("pointers must point to scalars (or scalar structs)", () => {
    expect(run("r1 = r10\nr1 += -8\ncall bpf_kf_ptrptr\nexit").error).toBe(
      // The kernel prints the pointee's (empty) name after its kind.
      "arg#0 pointer type PTR  must point to scalar, or struct with scalar",
    );
  });
});

describe("kfunc references and flags", () => {
  const ACQUIRE = "r1 = 1\ncall bpf_test_acquire\n";

  it("an acquired reference must be released", () => {
    const leak = run(`${ACQUIRE}r0 = 0\nexit`);
    expect(leak.error).toMatch(
      /^Unreleased reference id=\d+ alloc_insn=1\nBPF_EXIT instruction in main prog would lead to reference leak$/,
    );
    const ok = run(`${ACQUIRE}
      if r0 == 0 goto out
      r6 = r0
      r2 = *(u64 *)(r6 + 0)
      r1 = r6
      call bpf_test_release
    out:
      r0 = 0
      exit`);
    expect(ok.error).toBeUndefined();
  });

  it("a KF_RET_NULL result must be checked before use", () => {
    const r = run(`${ACQUIRE}r1 = *(u64 *)(r0 + 0)\nexit`);
    expect(r.error).toBe("R0 invalid mem access 'trusted_ptr_or_null_'");
  });

  it("released pointers are dead; release needs a reference", () => {
    const after = run(`${ACQUIRE}
      if r0 == 0 goto out
      r6 = r0
      r1 = r6
      call bpf_test_release
      r2 = *(u64 *)(r6 + 0)
    out:
      r0 = 0
      exit`);
    expect(after.error).toBe("R6 invalid mem access 'scalar'");
    expect(run("r1 = 0\ncall bpf_test_release\nr0 = 0\nexit").error).toBe(
      "release kernel function bpf_test_release expects refcounted PTR_TO_BTF_ID",
    );
  });

  it("KF_TRUSTED_ARGS: no NULL", () => {
    expect(run("r1 = 0\ncall bpf_kf_trusted\nexit").error).toBe(
      "Possibly NULL pointer passed to trusted arg0",
    );
  });

  it("memory returned with a size argument is read-only for rdonly_buf_size", () => {
    const r = run(`${ACQUIRE}
      if r0 == 0 goto out
      r6 = r0
      r1 = r6
      r2 = 8
      call bpf_kf_rdonly
      if r0 == 0 goto rel
      r1 = 0
      *(u32 *)(r0 + 0) = r1
    rel:
      r1 = r6
      call bpf_test_release
    out:
      r0 = 0
      exit`);
    expect(r.error).toBe("R0 cannot write into rdonly_mem");
  });

  it("capabilities, sleepable kfuncs, program types, licenses", () => {
    expect(run("call bpf_kf_destructive\nr0 = 0\nexit", { caps: { sysBoot: false } }).error).toBe(
      "destructive kfunc calls require CAP_SYS_BOOT capability",
    );
    expect(run("call bpf_kf_destructive\nr0 = 0\nexit").accepted).toBe(true);
    expect(run("call bpf_kf_sleepable\nr0 = 0\nexit").error).toBe(
      "program must be sleepable to call sleepable kfunc bpf_kf_sleepable",
    );
    expect(run("call bpf_kf_xdp_only\nexit").error).toBe(
      "calling kernel function bpf_kf_xdp_only is not allowed",
    );
    expect(run("call bpf_kf_xdp_only\nexit", { progType: ProgType.XDP }).accepted).toBe(true);
    expect(run("r1 = 1\nr2 = 2\ncall bpf_kf_scalar\nexit", { gplCompatible: false }).error).toBe(
      "cannot call kernel function from non-GPL compatible program",
    );
    expect(run("r1 = 1\nr2 = 2\ncall bpf_kf_scalar\nexit", { unprivileged: true }).error).toBe(
      "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN",
    );
  });

  it("ids that are no (callable) kfunc", () => {
    expect(run("call bpf_x#99999\nexit").error).toBe("kernel btf_id 99999 is not a function");
    const hostOnly = rt.kfuncs.impl(0) === undefined;
    expect(hostOnly).toBe(true);
  });
});
