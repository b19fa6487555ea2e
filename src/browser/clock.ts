// The core driver's clock in a browser: performance.now(), one setTimeout, Math.random.
import type { Clock, TimerTarget } from '../core/driver/transport.js';

export class BrowserClock implements Clock {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly origin = performance.now();

  now(): number {
    return Math.floor(performance.now() - this.origin);
  }

  arm(at: number, target: TimerTarget): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timer = null;
      target.onTimer();
    }, Math.max(0, at - this.now()));
  }

  disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  random(): number {
    return Math.random();
  }
}
