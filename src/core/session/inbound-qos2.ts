// Packet identifiers of inbound QoS 2 messages delivered but not yet released by PUBREL: a
// resent PUBLISH with one of these is acknowledged again but not delivered again
// (MQTT-4.3.3-10, method B of section 4.3.3: deliver on receipt, remember the id).
import { Memory, u16, viewBytes } from '../codec/memory.js';

export function inboundQos2Memory(capacity: number): number {
  return viewBytes(capacity, 2);
}

/**
 * The ids are kept packed at the front of `ids`, the rest 0: a packet identifier is never 0
 * (MQTT-2.2.1-3, checked by the decoder), so the count needs no property (a heap slot in XS).
 */
export class InboundQos2 {
  ids: Uint16Array;

  constructor(capacity: number, mem: Memory | null = null) {
    this.ids = u16(mem, capacity);
  }

  get count(): number {
    const ids = this.ids;
    let n = 0;
    while (n < ids.length && ids[n] !== 0) n++;
    return n;
  }

  has(id: number): boolean {
    const ids = this.ids;
    for (let i = 0; i < ids.length && ids[i] !== 0; i++) if (ids[i] === id) return true;
    return false;
  }

  /** False when the table is full. */
  add(id: number): boolean {
    const n = this.count;
    if (n >= this.ids.length) return false;
    this.ids[n] = id;
    return true;
  }

  /** False when the id was not there. */
  remove(id: number): boolean {
    const ids = this.ids;
    const last = this.count - 1;
    for (let i = 0; i <= last; i++) {
      if (ids[i] === id) {
        ids[i] = ids[last];
        ids[last] = 0;
        return true;
      }
    }
    return false;
  }

  clear(): void {
    // Never fill() the shared empty table (read-only on a device).
    if (this.ids.length > 0) this.ids.fill(0);
  }
}
