// The verifier's tracing checks: fentry/fexit context access typed by the
// traced function's BTF, PTR_TO_BTF_ID loads checked against the struct
// layout, and attach-target refusals, all with the kernel's messages.
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/isa/index.ts";
import { HostKernel } from "../../src/link/index.ts";
import { resolveForLoad } from "../../src/link/verifier-target.ts";
import { createRuntimeKernel } from "../../src/link/kernel/context-types.ts";
import { AttachType, ProgType } from "../../src/uapi/prog-types.ts";
import { RegType, verify, type VerifyOptions } from "../../src/verifier/index.ts";
import { threeFunctions, singleFunction } from "./bpf-target.ts";
import { setup } from "./setup.ts";

function kernel(): HostKernel {
  const k = new HostKernel();
  k.struct("inner", "u32 a; u32 b;");
  k.struct(
    "req",
    "u32 method; u64 start; struct inner in; struct inner *peer; char path[8]; struct req *next; int *count;",
  );
  k.define("handle", "long handle(u32 method, struct req *r, const char *s)", () => 0);
  k.define("nothing", "void nothing(int x)", () => {});
  return k;
}

type Opts = Partial<VerifyOptions> & { fexit?: boolean; target?: string; k?: HostKernel };

function check(asm: string, o: Opts = {}) {
  const k = o.k ?? kernel();
  const { attach } = resolveForLoad(k, { name: o.target ?? "handle" });
  const insns = assemble(asm.split(";").join("\n"));
  const r = verify(insns, {
    progType: ProgType.TRACING,
    expectedAttachType: o.fexit ? AttachType.TRACE_FEXIT : AttachType.TRACE_FENTRY,
    attachTarget: attach,
    logLevel: 1,
    ...o,
  });
  return { ...r, insns };
}

const accept = (asm: string, o: Opts = {}) => {
  const r = check(asm, o);
  expect(r.error, r.log).toBeUndefined();
  return r;
};
const reject = (asm: string, o: Opts = {}) => {
  const r = check(asm, o);
  expect(r.accepted).toBe(false);
  return r.error!;
};

describe("fentry/fexit context", () => {
  it("reads existing arguments (full or narrow scalar loads) and returns 0", () => {
    accept("r2 = *(u64 *)(r1 + 0); r3 = *(u32 *)(r1 + 0); r4 = *(u64 *)(r1 + 16); r0 = 0; exit");
  });

  it("refuses an argument the function does not have", () => {
    expect(reject("r2 = *(u64 *)(r1 + 24); r0 = 0; exit")).toBe(
      "func 'handle' doesn't have 4-th argument\ninvalid bpf_context access off=24 size=8",
    );
  });

  it("gives fexit programs the return value after the arguments, and only them", () => {
    accept("r2 = *(u64 *)(r1 + 24); r0 = 0; exit", { fexit: true });
    expect(reject("r2 = *(u64 *)(r1 + 32); r0 = 0; exit", { fexit: true })).toBe(
      "func 'handle' doesn't have 5-th argument\ninvalid bpf_context access off=32 size=8",
    );
    expect(reject("r2 = *(u64 *)(r1 + 8); r0 = 0; exit", { fexit: true, target: "nothing" })).toBe(
      "func 'nothing' arg1 '' has type UNKNOWN. Only pointer access is allowed\ninvalid bpf_context access off=8 size=8",
    );
  });

  it("allows only 8-byte aligned reads, and pointers only as 8 bytes", () => {
    expect(reject("r2 = *(u32 *)(r1 + 4); r0 = 0; exit")).toBe(
      "func 'handle' offset 4 is not multiple of 8\ninvalid bpf_context access off=4 size=4",
    );
    expect(reject("r2 = *(u32 *)(r1 + 8); r0 = 0; exit")).toBe(
      "func 'handle' size 4 must be 8\ninvalid bpf_context access off=8 size=4",
    );
    expect(reject("r2 = 1; *(u64 *)(r1 + 0) = r2; r0 = 0; exit")).toBe(
      "invalid bpf_context access off=0 size=8",
    );
    expect(reject("r2 = *(u64 *)(r1 + 96); r0 = 0; exit")).toBe(
      "invalid bpf_context access off=96 size=8",
    );
  });

  it("types a struct pointer argument as PTR_TO_BTF_ID and logs it", () => {
    const r = accept("r2 = *(u64 *)(r1 + 8); r0 = *(u32 *)(r2 + 0); r0 = 0; exit");
    expect(r.log).toMatch(/func 'handle' arg1 has btf_id \d+ type STRUCT 'req'/);
    const l2 = check("r2 = *(u64 *)(r1 + 8); r0 = 0; exit", { logLevel: 2 }).log;
    expect(l2).toContain("R2_w=ptr_req()");
    // A pointer to a non-struct (const char *) is a plain value.
    accept("r2 = *(u64 *)(r1 + 16); r2 += 1; r0 = 0; exit");
  });

  it("rejects a program whose target was refused, with the kernel's reason", () => {
    expect(reject("r0 = 0; exit", { target: "missing" })).toBe(
      "The address of function missing cannot be found",
    );
    const k = kernel();
    const structId = k.btf.find("req")!;
    const { attach } = resolveForLoad(k, { btfId: structId });
    expect(check("r0 = 0; exit", { k, attachTarget: attach }).error).toBe(
      `attach_btf_id ${structId} is not a function`,
    );
    const none = resolveForLoad(k, {});
    expect(check("r0 = 0; exit", { k, attachTarget: none.attach }).error).toBe(
      "Tracing programs must provide btf_id",
    );
  });
});

describe("PTR_TO_BTF_ID loads", () => {
  const load = (body: string) => `r2 = *(u64 *)(r1 + 8); ${body}; r0 = 0; exit`;

  it("reads fields, nested structs, array elements and follows pointer members", () => {
    const r = accept(
      load(
        "r3 = *(u32 *)(r2 + 0); r3 = *(u64 *)(r2 + 8); r3 = *(u32 *)(r2 + 20); r3 = *(u8 *)(r2 + 35);" +
          "r4 = *(u64 *)(r2 + 24); r5 = *(u32 *)(r4 + 4); r4 = *(u64 *)(r2 + 40); r4 = *(u64 *)(r4 + 40)",
      ),
    );
    // Every load through the pointer is marked for the probe-read rewrite.
    const btfLoads = r.aux.filter((a) => a.ptrType === RegType.PTR_TO_BTF_ID).length;
    expect(btfLoads).toBe(8);
  });

  it("keeps the type across a cast: fields are checked against the real struct", () => {
    // (struct other *)r->...: 8 bytes at offset 4 straddle `method` and the hole before `start`.
    expect(reject(load("r3 = *(u64 *)(r2 + 4)"))).toBe("struct req doesn't have field at offset 4");
    expect(reject(load("r3 = *(u64 *)(r2 + 56)"))).toBe(
      "access beyond struct req at off 56 size 8",
    );
    expect(reject(load("r3 = *(u64 *)(r2 + 0)"))).toBe(
      "access beyond the end of member method (mend:4) in struct req with off 0 size 8",
    );
    expect(reject(load("r3 = *(u64 *)(r2 + 28)"))).toBe(
      "cannot access ptr member peer with moff 24 in struct req with off 28 size 8",
    );
    expect(reject(load("r3 = *(u32 *)(r2 + 24)"))).toBe(
      "cannot access ptr member peer with moff 24 in struct req with off 24 size 4",
    );
  });

  it("refuses stores, negative and variable offsets", () => {
    expect(reject(load("r3 = 1; *(u32 *)(r2 + 0) = r3"))).toBe("only read is supported");
    expect(reject(load("r3 = *(u32 *)(r2 - 8)"))).toBe(
      "R2 is ptr_req invalid negative access: off=-8",
    );
    expect(reject(load("r3 = *(u64 *)(r1 + 0); r3 &= 8; r2 += r3; r3 = *(u32 *)(r2 + 0)"))).toBe(
      "R2 is ptr_req invalid variable offset: off=0, var_off=(0x0; 0x8)",
    );
  });

  it("follows the kernel's permission rules", () => {
    expect(reject(load("r3 = *(u32 *)(r2 + 0)"), { gplCompatible: false })).toBe(
      "Cannot access kernel 'struct req' from non-GPL compatible program",
    );
    expect(reject(load("r3 = *(u32 *)(r2 + 0)"), { caps: { bpf: true, perfmon: false } })).toBe(
      "'struct req' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN",
    );
  });
});

describe("BPF program targets", () => {
  const verifyOn = (
    t: ReturnType<typeof threeFunctions>,
    name: string | undefined,
    asm: string,
    fexit = false,
  ) => {
    const k = new HostKernel();
    const { attach } = resolveForLoad(k, name ? { name } : {}, t);
    return verify(assemble(asm.split(";").join("\n")), {
      progType: ProgType.TRACING,
      expectedAttachType: fexit ? AttachType.TRACE_FEXIT : AttachType.TRACE_FENTRY,
      attachTarget: attach,
    });
  };

  it("types the context pointer of an XDP main function with the program's struct xdp_md", () => {
    const s = setup();
    const t = singleFunction(s);
    expect(
      verifyOn(t, undefined, "r2 = *(u64 *)(r1 + 0); r0 = *(u32 *)(r2 + 12); r0 = 0; exit").error,
    ).toBeUndefined();
    expect(
      verifyOn(t, "xdp_verdict", "r2 = *(u64 *)(r1 + 8); r0 = 0; exit", true).error,
    ).toBeUndefined();
    expect(
      verifyOn(t, "xdp_verdict", "r2 = *(u64 *)(r1 + 0); r0 = *(u32 *)(r2 + 24); r0 = 0; exit")
        .error,
    ).toBe("access beyond struct xdp_md at off 24 size 4");
  });

  it("types subprogram arguments from BTF, or as five u64 scalars when unreliable", () => {
    const s = setup();
    const t = threeFunctions(s);
    expect(verifyOn(t, "add", "r2 = *(u64 *)(r1 + 8); r0 = 0; exit").error).toBeUndefined();
    expect(verifyOn(t, "add", "r2 = *(u64 *)(r1 + 16); r0 = 0; exit").error).toBe(
      "func 'add' doesn't have 3-th argument\ninvalid bpf_context access off=16 size=8",
    );
    const loose = { ...t, unreliable: new Set([8]) };
    expect(
      verifyOn(loose, "add", "r2 = *(u64 *)(r1 + 32); r2 = *(u64 *)(r1 + 40); r0 = 0; exit", true)
        .error,
    ).toBeUndefined();
    expect(verifyOn(t, "nope", "r0 = 0; exit").error).toBe("Subprog nope doesn't exist");
  });

  it("types a converted target's context as the runtime's struct from the kernel BTF", () => {
    const s = setup();
    const t = { ...singleFunction(s), ctxConverted: true };
    const k = createRuntimeKernel();
    const run = (asm: string, o: Partial<VerifyOptions> = {}) =>
      verify(assemble(asm.split(";").join("\n")), {
        progType: ProgType.TRACING,
        expectedAttachType: AttachType.TRACE_FENTRY,
        attachTarget: resolveForLoad(k, {}, t).attach,
        ...o,
      });
    // xdp->rxq->ingress_ifindex: rxq at 32, the ifindex first in the record.
    const ok = "r2 = *(u64 *)(r1 + 0); r3 = *(u64 *)(r2 + 32); r0 = *(u32 *)(r3 + 0); r0 = 0; exit";
    expect(run(ok).error).toBeUndefined();
    expect(run("r2 = *(u64 *)(r1 + 0); r0 = *(u32 *)(r2 + 48); r0 = 0; exit").error).toBe(
      "access beyond struct tsbpf_xdp_buff at off 48 size 4",
    );
    expect(run(ok, { gplCompatible: false }).error).toBe(
      "Cannot access kernel 'struct tsbpf_xdp_buff' from non-GPL compatible program",
    );
    // Without the runtime's types the pointer is a plain value.
    const bare = verify(assemble(ok.split(";").join("\n")), {
      progType: ProgType.TRACING,
      expectedAttachType: AttachType.TRACE_FENTRY,
      attachTarget: resolveForLoad(new HostKernel(), {}, t).attach,
    });
    expect(bare.error).toBe("R2 invalid mem access 'scalar'");
  });
});
