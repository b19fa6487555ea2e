// A scripted server and virtual time for the Node client (no socket): the bytes the client
// writes are kept, the test hands it the server's bytes and moves time by hand.
import type { TimerTarget } from '../../src/core/driver/transport.js';
import { BaseTransport, type ClientClock } from '../../src/node/index.js';
import { frameLength } from '../session/packets.js';

export class ScriptedTransport extends BaseTransport {
  sent: number[] = [];
  private gen = 0;

  constructor() {
    super();
    this.openTimeout = 0;
  }
  protected connectRaw(gen: number): void {
    this.gen = gen;
    this.opened(gen);
  }
  protected sendRaw(buf: Buffer): boolean {
    this.sent.push(...buf);
    return true;
  }
  protected sendManyRaw(bufs: Buffer[]): boolean {
    for (const b of bufs) this.sent.push(...b);
    return true;
  }
  protected bufferedRaw(): number { return 0; }
  protected endRaw(): void { this.closed(this.gen); }
  protected destroyRaw(): void { this.closed(this.gen); }
  protected pauseRaw(): void { /* nothing to pause */ }
  /** The server sends these bytes. */
  respond(bytes: number[]): void {
    this.received(this.gen, Buffer.from(bytes));
  }
  /** The packet types written so far (the high nibble of each packet's first byte). */
  types(): number[] {
    const out: number[] = [];
    let i = 0;
    while (i < this.sent.length) {
      const total = frameLength(this.sent, i, this.sent.length);
      if (total === 0) break;
      out.push(this.sent[i] >> 4);
      i += total;
    }
    return out;
  }
}

export class VirtualClientClock implements ClientClock {
  t = 0;
  private at = -1;
  private target: TimerTarget | null = null;
  private timers: { at: number; fn: () => void }[] = [];
  now(): number { return this.t; }
  arm(at: number, target: TimerTarget): void { this.at = at; this.target = target; }
  disarm(): void { this.at = -1; }
  random(): number { return 0.5; }
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return () => { this.timers = this.timers.filter((x) => x !== timer); };
  }
  dispose(): void {
    this.at = -1;
    this.timers = [];
  }
  /** Moves time on by ms, firing what falls due in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      const driverDue = this.at >= 0 && this.at <= end;
      if (due === undefined && !driverDue) break;
      if (driverDue && (due === undefined || this.at <= due.at)) {
        this.t = Math.max(this.t, this.at);
        this.at = -1;
        this.target!.onTimer();
      } else {
        this.t = Math.max(this.t, due!.at);
        this.timers = this.timers.filter((x) => x !== due);
        due!.fn();
      }
    }
    this.t = end;
  }
}
