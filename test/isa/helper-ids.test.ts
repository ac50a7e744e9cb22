import { describe, expect, it } from "vitest";
import {
  BPF_FUNC,
  BPF_FUNC_MAX_ID,
  HELPER_NAMES,
  helperId,
  helperName,
} from "../../src/uapi/helper-ids.ts";

describe("enum bpf_func_id", () => {
  it("has every id from 0 to 211 with unique names", () => {
    expect(BPF_FUNC_MAX_ID).toBe(212);
    expect(new Set(HELPER_NAMES).size).toBe(HELPER_NAMES.length);
  });

  it.each([
    [1, "bpf_map_lookup_elem"],
    [7, "bpf_get_prandom_u32"],
    [12, "bpf_tail_call"],
    [16, "bpf_get_current_comm"],
    [43, "bpf_skb_change_head"],
    [53, "bpf_sock_map_update"],
    [130, "bpf_ringbuf_output"],
    [147, "bpf_d_path"],
    [181, "bpf_loop"],
    [211, "bpf_cgrp_storage_delete"],
  ])("id %i is %s", (id, name) => {
    expect(helperName(id)).toBe(name);
    expect(helperId(name)).toBe(id);
    expect(helperId(name.slice(4))).toBe(id);
    expect(helperId(`BPF_FUNC_${name.slice(4)}`)).toBe(id);
  });

  it("has no name for unknown ids and no id for unknown names", () => {
    for (const id of [0, -1, 212, 1.5, 100000]) expect(helperName(id)).toBeUndefined();
    for (const n of ["bpf_nope", "", "unspec", "bpf_unspec"]) expect(helperId(n)).toBeUndefined();
  });

  it("exposes the ids as a record", () => {
    expect(BPF_FUNC.ktime_get_ns).toBe(5);
    expect(BPF_FUNC.for_each_map_elem).toBe(164);
  });
});
