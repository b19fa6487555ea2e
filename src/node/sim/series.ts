// Numbers to plot: one sample a second of what the live line shows, written as JSON lines
// (`--stats-file`), and the percentiles of each series for the summary.

export interface Sample {
  /** Seconds since the start. */
  t: number;
  connected: number;
  outPerSec: number;
  inPerSec: number;
  /** Round trip over the last second, ms (-1: no sample). */
  rttP50: number;
  rttP99: number;
  reconnects: number;
  errors: number;
}

export interface Percentiles { min: number; p50: number; p90: number; p99: number; max: number }

const SERIES = ['connected', 'outPerSec', 'inPerSec', 'rttP50', 'rttP99'] as const;

export class Series {
  private readonly values = new Map<string, number[]>();
  samples = 0;

  constructor(private readonly write: ((line: string) => void) | null) {
    for (const k of SERIES) this.values.set(k, []);
  }

  add(s: Sample): void {
    this.samples++;
    for (const k of SERIES) if (s[k] >= 0) this.values.get(k)!.push(s[k]);
    this.write?.(JSON.stringify(s) + '\n');
  }

  /** Each series' percentiles (series with no sample are left out). */
  percentiles(): Record<string, Percentiles> {
    const out: Record<string, Percentiles> = {};
    for (const [k, v] of this.values) {
      if (v.length === 0) continue;
      const s = [...v].sort((a, b) => a - b);
      const q = (p: number): number => round(s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]);
      out[k] = { min: round(s[0]), p50: q(0.5), p90: q(0.9), p99: q(0.99), max: round(s[s.length - 1]) };
    }
    return out;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
