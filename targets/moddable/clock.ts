// The driver's Clock over Moddable's `timer` and `time` modules: one timer, made once and
// re-armed with Timer.schedule (no allocation per wake-up); Time.ticks for the time.
import Timer from 'timer';
import Time from 'time';
import type { Clock, TimerTarget } from '../../src/core/driver/transport.js';

/** Longest delay a Moddable timer takes (ms): disarmed means "due in this long". */
const FAR = 0x3fffffff;

/**
 * The timer carries its own target: Moddable's timer is an ordinary (extensible) host object,
 * passed to the callback, so one module function serves every clock without a closure.
 */
interface TargetedTimer {
  target: TimerTarget | null;
}

function fire(timer: Timer): void {
  const t = timer as unknown as TargetedTimer;
  const target = t.target;
  t.target = null;
  Timer.schedule(timer, FAR, FAR);
  if (target !== null) target.onTimer();
}

export class TimerClock implements Clock {
  private timer: Timer;

  constructor() {
    // A repeating timer stays valid after it fires, so it can be rescheduled forever.
    const timer = Timer.repeat(fire, FAR);
    (timer as unknown as TargetedTimer).target = null;
    this.timer = timer;
  }

  now(): number {
    return Time.ticks;
  }

  arm(at: number, target: TimerTarget): void {
    (this.timer as unknown as TargetedTimer).target = target;
    const delay = at - Time.ticks;
    Timer.schedule(this.timer, delay > 0 ? delay : 0, FAR);
  }

  disarm(): void {
    (this.timer as unknown as TargetedTimer).target = null;
    Timer.schedule(this.timer, FAR, FAR);
  }

  random(): number {
    return Math.random();
  }
}
