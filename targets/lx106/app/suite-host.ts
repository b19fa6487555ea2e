// The integration suite's host on an XS device (Moddable's `timer`, `time` and
// embedded:io/socket/tcp, as the host runtime and the lx106 target provide them): each link is
// a driver over targets/moddable's socket transport and timer clock. Everything is allocated
// when a link opens; nothing per packet.
/// <reference path="../../moddable/check/host.d.ts" />
import Timer from 'timer';
import Time from 'time';
import { Driver, DriverState } from '../../../src/core/driver/driver.js';
import type { Session } from '../../../src/core/session/session.js';
import type { SuiteHost, SuiteTimer } from '../../../src/core/suite/host.js';
import { TimerClock } from '../../moddable/clock.js';
import { SocketTransport } from '../../moddable/transport.js';


/** Longest delay a Moddable timer takes (ms). */
const FAR = 0x3fffffff;

class Link {
  driver: Driver;
  transport: SocketTransport;
  session: Session;
  constructor(driver: Driver, transport: SocketTransport, session: Session) {
    this.driver = driver;
    this.transport = transport;
    this.session = session;
  }
}

export class DeviceSuiteHost implements SuiteHost {
  address: string;
  port: number;
  links: Link[];
  target: SuiteTimer | null;
  timer: Timer;
  /** The suite's result, once finished: -1 while running. */
  failedCount: number;

  /* cold */
  constructor(address: string, port: number) {
    this.address = address;
    this.port = port;
    this.links = [];
    this.target = null;
    this.failedCount = -1;
    const self = this;
    this.timer = Timer.repeat(function (): void { self.fire(); }, FAR);
  }

  now(): number {
    return Time.ticks;
  }

  schedule(at: number, target: SuiteTimer): void {
    this.target = target;
    const delay = at - Time.ticks;
    Timer.schedule(this.timer, delay > 0 ? delay : 0, FAR);
  }

  /* cold */
  open(session: Session): number {
    const o = session.opts;
    const transport = new SocketTransport(this.address, this.port, o.receiveBufferSize, o.sendBufferSize);
    const driver = new Driver(session, transport, new TimerClock());
    this.links.push(new Link(driver, transport, session));
    driver.start();
    return this.links.length - 1;
  }

  close(link: number, reasonCode: number): void {
    const l = this.links[link];
    if (l.driver.state === DriverState.Opening) {
      this.abort(link);
      return;
    }
    l.driver.stop(reasonCode);
  }

  /* cold */
  abort(link: number): void {
    const l = this.links[link];
    l.session.stopped = true;
    l.transport.close();
  }

  closed(link: number): boolean {
    return this.links[link].driver.state === DriverState.Stopped;
  }

  /* cold */
  print(line: string): void {
    print(line);
  }

  /* cold */
  finished(passed: number, failed: number): void {
    this.failedCount = failed;
    print('# suite finished: ' + passed + ' passed, ' + failed + ' failed');
    // Let the last DISCONNECT leave before the device stops.
    const self = this;
    Timer.set(function (): void { self.exit(); }, 200);
  }

  /* cold */
  exit(): void {
    __xsHost.exit(this.failedCount === 0 ? 0 : 1);
  }

  private fire(): void {
    const target = this.target;
    this.target = null;
    Timer.schedule(this.timer, FAR, FAR);
    if (target !== null) target.onTimer();
  }
}
