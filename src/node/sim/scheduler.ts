// One Node timer for a whole fleet: a min-heap of (time, timer) with lazy removal. Each
// device owns Timer objects; re-arming one only pushes a new entry, stale ones are skipped.
// On simulated time there is no Node timer: time is read from the given source and the runner
// calls runDue() for each deadline (see virtual-time.ts).

import type { Clock, TimerTarget } from '../../core/driver/transport.js';

export interface Fired {
  onTimer(): void;
}

export class Timer {
  at = -1;
  gen = 0;
  constructor(readonly scheduler: Scheduler, readonly target: Fired) {}

  arm(at: number): void {
    if (at === this.at) return;
    this.at = at;
    this.gen++;
    if (at >= 0) this.scheduler.push(at, this, this.gen);
  }

  disarm(): void {
    if (this.at < 0) return;
    this.at = -1;
    this.gen++;
  }
}

export class Scheduler {
  private at: number[] = [];
  private timers: Timer[] = [];
  private gens: number[] = [];
  private handle: NodeJS.Timeout | null = null;
  private handleAt = Infinity;
  private readonly t0 = performance.now();
  stopped = false;

  /** time: a simulated clock to read instead of the wall clock (no Node timer is then used). */
  constructor(private readonly time: { now(): number } | null = null) {}

  now(): number {
    return this.time !== null ? this.time.now() : performance.now() - this.t0;
  }

  /** The earliest live deadline, or -1 (stale entries on top are dropped). */
  get next(): number {
    while (this.at.length > 0) {
      const t = this.timers[0];
      if (t.gen === this.gens[0] && t.at >= 0) return this.at[0];
      this.pop();
    }
    return -1;
  }

  /** Runs every timer due at or before `until` (simulated time): the count run. */
  runDue(until: number): number {
    let n = 0;
    while (this.at.length > 0 && this.at[0] <= until) {
      const t = this.timers[0];
      const gen = this.gens[0];
      this.pop();
      if (t.gen !== gen || t.at < 0) continue;
      t.at = -1;
      t.target.onTimer();
      n++;
    }
    return n;
  }

  timer(target: Fired): Timer {
    return new Timer(this, target);
  }

  get size(): number {
    return this.at.length;
  }

  push(at: number, t: Timer, gen: number): void {
    const a = this.at;
    let i = a.length;
    a.push(at);
    this.timers.push(t);
    this.gens.push(gen);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= at) break;
      this.swap(i, p);
      i = p;
    }
    if (at < this.handleAt) this.rearm(at);
  }

  stop(): void {
    this.stopped = true;
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
  }

  private swap(i: number, j: number): void {
    const a = this.at, t = this.timers, g = this.gens;
    const x = a[i]; a[i] = a[j]; a[j] = x;
    const y = t[i]; t[i] = t[j]; t[j] = y;
    const z = g[i]; g[i] = g[j]; g[j] = z;
  }

  private pop(): void {
    const a = this.at;
    const last = a.length - 1;
    this.swap(0, last);
    a.pop();
    this.timers.pop();
    this.gens.pop();
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && a[r] < a[l] ? r : l;
      if (a[i] <= a[m]) break;
      this.swap(i, m);
      i = m;
    }
  }

  private rearm(at: number): void {
    if (this.stopped || this.time !== null) return;
    if (this.handle) clearTimeout(this.handle);
    this.handleAt = at;
    this.handle = setTimeout(() => this.run(), Math.max(0, at - this.now()));
  }

  private run(): void {
    this.handle = null;
    this.handleAt = Infinity;
    const now = this.now();
    let budget = 20000;
    while (this.at.length > 0 && this.at[0] <= now && budget-- > 0) {
      const t = this.timers[0];
      const gen = this.gens[0];
      this.pop();
      if (t.gen !== gen || t.at < 0) continue;
      t.at = -1;
      t.target.onTimer();
    }
    if (this.at.length > 0) this.rearm(budget <= 0 ? now : this.at[0]);
  }
}

/** The driver's Clock over a fleet scheduler: one Timer per driver. */
export class SchedClock implements Clock {
  private timer: Timer;
  private target: TimerTarget | null = null;
  constructor(private readonly sched: Scheduler, readonly random: () => number) {
    this.timer = sched.timer({ onTimer: () => { if (this.target) this.target.onTimer(); } });
  }
  now(): number { return this.sched.now(); }
  arm(at: number, target: TimerTarget): void {
    this.target = target;
    this.timer.arm(at);
  }
  disarm(): void { this.timer.disarm(); }
}
