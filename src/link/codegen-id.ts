// V8 caches `new Function` by source text and shares the type feedback of
// functions made from identical source. Generated code whose call sites must
// stay monomorphic (a router calling its implementation, a trampoline calling
// its phases) therefore gets a unique comment, so two trampolines for the
// same prototype, or two generations of one, never share feedback.
let next = 0;

/** A comment that makes a generated source unique. */
export const uniqueTag = (): string => `/* tsbpf gen ${next++} */\n`;
