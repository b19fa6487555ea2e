// Fleet statistics: counters fed by every device's application (AppMonitor), and round-trip
// times in logarithmic buckets (3 % wide) for percentiles without keeping samples.
import type { AppMonitor, SensorApp } from '../../core/app/app.js';

const BUCKETS = 700;
const BASE = 0.01;
const STEP = Math.log(1.03);

export class Histogram {
  counts = new Uint32Array(BUCKETS);
  total = 0;
  add(ms: number): void {
    const i = ms <= BASE ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(ms / BASE) / STEP) + 1);
    this.counts[i]++;
    this.total++;
  }
  /** The q-quantile (0..1) in ms, or -1 without samples. */
  quantile(q: number): number {
    if (this.total === 0) return -1;
    const want = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= want) return i === 0 ? BASE : BASE * Math.exp(STEP * (i - 0.5));
    }
    return -1;
  }
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}

export class FleetStats implements AppMonitor {
  connected = 0;
  peakConnected = 0;
  everConnected = 0;
  connects = 0;
  reconnects = 0;
  disconnects = 0;
  failedAttempts = 0;
  out = 0;
  acked = 0;
  failed = 0;
  in = 0;
  commands = 0;
  publishErrors = 0;
  /** Close reason codes >= 0x80 seen (not counting 0x98 administrative action from fault injection). */
  closeErrors = 0;
  rtt = new Histogram();
  windowRtt = new Histogram();

  onConnected(_app: SensorApp, first: boolean): void {
    this.connected++;
    this.connects++;
    if (first) this.everConnected++;
    else this.reconnects++;
    if (this.connected > this.peakConnected) this.peakConnected = this.connected;
  }
  onClosed(_app: SensorApp, reasonCode: number, wasConnected: boolean): void {
    // onClose also follows a failed connection attempt; count only connections that were up.
    if (!wasConnected) {
      this.failedAttempts++;
      return;
    }
    this.connected--;
    this.disconnects++;
    if (reasonCode >= 0x80 && reasonCode !== 0x98) this.closeErrors++;
  }
  onTelemetrySent(_app: SensorApp): void {
    this.out++;
  }
  onTelemetryDone(_app: SensorApp, reasonCode: number, roundTrip: number): void {
    if (reasonCode < 0x80) {
      this.acked++;
      if (roundTrip >= 0) {
        this.rtt.add(roundTrip);
        this.windowRtt.add(roundTrip);
      }
    } else this.failed++;
  }
  onCommand(_app: SensorApp, _kind: number): void {
    this.commands++;
  }
  onError(_app: SensorApp, _code: number): void {
    this.publishErrors++;
  }
  get errors(): number {
    return this.publishErrors + this.failed + this.closeErrors;
  }
}

const COUNTERS = ['connected', 'peakConnected', 'everConnected', 'connects', 'reconnects', 'disconnects', 'failedAttempts',
  'out', 'acked', 'failed', 'in', 'commands', 'publishErrors', 'closeErrors'] as const;

/** The counters a simulator process reports to its parent (and the parent sums), histograms as (bucket, count) pairs. */
export type StatsSnapshot = Record<typeof COUNTERS[number], number> & { rtt: number[]; windowRtt: number[] };

/** A histogram as (bucket, count) pairs, flattened. */
function sparse(h: Histogram): number[] {
  const out: number[] = [];
  for (let i = 0; i < BUCKETS; i++) if (h.counts[i] > 0) out.push(i, h.counts[i]);
  return out;
}

function addSparse(h: Histogram, pairs: number[]): void {
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    h.counts[pairs[i]] += pairs[i + 1];
    h.total += pairs[i + 1];
  }
}

export function snapshotStats(s: FleetStats): StatsSnapshot {
  const o = { rtt: sparse(s.rtt), windowRtt: sparse(s.windowRtt) } as StatsSnapshot;
  for (const k of COUNTERS) o[k] = s[k];
  return o;
}

/** Adds a process's snapshot to a total (peaks add too: each process's peak, an upper bound). */
export function addStats(total: FleetStats, s: StatsSnapshot | FleetStats): void {
  for (const k of COUNTERS) total[k] += s[k];
  if (s instanceof FleetStats) {
    addSparse(total.rtt, sparse(s.rtt));
    addSparse(total.windowRtt, sparse(s.windowRtt));
  } else {
    addSparse(total.rtt, s.rtt);
    addSparse(total.windowRtt, s.windowRtt);
  }
}
