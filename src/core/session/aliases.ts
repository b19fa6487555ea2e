// MQTT 5 topic aliases (section 3.3.2.3.4), one table each way. Both are reset on every
// connection (MQTT-3.3.2-7: aliases do not outlive a network connection).
import { ARENA_SPARE, ByteArena } from './arena.js';
import { Memory } from '../codec/memory.js';

/**
 * Outbound: automatic, within the server's Topic Alias Maximum; no replacement once full.
 * Alias k's topic is in arena slot k-1, and the slots in use are always 1..count, so the count
 * is read off the arena and the limit kept in its spare int: no properties (heap slots in XS).
 */
export class OutboundAliases {
  arena: ByteArena;

  constructor(capacity: number, bytes: number, mem: Memory | null = null) {
    this.arena = new ByteArena(bytes, capacity, mem);
  }

  /** Aliases usable on this connection: min(capacity, server's maximum). */
  get limit(): number { return this.arena.r[ARENA_SPARE] | 0; }

  get count(): number {
    const a = this.arena;
    const cap = a.slots;
    let n = 0;
    while (n < cap && a.len(n) >= 0) n++;
    return n;
  }

  reset(serverMaximum: number): void {
    const cap = this.arena.slots;
    for (let i = 0; i < cap; i++) this.arena.release(i);
    // With no capacity r is the shared empty array: the limit stays 0 unwritten.
    if (cap > 0) this.arena.r[ARENA_SPARE] = serverMaximum < cap ? serverMaximum : cap;
  }

  /** The alias already sent for this topic, or 0. */
  find(buf: Uint8Array, off: number, len: number): number {
    const n = this.count;
    for (let i = 0; i < n; i++) if (this.arena.equals(i, buf, off, len)) return i + 1;
    return 0;
  }

  /** Takes back the alias assign() just gave (its packet was not sent). */
  unassign(alias: number): void {
    if (alias !== this.count) return;
    this.arena.release(alias - 1);
  }

  /** A new alias for this topic, or 0 when none is left (or its bytes do not fit). */
  assign(buf: Uint8Array, off: number, len: number): number {
    const n = this.count;
    if (n >= this.limit) return 0;
    if (!this.arena.put(n, buf, off, len)) return 0;
    return n + 1;
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
