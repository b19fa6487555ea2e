// Assembles a client for a Moddable device: session + driver over the TCP (or TLS) socket and
// the timer. Everything is allocated here, once.
import { Driver } from '../../src/core/driver/driver.js';
import { Session } from '../../src/core/session/session.js';
import { SessionOptions } from '../../src/core/session/options.js';
import type { SessionHandler } from '../../src/core/session/handler.js';
import { TimerClock } from './clock.js';
import { SocketTransport, type SocketConstructor } from './transport.js';

export class DeviceClient {
  session: Session;
  transport: SocketTransport;
  clock: TimerClock;
  driver: Driver;

  /* cold */
  constructor(address: string, port: number, opts: SessionOptions, handler: SessionHandler, socketClass?: SocketConstructor, extra?: Record<string, unknown>) {
    this.session = new Session(opts, handler, null);
    this.transport = new SocketTransport(address, port, opts.receiveBufferSize, opts.sendBufferSize, socketClass, extra ?? null);
    this.clock = new TimerClock();
    this.driver = new Driver(this.session, this.transport, this.clock);
  }

  start(): void {
    this.driver.start();
  }

  stop(reasonCode: number): void {
    this.driver.stop(reasonCode);
  }
}
