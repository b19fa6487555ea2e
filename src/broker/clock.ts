// The broker's one clock: every deadline (keep alive and CONNECT sweeps, session expiry, will
// delay, fault delays, throttling, $SYS) is an entry in one heap, ordered by time. RealClock
// follows the wall clock with a single Node timer armed for the earliest entry; VirtualClock
// moves only when told, so a test or the simulator runs the broker on simulated time.
// Protocol delays reach 2^32-1 seconds; Node's setTimeout takes at most 2^31-1 ms (and fires
// after 1 ms beyond that), so the real clock's timer is re-armed in steps no longer than that.

/** A scheduled call; `pending` until it has run (a one-shot) or been cancelled. */
export interface Timer {
  readonly pending: boolean;
  cancel(): void;
}

export interface BrokerClock {
  /** Milliseconds since the epoch (virtual: since the clock's start value). */
  now(): number;
  /** Calls fn once, ms milliseconds from now (any ms >= 0; fractions and huge values included). */
  after(ms: number, fn: () => void): Timer;
  /** Calls fn every ms milliseconds (ms > 0) until cancelled. */
  every(ms: number, fn: () => void): Timer;
  /** Cancels everything and releases the clock's own timer. */
  stop(): void;
}

/** The longest delay one Node timer holds (2^31-1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 0x7fffffff;

class Entry implements Timer {
  /** Position in the heap, -1 when not in it. */
  index = -1;
  constructor(readonly clock: HeapClock, public at: number, readonly seq: number, readonly fn: () => void, readonly period: number) {}
  get pending(): boolean {
    return this.index >= 0;
  }
  cancel(): void {
    if (this.index >= 0) this.clock.remove(this);
  }
}

/** A binary min-heap of entries by (time, order of scheduling): equal deadlines run in the order they were set. */
abstract class HeapClock implements BrokerClock {
  private heap: Entry[] = [];
  private seq = 0;

  abstract now(): number;
  /** The earliest deadline changed (or the heap emptied). */
  protected abstract rearm(): void;

  /** Entries scheduled and not yet run or cancelled. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest deadline, or -1 when nothing is scheduled. */
  get next(): number {
    return this.heap.length > 0 ? this.heap[0].at : -1;
  }

  after(ms: number, fn: () => void): Timer {
    return this.insert(this.now() + (ms > 0 ? ms : 0), fn, 0);
  }

  every(ms: number, fn: () => void): Timer {
    if (!(ms > 0)) throw new RangeError(`a repeating timer needs a period above 0 ms, not ${ms}`);
    return this.insert(this.now() + ms, fn, ms);
  }

  stop(): void {
    for (const e of this.heap) e.index = -1;
    this.heap = [];
    this.rearm();
  }

  private insert(at: number, fn: () => void, period: number): Entry {
    const e = new Entry(this, at, this.seq++, fn, period);
    e.index = this.heap.length;
    this.heap.push(e);
    this.up(e.index);
    if (e.index === 0) this.rearm();
    return e;
  }

  remove(e: Entry): void {
    const i = e.index;
    const last = this.heap.pop()!;
    e.index = -1;
    if (last !== e) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    if (i === 0) this.rearm();
  }

  /** Runs every entry due at or before `until`, in deadline order; a repeating one is put back. */
  protected runDue(until: number, advanceTo: ((t: number) => void) | null): void {
    const h = this.heap;
    while (h.length > 0 && h[0].at <= until) {
      const e = h[0];
      if (advanceTo) advanceTo(e.at);
      this.remove(e);
      if (e.period > 0) {
        e.at += e.period;
        e.index = h.length;
        h.push(e);
        this.up(e.index);
      }
      e.fn();
    }
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p])) break;
      h[i] = h[p];
      h[i].index = i;
      i = p;
    }
    h[i] = e;
    e.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(h[c + 1], h[c])) c++;
      if (!this.less(h[c], e)) break;
      h[i] = h[c];
      h[i].index = i;
      i = c;
    }
    h[i] = e;
    e.index = i;
  }
}

/** The wall clock: one unref'd Node timer for the earliest deadline, so it never keeps a process alive. */
export class RealClock extends HeapClock {
  private timer: NodeJS.Timeout | null = null;
  private armedFor = -1;
  /** While due entries run, the timer is armed once at the end rather than at each change. */
  private firing = false;

  now(): number {
    return Date.now();
  }

  protected rearm(): void {
    if (this.firing) return;
    const at = this.next;
    if (at === this.armedFor && this.timer !== null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = at;
    if (at < 0) return;
    const wait = at - Date.now();
    this.timer = setTimeout(() => this.fire(), wait <= 0 ? 0 : wait > MAX_TIMER_MS ? MAX_TIMER_MS : wait);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = -1;
    this.firing = true;
    try {
      this.runDue(Date.now(), null);
    } finally {
      this.firing = false;
      this.rearm();
    }
  }
}

/** Simulated time: deadlines run only inside advance() or runUntil(), each seeing now() at its own deadline. */
export class VirtualClock extends HeapClock {
  private t: number;

  constructor(start = 0) {
    super();
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  protected rearm(): void {}

  /** Moves time forward by ms, running what falls due on the way; returns the new time. */
  advance(ms: number): number {
    return this.runUntil(this.t + (ms > 0 ? ms : 0));
  }

  /** Moves time to `until` (never backwards), running what falls due on the way. */
  runUntil(until: number): number {
    this.runDue(until, (at) => {
      if (at > this.t) this.t = at;
    });
    if (until > this.t) this.t = until;
    return this.t;
  }
}
