// A scenario: a small state machine stepped by the runner on every event of its clients and
// on its timer. It ends by pass() or fail(reason); the runner enforces a deadline.
import { ProtocolVersion } from '../codec/constants.js';
import { SessionOptions, utf8 } from '../session/options.js';
import { Poke, SuiteClient } from './client.js';
import { SuiteHost } from './host.js';

export const enum Result {
  Running = 0,
  Passed = 1,
  Failed = 2,
  Skipped = 3,
}

/** What scenarios need from the runner. */
export interface SuiteContext extends Poke {
  host: SuiteHost;
  deviceId: string;
  version: number;
  /** Asks the broker for a fault: `$bench/fault/<kind>` with a JSON object; the number of control acks to wait for. */
  requestFault(kind: string, json: string): number;
  /** Control messages acknowledged so far. */
  controlAcks(): number;
  /** One small scratch buffer every scenario shares (payloads of up to SCRATCH_BYTES). */
  scratch: Uint8Array;
}

/** Bytes of the shared scratch buffer: the suite's payloads are at most 64 bytes. */
export const SCRATCH_BYTES = 64;

/**
 * Capacities of every suite client, at or below an ESP8266's: 256-byte buffers, 4 in flight
 * and 8 queued in a 512-byte store, 4 subscriptions, no topic aliases, user properties or
 * subscription identifiers. A scenario that needs more sets it.
 */
/* cold */
export function suiteCapacities(o: SessionOptions): void {
  o.receiveBufferSize = 256;
  o.sendBufferSize = 256;
  o.inflight = 4;
  o.queueCount = 8;
  o.storeBytes = 512;
  o.subscriptions = 4;
  o.subscriptionBytes = 128;
  o.filtersPerPacket = 2;
  o.pendingRequests = 2;
  o.inboundQos2 = 4;
  // Topic aliases only where a scenario asks for them (its options say how many).
  o.topicAliasMaximum = 0;
  o.outboundAliases = 0;
  o.aliasBytes = 0;
  o.userProperties = 0;
  o.subscriptionIds = 0;
}

const MAX_CLIENTS = 3;

/**
 * The scenarios of a run, made one at a time as the runner reaches them: on a device only the
 * running scenario and its clients are in the heap.
 */
export interface ScenarioSource {
  count: number;
  create(index: number): Scenario;
}

/** A source over scenarios made beforehand (tests, short lists). */
export class ScenarioList implements ScenarioSource {
  list: Scenario[];
  count: number;

  /* cold */
  constructor(list: Scenario[]) {
    this.list = list;
    this.count = list.length;
  }

  /* cold */
  create(index: number): Scenario {
    return this.list[index];
  }
}
const EMPTY_BUF = new Uint8Array(0);

export class Scenario {
  name: string;
  ctx: SuiteContext | null;
  phase: number;
  result: number;
  reason: string;
  /** When the scenario wants to be stepped again even with no event (-1: not). */
  wakeAt: number;
  startedAt: number;
  clients: SuiteClient[];
  clientCount: number;
  /** The runner's shared scratch buffer while the scenario runs. */
  buf: Uint8Array;
  /** Control acknowledgements to wait for. */
  waitAcks: number;

  constructor(name: string) {
    this.name = name;
    this.ctx = null;
    this.phase = 0;
    this.result = Result.Running;
    this.reason = '';
    this.wakeAt = -1;
    this.startedAt = 0;
    this.clients = [];
    this.clientCount = 0;
    this.buf = EMPTY_BUF;
    this.waitAcks = 0;
  }

  /** Starts the scenario: create clients, open links. */
  /* cold */
  begin(_now: number): void {}

  /** Called on every event and timer while running. */
  step(_now: number): void {}

  context(): SuiteContext {
    const c = this.ctx;
    if (c === null) return this.missingContext();
    return c;
  }

  /* cold */
  missingContext(): SuiteContext {
    throw new Error('scenario used before the runner started it');
  }

  pass(): void {
    this.result = Result.Passed;
  }

  fail(reason: string): void {
    if (this.result !== Result.Running) return;
    this.result = Result.Failed;
    this.reason = reason;
  }

  skip(reason: string): void {
    this.result = Result.Skipped;
    this.reason = reason;
  }

  /** The fault the scenario asked for did not happen (`what` says how it shows): SKIP, never a pass. */
  /* cold */
  skipNoFault(what: string): void {
    this.skip(what + ': the broker does not inject faults (run against the companion broker)');
  }

  /** Options for a client of this scenario: id suite-<device>-<suffix>, the suite's protocol version. */
  /* cold */
  options(suffix: string): SessionOptions {
    const ctx = this.context();
    const o = new SessionOptions();
    o.version = ctx.version;
    o.clientId = utf8('suite-' + ctx.deviceId + '-' + suffix);
    o.keepAlive = 30;
    o.connectTimeout = 5000;
    o.backoffBase = 200;
    o.backoffMax = 1000;
    o.backoffJitter = 0;
    suiteCapacities(o);
    return o;
  }

  /* cold */
  clientId(suffix: string): string {
    return 'suite-' + this.context().deviceId + '-' + suffix;
  }

  /** A client on those options (not connected yet). */
  /* cold */
  client(o: SessionOptions): SuiteClient {
    if (this.clientCount >= MAX_CLIENTS) throw new Error('a scenario has at most 3 clients');
    const c = new SuiteClient(o, this.context());
    this.clients.push(c);
    this.clientCount++;
    return c;
  }

  /**
   * Makes the options' store hold `count` QoS 1/2 messages on `topic` of `payloadLen` bytes at
   * once (a scenario publishing a burst): the store grows with the device id's length.
   */
  /* cold */
  storeFor(o: SessionOptions, count: number, topic: Uint8Array, payloadLen: number): void {
    // Each is kept encoded: fixed header (at most 3 bytes here), topic length and bytes, packet
    // id, an MQTT 5 property length, the payload.
    const need = count * (3 + 2 + topic.length + 2 + 1 + payloadLen);
    if (o.storeBytes < need) o.storeBytes = need;
    if (o.inflight + o.queueCount < count) o.queueCount = count - o.inflight;
  }

  /** Topic suite/<device>/<scenario-suffix> as bytes. */
  /* cold */
  topic(suffix: string): Uint8Array {
    return utf8('suite/' + this.context().deviceId + '/' + suffix);
  }

  open(c: SuiteClient): void {
    const host = this.context().host;
    // Opened again (a reconnect scenario): its earlier, closed link is done with.
    if (c.link >= 0 && host.closed(c.link)) host.release(c.link);
    c.link = host.open(c.session);
  }

  /** Drops the scenario's clients once its links are closed, so their memory can be collected. */
  /* cold */
  release(): void {
    this.clients = [];
    this.clientCount = 0;
    this.buf = EMPTY_BUF;
    this.ctx = null;
  }

  /** Publishes a payload of len bytes (at most SCRATCH_BYTES), the first being seq. */
  publishSeq(c: SuiteClient, topic: Uint8Array, seq: number, len: number, qos: number, retain: boolean): number {
    const b = this.buf;
    b[0] = seq & 0xff;
    for (let i = 1; i < len; i++) b[i] = 0x61 + (i % 26);
    return c.session.publish(topic, 0, topic.length, b, 0, len, qos, retain);
  }

  /** Requests a fault: JSON {"client":"<id>", <extra>} on $bench/fault/<kind>; the step waits for its ack. */
  /* cold */
  fault(kind: string, clientSuffix: string, extra: string): void {
    const json = '{"client":"' + this.clientId(clientSuffix) + '"' + (extra === '' ? '' : ',' + extra) + '}';
    this.waitAcks = this.context().requestFault(kind, json);
  }

  faultAcked(): boolean {
    return this.context().controlAcks() >= this.waitAcks;
  }

  v5(): boolean {
    return this.context().version === ProtocolVersion.V5;
  }

  /** Reads a 32-bit time as ms from now. */
  after(now: number, ms: number): void {
    this.wakeAt = now + ms;
  }
}
