// Assembles a client for a Moddable device: session + driver over the TCP (or TLS) socket and
// the timer. Everything is allocated here, once.
import { Driver } from '../../src/core/driver/driver.js';
import { Session } from '../../src/core/session/session.js';
import { SessionOptions } from '../../src/core/session/options.js';
import type { SessionHandler } from '../../src/core/session/handler.js';
import { TimerClock } from './clock.js';
import { SocketTransport, type SocketConstructor } from './transport.js';

export class DeviceClient {
  /** Holds the session, transport and clock (read through the accessors: no slot each here). */
  driver: Driver;

  /* cold */
  constructor(address: string, port: number, opts: SessionOptions, handler: SessionHandler, socketClass?: SocketConstructor, extra?: Record<string, unknown>) {
    const session = new Session(opts, handler, null);
    const transport = new SocketTransport(address, port, opts.receiveBufferSize, opts.sendBufferSize, socketClass, extra ?? null);
    this.driver = new Driver(session, transport, new TimerClock());
  }

  get session(): Session {
    return this.driver.session;
  }

  get transport(): SocketTransport {
    return this.driver.transport as SocketTransport;
  }

  get clock(): TimerClock {
    return this.driver.clock as TimerClock;
  }

  start(): void {
    this.driver.start();
  }

  stop(reasonCode: number): void {
    this.driver.stop(reasonCode);
  }
}
