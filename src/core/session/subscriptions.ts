// The subscriptions the client holds: filter bytes, options, an optional per-filter handler,
// and where each stands (awaiting SUBACK, granted, awaiting UNSUBACK). Inbound messages are
// routed to handlers by matching the topic against each filter, byte by byte.
import { Packet } from '../codec/packet.js';
import { matchFilter } from '../topic/match.js';
import { sharedFilterStart } from '../topic/validate.js';
import { ByteArena } from './arena.js';
import { MessageHandler } from './handler.js';

export const enum SubState {
  Free = 0,
  /** SUBSCRIBE to be sent (after a reconnect) or sent, awaiting SUBACK. */
  Subscribing = 1,
  Granted = 2,
  Unsubscribing = 3,
}

export class Subscriptions {
  arena: ByteArena;
  state: Uint8Array;
  options: Uint8Array;
  subId: Uint32Array;
  /** Packet id of the SUBSCRIBE / UNSUBSCRIBE in flight for this filter (0: to be sent). */
  pendingId: Uint16Array;
  handler: (MessageHandler | null)[];
  /** Filled by route(). */
  matched: (MessageHandler | null)[];

  constructor(slots: number, bytes: number) {
    this.arena = new ByteArena(bytes, slots);
    this.state = new Uint8Array(slots);
    this.options = new Uint8Array(slots);
    this.subId = new Uint32Array(slots);
    this.pendingId = new Uint16Array(slots);
    this.handler = [];
    this.matched = [];
    for (let i = 0; i < slots; i++) {
      this.handler.push(null);
      this.matched.push(null);
    }
  }

  /** The slot holding this filter, or -1. */
  find(buf: Uint8Array, off: number, len: number): number {
    for (let i = 0; i < this.state.length; i++) {
      if (this.state[i] !== SubState.Free && this.arena.equals(i, buf, off, len)) return i;
    }
    return -1;
  }

  /** Records a filter (replacing the same filter's entry): its slot, or -1 when full. */
  add(buf: Uint8Array, off: number, len: number, options: number, subId: number, handler: MessageHandler | null): number {
    let slot = this.find(buf, off, len);
    if (slot < 0) {
      for (let i = 0; i < this.state.length; i++) {
        if (this.state[i] === SubState.Free) {
          slot = i;
          break;
        }
      }
      if (slot < 0 || !this.arena.put(slot, buf, off, len)) return -1;
    }
    this.state[slot] = SubState.Subscribing;
    this.options[slot] = options;
    this.subId[slot] = subId;
    this.pendingId[slot] = 0;
    this.handler[slot] = handler;
    return slot;
  }

  free(slot: number): void {
    this.arena.release(slot);
    this.state[slot] = SubState.Free;
    this.handler[slot] = null;
  }

  /**
   * The distinct handlers of the filters the message's topic matches, into matched[0..n);
   * returns n. They stay there for the chunks of a streamed message (whose topic is in its head only).
   */
  route(msg: Packet): number {
    let n = 0;
    const st = this.state;
    const out = this.matched;
    for (let i = 0; i < st.length; i++) {
      const h = this.handler[i];
      if (h === null || st[i] === SubState.Free || st[i] === SubState.Unsubscribing || !this.matches(i, msg)) continue;
      let seen = false;
      for (let j = 0; j < n; j++) if (out[j] === h) seen = true;
      if (!seen) out[n++] = h;
    }
    return n;
  }

  private matches(slot: number, msg: Packet): boolean {
    const a = this.arena;
    const off = a.off[slot];
    const len = a.len[slot];
    const start = sharedFilterStart(a.bytes, off, len);
    return matchFilter(a.bytes, start, len - (start - off), msg.topic, msg.topicOff, msg.topicLen);
  }
}
