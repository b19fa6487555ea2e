// The driver's Clock over Moddable's `timer` and `time` modules: one timer, made once and
// re-armed with Timer.schedule (no allocation per wake-up); Time.ticks for the time.
import Timer from 'timer';
import Time from 'time';
import type { Clock, TimerTarget } from '../../src/core/driver/transport.js';

/** Longest delay a Moddable timer takes (ms): disarmed means "due in this long". */
const FAR = 0x3fffffff;

export class TimerClock implements Clock {
  private timer: Timer;
  private target: TimerTarget | null;

  constructor() {
    this.target = null;
    const self = this;
    // A repeating timer stays valid after it fires, so it can be rescheduled forever.
    this.timer = Timer.repeat(function (): void { self.fire(); }, FAR);
  }

  now(): number {
    return Time.ticks;
  }

  arm(at: number, target: TimerTarget): void {
    this.target = target;
    const delay = at - Time.ticks;
    Timer.schedule(this.timer, delay > 0 ? delay : 0, FAR);
  }

  disarm(): void {
    this.target = null;
    Timer.schedule(this.timer, FAR, FAR);
  }

  random(): number {
    return Math.random();
  }

  private fire(): void {
    const target = this.target;
    this.target = null;
    Timer.schedule(this.timer, FAR, FAR);
    if (target !== null) target.onTimer();
  }
}
