// The reconnect storm after a broker restart: when every device is back, the peak connection
// rate (connections in one second), and the spread of reconnect times the back-off jitter gave.
// Fed by the fleet's AppMonitor (it wraps FleetStats), on real or simulated time.
import type { AppMonitor, SensorApp } from '../../core/app/app.js';
import type { FleetStats } from './stats.js';

export interface StormReport {
  /** When the broker dropped every connection, and when it took connections again (ms). */
  restartAt: number;
  upAt: number;
  /** Devices connected when the broker dropped them, and of those reconnected since. */
  dropped: number;
  back: number;
  /** From the drop until the last of them was back (-1: not all came back). */
  allBackMs: number;
  /** Most connections in one second after the restart. */
  peakPerSecond: number;
  /** Reconnect times after the broker came back, ms: quantiles (the jitter's spread). */
  spread: { min: number; p50: number; p90: number; p99: number; max: number };
}

export class RestartWatch implements AppMonitor {
  restartAt = -1;
  upAt = -1;
  private dropped = 0;
  /** Devices connected when the broker dropped them, until each is back. */
  private readonly away = new Set<SensorApp>();
  private readonly up_ = new Set<SensorApp>();
  private readonly times: number[] = [];
  private readonly perSecond = new Map<number, number>();

  constructor(private readonly stats: FleetStats, private readonly now: () => number) {}

  /** The broker is about to drop every connection. */
  restart(): void {
    this.restartAt = this.now();
    this.away.clear();
    for (const a of this.up_) this.away.add(a);
    this.dropped = this.away.size;
    this.times.length = 0;
    this.perSecond.clear();
  }

  /** The broker takes connections again. */
  up(): void {
    this.upAt = this.now();
  }

  report(): StormReport | null {
    if (this.restartAt < 0) return null;
    const t = [...this.times].sort((a, b) => a - b);
    const q = (p: number): number => (t.length === 0 ? -1 : t[Math.min(t.length - 1, Math.max(0, Math.ceil(p * t.length) - 1))]);
    let peak = 0;
    for (const n of this.perSecond.values()) if (n > peak) peak = n;
    const back = Math.min(this.times.length, this.dropped);
    return {
      restartAt: this.restartAt,
      upAt: this.upAt,
      dropped: this.dropped,
      back,
      allBackMs: back >= this.dropped && t.length > 0 ? Math.round(t[this.dropped - 1] + this.upAt - this.restartAt) : -1,
      peakPerSecond: peak,
      spread: { min: q(0), p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) },
    };
  }

  onConnected(app: SensorApp, first: boolean): void {
    this.stats.onConnected(app, first);
    this.up_.add(app);
    if (!this.away.delete(app)) return;
    const now = this.now();
    if (this.upAt >= 0) this.times.push(Math.round(now - this.upAt));
    const s = Math.floor((now - this.restartAt) / 1000);
    this.perSecond.set(s, (this.perSecond.get(s) ?? 0) + 1);
  }
  onClosed(app: SensorApp, reasonCode: number, wasConnected: boolean): void {
    this.up_.delete(app);
    this.stats.onClosed(app, reasonCode, wasConnected);
  }
  onTelemetrySent(app: SensorApp): void { this.stats.onTelemetrySent(app); }
  onTelemetryDone(app: SensorApp, reasonCode: number, roundTrip: number): void { this.stats.onTelemetryDone(app, reasonCode, roundTrip); }
  onCommand(app: SensorApp, kind: number): void { this.stats.onCommand(app, kind); }
  onError(app: SensorApp, code: number): void { this.stats.onError(app, code); }
}

export function formatStorm(r: StormReport, timeKind: string): string {
  const s = r.spread;
  return `  restart     (${timeKind}) broker dropped ${r.dropped} devices at ${(r.restartAt / 1000).toFixed(1)} s, up again at ${(r.upAt / 1000).toFixed(1)} s; ` +
    `${r.back} back${r.allBackMs >= 0 ? `, all within ${(r.allBackMs / 1000).toFixed(2)} s` : ' (not all)'}; peak ${r.peakPerSecond} connections/s; ` +
    `reconnect after up: min ${s.min} ms, p50 ${s.p50} ms, p90 ${s.p90} ms, p99 ${s.p99} ms, max ${s.max} ms\n`;
}
