// Public surface of the runtime memory.
export { VmMemory, NULL_GUARD, OutOfMemoryError, type VmMemoryOptions } from "./vm-memory.ts";
export { GRANULE } from "./granules.ts";
