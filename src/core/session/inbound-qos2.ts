// Packet identifiers of inbound QoS 2 messages delivered but not yet released by PUBREL: a
// resent PUBLISH with one of these is acknowledged again but not delivered again
// (MQTT-4.3.3-10, method B of section 4.3.3: deliver on receipt, remember the id).
import { Memory, u16, viewBytes } from '../codec/memory.js';

export function inboundQos2Memory(capacity: number): number {
  return viewBytes(capacity, 2);
}

export class InboundQos2 {
  ids: Uint16Array;
  count: number;

  constructor(capacity: number, mem: Memory | null = null) {
    this.ids = u16(mem, capacity);
    this.count = 0;
  }

  has(id: number): boolean {
    for (let i = 0; i < this.count; i++) if (this.ids[i] === id) return true;
    return false;
  }

  /** False when the table is full. */
  add(id: number): boolean {
    if (this.count >= this.ids.length) return false;
    this.ids[this.count++] = id;
    return true;
  }

  /** False when the id was not there. */
  remove(id: number): boolean {
    for (let i = 0; i < this.count; i++) {
      if (this.ids[i] === id) {
        this.ids[i] = this.ids[--this.count];
        return true;
      }
    }
    return false;
  }

  clear(): void {
    this.count = 0;
  }
}
