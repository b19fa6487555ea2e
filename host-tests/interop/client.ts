// Test clients for interop: the core session and driver over the Node client's TCP transport
// and clock, with a handler that records events and lets a test await a condition (no sleeps).
import { decodeUtf8, Packet } from '../../src/core/codec/index.js';
import { Driver } from '../../src/core/driver/index.js';
import { Session, SessionHandler, SessionOptions, utf8 } from '../../src/core/session/index.js';
import { NodeClock } from '../../src/node/transports/clock.js';
import { TcpTransport } from '../../src/node/transports/tcp.js';

/** A session, the TCP transport and the driver tied together, with nothing else of the Node client. */
export class NodeClient {
  readonly session: Session;
  readonly transport: TcpTransport;
  readonly clock = new NodeClock();
  readonly driver: Driver;

  constructor(host: string, port: number, opts: SessionOptions, handler: SessionHandler) {
    this.session = new Session(opts, handler, null);
    this.transport = new TcpTransport({ host, port });
    this.driver = new Driver(this.session, this.transport, this.clock);
  }

  start(): void {
    this.driver.start();
  }

  /** DISCONNECT (reasonCode) and stop reconnecting. */
  stop(reasonCode = 0): void {
    this.driver.stop(reasonCode);
    this.clock.dispose();
  }

  /** Drops the TCP connection without DISCONNECT (the will is published); reconnects unless stopped. */
  kill(): void {
    this.transport.abort();
  }
}

export interface Received { topic: string; payload: string; qos: number; retain: boolean; dup: boolean }

export class Recorder implements SessionHandler {
  connacks: { rc: number; sessionPresent: boolean }[] = [];
  messages: Received[] = [];
  done: [number, number][] = [];
  subacks: number[][] = [];
  closes: number[] = [];
  private waiters: (() => void)[] = [];
  private changed(): void { for (const w of this.waiters.slice()) w(); }
  onConnect(ack: Packet): void { this.connacks.push({ rc: ack.reasonCode, sessionPresent: ack.sessionPresent }); this.changed(); }
  onMessage(msg: Packet): void {
    this.messages.push({ topic: decodeUtf8(msg.topic, msg.topicOff, msg.topicLen), payload: decodeUtf8(msg.payload, msg.payloadOff, msg.payloadLen), qos: msg.qos, retain: msg.retain, dup: msg.dup });
    this.changed();
  }
  onPublishDone(handle: number, rc: number): void { this.done.push([handle, rc]); this.changed(); }
  onSubscribe(ack: Packet): void { this.subacks.push(Array.from(ack.codes.slice(0, ack.count))); this.changed(); }
  onUnsubscribe(_ack: Packet): void { this.changed(); }
  onClose(rc: number, _server: Packet | null): void { this.closes.push(rc); this.changed(); }

  /** Resolves once pred() holds; rejects after ms. */
  until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => { if (pred()) { finish(); resolve(); } };
      const timer = setTimeout(() => { finish(); reject(new Error(`timed out waiting for ${what}`)); }, ms);
      const finish = (): void => { clearTimeout(timer); this.waiters = this.waiters.filter((w) => w !== check); };
      this.waiters.push(check);
    });
  }
}

export interface TestClient { client: NodeClient; rec: Recorder }

export function makeClient(port: number, id: string, over: Partial<SessionOptions> = {}): TestClient {
  const o = new SessionOptions();
  o.clientId = utf8(id);
  o.backoffBase = 50;
  o.backoffMax = 200;
  Object.assign(o, over);
  const rec = new Recorder();
  const client = new NodeClient('127.0.0.1', port, o, rec);
  return { client, rec };
}

export async function connectClient(port: number, id: string, over: Partial<SessionOptions> = {}): Promise<TestClient> {
  const c = makeClient(port, id, over);
  const n = c.rec.connacks.length;
  c.client.start();
  await c.rec.until(() => c.rec.connacks.length > n, 5000, `CONNACK for ${id}`);
  return c;
}

export function pub(c: TestClient, topic: string, payload: string, qos: number, retain = false): number {
  const t = utf8(topic);
  const p = utf8(payload);
  return c.client.session.publish(t, 0, t.length, p, 0, p.length, qos, retain);
}

export async function sub(c: TestClient, filter: string, qos: number): Promise<number[]> {
  const n = c.rec.subacks.length;
  const f = utf8(filter);
  const rc = c.client.session.subscribe(f, 0, f.length, qos, 0, null);
  if (rc < 0) throw new Error(`subscribe refused locally: ${rc}`);
  await c.rec.until(() => c.rec.subacks.length > n, 5000, `SUBACK ${filter}`);
  return c.rec.subacks[n];
}

export async function stopClient(c: TestClient): Promise<void> {
  if (c.client.driver.state === 0) return;
  const n = c.rec.closes.length;
  c.client.stop(0);
  await c.rec.until(() => c.rec.closes.length > n || c.client.driver.state === 0, 3000, 'close').catch(() => undefined);
  c.client.clock.dispose();
}
