// A timer for delays taken from the protocol (session expiry, will delay: up to 2^32-1 seconds).
// Node's setTimeout takes at most 2^31-1 ms and fires after 1 ms beyond that, so a long delay is
// covered by a chain of shorter timers.

/** The longest delay one Node timer holds (2^31-1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 0x7fffffff;

export class Deadline {
  private timer: NodeJS.Timeout | null = null;
  private left: number;

  /** Calls fn once after ms milliseconds (any non-negative number); the timer never keeps the process alive. */
  constructor(private readonly fn: () => void, ms: number) {
    this.left = ms > 0 ? ms : 0;
    this.arm();
  }

  private arm(): void {
    const step = this.left > MAX_TIMER_MS ? MAX_TIMER_MS : this.left;
    this.left -= step;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.left > 0) this.arm();
      else this.fn();
    }, step);
    this.timer.unref();
  }

  /** Whether it has neither fired nor been cancelled. */
  get pending(): boolean {
    return this.timer !== null;
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
