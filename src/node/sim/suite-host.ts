// The integration suite's host on Node: each link is a driver over a TCP connection, timed by
// the simulator's scheduler.
import { Driver } from '../../core/driver/driver.js';
import type { Session } from '../../core/session/session.js';
import type { SuiteHost, SuiteTimer } from '../../core/suite/host.js';
import { SuiteLinks } from '../../core/suite/links.js';
import { SchedClock, Scheduler, Timer } from './scheduler.js';
import { TcpTransport } from './transport.js';

interface Link { driver: Driver; transport: TcpTransport }

export class NodeSuiteHost implements SuiteHost {
  readonly sched = new Scheduler();
  private links = new SuiteLinks<Link>();
  private timer: Timer;
  private target: SuiteTimer | null = null;
  readonly done: Promise<{ passed: number; failed: number }>;
  private resolve!: (r: { passed: number; failed: number }) => void;

  constructor(readonly host: string, readonly port: number, readonly print: (line: string) => void) {
    this.timer = this.sched.timer({ onTimer: () => { if (this.target) this.target.onTimer(); } });
    this.done = new Promise((r) => { this.resolve = r; });
  }

  now(): number { return this.sched.now(); }

  schedule(at: number, target: SuiteTimer): void {
    this.target = target;
    // A poke at "now" replaces a later wake-up; the timer keeps only the latest request.
    this.timer.disarm();
    this.timer.arm(at);
  }

  open(session: Session): number {
    const transport = new TcpTransport(this.host, this.port);
    return this.links.open({ driver: new Driver(session, transport, new SchedClock(this.sched, Math.random)), transport });
  }

  close(link: number, reasonCode: number): void {
    this.links.close(link, reasonCode);
  }

  abort(link: number): void {
    const l = this.links.get(link);
    l.driver.abort();
    // At once, unsent bytes included (the driver's close would flush them first).
    l.transport.abort();
  }

  closed(link: number): boolean {
    return this.links.closed(link);
  }

  release(link: number): void {
    this.links.release(link);
  }

  finished(passed: number, failed: number): void {
    this.resolve({ passed, failed });
  }

  /** Drops every connection (after the run, or when it is cut short). */
  shutdown(): void {
    for (const l of this.links.items) {
      if (l === null) continue;
      l.driver.abort();
      l.transport.abort();
    }
    this.sched.stop();
  }
}
