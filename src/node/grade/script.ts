// The scripted sequence the broker runs against the client under test: watch it, send it
// duplicated QoS 2 messages, hold back an acknowledgement, drop its connection and turn its
// reconnects away, tell later connections tighter limits (acknowledgements held back), lift
// them, and let it end. Every wait is bounded.
import { makeFault, type Broker } from '../../broker/index.js';
import { connectAsync, type MqttClient } from '../client.js';
import { Facts, RESUBSCRIBE_MS, subscriptionsOf, publishSize } from './checks.js';
import type { GradeListener } from './listener.js';
import { Observation, SeenConnection } from './observe.js';

/** The grader's own client, which publishes the QoS 2 messages; ignored in the trace. */
export const DRIVER_ID = 'grade-driver';

export interface ScriptOptions {
  broker: Broker;
  listener: GradeListener;
  /** mqtt://host:port of the broker, for the driver client. */
  url: string;
  connectWaitMs: number;
  reconnectWaitMs: number;
  /** Reconnect attempts turned away after the first drop (the back-off measured). */
  refusals: number;
  /** How long the connection told the flow limits is watched, its acknowledgements held back. */
  finalMs: number;
  endWaitMs: number;
  /** The client as a child process, or null for one started by hand (--wait). */
  child: { output(): string; alive(): boolean; stop(): void } | null;
  progress(line: string): void;
}

/** Limits told to the client's later connections. */
const RECEIVE_MAXIMUM = 2;
const TOPIC_ALIAS_MAXIMUM = 2;
/** Below this a Maximum Packet Size could refuse the client's CONNECT or SUBSCRIBE. */
const SMALLEST_PACKET_LIMIT = 256;
const ACK_DELAY_MS = 3000;
/** How long the client is watched once told the Maximum Packet Size. */
const SIZE_WATCH_MS = 3000;
const POLL_MS = 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class GradeScript {
  readonly obs: Observation;
  readonly facts: Facts;
  private nonce = Math.random().toString(36).slice(2, 8);
  /** The broker's limits before the script changed them. */
  private readonly defaults: { receiveMaximum: number; topicAliasMaximum: number; maxPacketSize: number };

  constructor(private readonly o: ScriptOptions) {
    this.obs = new Observation(o.broker, (id) => id === DRIVER_ID);
    const b = o.broker.opts;
    this.defaults = { receiveMaximum: b.receiveMaximum, topicAliasMaximum: b.topicAliasMaximum, maxPacketSize: b.maxPacketSize };
    this.facts = {
      reconnect: { notExercised: 'the client did not connect' }, reconnectWaitMs: o.reconnectWaitMs, refusals: o.refusals,
      qos2: { notExercised: 'the client did not connect' },
      resend: { notExercised: 'the client did not connect' },
      limits: { n: 0, sizeN: 0, restoredN: 0, receiveMaximum: RECEIVE_MAXIMUM, maxPacketSize: 0, topicAliasMaximum: TOPIC_ALIAS_MAXIMUM, notExercised: 'the client did not connect' },
      output: null, end: 'waited', stopAt: 0,
    };
  }

  /** Polls until cond() holds or ms pass; whether it held. */
  private async until(cond: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    for (;;) {
      this.obs.poll(Date.now());
      if (cond()) return true;
      if (Date.now() >= end) return false;
      await sleep(POLL_MS);
    }
  }

  /** The client's process has exited. */
  private gone(): boolean {
    return this.o.child !== null && !this.o.child.alive();
  }

  /** The current connection once it has its CONNACK, or null within ms. */
  private async connected(ms: number, after = 0): Promise<SeenConnection | null> {
    const child = this.o.child;
    const ok = await this.until(() => {
      const c = this.obs.current;
      return (c !== null && c.n > after && c.closedAt === 0 && c.sessionPresent !== null) || (child !== null && !child.alive());
    }, ms);
    if (child !== null && !child.alive()) return null;
    return ok ? this.obs.current : null;
  }

  async run(): Promise<void> {
    // Connections that end while the script sleeps are noted when they end.
    const ticker = setInterval(() => this.obs.poll(Date.now()), POLL_MS);
    try {
      await this.script();
    } finally {
      clearInterval(ticker);
    }
  }

  private async script(): Promise<void> {
    const first = await this.connected(this.o.connectWaitMs);
    if (first === null) return;
    this.o.progress(`connected: ${first.clientId}, MQTT ${first.version === 5 ? '5.0' : '3.1.1'}, keep alive ${first.keepAlive} s`);
    this.facts.limits.notExercised = '';
    // Long enough to see a keep-alive interval go by.
    await sleep(Math.min(Math.max(1600 * first.keepAlive, 3000), 20000));
    await this.duplicatedQos2();
    await this.heldBackAck();
    await this.reconnects();
    await this.flowLimits();
    await this.sizeLimit();
    await this.end();
  }

  private async duplicatedQos2(): Promise<void> {
    const c = await this.connected(this.o.reconnectWaitMs);
    if (c === null) return void (this.facts.qos2 = { notExercised: 'the client was not connected' });
    const filter = subscriptionsOf(c).find((f) => !f.startsWith('$'));
    if (filter === undefined) return void (this.facts.qos2 = { notExercised: 'the client subscribed to nothing' });
    const sub = Observation.packets(c, 'in', 'SUBSCRIBE').flatMap((p) => p.rec.filters as string[]).find((f) => f.startsWith(filter + ':q'));
    const maxQos = sub === undefined ? 0 : Number(sub.slice(-1));
    const topic = filter.split('/').map((l) => (l === '+' || l === '#' ? 'grade' : l)).join('/');
    this.o.progress(`QoS 2 with duplicated PUBLISH and PUBREL on ${topic}`);
    const driver = await connectAsync(this.o.url, { clientId: DRIVER_ID, protocolVersion: 5, reconnectPeriod: 0 } as Parameters<typeof connectAsync>[1]) as MqttClient;
    const fault = makeFault('duplicate', { client: c.clientId, count: 4 });
    this.o.broker.addFault(fault);
    const at = Date.now();
    const tokens = [1, 2].map((i) => `grade-${this.nonce}-q2-${i}`);
    try {
      for (const tok of tokens) await driver.publishAsync(topic, tok, { qos: 2 });
      const comps = (): number => c.packets.filter((p) => p.t >= at && p.rec.dir === 'in' && p.rec.type === 'PUBCOMP').length;
      await this.until(() => comps() >= 4 || c.closedAt !== 0, 3000);
      await sleep(300);
    } finally {
      this.o.broker.faults.clear(fault.id);
      await driver.endAsync(true);
    }
    this.facts.qos2 = { topic, tokens, at, maxQos };
  }

  private async heldBackAck(): Promise<void> {
    const c = await this.connected(this.o.reconnectWaitMs);
    if (c === null) return void (this.facts.resend = { notExercised: 'the client was not connected' });
    const qos = (): boolean => this.obs.connections.some((x) => Observation.packets(x, 'in', 'PUBLISH').some((p) => Number(p.rec.qos) > 0));
    if (!qos()) return void (this.facts.resend = { notExercised: 'the client published no QoS 1/2 message' });
    this.o.progress('holding back the acknowledgement of a QoS 1/2 PUBLISH');
    const faults = [makeFault('drop', { client: c.clientId, packet: 'puback', count: 1 }), makeFault('drop', { client: c.clientId, packet: 'pubrec', count: 1 })];
    for (const f of faults) this.o.broker.addFault(f);
    const before = this.obs.faults.length;
    const fired = (): RegExpExecArray | null => {
      for (const l of this.obs.faults.slice(before)) {
        const m = / drop #\d+ dropped (PUBACK|PUBREC) id=(\d+)/.exec(l);
        if (m) return m;
      }
      return null;
    };
    await this.until(() => fired() !== null || c.closedAt !== 0, 10000);
    for (const f of faults) this.o.broker.faults.clear(f.id);
    const m = fired();
    if (m === null) return void (this.facts.resend = { notExercised: 'no QoS 1/2 PUBLISH came within 10 s to hold the acknowledgement of' });
    this.facts.resend = { n: c.n, id: Number(m[2]), qos: m[1] === 'PUBACK' ? 1 : 2 };
    await sleep(200);
  }

  /** Drops the connection, then turns the next attempts away: consecutive failures, the back-off measured. */
  private async reconnects(): Promise<void> {
    const c = await this.connected(this.o.reconnectWaitMs);
    if (c === null) return void (this.facts.reconnect = { notExercised: 'the client was not connected' });
    this.o.progress(`dropping the connection, then turning ${this.o.refusals} attempts away`);
    const before = this.o.listener.refused.length;
    this.o.listener.refuseNext(this.o.refusals);
    const droppedAt = this.drop(c);
    // Bounded: each attempt must come within the reconnect wait of the one before.
    let seen = 0;
    for (let i = 0; i <= this.o.refusals; i++) {
      const more = await this.until(() => this.o.listener.refused.length - before > seen || this.obs.connections.length > c.n || this.gone(), this.o.reconnectWaitMs);
      if (!more || this.obs.connections.length > c.n) break;
      seen = this.o.listener.refused.length - before;
    }
    this.o.listener.refuseNext(0);
    const next = await this.connected(this.o.reconnectWaitMs, c.n);
    this.facts.reconnect = { droppedAt, attempts: this.o.listener.refused.slice(before), acceptedAt: next === null ? 0 : next.connectAt };
    if (next !== null) await this.settle(next);
  }

  /** Closes the client's connection (a fault, traced); the time it did. */
  private drop(c: SeenConnection): number {
    c.droppedByGrader = true;
    const at = Date.now();
    this.o.broker.addFault(makeFault('close', { client: c.clientId, count: 1 }));
    return at;
  }

  /** Gives a new connection time to subscribe again when its session was not kept. */
  private async settle(c: SeenConnection): Promise<void> {
    const had = this.obs.connections.some((x) => subscriptionsOf(x).length > 0);
    if (had && c.sessionPresent === false) await this.until(() => Observation.packets(c, 'out', 'SUBACK').length > 0, RESUBSCRIBE_MS);
    await sleep(500);
  }

  /** Drops the connection after `prepare` changed what the broker tells the next one; that one, or null. */
  private async dropWith(what: string, prepare: (c: SeenConnection) => void): Promise<SeenConnection | null> {
    const c = await this.connected(this.o.reconnectWaitMs);
    if (c === null) return null;
    prepare(c);
    this.o.progress(`dropping the connection; the next one is told ${what}`);
    this.drop(c);
    const next = await this.connected(this.o.reconnectWaitMs, c.n);
    if (next !== null) await this.settle(next);
    return next;
  }

  /** Receive Maximum and Topic Alias Maximum, with the broker's acknowledgements held back. */
  private async flowLimits(): Promise<void> {
    const told = `Receive Maximum ${RECEIVE_MAXIMUM} and Topic Alias Maximum ${TOPIC_ALIAS_MAXIMUM}`;
    const next = await this.dropWith(told, (c) => {
      this.o.broker.opts.receiveMaximum = RECEIVE_MAXIMUM;
      this.o.broker.opts.topicAliasMaximum = TOPIC_ALIAS_MAXIMUM;
      this.facts.limits.n = c.n + 1;
    });
    if (next === null) return;
    this.o.progress(`acknowledgements ${ACK_DELAY_MS} ms late for ${this.o.finalMs} ms`);
    const faults = ['puback', 'pubrec'].map((packet) => makeFault('delay', { client: next.clientId, packet, ms: ACK_DELAY_MS }));
    for (const f of faults) this.o.broker.addFault(f);
    // Whatever happens to this connection, its successors are told the same limits.
    await sleep(this.o.finalMs);
    for (const f of faults) this.o.broker.faults.clear(f.id);
  }

  /** Maximum Packet Size just below the largest PUBLISH the client has sent. */
  private async sizeLimit(): Promise<void> {
    const largest = Math.max(0, ...this.obs.connections.flatMap((x) => Observation.packets(x, 'in', 'PUBLISH').map((p) => publishSize(p.rec, x.version))));
    const limit = largest - 1;
    if (limit < SMALLEST_PACKET_LIMIT) return;
    const next = await this.dropWith(`Maximum Packet Size ${limit}`, (c) => {
      this.o.broker.opts.maxPacketSize = limit;
      this.facts.limits.sizeN = c.n + 1;
      this.facts.limits.maxPacketSize = limit;
    });
    if (next !== null) await sleep(SIZE_WATCH_MS);
    // Connections from here on are told no limit: the client settles before it is asked to stop.
    this.facts.limits.restoredN = (this.obs.current?.n ?? 0) + 1;
    Object.assign(this.o.broker.opts, this.defaults);
    const settled = await this.connected(this.o.reconnectWaitMs);
    if (settled !== null) await sleep(1000);
  }

  private async end(): Promise<void> {
    const child = this.o.child;
    if (child !== null) {
      this.facts.end = child.alive() ? 'signalled' : 'gone';
      if (child.alive()) {
        this.facts.stopAt = Date.now();
        this.o.progress('asking the client to stop (SIGINT)');
        child.stop();
      }
    } else {
      this.o.progress(`waiting up to ${this.o.endWaitMs / 1000} s for the client to disconnect`);
    }
    await this.until(() => this.obs.current === null || this.obs.current.closedAt !== 0, this.o.endWaitMs);
    if (child !== null) this.facts.output = child.output();
  }
}
