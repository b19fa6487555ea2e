// The subscriptions the client holds: filter bytes, options, an optional per-filter handler,
// and where each stands (awaiting SUBACK, granted, awaiting UNSUBACK). Inbound messages are
// routed to handlers by matching the topic against each filter, byte by byte.
import { Packet } from '../codec/packet.js';
import { matchFilter } from '../topic/match.js';
import { sharedFilterStart } from '../topic/validate.js';
import { ARENA_SLOTS, arenaInts, arenaMemory, ByteArena } from './arena.js';
import { Memory } from '../codec/memory.js';
import { MessageHandler } from './handler.js';

export const enum SubState {
  Free = 0,
  /** SUBSCRIBE to be sent (after a reconnect) or sent, awaiting SUBACK. */
  Subscribing = 1,
  Granted = 2,
  Unsubscribing = 3,
}

const STATE = 0;
const OPTIONS = 1;
const SUB_ID = 2;
const PENDING_ID = 3;
/** Order of the filter within its SUBSCRIBE / UNSUBSCRIBE (where its SUBACK / UNSUBACK code is). */
const POSITION = 4;
const STRIDE = 5;

/** What a Subscriptions table takes from a Memory. */
export function subscriptionsMemory(slots: number, bytes: number): number {
  return arenaMemory(bytes, slots, slots * STRIDE);
}

export class Subscriptions {
  /**
   * The filters' bytes; its r holds, after the arena's own ints, per slot and STRIDE apart:
   * state, options, subscription identifier, the packet id of the SUBSCRIBE / UNSUBSCRIBE in
   * flight for this filter (0: to be sent) and the filter's order within that packet. One
   * typed array for all: in XS each costs several heap slots, a number in one none.
   */
  arena: ByteArena;
  /** matched (filled by route()) at [0, slots), then each slot's handler: one array, not two. */
  private h: (MessageHandler | null)[];

  constructor(slots: number, bytes: number, mem: Memory | null = null) {
    this.arena = new ByteArena(bytes, slots, mem, slots * STRIDE);
    this.h = [];
    for (let i = 0; i < 2 * slots; i++) this.h.push(null);
  }

  /** Number of slots. */
  get slots(): number { return this.arena.r[ARENA_SLOTS] | 0; }
  /** Filled by route(). */
  get matched(): (MessageHandler | null)[] { return this.h; }

  /** Index of slot's numbers in the arena's r. */
  private at(slot: number): number {
    return arenaInts(this.arena.slots) + slot * STRIDE;
  }

  state(slot: number): number { return this.arena.r[this.at(slot) + STATE]; }
  setState(slot: number, v: number): void { this.arena.r[this.at(slot) + STATE] = v; }
  options(slot: number): number { return this.arena.r[this.at(slot) + OPTIONS]; }
  subId(slot: number): number { return this.arena.r[this.at(slot) + SUB_ID]; }
  pendingId(slot: number): number { return this.arena.r[this.at(slot) + PENDING_ID]; }
  setPendingId(slot: number, v: number): void { this.arena.r[this.at(slot) + PENDING_ID] = v; }
  position(slot: number): number { return this.arena.r[this.at(slot) + POSITION]; }
  setPosition(slot: number, v: number): void { this.arena.r[this.at(slot) + POSITION] = v; }

  /** The slot holding this filter, or -1. */
  find(buf: Uint8Array, off: number, len: number): number {
    for (let i = 0, end = this.slots; i < end; i++) {
      if (this.state(i) !== SubState.Free && this.arena.equals(i, buf, off, len)) return i;
    }
    return -1;
  }

  /** Records a filter (replacing the same filter's entry): its slot, or -1 when full. */
  add(buf: Uint8Array, off: number, len: number, options: number, subId: number, handler: MessageHandler | null): number {
    let slot = this.find(buf, off, len);
    if (slot < 0) {
      for (let i = 0, end = this.slots; i < end; i++) {
        if (this.state(i) === SubState.Free) {
          slot = i;
          break;
        }
      }
      if (slot < 0 || !this.arena.put(slot, buf, off, len)) return -1;
    }
    const r = this.arena.r;
    const b = this.at(slot);
    r[b + STATE] = SubState.Subscribing;
    r[b + OPTIONS] = options;
    r[b + SUB_ID] = subId;
    r[b + PENDING_ID] = 0;
    this.h[this.slots + slot] = handler;
    return slot;
  }

  /**
   * Sets slot as a saved record says (restoring after power loss): no handler (the application
   * gives one by subscribing again), nothing in flight. False when the filter does not fit.
   */
  /* cold */
  restore(slot: number, state: number, options: number, subId: number, buf: Uint8Array, off: number, len: number): boolean {
    if (this.state(slot) !== SubState.Free) this.free(slot);
    if (state === SubState.Free) return true;
    if (!this.arena.put(slot, buf, off, len)) return false;
    const r = this.arena.r;
    const b = this.at(slot);
    r[b + STATE] = state;
    r[b + OPTIONS] = options;
    r[b + SUB_ID] = subId;
    r[b + PENDING_ID] = 0;
    return true;
  }

  free(slot: number): void {
    this.arena.release(slot);
    this.setState(slot, SubState.Free);
    this.h[this.slots + slot] = null;
  }

  /**
   * The distinct handlers of the filters the message's topic matches, into matched[0..n);
   * returns n. They stay there for the chunks of a streamed message (whose topic is in its head only).
   */
  route(msg: Packet): number {
    let n = 0;
    const out = this.h;
    const slots = this.slots;
    for (let i = 0; i < slots; i++) {
      const h = out[slots + i];
      const st = this.state(i);
      if (h === null || st === SubState.Free || st === SubState.Unsubscribing || !this.matches(i, msg)) continue;
      let seen = false;
      for (let j = 0; j < n; j++) if (out[j] === h) seen = true;
      if (!seen) out[n++] = h;
    }
    return n;
  }

  private matches(slot: number, msg: Packet): boolean {
    const a = this.arena;
    const off = a.off(slot);
    const len = a.len(slot);
    const start = sharedFilterStart(a.bytes, off, len);
    return matchFilter(a.bytes, start, len - (start - off), msg.topic, msg.topicOff, msg.topicLen);
  }
}
