// The fleet over time, one sample a second: clients connected, PUBLISH in and out a second,
// the round trip of QoS 1/2 deliveries (PUBLISH out to PUBACK, or to PUBCOMP), reconnects, and
// the faults that fired in that second.
import type { BrokerStats } from '../broker/stats.js';
import type { TraceRecord } from '../broker/trace.js';
import type { FleetSample } from './fleet-sample.js';

export type { FleetSample };

const HISTORY = 3600;
const MAX_PENDING = 100000;
const MAX_RTT_SAMPLES = 10000;

/** The q-th quantile (0..1) of sorted numbers. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export class Fleet {
  readonly samples: FleetSample[] = [];
  private pending = new Map<string, number>();
  private rtts: number[] = [];
  private seen = new Set<string>();
  private reconnects = 0;
  private faults: { t: number; text: string }[] = [];
  private lastIn = 0;
  private lastOut = 0;

  constructor(stats: BrokerStats) {
    this.lastIn = stats.publishReceived;
    this.lastOut = stats.publishSent;
  }

  /** Reads one trace record (at `now`, the broker's clock). */
  packet(r: TraceRecord, now: number): void {
    if (r.dir === 'out' && r.type === 'PUBLISH' && typeof r.id === 'number' && !r.dup) {
      if (this.pending.size >= MAX_PENDING) this.pending.clear();
      this.pending.set(`${r.client}\0${r.id}`, now);
    } else if (r.dir === 'in' && (r.type === 'PUBACK' || r.type === 'PUBCOMP')) {
      const key = `${r.client}\0${String(r.id)}`;
      const sent = this.pending.get(key);
      if (sent !== undefined) {
        this.pending.delete(key);
        if (this.rtts.length < MAX_RTT_SAMPLES) this.rtts.push(now - sent);
      }
    } else if (r.dir === 'in' && r.type === 'CONNECT') {
      const id = String(r.clientId);
      if (this.seen.has(id)) this.reconnects++;
      else {
        if (this.seen.size >= MAX_PENDING) this.seen.clear();
        this.seen.add(id);
      }
    }
  }

  fault(t: number, text: string): void {
    this.faults.push({ t, text });
  }

  /** Closes the second ending at `now`. */
  sample(now: number, stats: BrokerStats): FleetSample {
    const rtts = this.rtts.sort((a, b) => a - b);
    const s: FleetSample = {
      t: now,
      connected: stats.connected,
      inPerS: stats.publishReceived - this.lastIn,
      outPerS: stats.publishSent - this.lastOut,
      rttP50: rtts.length > 0 ? quantile(rtts, 0.5) : null,
      rttP99: rtts.length > 0 ? quantile(rtts, 0.99) : null,
      reconnects: this.reconnects,
      faults: this.faults,
    };
    this.lastIn = stats.publishReceived;
    this.lastOut = stats.publishSent;
    this.rtts = [];
    this.reconnects = 0;
    this.faults = [];
    this.samples.push(s);
    if (this.samples.length > HISTORY) this.samples.shift();
    return s;
  }
}
