// Reconnect delays: exponential from `base` up to `max`, with a random share (`jitter`) so
// that many devices cut off together do not all come back at once. Randomness is an input.

export class Backoff {
  base: number;
  max: number;
  jitter: number;
  attempt: number;

  constructor(base: number, max: number, jitter: number) {
    this.base = base;
    this.max = max;
    this.jitter = jitter;
    this.attempt = 0;
  }

  /** The next delay in ms, given random in [0, 1): base * 2^attempt capped at max, of which `jitter` is random. */
  next(random: number): number {
    let d = this.base;
    for (let i = 0; i < this.attempt && d < this.max; i++) d *= 2;
    if (d > this.max) d = this.max;
    this.attempt++;
    return Math.floor(d * (1 - this.jitter) + d * this.jitter * random);
  }

  /** A connection succeeded: start again from base. */
  reset(): void {
    this.attempt = 0;
  }
}
