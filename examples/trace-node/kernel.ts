// The host side of the example, as BPF programs see it: the struct a request
// handler receives and the handler's prototype, in the runtime's BTF. The
// application (main.ts) defines the handler with these; `tsbpf btf dump
// --runtime --kernel examples/trace-node/kernel.ts --format c` runs the
// default export to print the header the C programs include (runtime.h).
import type { HostKernel } from "../../src/link/index.ts";

/** HTTP-ish methods, as the handler's `method` field holds them. */
export const METHODS = ["GET", "POST", "PUT", "DELETE"] as const;

/** The traced function: returns an HTTP status code. */
export const HANDLE_REQUEST = "int handle_request(u64 id, struct request *req)";

/** struct request: where the handler's input lives in runtime memory. */
export const REQUEST_FIELDS = "u64 id; u32 method; u32 body_len; char path[48];";

/** Offsets of struct request's fields (as REQUEST_FIELDS lays them out). */
export const REQUEST = { size: 64, id: 0, method: 8, bodyLen: 12, path: 16, pathLen: 48 } as const;

export function declareTypes(kernel: HostKernel): void {
  kernel.struct("request", REQUEST_FIELDS);
}

/** For the CLI: the types and the prototype (the implementation is the application's). */
export default function describeKernel(kernel: HostKernel): void {
  declareTypes(kernel);
  kernel.define("handle_request", HANDLE_REQUEST, () => 0);
}
