// The driver's Clock on Node: monotonic milliseconds, one re-armable timer, Math.random.
// The driver re-arms after every pump (keep alive moves later with every packet sent), so the
// timer is lazy: a later deadline only records the new time, and the timer checks it on expiry.
import { performance } from 'node:perf_hooks';
import type { Clock, TimerTarget } from '../../core/driver/transport.js';

export class NodeClock implements Clock {
  private target: TimerTarget | null = null;
  /** The deadline wanted (-1: none). */
  private at = -1;
  private timer: NodeJS.Timeout | null = null;
  /** When the running timer fires. */
  private timerAt = 0;
  private readonly fire = (): void => this.expire();

  now(): number {
    return performance.now();
  }

  arm(at: number, target: TimerTarget): void {
    this.target = target;
    this.at = at;
    if (this.timer !== null && this.timerAt <= at) return;
    this.start(at);
  }

  disarm(): void {
    this.at = -1;
  }

  random(): number {
    return Math.random();
  }

  /** Stops the timer for good (the client has ended). */
  dispose(): void {
    this.at = -1;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private start(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = at - this.now();
    this.timerAt = at;
    this.timer = setTimeout(this.fire, delay > 0 ? Math.ceil(delay) : 0);
  }

  private expire(): void {
    this.timer = null;
    if (this.at < 0 || this.target === null) return;
    if (this.now() < this.at) {
      this.start(this.at);
      return;
    }
    this.at = -1;
    this.target.onTimer();
  }
}
