// Outbound messages the session keeps: the offline queue (not yet sent) and the inflight table
// (QoS 1/2 sent, awaiting acknowledgement). One store for both, because a message moves from
// one to the other and its bytes (the whole encoded PUBLISH, copied from the caller) need not
// move. Order of first transmission is kept in `seq`, for resending in order (MQTT-4.6.0-1).
import { ByteArena } from './arena.js';

export const enum EntryState {
  Free = 0,
  /** In the offline queue: not sent yet, no packet identifier. */
  Queued = 1,
  /** QoS 1/2 PUBLISH sent, awaiting PUBACK or PUBREC. */
  AwaitAck = 2,
  /** PUBREL sent, awaiting PUBCOMP (the PUBLISH bytes are released). */
  AwaitComp = 3,
}

export class MessageStore {
  arena: ByteArena;
  state: Uint8Array;
  qos: Uint8Array;
  packetId: Uint16Array;
  /** 1 when the packet must be (re)transmitted on this connection. */
  resend: Uint8Array;
  /** 1 when it was sent on an earlier connection (PUBLISH goes out again with DUP). */
  dup: Uint8Array;
  /** 1 for an inflight entry carried over from an earlier connection (until CONNACK decides). */
  carried: Uint8Array;
  /** Order of transmission (and of queueing), and the publish() handle. */
  seq: Float64Array;
  handle: Float64Array;
  /** When it was queued (ms), for message expiry. */
  time: Float64Array;
  nextSeq: number;
  queued: number;
  queuedBytes: number;
  inflight: number;

  constructor(slots: number, bytes: number) {
    this.arena = new ByteArena(bytes, slots);
    this.state = new Uint8Array(slots);
    this.qos = new Uint8Array(slots);
    this.packetId = new Uint16Array(slots);
    this.resend = new Uint8Array(slots);
    this.dup = new Uint8Array(slots);
    this.carried = new Uint8Array(slots);
    this.seq = new Float64Array(slots);
    this.handle = new Float64Array(slots);
    this.time = new Float64Array(slots);
    this.nextSeq = 1;
    this.queued = 0;
    this.queuedBytes = 0;
    this.inflight = 0;
  }

  /** A queued entry of n bytes: its slot, or -1 (no slot or no bytes). The bytes are at arena.off[slot]. */
  add(n: number, qos: number, now: number): number {
    const st = this.state;
    let slot = -1;
    for (let i = 0; i < st.length; i++) {
      if (st[i] === EntryState.Free) {
        slot = i;
        break;
      }
    }
    if (slot < 0) return -1;
    if (this.arena.place(slot, n) < 0) return -1;
    st[slot] = EntryState.Queued;
    this.qos[slot] = qos;
    this.packetId[slot] = 0;
    this.resend[slot] = 0;
    this.dup[slot] = 0;
    this.seq[slot] = this.nextSeq;
    this.handle[slot] = this.nextSeq;
    this.nextSeq++;
    this.time[slot] = now;
    this.queued++;
    this.queuedBytes += n;
    return slot;
  }

  /** Moves a queued entry into the inflight table with a packet identifier (QoS 1/2). */
  promote(slot: number, packetId: number): void {
    this.queued--;
    this.queuedBytes -= this.arena.len[slot];
    this.state[slot] = EntryState.AwaitAck;
    this.packetId[slot] = packetId;
    this.resend[slot] = 1;
    this.seq[slot] = this.nextSeq++;
    this.inflight++;
  }

  /** PUBREC received: the PUBLISH bytes are no longer needed; PUBREL is now due, in PUBREC order (MQTT-4.6.0-4). */
  released(slot: number): void {
    this.arena.release(slot);
    this.state[slot] = EntryState.AwaitComp;
    this.resend[slot] = 1;
    this.seq[slot] = this.nextSeq++;
  }

  /** Puts an inflight entry back in the queue (the server has no session): it will get a new packet id. */
  requeue(slot: number): void {
    this.inflight--;
    this.state[slot] = EntryState.Queued;
    this.packetId[slot] = 0;
    this.resend[slot] = 0;
    this.dup[slot] = 0;
    this.queued++;
    this.queuedBytes += this.arena.len[slot];
  }

  remove(slot: number): void {
    const s = this.state[slot];
    if (s === EntryState.Free) return;
    if (s === EntryState.Queued) {
      this.queued--;
      this.queuedBytes -= this.arena.len[slot];
    } else {
      this.inflight--;
    }
    this.arena.release(slot);
    this.state[slot] = EntryState.Free;
  }

  /** The inflight entry with this packet id, or -1. */
  find(packetId: number): number {
    const st = this.state;
    for (let i = 0; i < st.length; i++) {
      if (st[i] >= EntryState.AwaitAck && this.packetId[i] === packetId) return i;
    }
    return -1;
  }

  /** The earliest queued entry (of QoS 0 only, when qos0Only), or -1. */
  firstQueued(qos0Only: boolean): number {
    const st = this.state;
    let pick = -1;
    for (let i = 0; i < st.length; i++) {
      if (st[i] !== EntryState.Queued || (qos0Only && this.qos[i] !== 0)) continue;
      if (pick < 0 || this.seq[i] < this.seq[pick]) pick = i;
    }
    return pick;
  }

  /** The earliest inflight entry (PUBLISH or PUBREL) due for transmission, or -1. */
  firstDue(): number {
    const st = this.state;
    let pick = -1;
    for (let i = 0; i < st.length; i++) {
      if (st[i] < EntryState.AwaitAck || this.resend[i] === 0) continue;
      if (pick < 0 || this.seq[i] < this.seq[pick]) pick = i;
    }
    return pick;
  }
}
