// Each client's recent packets from the broker's trace (the faults that hit it, and what an
// xsmqtt device of the simulator reported of itself, joined in time order), within a
// budget: a client keeps its last PER_CLIENT records, and past TOTAL records in all the clients
// seen longest ago are forgotten (a fleet of thousands costs a bounded few tens of MB).
import type { TraceRecord } from '../broker/trace.js';

/** A broker trace record, or what the device itself reported ('device': an xsmqtt device of the simulator). */
export interface TimelineRecord extends Omit<TraceRecord, 'dir'> {
  t: string;
  client: string;
  dir: TraceRecord['dir'] | 'device';
  type: string;
}

const PER_CLIENT = 1000;
const TOTAL = 200000;

export class Timelines {
  private readonly byClient = new Map<string, TimelineRecord[]>();
  private total = 0;

  constructor(private readonly perClient = PER_CLIENT, private readonly budget = TOTAL) {}

  add(rec: TimelineRecord): void {
    const id = rec.client;
    let list = this.byClient.get(id);
    if (!list) {
      list = [];
      this.byClient.set(id, list);
    }
    list.push(rec);
    this.total++;
    if (list.length > this.perClient) {
      list.shift();
      this.total--;
    }
    while (this.total > this.budget) {
      const [oldest, records] = this.byClient.entries().next().value!;
      this.byClient.delete(oldest);
      this.total -= records.length;
    }
  }

  of(clientId: string): TimelineRecord[] {
    return this.byClient.get(clientId) ?? [];
  }

  /** Client ids with a timeline, in the order they were first seen: the last `max` of them. */
  clients(max = 1000): string[] {
    const ids = [...this.byClient.keys()].filter((c) => c !== '');
    return ids.length > max ? ids.slice(ids.length - max) : ids;
  }
}
