// A session's persistent state kept through power loss: outbound QoS 1/2 messages (queued or
// in flight, with packet id and state), the packet-id counter, inbound QoS 2 ids awaiting
// PUBREL and the subscriptions, as a journal of small records in a SessionStore. The session
// calls it (Persistence) at each change, before sending anything that depends on the change.
//
// Layout. The region holds two banks of equal size, each a whole number of erase blocks. A
// bank opens with a 16-byte header: magic "XSMJ", generation, bank size, checksum (u32 each,
// little-endian). Records follow, each starting 4-byte aligned (padding stays erased):
//   u16 length (header, body and checksum, without padding), u8 kind, u8 small field, body,
//   u32 checksum: FNV-1a over the record's first length - 4 bytes, seeded with the generation.
//   kind 1 message:      flags (state: 0 free, 1 queued, 2 PUBLISH or 3 PUBREL in flight | qos << 2 |
//                        0x10 bytes follow), u16 slot, u16 packet id,
//                        u16 next packet id, u16 0, u32 order, u32 handle, i32 expiry, PUBLISH bytes
//   kind 2 inbound QoS 2: 1 held / 0 released, u16 packet id, u16 0
//   kind 3 subscription: state, u16 slot, u8 options, u8 0, u32 subscription id, filter bytes
//   kind 4 counters:     0, u16 next packet id, u16 0, u32 next order number
// A record states a slot's (or an id's) whole state: replaying the records in order rebuilds
// the tables. The active bank is the one with a valid header and the higher generation; it is
// replayed up to the first record whose length or checksum is wrong (a write cut short, or
// erased bytes). When a record does not fit, the state is written as a snapshot (counters,
// then one record per held id, subscription and message) to the other bank, erased first,
// and its header, with the next generation, is written last: a cut at any byte leaves one
// bank whole. Restoring ends with such a snapshot, so nothing is ever appended after a torn record.
//
// Guarantees, given a store whose write() is durable when it returns: a publish() that
// returned a handle is in the store; a packet id is stored before its PUBLISH is sent; a
// PUBREC's effect before PUBREL is sent; an inbound QoS 2 id before the message is delivered
// (a cut during delivery loses that message rather than delivering it twice); its release
// before PUBCOMP is sent. QoS 0 messages and streamed messages are not kept. Nothing is
// allocated on the way: records are built in one buffer made by the constructor.
import type { Session } from './session.js';
import type { SessionOptions } from './options.js';
import type { Persistence } from './persistence.js';
import type { SessionStore } from './session-store.js';
import { publishInflight, RecordState } from './outbound-state.js';
import { SubState } from './subscriptions.js';

const MAGIC = 0x4a4d5358;
/** A message record's state as saved (the low two bits of its flags): 0 free, 1 queued, then: */
const SAVED_PUBLISH = 2;
const SAVED_PUBREL = 3;
const HEADER = 16;
const MESSAGE = 1;
const INBOUND = 2;
const SUBSCRIPTION = 3;
const COUNTERS = 4;
const MSG_HEAD = 24;
const SUB_HEAD = 12;
const HAS_BYTES = 0x10;
/** Checksum bytes; the smallest record (inbound) is 12 bytes. */
const SUM = 4;
const MIN_RECORD = 12;

// Indices in SessionJournal.n.
const BANK = 0;
const ACTIVE = 1;
const GEN = 2;
const POS = 3;
/** Bytes written to the store (records and headers), records written, snapshots written. */
const BYTES = 4;
const RECORDS = 5;
const SNAPSHOTS = 6;
/** Records replayed on restore, and those that no longer fit the session's capacities. */
const RESTORED = 7;
const LOST = 8;
const NUMBERS = 9;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The largest record for these options. */
/* cold */
function maxRecord(opts: SessionOptions): number {
  const msg = MSG_HEAD + SUM + (opts.storeBytes < opts.sendBufferSize ? opts.storeBytes : opts.sendBufferSize);
  const sub = SUB_HEAD + SUM + opts.subscriptionBytes;
  return align4(msg > sub ? msg : sub);
}

/** The smallest region (bytes, two banks) a journal needs for these options and erase block. */
/* cold */
export function journalSize(opts: SessionOptions, blockSize: number): number {
  const slots = opts.inflight + opts.queueCount;
  const ids = opts.inboundQos2 > 0 ? opts.inboundQos2 : 1;
  const snapshot = HEADER + 16 + ids * 12 + opts.subscriptions * (SUB_HEAD + SUM + 3) + opts.subscriptionBytes +
    slots * (MSG_HEAD + SUM + 3) + opts.storeBytes;
  const bank = snapshot + maxRecord(opts);
  return 2 * Math.ceil(bank / blockSize) * blockSize;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >> 8) & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >> 8) & 0xff;
  b[at + 2] = (v >> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

function get16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

function get32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** FNV-1a of b[0, n), seeded (a generation's records do not check under another). */
function checksum(b: Uint8Array, n: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h;
}

export class SessionJournal implements Persistence {
  store: SessionStore;
  session: Session | null;
  /** One record being built or read. */
  buf: Uint8Array;
  /** Bank size, active bank, generation, write position, then the counters (see BYTES...). */
  n: Float64Array;

  constructor(store: SessionStore, opts: SessionOptions) {
    const need = journalSize(opts, store.blockSize);
    if (store.size < need) throw new RangeError('session store too small for these options: ' + need + ' bytes needed');
    this.store = store;
    this.session = null;
    this.buf = new Uint8Array(maxRecord(opts));
    this.n = new Float64Array(NUMBERS);
    this.n[BANK] = Math.floor(store.size / 2 / store.blockSize) * store.blockSize;
  }

  /** Bytes written to the store so far (records, snapshots, headers). */
  get bytesWritten(): number { return this.n[BYTES]; }
  get recordsWritten(): number { return this.n[RECORDS]; }
  get snapshots(): number { return this.n[SNAPSHOTS]; }
  get restored(): number { return this.n[RESTORED]; }
  /** Saved records the session's capacities could not take back (options changed). */
  get lost(): number { return this.n[LOST]; }

  /* cold */
  attach(session: Session): void {
    this.session = session;
    const bank = this.n[BANK];
    const g0 = this.readHeader(0);
    const g1 = this.readHeader(bank);
    if (g0 < 0 && g1 < 0) {
      // A blank region: the empty state goes to bank 0, generation 1.
      this.n[ACTIVE] = 1;
      this.n[GEN] = 0;
    } else {
      const active = g1 > g0 ? 1 : 0;
      this.n[ACTIVE] = active;
      this.n[GEN] = active === 1 ? g1 : g0;
      this.replay(active * bank);
    }
    this.snapshot();
  }

  message(slot: number): void {
    const s = this.session;
    if (s === null) return;
    const st = s.store;
    // QoS 0 is at most once; a streamed message's payload was never kept.
    if (st.qos(slot) === 0 || st.streamed(slot) === 1) return;
    return this.append(this.messageRecord(slot, false));
  }

  inbound(id: number, held: boolean): void {
    if (this.session === null) return;
    return this.append(this.inboundRecord(id, held));
  }

  subscription(slot: number): void {
    if (this.session === null) return;
    return this.append(this.subscriptionRecord(slot));
  }

  /** Writes the whole state to the other bank (erased first) and makes it the active one. */
  snapshot(): void {
    const s = this.session;
    if (s === null) return;
    const n = this.n;
    const store = this.store;
    const bank = n[BANK];
    const target = 1 - n[ACTIVE];
    const base = target * bank;
    const blocks = bank / store.blockSize;
    for (let i = 0; i < blocks; i++) store.erase(target * blocks + i);
    n[ACTIVE] = target;
    n[GEN] = (n[GEN] + 1) >>> 0;
    n[POS] = base + HEADER;
    this.put(this.countersRecord());
    const ids = s.inQos2.ids;
    for (let i = 0; i < ids.length && ids[i] !== 0; i++) this.put(this.inboundRecord(ids[i], true));
    const subs = s.subs;
    for (let i = 0; i < subs.slots; i++) if (subs.state(i) !== SubState.Free) this.put(this.subscriptionRecord(i));
    const st = s.store;
    for (let i = 0; i < st.slots; i++) {
      if (st.state(i) !== RecordState.Free && st.qos(i) > 0 && st.streamed(i) === 0) this.put(this.messageRecord(i, true));
    }
    // The header last: until it is whole, the other bank stays the active one.
    const b = this.buf;
    put32(b, 0, MAGIC);
    put32(b, 4, n[GEN]);
    put32(b, 8, bank);
    put32(b, 12, checksum(b, 12, 0));
    store.write(base, b, HEADER);
    n[BYTES] += HEADER;
    n[SNAPSHOTS]++;
  }

  /** Appends the record in buf, or saves a snapshot when it does not fit (the state already holds the change). */
  private append(len: number): void {
    const n = this.n;
    const end = (n[ACTIVE] + 1) * n[BANK];
    if (n[POS] + align4(len) > end) return this.snapshot();
    return this.put(len);
  }

  private put(len: number): void {
    const n = this.n;
    // A snapshot always fits (the constructor checked the size); this guards a logic error.
    if (n[POS] + align4(len) > (n[ACTIVE] + 1) * n[BANK]) return;
    this.store.write(n[POS], this.buf, len);
    n[POS] += align4(len);
    n[BYTES] += len;
    n[RECORDS]++;
  }

  /** Seals buf[0, len - 4) as a record of this kind: its length. */
  private seal(len: number, kind: number, small: number): number {
    const b = this.buf;
    put16(b, 0, len);
    b[2] = kind;
    b[3] = small;
    put32(b, len - SUM, checksum(b, len - SUM, this.n[GEN]));
    return len;
  }

  private messageRecord(slot: number, snapshot: boolean): number {
    const s = this.session;
    if (s === null) return 0;
    const st = s.store;
    const b = this.buf;
    const state = st.state(slot);
    // The bytes go with the record that stores the message (and in a snapshot), not with later changes.
    const withBytes = (state === RecordState.Queued || (publishInflight(state) && snapshot)) && st.arena.len(slot) >= 0;
    put16(b, 4, slot);
    put16(b, 6, st.packetId(slot));
    put16(b, 8, s.nextPacketId);
    put16(b, 10, 0);
    put32(b, 12, st.seq(slot));
    put32(b, 16, st.handle(slot));
    put32(b, 20, st.expiry(slot));
    let len = MSG_HEAD;
    if (withBytes) {
      const src = st.arena.bytes;
      const off = st.arena.off(slot);
      const n = st.arena.len(slot);
      for (let i = 0; i < n; i++) b[MSG_HEAD + i] = src[off + i];
      len += n;
    }
    return this.seal(len + SUM, MESSAGE, savedState(state) | (st.qos(slot) << 2) | (withBytes ? HAS_BYTES : 0));
  }

  private inboundRecord(id: number, held: boolean): number {
    put16(this.buf, 4, id);
    put16(this.buf, 6, 0);
    return this.seal(8 + SUM, INBOUND, held ? 1 : 0);
  }

  private subscriptionRecord(slot: number): number {
    const s = this.session;
    if (s === null) return 0;
    const subs = s.subs;
    const b = this.buf;
    const state = subs.state(slot);
    put16(b, 4, slot);
    b[6] = subs.options(slot);
    b[7] = 0;
    put32(b, 8, subs.subId(slot));
    let len = SUB_HEAD;
    if (state !== SubState.Free) {
      const src = subs.arena.bytes;
      const off = subs.arena.off(slot);
      const n = subs.arena.len(slot);
      for (let i = 0; i < n; i++) b[SUB_HEAD + i] = src[off + i];
      len += n;
    }
    return this.seal(len + SUM, SUBSCRIPTION, state);
  }

  private countersRecord(): number {
    const s = this.session;
    if (s === null) return 0;
    put16(this.buf, 4, s.nextPacketId);
    put16(this.buf, 6, 0);
    put32(this.buf, 8, s.store.nextSeq);
    return this.seal(12 + SUM, COUNTERS, 0);
  }

  /** The generation in the bank header at offset, or -1 when it is not a valid header. */
  /* cold */
  private readHeader(offset: number): number {
    const b = this.buf;
    this.store.read(offset, b, HEADER);
    if (get32(b, 0) !== MAGIC || get32(b, 8) !== this.n[BANK] || get32(b, 12) !== checksum(b, 12, 0)) return -1;
    return get32(b, 4);
  }

  /** Applies the records of the bank at base, up to the first that is not whole. */
  /* cold */
  private replay(base: number): void {
    const n = this.n;
    const b = this.buf;
    const end = base + n[BANK];
    let pos = base + HEADER;
    while (pos + MIN_RECORD <= end) {
      this.store.read(pos, b, 4);
      const len = get16(b, 0);
      if (len < MIN_RECORD || len > b.length || pos + len > end) break;
      this.store.read(pos, b, len);
      if (get32(b, len - SUM) !== checksum(b, len - SUM, n[GEN])) break;
      if (this.apply(len)) n[RESTORED]++;
      else n[LOST]++;
      pos += align4(len);
    }
  }

  /** Applies the record in buf[0, len): false when the session cannot take it. */
  /* cold */
  private apply(len: number): boolean {
    const s = this.session;
    if (s === null) return false;
    const b = this.buf;
    const kind = b[2];
    const small = b[3];
    if (kind === MESSAGE) {
      const slot = get16(b, 4);
      const st = s.store;
      s.nextPacketId = get16(b, 8) || 1;
      if (slot >= st.slots) return false;
      const bytes = (small & HAS_BYTES) !== 0 ? len - SUM - MSG_HEAD : -1;
      const qos = (small >> 2) & 3;
      const at = st.restore(slot, restoredState(small & 3, qos), qos, get16(b, 6), get32(b, 12), get32(b, 16), get32(b, 20) | 0, bytes);
      if (at < 0) return false;
      const dst = st.arena.bytes;
      for (let i = 0; i < bytes; i++) dst[at + i] = b[MSG_HEAD + i];
      return true;
    }
    if (kind === INBOUND) {
      const id = get16(b, 4);
      const q = s.inQos2;
      if (small === 0) {
        q.remove(id);
        return true;
      }
      return q.has(id) || q.add(id);
    }
    if (kind === SUBSCRIPTION) {
      const slot = get16(b, 4);
      if (slot >= s.subs.slots) return false;
      return s.subs.restore(slot, small, b[6], get32(b, 8), b, SUB_HEAD, len - SUM - SUB_HEAD);
    }
    if (kind === COUNTERS) {
      s.nextPacketId = get16(b, 4) || 1;
      s.store.restoreNextSeq(get32(b, 8));
      return true;
    }
    return false;
  }
}

/** The saved form of a RecordState: whether a PUBLISH or a PUBREL is in flight (what is due is decided on the next connection). */
function savedState(s: number): number {
  if (s === RecordState.Free || s === RecordState.Queued) return s;
  return publishInflight(s) ? SAVED_PUBLISH : SAVED_PUBREL;
}

/** The RecordState a saved state comes back as: in flight and awaiting its ack, as after a lost connection. */
/* cold */
function restoredState(saved: number, qos: number): number {
  if (saved === SAVED_PUBLISH) return qos === 2 ? RecordState.PubRecPending : RecordState.PubAckPending;
  return saved === SAVED_PUBREL ? RecordState.PubCompPending : saved;
}
