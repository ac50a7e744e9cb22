// BPF_MAP_TYPE_LPM_TRIE (lpm_trie.c semantics): keys are
// `struct bpf_lpm_trie_key { u32 prefixlen; u8 data[]; }` with data in network
// byte order (most significant bit first). A lookup returns the value of the
// longest stored prefix that matches the first key.prefixlen bits; update and
// delete act on the exact (prefixlen, data) entry.
//
// The tree is the kernel's: a binary path-compressed trie whose intermediate
// nodes (created where two prefixes diverge) carry no value and always have
// two children. Nodes live in JS; values live in runtime memory (programs get
// their address). A deleted entry's value block is kept for reuse by the next
// insert rather than freed, so a pointer a program obtained stays inside this
// map's memory (the kernel frees after an RCU grace period).
//
// Flags follow current kernels: BPF_NOEXIST on a present entry answers
// EEXIST, BPF_EXIST on a missing one ENOENT, and a full trie answers ENOSPC
// only when the update would add an entry (replacing one always works).
import { BPF_EXIST, BPF_F_NO_PREALLOC, BPF_F_NUMA_NODE, BPF_NOEXIST } from "../../uapi/index.ts";
import { OutOfMemoryError } from "../../memory/index.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import { BPF_F_ACCESS_MASK, KMALLOC_MAX_SIZE, round8 } from "./flags.ts";
import { BpfMap, isFlagWord } from "./map.ts";

const LPM_DATA_SIZE_MIN = 1;
const LPM_DATA_SIZE_MAX = 256;
/** sizeof(struct lpm_trie_node) on x86-64, part of the kernel's value size limit. */
const LPM_NODE_SIZE = 24;
const LPM_VAL_SIZE_MAX = KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - LPM_NODE_SIZE;
const LPM_CREATE_FLAG_MASK = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;

interface LpmNode {
  prefixlen: number;
  /** Intermediate node: no value, exactly two children. */
  im: boolean;
  data: Uint8Array;
  child: [LpmNode | null, LpmNode | null];
  /** Value address in runtime memory (0 for intermediate nodes). */
  valueAddr: number;
}

/** Where a node hangs: the root, or one side of a parent. */
interface Slot {
  parent: LpmNode | null;
  side: 0 | 1;
}

/** Bit `index` of a prefix, most significant bit of byte 0 first. */
function bitOf(data: Uint8Array, index: number): 0 | 1 {
  return ((data[index >>> 3]! >>> (7 - (index & 7))) & 1) as 0 | 1;
}

export class LpmTrieMap extends BpfMap {
  private root: LpmNode | null = null;
  /** Entries (intermediate nodes not counted). */
  count = 0;
  readonly dataSize = this.keySize - 4;
  readonly maxPrefixlen = this.dataSize * 8;
  private readonly spareValues: number[] = [];

  static check(a: MapAttrs): AttrProblem | undefined {
    const flags = a.flags ?? 0;
    if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
    if (!(flags & BPF_F_NO_PREALLOC))
      return problem("EINVAL", "LPM tries require BPF_F_NO_PREALLOC");
    if (flags & ~LPM_CREATE_FLAG_MASK)
      return problem(
        "EINVAL",
        `unsupported flags 0x${(flags & ~LPM_CREATE_FLAG_MASK).toString(16)}`,
      );
    if (a.keySize < 4 + LPM_DATA_SIZE_MIN || a.keySize > 4 + LPM_DATA_SIZE_MAX)
      return problem(
        "EINVAL",
        `LPM key_size must be 4 + ${LPM_DATA_SIZE_MIN}..${LPM_DATA_SIZE_MAX} data bytes, got ${a.keySize}`,
      );
    if (a.valueSize < 1 || a.valueSize > LPM_VAL_SIZE_MAX)
      return problem("EINVAL", `LPM value_size must be 1..${LPM_VAL_SIZE_MAX}, got ${a.valueSize}`);
    if (a.spinLockOffset !== undefined)
      return problem("EINVAL", "bpf_spin_lock is not allowed in LPM trie values");
    return undefined;
  }

  protected initStorage(): void {}

  private keyPrefixlen(keyAddr: number): number {
    const u8 = this.mem.u8;
    return (
      (u8[keyAddr]! |
        (u8[keyAddr + 1]! << 8) |
        (u8[keyAddr + 2]! << 16) |
        (u8[keyAddr + 3]! << 24)) >>>
      0
    );
  }

  /** Bits shared by node and key, up to the shorter of the two prefixes. */
  private matchLen(node: LpmNode, keyAddr: number, keyPrefixlen: number): number {
    const limit = Math.min(node.prefixlen, keyPrefixlen);
    const u8 = this.mem.u8;
    const data = keyAddr + 4;
    let bits = 0;
    for (let i = 0; bits < limit; i++) {
      const diff = node.data[i]! ^ u8[data + i]!;
      if (diff !== 0) {
        bits += Math.clz32(diff) - 24;
        break;
      }
      bits += 8;
    }
    return Math.min(bits, limit);
  }

  private keyBit(keyAddr: number, index: number): 0 | 1 {
    return ((this.mem.u8[keyAddr + 4 + (index >>> 3)]! >>> (7 - (index & 7))) & 1) as 0 | 1;
  }

  private get(slot: Slot): LpmNode | null {
    return slot.parent ? slot.parent.child[slot.side] : this.root;
  }

  private set(slot: Slot, node: LpmNode | null): void {
    if (slot.parent) slot.parent.child[slot.side] = node;
    else this.root = node;
  }

  /** Longest-prefix lookup (trie_lookup_elem): the value address or 0. */
  override lookupElem(keyAddr: number): number {
    const plen = this.keyPrefixlen(keyAddr);
    let found: LpmNode | null = null;
    let node = this.root;
    while (node) {
      const m = this.matchLen(node, keyAddr, plen);
      if (m === this.maxPrefixlen) {
        found = node;
        break;
      }
      if (m < node.prefixlen) break;
      if (!node.im) found = node;
      node = node.child[this.keyBit(keyAddr, node.prefixlen)];
    }
    return found ? found.valueAddr : 0;
  }

  private newValue(valueAddr: number): number {
    const v = this.spareValues.pop() ?? this.allocTracked(round8(this.valueSize), 8);
    this.mem.u8.copyWithin(v, valueAddr, valueAddr + this.valueSize);
    return v;
  }

  private newNode(keyAddr: number, plen: number, valueAddr: number): LpmNode {
    const data = this.mem.u8.slice(keyAddr + 4, keyAddr + 4 + this.dataSize);
    return {
      prefixlen: plen,
      im: false,
      data,
      child: [null, null],
      valueAddr: this.newValue(valueAddr),
    };
  }

  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    if (!isFlagWord(flags) || flags > BPF_EXIST) return -Errno.EINVAL;
    const plen = this.keyPrefixlen(keyAddr);
    if (plen > this.maxPrefixlen) return -Errno.EINVAL;

    let slot: Slot = { parent: null, side: 0 };
    let node = this.root;
    let m = 0;
    while (node) {
      m = this.matchLen(node, keyAddr, plen);
      if (node.prefixlen !== m || node.prefixlen === plen || node.prefixlen === this.maxPrefixlen)
        break;
      slot = { parent: node, side: this.keyBit(keyAddr, node.prefixlen) };
      node = node.child[slot.side];
    }

    // Replacing a real entry in place.
    if (node && node.prefixlen === m && !node.im) {
      if (flags === BPF_NOEXIST) return -Errno.EEXIST;
      this.mem.u8.copyWithin(node.valueAddr, valueAddr, valueAddr + this.valueSize);
      return 0;
    }
    if (flags === BPF_EXIST) return -Errno.ENOENT;
    if (this.count >= this.maxEntries) return -Errno.ENOSPC;

    let fresh: LpmNode;
    try {
      fresh = this.newNode(keyAddr, plen, valueAddr);
    } catch (err) {
      if (err instanceof OutOfMemoryError) return -Errno.ENOMEM;
      throw err;
    }
    this.count++;

    if (!node) {
      this.set(slot, fresh);
    } else if (node.prefixlen === m) {
      // An intermediate node with exactly this prefix becomes a real entry.
      fresh.child = node.child;
      this.set(slot, fresh);
    } else if (m === plen) {
      // The new prefix covers the node: insert it above.
      fresh.child[bitOf(node.data, m)] = node;
      this.set(slot, fresh);
    } else {
      // Diverging at bit m: a new intermediate node with both below it.
      const im: LpmNode = {
        prefixlen: m,
        im: true,
        data: node.data.slice(),
        child: [null, null],
        valueAddr: 0,
      };
      const side = this.keyBit(keyAddr, m);
      im.child[side] = fresh;
      im.child[side === 1 ? 0 : 1] = node;
      this.set(slot, im);
    }
    return 0;
  }

  override deleteElem(keyAddr: number): number {
    const plen = this.keyPrefixlen(keyAddr);
    if (plen > this.maxPrefixlen) return -Errno.EINVAL;
    let trim: Slot = { parent: null, side: 0 };
    let trim2: Slot = trim;
    let parent: LpmNode | null = null;
    let node = this.root;
    let m = 0;
    while (node) {
      m = this.matchLen(node, keyAddr, plen);
      if (node.prefixlen !== m || node.prefixlen === plen) break;
      parent = node;
      trim2 = trim;
      trim = { parent: node, side: this.keyBit(keyAddr, node.prefixlen) };
      node = node.child[trim.side];
    }
    if (!node || node.prefixlen !== plen || node.prefixlen !== m || node.im) return -Errno.ENOENT;

    this.count--;
    this.spareValues.push(node.valueAddr);
    const [c0, c1] = node.child;
    if (c0 && c1) {
      // Two children: the node stays as an intermediate one.
      node.im = true;
      node.valueAddr = 0;
      return 0;
    }
    if (parent && parent.im && !c0 && !c1) {
      // A leaf under an intermediate node: the sibling takes the parent's place.
      const sibling = parent.child[0] === node ? parent.child[1] : parent.child[0];
      this.set(trim2, sibling);
      return 0;
    }
    this.set(trim, c0 ?? c1);
    return 0;
  }

  private leftmost(from: LpmNode | null): LpmNode | null {
    let next: LpmNode | null = null;
    let node = from;
    while (node) {
      if (node.im) node = node.child[0];
      else {
        next = node;
        node = node.child[0] ?? next.child[1];
      }
    }
    return next;
  }

  /** Postorder (more specific prefixes first), as trie_get_next_key. */
  override getNextKey(keyAddr: number, nextAddr: number): number {
    if (!this.root) return -Errno.ENOENT;
    let next: LpmNode | null = null;
    const plen = keyAddr === 0 ? -1 : this.keyPrefixlen(keyAddr);
    if (plen < 0 || plen > this.maxPrefixlen) {
      next = this.leftmost(this.root);
    } else {
      const stack: LpmNode[] = [];
      let node: LpmNode | null = this.root;
      while (node) {
        stack.push(node);
        const m = this.matchLen(node, keyAddr, plen);
        if (node.prefixlen !== m || node.prefixlen === plen) break;
        node = node.child[this.keyBit(keyAddr, node.prefixlen)];
      }
      if (!node || node.prefixlen !== plen || node.im) {
        next = this.leftmost(this.root);
      } else {
        let cur: LpmNode = node;
        for (let sp = stack.length - 1; sp > 0 && !next; sp--) {
          const parent: LpmNode = stack[sp - 1]!;
          if (parent.child[0] === cur && parent.child[1]) {
            next = this.leftmost(parent.child[1]);
            break;
          }
          if (!parent.im) next = parent;
          cur = parent;
        }
        if (!next) return -Errno.ENOENT;
      }
    }
    if (!next) return -Errno.ENOENT;
    const u8 = this.mem.u8;
    const p = next.prefixlen;
    u8[nextAddr] = p & 0xff;
    u8[nextAddr + 1] = (p >>> 8) & 0xff;
    u8[nextAddr + 2] = (p >>> 16) & 0xff;
    u8[nextAddr + 3] = p >>> 24;
    u8.set(next.data, nextAddr + 4);
    return 0;
  }
}
