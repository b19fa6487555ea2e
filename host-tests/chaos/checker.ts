// The chaos run's checker: a subscriber on devices/+/telemetry with QoS 2 and a persistent
// session (clean start false), reconnecting by itself after every cut or broker restart. It
// counts each (device, sequence number) it is handed; the session hands a QoS 2 message over
// once (MQTT-4.3.3-10: a resent PUBLISH is acknowledged, not delivered again), so a second
// arrival of a QoS 2 message is a duplicate the broker sent as a new message.
import type { Packet } from '../../src/core/codec/packet.js';
import { Driver } from '../../src/core/driver/driver.js';
import type { SessionHandler } from '../../src/core/session/handler.js';
import { Session } from '../../src/core/session/session.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { SchedClock, Scheduler } from '../../src/node/sim/scheduler.js';
import { TcpTransport } from '../../src/node/sim/transport.js';

export const TELEMETRY_FILTER = 'devices/+/telemetry';
const READING = /^\{"id":"([^"]+)","seq":(\d+),/;

export class Checker implements SessionHandler {
  readonly session: Session;
  readonly driver: Driver;
  /** Arrivals by `${id}:${seq}`. */
  readonly arrivals = new Map<string, number>();
  readonly unique = [0, 0, 0];
  readonly duplicates = [0, 0, 0];
  /** The first few duplicated keys of each QoS, for the report. */
  readonly duplicateKeys: string[][] = [[], [], []];
  /** How each of those arrived: first and second copy (packet id, DUP, time). */
  readonly duplicateDetails: string[][] = [[], [], []];
  /** First arrival of each key: packet id, DUP flag, Date.now(). */
  private firstCopy = new Map<string, string>();
  /** Messages not from a known device (or not telemetry). */
  foreign = 0;
  connects = 0;
  refusals = 0;
  /** Reconnections where the broker had lost the checker's session. */
  sessionLost = 0;
  private subscribed: (() => void) | null = null;
  private subscribeSent = false;

  /** qosOf: the QoS a device publishes with, or -1 for an unknown id. */
  constructor(host: string, port: number, sched: Scheduler, clientId: string, private readonly qosOf: (id: string) => number) {
    const o = new SessionOptions();
    o.version = 5;
    o.clientId = utf8(clientId);
    o.cleanStart = false;
    o.sessionExpiry = 3600;
    o.keepAlive = 10;
    o.connectTimeout = 5000;
    o.backoffBase = 100;
    o.backoffMax = 1000;
    o.receiveBufferSize = 4096;
    o.sendBufferSize = 1024;
    o.inboundQos2 = 64;
    this.session = new Session(o, this, null);
    this.driver = new Driver(this.session, new TcpTransport(host, port), new SchedClock(sched, Math.random));
  }

  /** Connects and resolves once the subscription is granted. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.subscribed = resolve;
      this.driver.start();
    });
  }

  stop(): void {
    this.driver.stop(0);
  }

  has(id: string, seq: number): boolean {
    return this.arrivals.has(`${id}:${seq}`);
  }

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) {
      this.refusals++;
      return;
    }
    if (this.connects > 0 && !ack.sessionPresent) this.sessionLost++;
    this.connects++;
    // Later connections without a session subscribe again by themselves (SessionOptions.resubscribe).
    if (!this.subscribeSent) {
      this.subscribeSent = true;
      this.session.subscribeString(TELEMETRY_FILTER, 2, null);
    }
  }

  onSubscribe(ack: Packet): void {
    if (ack.count > 0 && ack.codes[0] === 2 && this.subscribed) {
      this.subscribed();
      this.subscribed = null;
    }
  }

  onMessage(msg: Packet): void {
    const text = Buffer.from(msg.payload.subarray(msg.payloadOff, msg.payloadOff + Math.min(msg.payloadLen, 80))).toString('latin1');
    const m = READING.exec(text);
    const qos = m ? this.qosOf(m[1]) : -1;
    if (!m || qos < 0) {
      this.foreign++;
      return;
    }
    const key = `${m[1]}:${m[2]}`;
    const n = (this.arrivals.get(key) ?? 0) + 1;
    this.arrivals.set(key, n);
    const copy = `id=${msg.packetId}${msg.dup ? ' DUP' : ''} at ${Date.now()}`;
    if (n === 1) {
      this.unique[qos]++;
      if (qos === 2) this.firstCopy.set(key, copy);
    } else {
      this.duplicates[qos]++;
      if (this.duplicateKeys[qos].length < 10) {
        this.duplicateKeys[qos].push(key);
        this.duplicateDetails[qos].push(`${key} first ${this.firstCopy.get(key) ?? '?'}, again ${copy}`);
      }
    }
  }

  onUnsubscribe(_ack: Packet): void {}
  onPublishDone(_h: number, _code: number): void {}
  onClose(_code: number, _server: Packet | null): void {}
}
