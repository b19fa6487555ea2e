// The simulator's monitor: a plain client of the broker that counts the telemetry delivered
// to devices/+/telemetry and sends fault-injection requests ($bench/fault/...).
import { Driver } from '../../core/driver/driver.js';
import type { Packet } from '../../core/codec/packet.js';
import { Session } from '../../core/session/session.js';
import type { SessionHandler } from '../../core/session/handler.js';
import { SessionOptions, utf8 } from '../../core/session/options.js';
import { SchedClock, Scheduler } from './scheduler.js';
import { TcpTransport } from './transport.js';

/** A plain client that counts delivered telemetry and sends fault-injection requests. */
export class Monitor implements SessionHandler {
  session: Session;
  driver: Driver;
  received = 0;
  private ready: (() => void) | null = null;
  private failed: ((e: Error) => void) | null = null;
  subscribed = false;
  private readonly transport: TcpTransport;

  constructor(host: string, port: number, sched: Scheduler, version: number, private readonly qos: number, index = 0) {
    const o = new SessionOptions();
    o.version = version;
    o.clientId = utf8(`bench-sim-monitor-${process.pid}-${index}`);
    o.keepAlive = 30;
    o.receiveBufferSize = 65536;
    o.sendBufferSize = 16384;
    o.storeBytes = 65536;
    o.inflight = 16;
    o.queueCount = 256;
    o.inboundQos2 = 1000;
    this.session = new Session(o, this, null);
    this.transport = new TcpTransport(host, port);
    this.driver = new Driver(this.session, this.transport, new SchedClock(sched, () => 0.5));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ready = resolve;
      this.failed = reject;
      this.driver.start();
    });
  }

  control(kind: string, params: Record<string, unknown>): void {
    this.session.publishString(`$bench/fault/${kind}`, JSON.stringify(params), 0, false);
  }

  stop(): void {
    this.driver.stop(0);
  }

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) {
      this.failed?.(new Error(`the broker refused the monitor connection (reason 0x${ack.reasonCode.toString(16)})`));
      return;
    }
    if (!this.subscribed) this.session.subscribeString('devices/+/telemetry', this.qos, null);
  }
  onSubscribe(ack: Packet): void {
    if (ack.count > 0 && ack.codes[0] >= 0x80) {
      this.failed?.(new Error(`the broker refused the monitor subscription (0x${ack.codes[0].toString(16)})`));
      return;
    }
    this.subscribed = true;
    const r = this.ready;
    this.ready = null;
    r?.();
  }
  onUnsubscribe(_ack: Packet): void {}
  onPublishDone(_h: number, _code: number): void {}
  onClose(_code: number, _server: Packet | null): void {
    if (!this.subscribed) {
      const f = this.failed;
      this.failed = null;
      const why = this.transport.failure;
      f?.(new Error(`cannot reach the broker at ${this.transport.host}:${this.transport.port}: ${why || 'the connection closed before CONNACK'}`));
    }
  }
  onMessage(_msg: Packet): void {
    this.received++;
  }
}

