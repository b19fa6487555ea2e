// MQTT 5 topic aliases (section 3.3.2.3.4), one table each way. Both are reset on every
// connection (MQTT-3.3.2-7: aliases do not outlive a network connection).
import { ByteArena } from './arena.js';
import { Memory } from '../codec/memory.js';

/** Outbound: automatic, within the server's Topic Alias Maximum; no replacement once full. */
export class OutboundAliases {
  arena: ByteArena;
  /** Aliases usable on this connection: min(capacity, server's maximum). */
  limit: number;
  count: number;

  constructor(capacity: number, bytes: number, mem: Memory | null = null) {
    this.arena = new ByteArena(bytes, capacity, mem);
    this.limit = 0;
    this.count = 0;
  }

  reset(serverMaximum: number): void {
    const cap = this.arena.slots;
    this.limit = serverMaximum < cap ? serverMaximum : cap;
    for (let i = 0; i < this.count; i++) this.arena.release(i);
    this.count = 0;
  }

  /** The alias already sent for this topic, or 0. */
  find(buf: Uint8Array, off: number, len: number): number {
    for (let i = 0; i < this.count; i++) if (this.arena.equals(i, buf, off, len)) return i + 1;
    return 0;
  }

  /** Takes back the alias assign() just gave (its packet was not sent). */
  unassign(alias: number): void {
    if (alias !== this.count) return;
    this.arena.release(alias - 1);
    this.count = alias - 1;
  }

  /** A new alias for this topic, or 0 when none is left (or its bytes do not fit). */
  assign(buf: Uint8Array, off: number, len: number): number {
    if (this.count >= this.limit) return 0;
    if (!this.arena.put(this.count, buf, off, len)) return 0;
    return ++this.count;
  }
}

/** Inbound: the server sets aliases (1..maximum) and refers to them with an empty topic. */
export class InboundAliases {
  arena: ByteArena;

  constructor(maximum: number, bytes: number, mem: Memory | null = null) {
    this.arena = new ByteArena(bytes, maximum, mem);
  }

  maximum(): number {
    return this.arena.slots;
  }

  reset(): void {
    for (let i = 0; i < this.arena.slots; i++) this.arena.release(i);
  }

  /** Records alias -> topic; false when the bytes do not fit. */
  set(alias: number, buf: Uint8Array, off: number, len: number): boolean {
    this.arena.release(alias - 1);
    return this.arena.put(alias - 1, buf, off, len);
  }

  /** The topic's length for alias (its bytes at arena.off(alias-1)), or -1 when unknown. */
  lookup(alias: number): number {
    return this.arena.len(alias - 1);
  }
}
