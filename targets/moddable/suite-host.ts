// The integration suite's host on an XS device (Moddable's `timer`, `time` and
// embedded:io/socket/tcp: ESP32 and ESP8266 under the Moddable SDK, the emulated lx106 target):
// each link is a driver over the socket transport and timer clock of this directory. The
// console (TAP lines, the end) is the target's: `trace` on a device, the emulator's `print`
// and exit status on lx106. Everything is allocated when a link opens; nothing per packet.
import Timer from 'timer';
import Time from 'time';
import { Driver } from '../../src/core/driver/driver.js';
import type { Clock, TimerTarget } from '../../src/core/driver/transport.js';
import type { Session } from '../../src/core/session/session.js';
import { SuiteLinks, SuiteRunner, allScenarios, type SuiteHost, type SuiteTimer } from '../../src/core/suite/index.js';
import { SocketTransport } from './transport.js';


/** Longest delay a Moddable timer takes (ms). */
const FAR = 0x3fffffff;

/** A link's clock: a due time and a target on the host's one timer (a timer per link would cost its record and closure). */
class LinkClock implements Clock {
  host: DeviceSuiteHost;
  at: number;
  target: TimerTarget | null;

  /* cold */
  constructor(host: DeviceSuiteHost) {
    this.host = host;
    this.at = 0;
    this.target = null;
  }

  now(): number {
    return Time.ticks;
  }

  arm(at: number, target: TimerTarget): void {
    this.at = at;
    this.target = target;
    this.host.rearm();
  }

  /** A wake-up already asked of the host's timer then finds nothing due. */
  disarm(): void {
    this.target = null;
  }

  random(): number {
    return Math.random();
  }
}

class Link {
  driver: Driver;
  clock: LinkClock;
  constructor(driver: Driver, clock: LinkClock) {
    this.driver = driver;
    this.clock = clock;
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
  links: SuiteLinks<Link>;
  /** The runner's wake-up (schedule): its target, null when none, and when. */
  target: SuiteTimer | null;
  targetAt: number;
  timer: Timer;
  console: SuiteConsole;
  /** The suite's result, once finished: -1 while running. */
  failedCount: number;

  /* cold */
  constructor(address: string, port: number, console: SuiteConsole) {
    this.address = address;
    this.port = port;
    this.console = console;
    this.links = new SuiteLinks<Link>();
    this.target = null;
    this.targetAt = 0;
    this.failedCount = -1;
    const self = this;
    this.timer = Timer.repeat(function (): void { self.fire(); }, FAR);
  }

  now(): number {
    return Time.ticks;
  }

  schedule(at: number, target: SuiteTimer): void {
    this.target = target;
    this.targetAt = at;
    this.rearm();
  }

  /** Sets the one timer to the earliest wake-up wanted: the runner's or a link's. */
  rearm(): void {
    let at = this.target !== null ? this.targetAt : -1;
    const links = this.links.items;
    for (let i = 0; i < links.length; i++) {
      const l = links[i];
      if (l !== null && l.clock.target !== null && (at < 0 || l.clock.at < at)) at = l.clock.at;
    }
    if (at < 0) {
      Timer.schedule(this.timer, FAR, FAR);
      return;
    }
    const delay = at - Time.ticks;
    Timer.schedule(this.timer, delay > 0 ? delay : 0, FAR);
  }

  /* cold */
  open(session: Session): number {
    const o = session.opts;
    const transport = new SocketTransport(this.address, this.port, o.receiveBufferSize, o.sendBufferSize);
    const clock = new LinkClock(this);
    return this.links.open(new Link(new Driver(session, transport, clock), clock));
  }

  close(link: number, reasonCode: number): void {
    // The driver called from here, not through SuiteLinks.close: its close path runs to the
    // runner's next wake-up, and a frame more overflows the ESP8266's stack (the driver's header).
    const l = this.links.items[link];
    if (l !== null) l.driver.stop(reasonCode);
  }

  /* cold */
  abort(link: number): void {
    this.links.get(link).driver.abort();
  }

  closed(link: number): boolean {
    return this.links.closed(link);
  }

  /* cold */
  release(link: number): void {
    this.links.release(link);
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
    const now = Time.ticks;
    Timer.schedule(this.timer, FAR, FAR);
    const links = this.links.items;
    for (let i = 0; i < links.length; i++) {
      const l = links[i];
      if (l === null) continue;
      const c = l.clock;
      const t = c.target;
      if (t !== null && c.at <= now) {
        c.target = null;
        t.onTimer();
      }
    }
    const target = this.target;
    if (target !== null && this.targetAt <= now) {
      this.target = null;
      target.onTimer();
    }
    this.rearm();
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
