// The integration suite's host on an XS device (Moddable's `timer`, `time` and
// embedded:io/socket/tcp: ESP32 and ESP8266 under the Moddable SDK, the emulated lx106 target):
// each link is a driver over the socket transport and timer clock of this directory. The
// console (TAP lines, the end) is the target's: `trace` on a device, the emulator's `print`
// and exit status on lx106. Everything is allocated when a link opens; nothing per packet.
import Timer from 'timer';
import Time from 'time';
import { Driver, DriverState } from '../../src/core/driver/driver.js';
import type { Session } from '../../src/core/session/session.js';
import { SuiteRunner, allScenarios, type SuiteHost, type SuiteTimer } from '../../src/core/suite/index.js';
import { TimerClock } from './clock.js';
import { SocketTransport } from './transport.js';


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

/** Where the suite's lines and its end go on a target. */
export interface SuiteConsole {
  line(text: string): void;
  finished(passed: number, failed: number): void;
}

export class DeviceSuiteHost implements SuiteHost {
  address: string;
  port: number;
  links: Link[];
  target: SuiteTimer | null;
  timer: Timer;
  console: SuiteConsole;
  /** The suite's result, once finished: -1 while running. */
  failedCount: number;

  /* cold */
  constructor(address: string, port: number, console: SuiteConsole) {
    this.address = address;
    this.port = port;
    this.console = console;
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
    // A stopped link's slot is taken again, so finished scenarios' links are let go.
    let n = 0;
    while (n < this.links.length && this.links[n].driver.state !== DriverState.Stopped) n++;
    if (n === this.links.length) this.links.push(new Link(driver, transport, session));
    else this.links[n] = new Link(driver, transport, session);
    driver.start();
    return n;
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
    this.console.line(line);
  }

  /* cold */
  finished(passed: number, failed: number): void {
    this.failedCount = failed;
    this.console.line('# suite finished: ' + passed + ' passed, ' + failed + ' failed');
    this.console.finished(passed, failed);
  }

  private fire(): void {
    const target = this.target;
    this.target = null;
    Timer.schedule(this.timer, FAR, FAR);
    if (target !== null) target.onTimer();
  }
}

/** The suite's settings on a device, from mcconfig config values (broker=, port=, device=, version=). */
export interface DeviceSuiteConfig {
  /** The companion broker's IP address (suite profile). */
  broker: string;
  port: number;
  /** The <id> of bench-suite-<id> and $bench/results/<id>. */
  device: string;
  /** 4 (3.1.1) or 5. */
  version: number;
}

/* cold */
export function deviceSuiteConfig(config: Record<string, unknown>, device: string): DeviceSuiteConfig {
  return {
    broker: String(config.broker ?? '192.168.1.10'),
    port: Number(config.port ?? 1883),
    device: String(config.device ?? device),
    version: Number(config.version ?? 5) === 4 ? 4 : 5,
  };
}

/** A device's console: TAP lines to `trace`; at the end the device stays up, idle. */
export class TraceConsole implements SuiteConsole {
  /* cold */
  line(text: string): void {
    trace(text, '\n');
  }

  /* cold */
  finished(passed: number, failed: number): void {
    trace(failed === 0 ? '# suite passed\n' : '# suite failed\n');
  }
}

/** Runs every scenario of src/core/suite against the companion broker: the host, to inspect. */
/* cold */
export function runDeviceSuite(config: DeviceSuiteConfig, console: SuiteConsole): DeviceSuiteHost {
  const host = new DeviceSuiteHost(config.broker, config.port, console);
  const runner = new SuiteRunner(host, config.device, config.version, allScenarios());
  runner.start();
  return host;
}
