// Outbound messages the session keeps: the offline queue (not yet sent) and the inflight table
// (QoS 1/2 sent, awaiting acknowledgement). One store for both, because a message moves from
// one to the other and its bytes (the whole encoded PUBLISH, copied from the caller) need not
// move. Order of first transmission is kept in `seq`, for resending in order (MQTT-4.6.0-1).
import { arenaMemory, ByteArena } from './arena.js';
import { f64, i32, Memory, viewBytes } from '../codec/memory.js';

export const enum EntryState {
  Free = 0,
  /** In the offline queue: not sent yet, no packet identifier. */
  Queued = 1,
  /** QoS 1/2 PUBLISH sent, awaiting PUBACK or PUBREC. */
  AwaitAck = 2,
  /** PUBREL sent, awaiting PUBCOMP (the PUBLISH bytes are released). */
  AwaitComp = 3,
}

/** Per-slot numbers, STRIDE to a slot in MessageStore.n. */
const STATE = 0;
const QOS = 1;
const PACKET_ID = 2;
/** 1 when the packet must be (re)transmitted on this connection. */
const RESEND = 3;
/** 1 when it was sent on an earlier connection (PUBLISH goes out again with DUP). */
const DUP = 4;
/** 1 for an inflight entry carried over from an earlier connection (until CONNACK decides). */
const CARRIED = 5;
/** MQTT 5 Message Expiry Interval it was published with (seconds), -1 for none: read without decoding the stored packet. */
const EXPIRY = 6;
/** 1 for a streamed PUBLISH (publishStream): the store keeps its head only, the payload went straight to the send buffer. */
const STREAMED = 7;
const STRIDE = 8;
/** Per-slot times and counters, TSTRIDE to a slot in MessageStore.t: order of transmission (and of queueing), the publish() handle, when it was queued (ms, for message expiry). */
const SEQ = 0;
const HANDLE = 1;
const TIME = 2;
const TSTRIDE = 3;

/** What a MessageStore takes from a Memory. */
export function storeMemory(slots: number, bytes: number): number {
  return arenaMemory(bytes, slots) + viewBytes(slots * STRIDE, 4) + viewBytes(slots * TSTRIDE, 8);
}

/**
 * The per-slot values live in two typed arrays (in XS every typed array is several heap
 * slots), read and written through the methods below.
 */
export class MessageStore {
  arena: ByteArena;
  /** Number of slots. */
  slots: number;
  n: Int32Array;
  t: Float64Array;
  nextSeq: number;
  queued: number;
  queuedBytes: number;
  inflight: number;

  constructor(slots: number, bytes: number, mem: Memory | null = null) {
    this.arena = new ByteArena(bytes, slots, mem);
    this.slots = slots;
    this.n = i32(mem, slots * STRIDE);
    this.t = f64(mem, slots * TSTRIDE);
    this.nextSeq = 1;
    this.queued = 0;
    this.queuedBytes = 0;
    this.inflight = 0;
  }

  state(slot: number): number { return this.n[slot * STRIDE + STATE]; }
  qos(slot: number): number { return this.n[slot * STRIDE + QOS]; }
  packetId(slot: number): number { return this.n[slot * STRIDE + PACKET_ID]; }
  resend(slot: number): number { return this.n[slot * STRIDE + RESEND]; }
  setResend(slot: number, v: number): void { this.n[slot * STRIDE + RESEND] = v; }
  dup(slot: number): number { return this.n[slot * STRIDE + DUP]; }
  setDup(slot: number, v: number): void { this.n[slot * STRIDE + DUP] = v; }
  carried(slot: number): number { return this.n[slot * STRIDE + CARRIED]; }
  setCarried(slot: number, v: number): void { this.n[slot * STRIDE + CARRIED] = v; }
  expiry(slot: number): number { return this.n[slot * STRIDE + EXPIRY]; }
  setExpiry(slot: number, v: number): void { this.n[slot * STRIDE + EXPIRY] = v; }
  streamed(slot: number): number { return this.n[slot * STRIDE + STREAMED]; }
  setStreamed(slot: number, v: number): void { this.n[slot * STRIDE + STREAMED] = v; }
  seq(slot: number): number { return this.t[slot * TSTRIDE + SEQ]; }
  handle(slot: number): number { return this.t[slot * TSTRIDE + HANDLE]; }
  time(slot: number): number { return this.t[slot * TSTRIDE + TIME]; }

  private set(slot: number, state: number, packetId: number, resend: number): void {
    const b = slot * STRIDE;
    this.n[b + STATE] = state;
    this.n[b + PACKET_ID] = packetId;
    this.n[b + RESEND] = resend;
  }

  private setSeq(slot: number): void {
    this.t[slot * TSTRIDE + SEQ] = this.nextSeq++;
  }

  /** A queued entry of n bytes: its slot, or -1 (no slot or no bytes). The bytes are at arena.off(slot). */
  add(n: number, qos: number, now: number): number {
    let slot = -1;
    for (let i = 0; i < this.slots; i++) {
      if (this.state(i) === EntryState.Free) {
        slot = i;
        break;
      }
    }
    if (slot < 0) return -1;
    if (this.arena.place(slot, n) < 0) return -1;
    this.set(slot, EntryState.Queued, 0, 0);
    this.n[slot * STRIDE + QOS] = qos;
    this.n[slot * STRIDE + EXPIRY] = -1;
    this.n[slot * STRIDE + STREAMED] = 0;
    this.setDup(slot, 0);
    const t = slot * TSTRIDE;
    this.t[t + HANDLE] = this.nextSeq;
    this.t[t + TIME] = now;
    this.setSeq(slot);
    this.queued++;
    this.queuedBytes += n;
    return slot;
  }

  /** Moves a queued entry into the inflight table with a packet identifier (QoS 1/2). */
  promote(slot: number, packetId: number): void {
    this.queued--;
    this.queuedBytes -= this.arena.len(slot);
    this.set(slot, EntryState.AwaitAck, packetId, 1);
    this.setSeq(slot);
    this.inflight++;
  }

  /** PUBREC received: the PUBLISH bytes are no longer needed; PUBREL is now due, in PUBREC order (MQTT-4.6.0-4). */
  released(slot: number): void {
    this.arena.release(slot);
    this.set(slot, EntryState.AwaitComp, this.packetId(slot), 1);
    this.setSeq(slot);
  }

  /** Puts an inflight entry back in the queue (the server has no session): it will get a new packet id. */
  requeue(slot: number): void {
    this.inflight--;
    this.set(slot, EntryState.Queued, 0, 0);
    this.setDup(slot, 0);
    this.queued++;
    this.queuedBytes += this.arena.len(slot);
  }

  remove(slot: number): void {
    const s = this.state(slot);
    if (s === EntryState.Free) return;
    if (s === EntryState.Queued) {
      this.queued--;
      this.queuedBytes -= this.arena.len(slot);
    } else {
      this.inflight--;
    }
    this.arena.release(slot);
    this.n[slot * STRIDE + STATE] = EntryState.Free;
  }

  /** The inflight entry with this packet id, or -1. */
  find(packetId: number): number {
    for (let i = 0; i < this.slots; i++) {
      if (this.state(i) >= EntryState.AwaitAck && this.packetId(i) === packetId) return i;
    }
    return -1;
  }

  /** The earliest queued entry (of QoS 0 only, when qos0Only), or -1. */
  firstQueued(qos0Only: boolean): number {
    let pick = -1;
    for (let i = 0; i < this.slots; i++) {
      if (this.state(i) !== EntryState.Queued || (qos0Only && this.qos(i) !== 0)) continue;
      if (pick < 0 || this.seq(i) < this.seq(pick)) pick = i;
    }
    return pick;
  }

  /** The earliest inflight entry (PUBLISH or PUBREL) due for transmission, or -1. */
  firstDue(): number {
    let pick = -1;
    for (let i = 0; i < this.slots; i++) {
      if (this.state(i) < EntryState.AwaitAck || this.resend(i) === 0) continue;
      if (pick < 0 || this.seq(i) < this.seq(pick)) pick = i;
    }
    return pick;
  }
}
