// The Node client: MQTT.js's API (callback and Async forms, events, strings and Buffers) over
// the core session, driven on a Node transport and clock, reconnecting with the session's back-off.
import { EventEmitter } from 'node:events';
import { PropertyId, ReasonCode } from '../../core/codec/constants.js';
import type { Packet } from '../../core/codec/packet.js';
import { Driver, DriverState } from '../../core/driver/driver.js';
import { SessionState, Session } from '../../core/session/session.js';
import type { SessionHandler } from '../../core/session/handler.js';
import { GrowingFramer } from '../growing-framer.js';
import { NodeClientClock, type ClientClock } from './clock.js';
import type { BaseTransport, TransportHooks } from '../transports/base.js';
import { optionsFromUrl } from './endpoint.js';
import { FailoverTransport } from './failover.js';
import { endedError, MqttError } from './errors.js';
import {
  DEFAULT_ACK_TIMEOUT, sessionOptionsFor, type ClientEvents, type ClientOptions, type ConnackInfo, type Granted,
  type MessageInfo, type MessageProperties, type PublishOptions, type QoS, type SubscribeOptions, type UnsubscribeOptions, type UserProperties,
} from './options.js';
import { Outbox } from './outbox.js';
import { propBytes, propertiesObject, userPropertyCount } from './properties.js';
import { Reassembly } from './reassembly.js';
import { RequestQueue } from './requests.js';

/** publish's and unsubscribe's callback, as MQTT.js: an error, or none when done. */
export type PacketCallback = (err?: Error | null, packet?: unknown) => void;
/** subscribe's callback: null and the grants, or an error. */
export type SubscribeCallback = (err: Error | null, granted?: Granted[]) => void;
export type DoneCallback = () => void;
export type SubscribeTopics = string | string[] | Record<string, SubscribeOptions>;

const RESOLVED: Promise<void> = Promise.resolve();

/** An MQTT client; made by connect(). */
export class MqttClient extends EventEmitter<ClientEvents> implements SessionHandler {
  readonly options: ClientOptions;
  readonly session: Session;
  readonly driver: Driver;
  /** The transports of every server and the choice between them. */
  readonly failover: FailoverTransport | null;
  private readonly single: BaseTransport | null;
  readonly clock: ClientClock;
  readonly version: number;
  /** The session's receive side: its buffer grows for a packet larger than the receive buffer. */
  framer!: GrowingFramer;
  /** CONNACK received on the current connection. */
  connected = false;
  /** end() was called. */
  ending = false;
  ended = false;
  /** Connection attempts started. */
  attempts = 0;
  /** The last CONNACK. */
  connack: ConnackInfo | null = null;

  private readonly outbox: Outbox;
  private readonly requests: RequestQueue;
  private readonly reassembly = new Reassembly();
  private readonly endWaiters: (() => void)[] = [];
  private readonly reconnect: boolean;
  private readonly ackTimeout: number;
  /** Drops the connection when end()'s DISCONNECT cannot get out. */
  private cancelEndTimer: (() => void) | null = null;
  // Topic strings and their bytes, remembered across calls (publishers and subscribers tend to repeat them).
  private pubTopic = '';
  private pubTopicBytes: Buffer = Buffer.alloc(0);
  private rxTopic = '';
  private rxTopicBytes: Buffer = Buffer.alloc(0);
  private wakeQueued = false;
  private readonly wakeNow = (): void => {
    this.wakeQueued = false;
    this.driver.wake();
    if (this.outbox.streaming) this.outbox.feed();
    this.outbox.release();
  };

  constructor(options: ClientOptions) {
    super();
    this.options = options;
    const version = options.protocolVersion ?? 4;
    if (version !== 3 && version !== 4 && version !== 5) throw new Error(`unsupported protocolVersion ${String(version)}`);
    this.version = version;
    const o = sessionOptionsFor(options, version);
    this.reconnect = (options.reconnectPeriod ?? 1000) > 0;
    this.ackTimeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT;
    this.session = new Session(o, this, null);
    // Other packets larger than the receive buffer (a CONNACK with many properties) are taken
    // whole: what the client advertises is what it accepts.
    this.session.replaceFramer({ framerFrom: (f) => (this.framer = new GrowingFramer(f)) });
    this.clock = options.clock ?? new NodeClientClock();
    const hooks: TransportHooks = {
      onError: (err) => this.fail(err),
      onAttempt: () => {
        this.attempts++;
        if (this.attempts > 1) this.emit('reconnect');
      },
      onWrite: () => {
        // The send buffer emptied some: more of a streamed payload can follow.
        if (this.outbox.streaming) this.scheduleWake();
      },
    };
    if (options.transport !== undefined) {
      this.single = options.transport;
      this.single.openTimeout = o.connectTimeout;
      this.single.hooks = hooks;
      this.failover = null;
    } else {
      this.single = null;
      this.failover = new FailoverTransport(options);
      this.failover.configure(hooks, o.connectTimeout);
    }
    this.outbox = new Outbox(this.session, version === 5, options.queueLimit ?? Infinity);
    this.requests = new RequestQueue(this.session, this.clock, this.ackTimeout);
    this.driver = new Driver(this.session, this.failover ?? this.transport, this.clock);
    if (this.failover !== null) this.driver.servers = this.failover.list;
    // Calls made in one turn of the event loop (a burst of publishes) share one pump: the
    // session's pump scans its whole store, so one per message would cost O(slots) each.
    this.session.notifier = { wake: () => this.scheduleWake() };
  }

  /** Starts connecting (connect() does this). */
  start(): this {
    this.driver.start();
    return this;
  }

  /** The transport of the current (or last) connection attempt. */
  get transport(): BaseTransport {
    return this.failover !== null ? this.failover.current : (this.single as BaseTransport);
  }

  /** Where the current (or last) connection attempt went: host, port, protocol. */
  get server(): { host: string; port?: number; protocol?: string } {
    if (this.failover !== null) return this.failover.address;
    return { host: this.options.host ?? 'localhost', port: this.options.port, protocol: this.options.protocol };
  }

  /** MQTT.js's name for end() having been called. */
  get disconnecting(): boolean {
    return this.ending;
  }

  // ---- Application side: MQTT.js's callback forms -----------------------------------------

  /**
   * Publishes a message; callback(err) once done: QoS 0 once the session has it, QoS 1 on
   * PUBACK, QoS 2 on PUBCOMP; err an MqttError carrying the reason code.
   */
  publish(topic: string, message: string | Uint8Array, options?: PublishOptions | PacketCallback, callback?: PacketCallback): this {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    this.settle(this.publishAsync(topic, message, options), callback);
    return this;
  }

  /** Subscribes to one or more filters; callback(null, granted) with what the server granted per filter. */
  subscribe(topics: SubscribeTopics, options?: SubscribeOptions | SubscribeCallback, callback?: SubscribeCallback): this {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const p = this.subscribeAsync(topics, options);
    if (callback !== undefined) {
      const cb = callback;
      p.then((granted) => cb(null, granted), (err: Error) => cb(err));
      p.catch(() => undefined);
    } else {
      p.catch((err: Error) => this.unheard(err));
    }
    return this;
  }

  /** Unsubscribes; callback() once the server has acknowledged (at once for filters not held). */
  unsubscribe(topics: string | string[], options?: UnsubscribeOptions | PacketCallback, callback?: PacketCallback): this {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    this.settle(this.unsubscribeAsync(topics, options), callback);
    return this;
  }

  /**
   * Disconnects (DISCONNECT, reason 0) and stops reconnecting; callback() once the connection
   * is closed. Messages still unacknowledged fail. force: close without DISCONNECT.
   */
  end(force?: boolean | object | DoneCallback, options?: object | DoneCallback, callback?: DoneCallback): this {
    let cb = callback;
    if (typeof force === 'function') cb = force as DoneCallback;
    else if (typeof options === 'function') cb = options as DoneCallback;
    const p = this.endAsync(force === true);
    if (cb !== undefined) {
      const done = cb;
      void p.then(() => done());
    }
    return this;
  }

  // ---- Application side: promises ----------------------------------------------------------

  /** publish() as a promise (MQTT.js's publishAsync): rejects with an MqttError. */
  publishAsync(topic: string, message: string | Uint8Array, options?: PublishOptions): Promise<void> {
    if (this.ended || this.ending) return Promise.reject(endedError());
    let t = this.pubTopicBytes;
    if (topic !== this.pubTopic) {
      t = Buffer.from(topic, 'utf8');
      this.pubTopic = topic;
      this.pubTopicBytes = t;
    }
    const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    const qos = options === undefined ? 0 : options.qos ?? 0;
    const retain = options === undefined ? false : options.retain === true;
    return this.outbox.send(topic, t, body, qos, retain, options === undefined ? undefined : options.properties);
  }

  /** subscribe() as a promise of the grants (MQTT.js's subscribeAsync: [{ topic, qos }]). */
  subscribeAsync(topics: SubscribeTopics, options?: SubscribeOptions): Promise<Granted[]> {
    if (this.ended || this.ending) return Promise.reject(endedError());
    const groups = new Map<string, { opts: SubscribeOptions; names: string[] }>();
    const add = (name: string, so: SubscribeOptions): void => {
      const key = JSON.stringify([so.qos ?? 0, so.nl ?? false, so.rap ?? false, so.rh ?? 0, subscriptionId(so), so.properties?.userProperties ?? null]);
      const g = groups.get(key) ?? { opts: so, names: [] };
      g.names.push(name);
      groups.set(key, g);
    };
    if (typeof topics === 'string') add(topics, options ?? {});
    else if (Array.isArray(topics)) for (const f of topics) add(f, options ?? {});
    else for (const [f, so] of Object.entries(topics)) if (f !== 'resubscribe') add(f, { ...options, ...so });
    const parts: Promise<Granted[]>[] = [];
    const per = this.session.opts.filtersPerPacket;
    for (const g of groups.values()) {
      const so = g.opts;
      const qos = so.qos ?? 0;
      if (qos < 0 || qos > 2) return Promise.reject(new MqttError(ReasonCode.QosNotSupported, 'subscribe refused'));
      const opts = qos | (so.nl ? 4 : 0) | (so.rap ? 8 : 0) | ((so.rh ?? 0) << 4);
      const user = this.requestUserProperties(so.properties);
      if (user instanceof Error) return Promise.reject(user);
      for (let i = 0; i < g.names.length; i += per) parts.push(this.requests.add(true, g.names.slice(i, i + per), opts, subscriptionId(so), user));
    }
    return Promise.all(parts).then((r) => r.flat());
  }

  /** unsubscribe() as a promise (MQTT.js's unsubscribeAsync). */
  async unsubscribeAsync(topics: string | string[], options?: UnsubscribeOptions): Promise<void> {
    if (this.ended || this.ending) throw endedError();
    const names = typeof topics === 'string' ? [topics] : topics;
    const user = this.requestUserProperties(options?.properties);
    if (user instanceof Error) throw user;
    const parts: Promise<Granted[]>[] = [];
    const per = this.session.opts.filtersPerPacket;
    for (let i = 0; i < names.length; i += per) parts.push(this.requests.add(false, names.slice(i, i + per), 0, 0, user));
    await Promise.all(parts);
  }

  /** A SUBSCRIBE or UNSUBSCRIBE's user properties (MQTT 5 only), or why they cannot be sent. */
  private requestUserProperties(props: { userProperties?: UserProperties } | undefined): UserProperties | undefined | Error {
    const user = props?.userProperties;
    if (user === undefined || this.version !== 5) return undefined;
    const room = this.session.opts.userProperties;
    if (userPropertyCount(user) > room) return new MqttError(ReasonCode.QuotaExceeded, `more than ${room} user properties (capacities.userProperties)`);
    return user;
  }

  /** end() as a promise (MQTT.js's endAsync); resolves once the connection is closed. */
  endAsync(force = false): Promise<void> {
    if (this.ended) return RESOLVED;
    const p = new Promise<void>((resolve) => this.endWaiters.push(resolve));
    if (this.ending) return p;
    this.ending = true;
    const d = this.driver;
    if (d.state === DriverState.Stopped || d.state === DriverState.Waiting) {
      d.stop(0);
      this.finish();
    } else if (force || d.state === DriverState.Opening || this.session.state === SessionState.Idle) {
      this.session.stop();
      this.transport.abort();
    } else {
      d.stop(ReasonCode.NormalDisconnection);
      // A server that stops reading would hold DISCONNECT, and so end(), back for ever.
      if (this.ackTimeout > 0) {
        this.cancelEndTimer = this.clock.after(this.ackTimeout, () => {
          this.session.stop();
          this.transport.abort();
        });
      }
    }
    return p;
  }

  /** Resolves once everything published so far has been handed to the operating system (flow control for QoS 0 bursts). */
  async drain(): Promise<void> {
    if (this.wakeQueued) this.wakeNow();
    await new Promise((resolve) => setImmediate(resolve));
    await this.transport.whenDrained();
  }

  // ---- SessionHandler ---------------------------------------------------------------------

  onConnect(ack: Packet): void {
    const info: ConnackInfo = { sessionPresent: ack.sessionPresent, reasonCode: ack.reasonCode };
    if (this.version === 5 && !ack.props.isEmpty()) info.properties = propertiesObject(ack.props);
    this.connack = info;
    if (ack.reasonCode !== 0) {
      if (!this.reconnect) this.session.stop();
      this.fail(new MqttError(ack.reasonCode, 'connection refused'));
      return;
    }
    this.connected = true;
    this.emit('connect', info);
    this.requests.onConnect();
    this.scheduleWake();
  }

  onMessage(msg: Packet): void {
    if (msg.chunk !== 0) {
      const whole = this.reassembly.piece(msg, () => this.topicOf(msg), () => this.infoOf(msg));
      if (whole !== null) this.deliver(whole.topic, whole.payload, whole.info);
      return;
    }
    const topic = this.topicOf(msg);
    const payload = Buffer.allocUnsafe(msg.payloadLen);
    payload.set(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen));
    this.deliver(topic, payload, this.infoOf(msg));
  }

  onPublishDone(handle: number, reasonCode: number): void {
    this.outbox.done(handle, reasonCode);
    // The session has room again: messages waiting in the client move in.
    if (this.outbox.waiting > 0) this.scheduleWake();
  }

  onSubscribe(ack: Packet): void {
    this.requests.onAck(ack, true);
  }

  onUnsubscribe(ack: Packet): void {
    this.requests.onAck(ack, false);
  }

  onClose(reasonCode: number, server: Packet | null): void {
    const was = this.connected;
    this.connected = false;
    if (!this.ending && reasonCode >= 0x80) {
      let what = server !== null ? 'disconnected by the server' : 'connection closed';
      if (server !== null && this.version === 5 && server.props.has(PropertyId.ReasonString)) {
        what += ` (${propBytes(server.props, PropertyId.ReasonString).toString('utf8')})`;
      }
      this.fail(new MqttError(reasonCode, what));
    }
    if (!this.reconnect) this.session.stop();
    this.requests.onClose();
    if (was && !this.ending) this.emit('offline');
    this.emit('close', reasonCode);
    if (this.session.stopped) {
      // No reconnect follows (the driver is stopping): settle everything.
      process.nextTick(() => this.finish());
    }
  }

  // ---- Inside -------------------------------------------------------------------------------

  private deliver(topic: string, payload: Buffer, info: MessageInfo): void {
    // The third argument also reads as MQTT.js's packet (packet.topic, packet.payload).
    info.topic = topic;
    info.payload = payload;
    this.emit('message', topic, payload, info);
  }

  private infoOf(msg: Packet): MessageInfo {
    const info: MessageInfo = { qos: msg.qos as QoS, retain: msg.retain, dup: msg.dup };
    if (this.version === 5 && !msg.props.isEmpty()) info.properties = propertiesObject(msg.props) as MessageProperties;
    return info;
  }

  private topicOf(msg: Packet): string {
    const len = msg.topicLen;
    const known = this.rxTopicBytes;
    let same = known.length === len;
    if (same) {
      const b = msg.topic;
      const off = msg.topicOff;
      for (let i = 0; i < len; i++) {
        if (known[i] !== b[off + i]) {
          same = false;
          break;
        }
      }
    }
    if (!same) {
      const bytes = Buffer.from(msg.topic.subarray(msg.topicOff, msg.topicOff + len));
      this.rxTopic = bytes.toString('utf8');
      this.rxTopicBytes = bytes;
    }
    return this.rxTopic;
  }

  /** Calls back with the outcome; without a callback a failure goes to 'error' listeners, if any. */
  private settle(p: Promise<void>, cb: PacketCallback | undefined): void {
    if (cb !== undefined) p.then(() => cb(undefined), (err: Error) => cb(err));
    else p.catch((err: Error) => this.unheard(err));
  }

  /**
   * A failed operation nobody asked to hear about (no callback, no promise awaited): an 'error'
   * event when someone listens, else nothing, so an operation never ends the process by itself.
   */
  private unheard(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private scheduleWake(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    queueMicrotask(this.wakeNow);
  }

  /**
   * A connection error (refused, socket error, closed by the server with a failure code): an
   * 'error' event as Node's EventEmitter has it, so with no listener it throws, as MQTT.js's does.
   * The client goes on reconnecting either way.
   */
  private fail(err: Error): void {
    this.emit('error', err);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.ending = true;
    this.connected = false;
    this.clock.dispose();
    if (this.cancelEndTimer !== null) this.cancelEndTimer();
    const err = endedError();
    this.outbox.failAll(err);
    this.requests.failAll();
    this.emit('end');
    for (const w of this.endWaiters.splice(0)) w();
  }
}

function subscriptionId(so: SubscribeOptions): number {
  return so.subscriptionIdentifier ?? so.properties?.subscriptionIdentifier ?? 0;
}

/**
 * Connects to url (mqtt://user:pass@host:port, mqtts://, ws://host:port/path, wss://) with
 * options (which override what the URL says). Returns the client at once; it emits `connect`.
 */
export function connect(url: string | ClientOptions, options: ClientOptions = {}): MqttClient {
  return new MqttClient(optionsFromUrl(url, options)).start();
}

/**
 * connect(), resolved on the first CONNACK; rejected (and the client ended) if the first attempt
 * fails, or with `servers` the first round over the list (a redirection followed included).
 */
export function connectAsync(url: string | ClientOptions, options: ClientOptions = {}): Promise<MqttClient> {
  const client = connect(url, options);
  return new Promise((resolve, reject) => {
    let firstError: Error | null = null;
    const onError = (err: Error): void => {
      if (firstError === null) firstError = err;
    };
    const onConnect = (): void => {
      client.off('error', onError);
      client.off('close', onClose);
      resolve(client);
    };
    const onClose = (reasonCode: number): void => {
      if (client.failover !== null && !client.session.stopped && client.failover.triesLeft(reasonCode)) return;
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      void client.endAsync(true);
      reject(firstError ?? new Error('connection closed before CONNACK'));
    };
    client.once('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}
