// Public surface of the ELF loader.
export { ElfError } from "./errors.ts";
export { ElfFile, type ElfRel, type ElfSection, type ElfSymbol } from "./reader.ts";
export { loadCollectionSpec, loadCollectionSpecFile, type LoadOptions } from "./load.ts";
export {
  sectionInfo,
  BPF_F_SLEEPABLE,
  BPF_F_XDP_HAS_FRAGS,
  type SectionInfo,
  type SectionMatch,
} from "./section-defs.ts";
