// Keep alive (MQTT-3.1.2-23): a PINGREQ when nothing was sent for the interval, and the
// connection declared dead when its PINGRESP does not come back in time.

/**
 * The server's side (MQTT-3.1.2-24): a connection with a keep alive of `seconds` that has not
 * sent a packet for one and a half times that since `lastHeard` (ms) is closed.
 */
export function keepAliveLapsed(seconds: number, lastHeard: number, now: number): boolean {
  return seconds > 0 && now - lastHeard > seconds * 1500;
}

export const enum KeepAliveAction {
  None = 0,
  Ping = 1,
  Timeout = 2,
}

export class KeepAlive {
  /** Interval and PINGRESP wait in ms; interval 0 turns keep alive off. */
  intervalMs: number;
  timeoutMs: number;
  lastSent: number;
  /** When the outstanding PINGREQ was sent, or -1. */
  pingSent: number;

  constructor() {
    this.intervalMs = 0;
    this.timeoutMs = 0;
    this.lastSent = 0;
    this.pingSent = -1;
  }

  /** Starts a connection: seconds as in effect (the server's override already applied). */
  start(seconds: number, timeoutMs: number, now: number): void {
    this.intervalMs = seconds * 1000;
    this.timeoutMs = timeoutMs > 0 ? timeoutMs : (this.intervalMs / 2) | 0;
    this.lastSent = now;
    this.pingSent = -1;
  }

  sent(now: number): void {
    this.lastSent = now;
  }

  /** Bytes keep arriving (a long streamed PUBLISH ahead of the PINGRESP): the wait for it restarts. */
  heard(now: number): void {
    if (this.pingSent >= 0) this.pingSent = now;
  }

  pong(): void {
    this.pingSent = -1;
  }

  /** What is due at `now`. */
  due(now: number): number {
    if (this.intervalMs === 0) return KeepAliveAction.None;
    if (this.pingSent >= 0) return now - this.pingSent >= this.timeoutMs ? KeepAliveAction.Timeout : KeepAliveAction.None;
    return now - this.lastSent >= this.intervalMs ? KeepAliveAction.Ping : KeepAliveAction.None;
  }

  pinged(now: number): void {
    this.pingSent = now;
    this.lastSent = now;
  }

  /** When due() next changes (ms), or -1 when never. */
  nextWake(): number {
    if (this.intervalMs === 0) return -1;
    if (this.pingSent >= 0) return this.pingSent + this.timeoutMs;
    return this.lastSent + this.intervalMs;
  }
}
