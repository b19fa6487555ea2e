// The chaos run's bench client: asks the broker for fault rules on $bench/fault/<kind> and
// counts, from $bench/events, the firings on the run's own clients (ids starting "chaos-").
import type { Packet } from '../../src/core/codec/packet.js';
import { Driver } from '../../src/core/driver/driver.js';
import type { SessionHandler } from '../../src/core/session/handler.js';
import { Session } from '../../src/core/session/session.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { SchedClock, Scheduler } from '../../src/node/sim/scheduler.js';
import { TcpTransport } from '../../src/node/sim/transport.js';

const EVENTS = '$bench/events';

export class FaultControl implements SessionHandler {
  readonly session: Session;
  readonly driver: Driver;
  /** Firings on chaos- clients, by fault kind. */
  readonly fired = new Map<string, number>();
  firedTotal = 0;
  requested = 0;
  /** The broker's answers that refused a request (a fault in the run itself). */
  readonly errors: string[] = [];
  /** Called for each firing counted. */
  onFired: ((kind: string) => void) | null = null;
  private ready: (() => void) | null = null;
  private subscribeSent = false;

  constructor(host: string, port: number, sched: Scheduler, clientId: string) {
    const o = new SessionOptions();
    o.version = 5;
    o.clientId = utf8(clientId);
    o.keepAlive = 10;
    o.connectTimeout = 5000;
    o.backoffBase = 100;
    o.backoffMax = 1000;
    o.receiveBufferSize = 4096;
    o.queueCount = 64;
    o.storeBytes = 16384;
    this.session = new Session(o, this, null);
    this.driver = new Driver(this.session, new TcpTransport(host, port), new SchedClock(sched, Math.random));
  }

  /** Connects and resolves once it listens to $bench/events. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.ready = resolve;
      this.driver.start();
    });
  }

  stop(): void {
    this.driver.stop(0);
  }

  /** A rule for the broker, e.g. ('drop', {client: 'chaos-dev-01', packet: 'puback', count: 1}). */
  request(kind: string, params: Record<string, unknown>): void {
    this.requested++;
    this.session.publishString(`$bench/fault/${kind}`, JSON.stringify(params), 1, false);
  }

  clear(): void {
    this.session.publishString('$bench/fault/clear', '{}', 1, false);
  }

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0 || this.subscribeSent) return;
    this.subscribeSent = true;
    this.session.subscribeString(EVENTS, 0, null);
  }

  onSubscribe(ack: Packet): void {
    if (ack.count > 0 && ack.codes[0] < 0x80 && this.ready) {
      this.ready();
      this.ready = null;
    }
  }

  onMessage(msg: Packet): void {
    let e: { event?: string; kind?: string; client?: string; error?: string; topic?: string };
    try {
      e = JSON.parse(Buffer.from(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen)).toString('utf8'));
    } catch {
      return;
    }
    if (e.event === 'fault' && typeof e.client === 'string' && e.client.startsWith('chaos-') && e.kind) {
      this.fired.set(e.kind, (this.fired.get(e.kind) ?? 0) + 1);
      this.firedTotal++;
      this.onFired?.(e.kind);
    } else if (e.event === 'error' && this.errors.length < 20) {
      this.errors.push(`${e.topic}: ${e.error}`);
    }
  }

  onUnsubscribe(_ack: Packet): void {}
  onPublishDone(_h: number, _code: number): void {}
  onClose(_code: number, _server: Packet | null): void {}
}
