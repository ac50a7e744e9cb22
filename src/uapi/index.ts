// UAPI facts: enum values from include/uapi/linux/bpf.h. Data only; imports nothing.
export * from "./prog-types.ts";
export * from "./map-types.ts";
export * from "./helper-ids.ts";
