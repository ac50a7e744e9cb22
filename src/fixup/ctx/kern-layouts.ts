// The runtime-side context structures: what a converted program's r1 points
// at, as the kernel's programs see `struct xdp_buff` / `struct sk_buff`
// rather than the user-visible `struct xdp_md` / `struct __sk_buff`. The ctx
// conversion pass rewrites every verified ctx access to these offsets and
// widths; the runtime (src/runtime/progtypes/) materialises contexts of
// converted programs in this layout, contexts of unconverted programs in the
// user-visible one. Both read this one table.
//
// Like the kernel's structures these differ from the UAPI on purpose: packet
// pointers are 64-bit, some values are stored narrower than the u32 the
// program sees (protocol is a be16, pkt_type a byte), XDP's ifindex and rx
// queue sit behind a pointer to the receive-queue record (xdp->rxq->...).
// Fields a program may write keep the user-visible width, so a value stored
// reads back unchanged on either path.

/** Where a user-visible ctx field lives in the runtime-side structure. */
export interface KernField {
  /** Offset in the structure (in the record `via` points to, when set). */
  off: number;
  /** Storage width in bytes (for `bytes` fields: the field's length). */
  size: number;
  /** The value is behind a u64 pointer at this offset of the structure. */
  via?: number;
  /**
   * The field holds the user-visible bytes as they are (cb[], the IPv6
   * address arrays): an access keeps its size and moves by its offset.
   */
  bytes?: boolean;
}

export interface KernCtxLayout {
  /** C-like name of the structure, for messages and docs. */
  name: string;
  /** Bytes the runtime allocates for the block, records behind pointers included. */
  size: number;
  /** By user-visible field name (plus a few runtime-only fields such as data_hard_start). */
  fields: Readonly<Record<string, KernField>>;
  /** u64 pointer slots inside the block and the block offset each points to. */
  links: readonly { at: number; to: number }[];
}

/**
 * struct tsbpf_xdp_buff (56 bytes):
 *   0 data, 8 data_end, 16 data_meta, 24 data_hard_start  (u64 pointers)
 *  32 rxq (u64 pointer to the record at 48)   40 frame_sz u32   44 flags u32
 *  48 rxq record: ifindex u32, queue_index u32
 */
export const XDP_BUFF: KernCtxLayout = {
  name: "struct tsbpf_xdp_buff",
  size: 56,
  fields: {
    data: { off: 0, size: 8 },
    data_end: { off: 8, size: 8 },
    data_meta: { off: 16, size: 8 },
    data_hard_start: { off: 24, size: 8 },
    frame_sz: { off: 40, size: 4 },
    ingress_ifindex: { via: 32, off: 0, size: 4 },
    rx_queue_index: { via: 32, off: 4, size: 4 },
  },
  links: [{ at: 32, to: 48 }],
};

/**
 * struct tsbpf_sk_buff (184 bytes): u64 fields first (packet pointers,
 * timestamps, socket), then u32 values, then the narrow ones, then cb[] and
 * the socket tuple.
 */
export const SK_BUFF: KernCtxLayout = {
  name: "struct tsbpf_sk_buff",
  size: 184,
  fields: {
    data: { off: 0, size: 8 },
    data_end: { off: 8, size: 8 },
    data_meta: { off: 16, size: 8 },
    tstamp: { off: 24, size: 8 },
    hwtstamp: { off: 32, size: 8 },
    sk: { off: 40, size: 8 },
    len: { off: 48, size: 4 },
    mark: { off: 52, size: 4 },
    priority: { off: 56, size: 4 },
    hash: { off: 60, size: 4 },
    ifindex: { off: 64, size: 4 },
    ingress_ifindex: { off: 68, size: 4 },
    wire_len: { off: 72, size: 4 },
    tc_classid: { off: 76, size: 4 },
    napi_id: { off: 80, size: 4 },
    gso_segs: { off: 84, size: 4 },
    gso_size: { off: 88, size: 4 },
    queue_mapping: { off: 92, size: 4 },
    tc_index: { off: 96, size: 4 },
    protocol: { off: 100, size: 2 },
    vlan_proto: { off: 102, size: 2 },
    vlan_tci: { off: 104, size: 2 },
    pkt_type: { off: 106, size: 1 },
    vlan_present: { off: 107, size: 1 },
    tstamp_type: { off: 108, size: 1 },
    cb: { off: 112, size: 20, bytes: true },
    family: { off: 132, size: 4 },
    remote_ip4: { off: 136, size: 4 },
    local_ip4: { off: 140, size: 4 },
    remote_ip6: { off: 144, size: 16, bytes: true },
    local_ip6: { off: 160, size: 16, bytes: true },
    remote_port: { off: 176, size: 4 },
    local_port: { off: 180, size: 4 },
  },
  links: [],
};
