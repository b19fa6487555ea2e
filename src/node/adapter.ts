// The minimal Node adapter: a real clock and timer for the core driver, and a client that
// ties a session, the TCP transport and the driver together. (The friendly promise API is
// src/node/client.ts.)
import type { Clock, TimerTarget } from '../core/driver/index.js';
import { Driver } from '../core/driver/index.js';
import { Session, SessionHandler, SessionOptions, AuthMethod } from '../core/session/index.js';
import { NodeTcpTransport } from './tcp.js';

export class NodeClock implements Clock {
  private timer: NodeJS.Timeout | null = null;
  private readonly origin = performance.now();
  now(): number {
    return Math.floor(performance.now() - this.origin);
  }
  arm(at: number, target: TimerTarget): void {
    this.disarm();
    const delay = Math.max(0, at - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      target.onTimer();
    }, delay);
  }
  disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
  random(): number {
    return Math.random();
  }
}

export class NodeClient {
  session: Session;
  transport: NodeTcpTransport;
  clock: NodeClock;
  driver: Driver;

  constructor(host: string, port: number, opts: SessionOptions, handler: SessionHandler, auth: AuthMethod | null = null) {
    this.session = new Session(opts, handler, auth);
    this.transport = new NodeTcpTransport(host, port);
    this.clock = new NodeClock();
    this.driver = new Driver(this.session, this.transport, this.clock);
  }

  start(): void {
    this.driver.start();
  }

  /** DISCONNECT (reasonCode) and stop reconnecting. */
  stop(reasonCode = 0): void {
    this.driver.stop(reasonCode);
    this.clock.disarm();
  }

  /** Drops the TCP connection without DISCONNECT (the will is published); reconnects unless stopped. */
  kill(): void {
    this.transport.destroy();
  }
}
