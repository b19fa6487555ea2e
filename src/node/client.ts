// The friendly Node API over the core: connect(url, options) returns a client with
// promise-returning publish/subscribe/unsubscribe/end and events, strings and Buffers, over
// TCP, TLS or WebSocket, reconnecting with the session's back-off.
import { EventEmitter } from 'node:events';
import { MAX_VARINT, PropertyId, ProtocolVersion, ReasonCode } from '../core/codec/constants.js';
import type { Packet } from '../core/codec/packet.js';
import { Properties, PROPERTY_IDS, PROPERTY_TYPE, PropType } from '../core/codec/properties.js';
import { Driver, DriverState } from '../core/driver/driver.js';
import { SessionState, Session } from '../core/session/session.js';
import type { SessionHandler } from '../core/session/handler.js';
import { SessionOptions } from '../core/session/options.js';
import { SubState } from '../core/session/subscriptions.js';
import { validateTopicFilter, validateTopicName } from '../core/topic/validate.js';
import { BaseTransport } from './transports/base.js';
import { NodeClock } from './transports/clock.js';
import { TcpTransport, TlsTransport } from './transports/tcp.js';
import { WebSocketTransport } from './transports/websocket.js';
import { GrowingFramer } from './growing-framer.js';
import { reasonText } from './reason-text.js';

export { reasonText };

export type QoS = 0 | 1 | 2;

/**
 * The Maximum Packet Size a client advertises and accepts unless told otherwise: 16 MiB. A
 * message is held whole before it is emitted, so this bounds what one packet from the server can
 * make the client hold; it is far above the limits of the large IoT services (AWS IoT Core 128 KB,
 * Azure IoT Hub 256 KB) and of what a message is usually carried for.
 */
export const DEFAULT_MAXIMUM_PACKET_SIZE = 16 * 1024 * 1024;

/** How long subscribe() and unsubscribe() wait for SUBACK/UNSUBACK by default, ms. */
export const DEFAULT_ACK_TIMEOUT = 30000;

/** The core's fixed capacities, chosen once at connect (see SessionOptions). */
export interface Capacities {
  /** Receive buffer. Larger packets are taken too (up to maximumPacketSize): messages in pieces put together, others in a buffer grown as they arrive. Default 16384. */
  receiveBufferSize: number;
  /** Largest packet sent. Default 65536. */
  sendBufferSize: number;
  /** QoS 1/2 messages awaiting acknowledgement at once. Default 64. */
  inflight: number;
  /** Messages waiting to be sent (offline, or while the inflight window is full). Default 128. */
  queueCount: number;
  /** Bytes for queued and unacknowledged messages. Default 1 MiB. */
  storeBytes: number;
  /** Subscriptions held, and bytes for their filters. Default 64 and 4096. */
  subscriptions: number;
  subscriptionBytes: number;
  /** Filters in one SUBSCRIBE. Default 32. */
  filtersPerPacket: number;
  /** SUBSCRIBE/UNSUBSCRIBE outstanding at once. Default 4. */
  pendingRequests: number;
  /** Inbound QoS 2 messages awaiting PUBREL (Receive Maximum). Default 64. */
  inboundQos2: number;
  /** Topic aliases accepted from the server, used towards it, and their bytes. */
  topicAliasMaximum: number;
  outboundAliases: number;
  aliasBytes: number;
  /** User properties and subscription identifiers one packet keeps. Default 16 and 4. */
  userProperties: number;
  subscriptionIds: number;
}

export const NODE_CAPACITIES: Capacities = {
  receiveBufferSize: 16384,
  sendBufferSize: 65536,
  inflight: 64,
  queueCount: 128,
  storeBytes: 1 << 20,
  subscriptions: 64,
  subscriptionBytes: 4096,
  filtersPerPacket: 32,
  pendingRequests: 4,
  inboundQos2: 64,
  topicAliasMaximum: 16,
  outboundAliases: 16,
  aliasBytes: 1024,
  userProperties: 16,
  subscriptionIds: 4,
};

/** MQTT 5 message properties (PUBLISH and will). */
export interface MessageProperties {
  payloadFormatIndicator?: number;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Record<string, string | string[]>;
  /** Received messages only. */
  subscriptionIdentifier?: number | number[];
  topicAlias?: number;
}

export interface WillOptions {
  topic: string;
  payload?: string | Uint8Array;
  qos?: QoS;
  retain?: boolean;
  /** MQTT 5: willDelayInterval, messageExpiryInterval, payloadFormatIndicator, contentType. */
  properties?: { willDelayInterval?: number; messageExpiryInterval?: number; payloadFormatIndicator?: number; contentType?: string };
}

export interface ClientOptions {
  /** mqtt (TCP), mqtts (TLS), ws, wss; also tcp, tls, ssl. Taken from the URL when one is given. */
  protocol?: string;
  host?: string;
  port?: number;
  /** WebSocket path; default /mqtt. */
  path?: string;
  /** 4 (3.1.1, the default), 5, or 3 (3.1). */
  protocolVersion?: 3 | 4 | 5;
  /** Default: empty (the server assigns one; in 3.1.1 only with clean: true). */
  clientId?: string;
  username?: string;
  password?: string | Buffer;
  /** Seconds; 0 turns it off. Default 60. */
  keepalive?: number;
  /** Clean session (3.1.1) / Clean Start (5). Default true. */
  clean?: boolean;
  /** MQTT 5 Session Expiry Interval, seconds. */
  sessionExpiryInterval?: number;
  will?: WillOptions;
  /** First reconnect delay in ms (doubling up to reconnectPeriodMax); 0: never reconnect. Default 1000. */
  reconnectPeriod?: number;
  reconnectPeriodMax?: number;
  /** Share of each delay that is random, 0..1. Default 0.5. */
  reconnectJitter?: number;
  /** ms allowed for the socket handshake and then for CONNACK. Default 30000. */
  connectTimeout?: number;
  /** Subscribe again after a reconnect without a session. Default true. */
  resubscribe?: boolean;
  /**
   * Largest packet accepted, bytes: advertised as Maximum Packet Size in MQTT 5, so the server
   * sends nothing larger (it drops such a message for this client, MQTT-3.1.2-25). A larger
   * packet ends the connection (0x95). MQTT 3.1.1 cannot advertise it: a larger message from the
   * server closes the connection, and a QoS 1/2 one comes again on each reconnect; raise the
   * limit if such messages are expected. Default DEFAULT_MAXIMUM_PACKET_SIZE (16 MiB); 0: no
   * limit but the protocol's (268,435,460 bytes), nothing advertised.
   */
  maximumPacketSize?: number;
  /**
   * ms the client waits on the server: for SUBACK/UNSUBACK once a request is sent (then
   * subscribe()/unsubscribe() rejects), and for end()'s DISCONNECT to get out (then the connection
   * is dropped). Default 30000; 0: no limit.
   */
  ackTimeout?: number;
  /** MQTT 5 CONNECT options. */
  requestResponseInformation?: boolean;
  requestProblemInformation?: boolean;
  // TLS (mqtts, wss)
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
  servername?: string;
  /** Extra options for the ws package's client. */
  wsOptions?: Record<string, unknown>;
  /** The core's capacities (defaults: NODE_CAPACITIES). */
  capacities?: Partial<Capacities>;
}

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  /** MQTT 5 only. */
  properties?: MessageProperties;
}

export interface SubscribeOptions {
  qos?: QoS;
  /** MQTT 5: no local, retain as published, retain handling (0, 1, 2). */
  nl?: boolean;
  rap?: boolean;
  rh?: 0 | 1 | 2;
  /** MQTT 5 Subscription Identifier (1..268435455). */
  subscriptionIdentifier?: number;
}

export interface Granted {
  topic: string;
  /** The granted QoS, or a failure reason code (>= 0x80). */
  qos: number;
}

export interface ConnackInfo {
  sessionPresent: boolean;
  reasonCode: number;
  properties?: Record<string, unknown>;
}

export interface MessageInfo {
  qos: QoS;
  retain: boolean;
  dup: boolean;
  properties?: MessageProperties;
}

/** A failure carrying its MQTT reason code. */
export class MqttError extends Error {
  readonly reasonCode: number;
  constructor(reasonCode: number, what: string) {
    super(`${what}: ${reasonText(reasonCode)}`);
    this.name = 'MqttError';
    this.reasonCode = reasonCode;
  }
}

export interface ClientEvents {
  connect: [ConnackInfo];
  message: [string, Buffer, MessageInfo];
  reconnect: [];
  offline: [];
  close: [number];
  error: [Error];
  end: [];
}

const RESOLVED: Promise<void> = Promise.resolve();
/** The largest packet MQTT can frame: the largest Remaining Length and its fixed header. */
const MAX_PACKET_BYTES = MAX_VARINT + 5;

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

interface Request {
  sub: boolean;
  names: string[];
  filters: Buffer[];
  options: number;
  subId: number;
  /** Session slot per filter (-1: refused locally, code in codes). */
  slots: number[];
  codes: number[];
  id: number;
  resolve(granted: Granted[]): void;
  reject(err: Error): void;
}

/** Camel-case names of MQTT 5 properties, as MQTT.js spells them. */
const PROPERTY_NAMES: Record<number, string> = {
  [PropertyId.PayloadFormatIndicator]: 'payloadFormatIndicator',
  [PropertyId.MessageExpiryInterval]: 'messageExpiryInterval',
  [PropertyId.ContentType]: 'contentType',
  [PropertyId.ResponseTopic]: 'responseTopic',
  [PropertyId.CorrelationData]: 'correlationData',
  [PropertyId.SubscriptionIdentifier]: 'subscriptionIdentifier',
  [PropertyId.SessionExpiryInterval]: 'sessionExpiryInterval',
  [PropertyId.AssignedClientIdentifier]: 'assignedClientIdentifier',
  [PropertyId.ServerKeepAlive]: 'serverKeepAlive',
  [PropertyId.AuthenticationMethod]: 'authenticationMethod',
  [PropertyId.AuthenticationData]: 'authenticationData',
  [PropertyId.RequestProblemInformation]: 'requestProblemInformation',
  [PropertyId.WillDelayInterval]: 'willDelayInterval',
  [PropertyId.RequestResponseInformation]: 'requestResponseInformation',
  [PropertyId.ResponseInformation]: 'responseInformation',
  [PropertyId.ServerReference]: 'serverReference',
  [PropertyId.ReasonString]: 'reasonString',
  [PropertyId.ReceiveMaximum]: 'receiveMaximum',
  [PropertyId.TopicAliasMaximum]: 'topicAliasMaximum',
  [PropertyId.TopicAlias]: 'topicAlias',
  [PropertyId.MaximumQos]: 'maximumQoS',
  [PropertyId.RetainAvailable]: 'retainAvailable',
  [PropertyId.MaximumPacketSize]: 'maximumPacketSize',
  [PropertyId.WildcardSubscriptionAvailable]: 'wildcardSubscriptionAvailable',
  [PropertyId.SubscriptionIdentifierAvailable]: 'subscriptionIdentifiersAvailable',
  [PropertyId.SharedSubscriptionAvailable]: 'sharedSubscriptionAvailable',
};

function bytesOf(buf: Uint8Array, off: number, len: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len);
}

/**
 * Byte fields of a Properties record. The codec moved from public arrays (bufs/off/len,
 * userKeyBuf...) to accessors (bufferOf/offsetOf/lengthOf, userKeyBuffer(i)...); both are read.
 */
interface PropertiesArrays {
  bufs: Uint8Array[]; off: Int32Array; len: Int32Array; subIds: Uint32Array;
  userKeyBuf: Uint8Array[]; userKeyOff: Int32Array; userKeyLen: Int32Array;
  userValueBuf: Uint8Array[]; userValueOff: Int32Array; userValueLen: Int32Array;
}
interface PropertiesAccessors {
  bufferOf(id: number): Uint8Array; offsetOf(id: number): number; lengthOf(id: number): number; subscriptionId(i: number): number;
  userKeyBuffer(i: number): Uint8Array; userKeyOffset(i: number): number; userKeyLength(i: number): number;
  userValueBuffer(i: number): Uint8Array; userValueOffset(i: number): number; userValueLength(i: number): number;
}
const hasAccessors = (p: Properties): boolean => typeof (p as { bufferOf?: unknown }).bufferOf === 'function';
const accessors = (p: Properties): PropertiesAccessors => p as unknown as PropertiesAccessors;

function propBytes(p: Properties, id: number): Buffer {
  if (hasAccessors(p)) {
    const x = accessors(p);
    return bytesOf(x.bufferOf(id), x.offsetOf(id), x.lengthOf(id));
  }
  const a = p as unknown as PropertiesArrays;
  return bytesOf(a.bufs[id], a.off[id], a.len[id]);
}

function subscriptionIdAt(p: Properties, i: number): number {
  return hasAccessors(p) ? accessors(p).subscriptionId(i) : (p as unknown as PropertiesArrays).subIds[i];
}

function userPropertyAt(p: Properties, i: number): [string, string] {
  if (hasAccessors(p)) {
    const x = accessors(p);
    return [bytesOf(x.userKeyBuffer(i), x.userKeyOffset(i), x.userKeyLength(i)).toString('utf8'),
      bytesOf(x.userValueBuffer(i), x.userValueOffset(i), x.userValueLength(i)).toString('utf8')];
  }
  const a = p as unknown as PropertiesArrays;
  return [bytesOf(a.userKeyBuf[i], a.userKeyOff[i], a.userKeyLen[i]).toString('utf8'),
    bytesOf(a.userValueBuf[i], a.userValueOff[i], a.userValueLen[i]).toString('utf8')];
}

/** A received record's properties as an object (copies every byte field). */
export function propertiesObject(p: Properties): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < PROPERTY_IDS.length; i++) {
    const id = PROPERTY_IDS[i];
    if (id === PropertyId.UserProperty || id === PropertyId.SubscriptionIdentifier || !p.has(id)) continue;
    const name = PROPERTY_NAMES[id] ?? `property${id}`;
    const t = PROPERTY_TYPE[id];
    if (t === PropType.Utf8) o[name] = propBytes(p, id).toString('utf8');
    else if (t === PropType.Binary) o[name] = Buffer.from(propBytes(p, id));
    else o[name] = p.get(id);
  }
  if (p.subIdCount > 0) o.subscriptionIdentifier = p.subIdCount === 1 ? subscriptionIdAt(p, 0) : Array.from({ length: p.subIdCount }, (_, i) => subscriptionIdAt(p, i));
  if (p.userCount > 0) {
    const u: Record<string, string | string[]> = {};
    for (let i = 0; i < p.userCount; i++) {
      const [k, v] = userPropertyAt(p, i);
      const had = u[k];
      u[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
    }
    o.userProperties = u;
  }
  return o;
}

/** Fills an outgoing record's properties; the Buffers made here must live until the packet is encoded. */
function fillMessageProperties(p: Properties, m: MessageProperties): void {
  const setString = (id: number, s: string): void => {
    const b = Buffer.from(s, 'utf8');
    p.setBytes(id, b, 0, b.length);
  };
  if (m.payloadFormatIndicator !== undefined) p.setNumber(PropertyId.PayloadFormatIndicator, m.payloadFormatIndicator);
  if (m.messageExpiryInterval !== undefined) p.setNumber(PropertyId.MessageExpiryInterval, m.messageExpiryInterval);
  if (m.contentType !== undefined) setString(PropertyId.ContentType, m.contentType);
  if (m.responseTopic !== undefined) setString(PropertyId.ResponseTopic, m.responseTopic);
  if (m.correlationData !== undefined) p.setBytes(PropertyId.CorrelationData, m.correlationData, 0, m.correlationData.length);
  if (m.userProperties !== undefined) {
    for (const [k, vs] of Object.entries(m.userProperties)) {
      for (const v of Array.isArray(vs) ? vs : [vs]) {
        const kb = Buffer.from(k, 'utf8');
        const vb = Buffer.from(v, 'utf8');
        p.addUserProperty(kb, 0, kb.length, vb, 0, vb.length);
      }
    }
  }
}

interface Endpoint {
  protocol: string;
  host: string;
  port: number;
  path: string;
  username?: string;
  password?: string;
}

const DEFAULT_PORTS: Record<string, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };
const PROTOCOL_ALIASES: Record<string, string> = { mqtt: 'mqtt', tcp: 'mqtt', mqtts: 'mqtts', tls: 'mqtts', ssl: 'mqtts', ws: 'ws', wss: 'wss' };

/** Parses mqtt://user:pass@host:port, mqtts://, ws://host:port/path, wss://. */
export function parseUrl(url: string): Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid URL '${url}'`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  const protocol = PROTOCOL_ALIASES[scheme];
  if (protocol === undefined) throw new Error(`unsupported URL scheme '${scheme}' (mqtt, mqtts, ws, wss)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    protocol,
    host: host === '' ? 'localhost' : host,
    port: u.port === '' ? DEFAULT_PORTS[protocol] : Number(u.port),
    path: u.pathname + u.search,
    username: u.username === '' ? undefined : decodeURIComponent(u.username),
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
  };
}

function toBytes(v: string | Uint8Array | undefined | null): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** An MQTT client; made by connect(). */
export class MqttClient extends EventEmitter<ClientEvents> implements SessionHandler {
  readonly options: ClientOptions;
  readonly session: Session;
  readonly driver: Driver;
  readonly transport: BaseTransport;
  readonly clock: NodeClock;
  readonly version: number;
  /** CONNACK received on the current connection. */
  connected = false;
  /** end() was called. */
  ending = false;
  ended = false;
  /** Connection attempts started. */
  attempts = 0;
  /** The last CONNACK. */
  connack: ConnackInfo | null = null;

  private readonly publishes = new Map<number, Pending>();
  private readonly requests: Request[] = [];
  private active: Request | null = null;
  private readonly endWaiters: (() => void)[] = [];
  private readonly reconnect: boolean;
  private readonly ackTimeout: number;
  /** Rejects the active SUBSCRIBE/UNSUBSCRIBE when its ack is late. */
  private ackTimer: NodeJS.Timeout | null = null;
  /** Drops the connection when end()'s DISCONNECT cannot get out. */
  private endTimer: NodeJS.Timeout | null = null;
  // Topic strings and their bytes, remembered across calls (publishers and subscribers tend to repeat them).
  private pubTopic = '';
  private pubTopicBytes: Buffer = Buffer.alloc(0);
  private rxTopic = '';
  private rxTopicBytes: Buffer = Buffer.alloc(0);
  private readonly watchIds = (): void => this.resolveRequestId();
  /** A message arriving in pieces: its payload so far (in a buffer grown as pieces come), topic and details. */
  private partial: { payload: Buffer; topic: string; info: MessageInfo } | null = null;
  private wakeQueued = false;
  private readonly wakeNow = (): void => {
    this.wakeQueued = false;
    this.driver.wake();
  };

  constructor(options: ClientOptions) {
    super();
    this.options = options;
    const version = options.protocolVersion ?? 4;
    if (version !== 3 && version !== 4 && version !== 5) throw new Error(`unsupported protocolVersion ${String(version)}`);
    this.version = version;
    const o = new SessionOptions();
    o.version = version === 3 ? ProtocolVersion.V31 : version === 4 ? ProtocolVersion.V311 : ProtocolVersion.V5;
    Object.assign(o, NODE_CAPACITIES, options.capacities ?? {});
    o.clientId = toBytes(options.clientId ?? '');
    o.keepAlive = options.keepalive ?? 60;
    o.cleanStart = options.clean ?? true;
    o.sessionExpiry = options.sessionExpiryInterval ?? 0;
    o.username = options.username === undefined ? null : toBytes(options.username);
    o.password = options.password === undefined ? null : toBytes(options.password);
    const w = options.will;
    if (w !== undefined) {
      if (validateTopicName(toBytes(w.topic), 0, toBytes(w.topic).length) < 0 || w.topic === '') throw new Error(`invalid will topic '${w.topic}'`);
      o.willTopic = toBytes(w.topic);
      o.willPayload = toBytes(w.payload);
      o.willQos = w.qos ?? 0;
      o.willRetain = w.retain ?? false;
      const wp = w.properties ?? {};
      if (wp.willDelayInterval !== undefined) o.willDelay = wp.willDelayInterval;
      if (wp.messageExpiryInterval !== undefined) o.willMessageExpiry = wp.messageExpiryInterval;
      if (wp.payloadFormatIndicator !== undefined) o.willPayloadFormat = wp.payloadFormatIndicator;
      if (wp.contentType !== undefined) o.willContentType = toBytes(wp.contentType);
    }
    o.requestResponseInformation = options.requestResponseInformation ?? false;
    o.requestProblemInformation = options.requestProblemInformation ?? true;
    o.connectTimeout = options.connectTimeout ?? 30000;
    const period = options.reconnectPeriod ?? 1000;
    this.reconnect = period > 0;
    o.backoffBase = period > 0 ? period : 1000;
    o.backoffMax = Math.max(o.backoffBase, options.reconnectPeriodMax ?? 30000);
    o.backoffJitter = options.reconnectJitter ?? 0.5;
    o.resubscribe = options.resubscribe ?? true;
    // Messages larger than the receive buffer come in pieces, put together in onMessage.
    o.streamLargePayloads = true;
    const max = options.maximumPacketSize ?? DEFAULT_MAXIMUM_PACKET_SIZE;
    if (!Number.isInteger(max) || max < 0 || max > MAX_PACKET_BYTES) throw new Error(`invalid maximumPacketSize ${String(max)}`);
    o.maximumPacketSize = max;
    this.ackTimeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT;

    this.session = new Session(o, this, null);
    // Other packets larger than the receive buffer (a CONNACK with many properties) are taken
    // whole: what the client advertises is what it accepts.
    this.session.framer = new GrowingFramer(this.session.framer);
    this.clock = new NodeClock();
    this.transport = this.makeTransport(options);
    this.transport.openTimeout = o.connectTimeout;
    this.transport.hooks = {
      onError: (err) => this.fail(err),
      onAttempt: () => {
        this.attempts++;
        if (this.attempts > 1) this.emit('reconnect');
      },
    };
    this.driver = new Driver(this.session, this.transport, this.clock);
    // Calls made in one turn of the event loop (a burst of publishes) share one pump: the
    // session's pump scans its whole store, so one per message would cost O(slots) each.
    this.session.notifier = { wake: () => this.scheduleWake() };
  }

  private makeTransport(options: ClientOptions): BaseTransport {
    const protocol = PROTOCOL_ALIASES[options.protocol ?? 'mqtt'];
    if (protocol === undefined) throw new Error(`unsupported protocol '${options.protocol}'`);
    const host = options.host ?? 'localhost';
    const port = options.port ?? DEFAULT_PORTS[protocol];
    const tls = {
      ca: options.ca, cert: options.cert, key: options.key, passphrase: options.passphrase,
      rejectUnauthorized: options.rejectUnauthorized ?? true, servername: options.servername,
    };
    switch (protocol) {
      case 'mqtt': return new TcpTransport({ host, port });
      case 'mqtts': return new TlsTransport({ host, port, ...tls });
      default: {
        const path = options.path === undefined || options.path === '' || options.path === '/' ? '/mqtt' : options.path;
        const h = host.includes(':') ? `[${host}]` : host;
        return new WebSocketTransport({ url: `${protocol}://${h}:${port}${path.startsWith('/') ? path : '/' + path}`, ...tls, ws: options.wsOptions });
      }
    }
  }

  /** Starts connecting (connect() does this). */
  start(): this {
    this.driver.start();
    return this;
  }

  // ---- Application side -------------------------------------------------------------------

  /**
   * Publishes a message. Resolves when it is done: QoS 0 once queued for sending, QoS 1 on
   * PUBACK, QoS 2 on PUBCOMP; rejects with an MqttError carrying the reason code.
   */
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void> {
    let t = this.pubTopicBytes;
    if (topic !== this.pubTopic) {
      t = Buffer.from(topic, 'utf8');
      this.pubTopic = topic;
      this.pubTopicBytes = t;
    }
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const qos = options === undefined ? 0 : options.qos ?? 0;
    if (this.ended) return Promise.reject(new Error('client has ended'));
    if (options !== undefined && options.properties !== undefined && this.version === 5) {
      fillMessageProperties(this.session.messageProperties(), options.properties);
    }
    const retain = options === undefined ? false : options.retain === true;
    let h = this.session.publish(t, 0, t.length, body, 0, body.length, qos, retain);
    if (h === -ReasonCode.QuotaExceeded && this.wakeQueued) {
      // The queue holds this turn's messages: send them now, then try again.
      if (options !== undefined && options.properties !== undefined && this.version === 5) {
        fillMessageProperties(this.session.messageProperties(), options.properties);
      }
      this.driver.wake();
      h = this.session.publish(t, 0, t.length, body, 0, body.length, qos, retain);
    }
    if (h < 0) return Promise.reject(new MqttError(-h, `publish to '${topic}' refused`));
    if (qos === 0) return RESOLVED;
    return new Promise<void>((resolve, reject) => {
      this.publishes.set(h, { resolve, reject });
    });
  }

  /** Subscribes to one or more filters; resolves with what the server granted per filter. */
  subscribe(filters: string | string[] | Record<string, SubscribeOptions>, options?: SubscribeOptions): Promise<Granted[]> {
    const groups = new Map<string, { opts: SubscribeOptions; names: string[] }>();
    const add = (name: string, so: SubscribeOptions): void => {
      const key = JSON.stringify([so.qos ?? 0, so.nl ?? false, so.rap ?? false, so.rh ?? 0, so.subscriptionIdentifier ?? 0]);
      const g = groups.get(key) ?? { opts: so, names: [] };
      g.names.push(name);
      groups.set(key, g);
    };
    if (typeof filters === 'string') add(filters, options ?? {});
    else if (Array.isArray(filters)) for (const f of filters) add(f, options ?? {});
    else for (const [f, so] of Object.entries(filters)) add(f, { ...options, ...so });
    const parts: Promise<Granted[]>[] = [];
    for (const g of groups.values()) {
      const so = g.opts;
      const qos = so.qos ?? 0;
      if (qos < 0 || qos > 2) return Promise.reject(new MqttError(ReasonCode.QosNotSupported, 'subscribe refused'));
      const opts = qos | (so.nl ? 4 : 0) | (so.rap ? 8 : 0) | ((so.rh ?? 0) << 4);
      for (let i = 0; i < g.names.length; i += this.session.opts.filtersPerPacket) {
        parts.push(this.request(true, g.names.slice(i, i + this.session.opts.filtersPerPacket), opts, so.subscriptionIdentifier ?? 0));
      }
    }
    return Promise.all(parts).then((r) => r.flat());
  }

  /** Unsubscribes; resolves once the server has acknowledged (at once for filters not held). */
  async unsubscribe(filters: string | string[]): Promise<void> {
    const names = typeof filters === 'string' ? [filters] : filters;
    const parts: Promise<Granted[]>[] = [];
    for (let i = 0; i < names.length; i += this.session.opts.filtersPerPacket) {
      parts.push(this.request(false, names.slice(i, i + this.session.opts.filtersPerPacket), 0, 0));
    }
    await Promise.all(parts);
  }

  /**
   * Disconnects (DISCONNECT, reason 0) and stops reconnecting. Resolves once the connection is
   * closed. Messages still unacknowledged are rejected. force: close without DISCONNECT.
   */
  end(force = false): Promise<void> {
    if (this.ended) return RESOLVED;
    const p = new Promise<void>((resolve) => this.endWaiters.push(resolve));
    if (this.ending) return p;
    this.ending = true;
    const d = this.driver;
    if (d.state === DriverState.Stopped || d.state === DriverState.Waiting) {
      d.stop(0);
      this.finish();
    } else if (force || d.state === DriverState.Opening || this.session.state === SessionState.Idle) {
      this.session.stopped = true;
      this.transport.abort();
    } else {
      d.stop(ReasonCode.NormalDisconnection);
      // A server that stops reading would hold DISCONNECT, and so end(), back for ever.
      if (this.ackTimeout > 0) {
        this.endTimer = setTimeout(() => {
          this.session.stopped = true;
          this.transport.abort();
        }, this.ackTimeout);
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
      if (!this.reconnect) this.session.stopped = true;
      this.fail(new MqttError(ack.reasonCode, 'connection refused'));
      return;
    }
    this.connected = true;
    this.emit('connect', info);
    // A request cut off by the connection's end is sent again now: its wait starts again.
    if (this.active !== null) this.armAckTimer();
    this.nextRequest();
  }

  onMessage(msg: Packet): void {
    if (msg.chunk !== 0) {
      this.onPiece(msg);
      return;
    }
    const topic = this.topicOf(msg);
    const payload = Buffer.allocUnsafe(msg.payloadLen);
    payload.set(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen));
    this.emit('message', topic, payload, this.infoOf(msg));
  }

  /** A piece of a message larger than the receive buffer (chunk 1 head, 2 more, 3 aborted). */
  private onPiece(msg: Packet): void {
    if (msg.chunk === 1) {
      // Sized from the bytes that came, not from the length the server claims.
      this.partial = { payload: Buffer.allocUnsafe(msg.payloadLen), topic: this.topicOf(msg), info: this.infoOf(msg) };
    }
    const part = this.partial;
    if (part === null) return;
    if (msg.chunk === 3) {
      this.partial = null;
      return;
    }
    const end = msg.streamOffset + msg.payloadLen;
    if (end > part.payload.length) {
      // Doubling keeps the copies linear; the last size is the message's own.
      const bigger = Buffer.allocUnsafe(Math.min(msg.streamTotal, Math.max(end, part.payload.length * 2)));
      part.payload.copy(bigger, 0, 0, msg.streamOffset);
      part.payload = bigger;
    }
    part.payload.set(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen), msg.streamOffset);
    if (end >= msg.streamTotal) {
      this.partial = null;
      this.emit('message', part.topic, part.payload, part.info);
    }
  }

  private infoOf(msg: Packet): MessageInfo {
    const info: MessageInfo = { qos: msg.qos as QoS, retain: msg.retain, dup: msg.dup };
    if (this.version === 5 && !msg.props.isEmpty()) info.properties = propertiesObject(msg.props) as MessageProperties;
    return info;
  }

  private topicOf(msg: Packet): string {
    const len = msg.topicLen;
    let topic = this.rxTopic;
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
      topic = bytes.toString('utf8');
      this.rxTopic = topic;
      this.rxTopicBytes = bytes;
    }
    return topic;
  }

  onPublishDone(handle: number, reasonCode: number): void {
    const p = this.publishes.get(handle);
    if (p === undefined) return;
    this.publishes.delete(handle);
    if (reasonCode < 0x80) p.resolve();
    else p.reject(new MqttError(reasonCode, 'publish failed'));
  }

  onSubscribe(ack: Packet): void {
    this.onAck(ack, true);
  }

  onUnsubscribe(ack: Packet): void {
    this.onAck(ack, false);
  }

  onClose(reasonCode: number, server: Packet | null): void {
    const was = this.connected;
    this.connected = false;
    if (!this.ending && reasonCode >= 0x80) {
      let what = server !== null ? 'disconnected by the server' : 'connection closed';
      if (server !== null && this.version === 5 && server.props.has(PropertyId.ReasonString)) {
        const p = server.props;
        what += ` (${propBytes(p, PropertyId.ReasonString).toString('utf8')})`;
      }
      this.fail(new MqttError(reasonCode, what));
    }
    if (!this.reconnect) this.session.stopped = true;
    this.clearAckTimer();
    const req = this.active;
    if (req !== null && req.id > 0) {
      // Sent again with a new packet id after the reconnect.
      req.id = 0;
      this.transport.hooks.onWrite = this.watchIds;
    }
    if (was && !this.ending) this.emit('offline');
    this.emit('close', reasonCode);
    if (this.session.stopped) {
      // No reconnect follows (the driver is stopping): settle everything.
      process.nextTick(() => this.finish());
    }
  }

  // ---- Inside -------------------------------------------------------------------------------

  private scheduleWake(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    queueMicrotask(this.wakeNow);
  }

  private fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.ending = true;
    this.connected = false;
    this.clock.dispose();
    const err = new Error('client has ended');
    for (const p of this.publishes.values()) p.reject(err);
    this.publishes.clear();
    this.clearAckTimer();
    if (this.endTimer !== null) clearTimeout(this.endTimer);
    if (this.active !== null) this.active.reject(err);
    this.active = null;
    for (const r of this.requests.splice(0)) r.reject(err);
    this.emit('end');
    for (const w of this.endWaiters.splice(0)) w();
  }

  private request(sub: boolean, names: string[], options: number, subId: number): Promise<Granted[]> {
    if (this.ended) return Promise.reject(new Error('client has ended'));
    const filters = names.map((n) => Buffer.from(n, 'utf8'));
    for (let i = 0; i < filters.length; i++) {
      if (validateTopicFilter(filters[i], 0, filters[i].length) < 0) {
        return Promise.reject(new MqttError(ReasonCode.TopicFilterInvalid, `invalid topic filter '${names[i]}'`));
      }
    }
    return new Promise<Granted[]>((resolve, reject) => {
      this.requests.push({ sub, names, filters, options, subId, slots: [], codes: [], id: 0, resolve, reject });
      this.nextRequest();
    });
  }

  /** Starts the next SUBSCRIBE/UNSUBSCRIBE (one at a time, so that acks map to requests). */
  private nextRequest(): void {
    if (this.active !== null || !this.connected || this.requests.length === 0) return;
    const r = this.requests.shift()!;
    const s = this.session;
    let added = 0;
    for (let i = 0; i < r.filters.length; i++) {
      const f = r.filters[i];
      const rc = r.sub ? s.subscribeAdd(f, 0, f.length, r.options, r.subId, null) : s.unsubscribeAdd(f, 0, f.length);
      r.slots.push(rc < 0 ? -1 : s.subs.find(f, 0, f.length));
      r.codes.push(rc < 0 ? -rc : 0);
      if (rc >= 0) added++;
    }
    if (added === 0) {
      r.resolve(this.granted(r));
      this.nextRequest();
      return;
    }
    this.active = r;
    this.armAckTimer();
    r.id = s.subscribeSend();
    if (r.id === 0) {
      this.transport.hooks.onWrite = this.watchIds;
      this.resolveRequestId();
    }
  }

  /** Finds the packet id the session gave the active request's filters once it is sent. */
  private resolveRequestId(): void {
    const r = this.active;
    if (r === null || r.id !== 0) {
      this.transport.hooks.onWrite = undefined;
      return;
    }
    const subs = this.session.subs;
    let freed = true;
    for (const slot of r.slots) {
      if (slot < 0) continue;
      const want = r.sub ? SubState.Subscribing : SubState.Unsubscribing;
      if (subs.state(slot) === want && subs.pendingId(slot) !== 0) {
        r.id = subs.pendingId(slot);
        this.transport.hooks.onWrite = undefined;
        return;
      }
      if (subs.state(slot) !== SubState.Free) freed = false;
    }
    if (!r.sub && freed) {
      // Dropped with the session after a reconnect: nothing is left to unsubscribe from.
      this.transport.hooks.onWrite = undefined;
      this.clearAckTimer();
      this.active = null;
      r.resolve(this.granted(r));
      this.nextRequest();
    }
  }

  private onAck(ack: Packet, sub: boolean): void {
    const r = this.active;
    if (r === null || r.sub !== sub || r.id !== ack.packetId) return;
    for (let i = 0; i < r.slots.length; i++) {
      const slot = r.slots[i];
      if (slot < 0) continue;
      const pos = this.session.subs.position(slot);
      r.codes[i] = pos < ack.count ? ack.codes[pos] : ReasonCode.UnspecifiedError;
    }
    this.clearAckTimer();
    this.active = null;
    r.resolve(this.granted(r));
    this.nextRequest();
  }

  private armAckTimer(): void {
    this.clearAckTimer();
    if (this.ackTimeout > 0) this.ackTimer = setTimeout(this.onAckTimeout, this.ackTimeout);
  }

  private clearAckTimer(): void {
    if (this.ackTimer === null) return;
    clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }

  /**
   * No SUBACK/UNSUBACK in time: the request fails and the next one goes. A late ack still
   * updates the session's subscriptions; one with an id never sent ends the connection (0x82).
   */
  private readonly onAckTimeout = (): void => {
    this.ackTimer = null;
    const r = this.active;
    if (r === null) return;
    if (this.transport.hooks.onWrite === this.watchIds) this.transport.hooks.onWrite = undefined;
    this.active = null;
    const what = r.sub ? 'subscribe to' : 'unsubscribe from';
    r.reject(new Error(`${what} '${r.names.join("', '")}' timed out: no ${r.sub ? 'SUBACK' : 'UNSUBACK'} within ${this.ackTimeout} ms`));
    this.nextRequest();
  };

  private granted(r: Request): Granted[] {
    return r.names.map((topic, i) => ({ topic, qos: r.codes[i] }));
  }
}

/**
 * Connects to url (mqtt://user:pass@host:port, mqtts://, ws://host:port/path, wss://) with
 * options (which override what the URL says). Returns the client at once; it emits `connect`.
 */
export function connect(url: string | ClientOptions, options: ClientOptions = {}): MqttClient {
  let o: ClientOptions;
  if (typeof url === 'string') {
    const e = parseUrl(url);
    o = { protocol: e.protocol, host: e.host, port: e.port, path: e.path, username: e.username, password: e.password };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  } else {
    o = { ...url, ...options };
  }
  return new MqttClient(o).start();
}

/** connect(), resolved on the first CONNACK; rejected (and the client ended) if the first attempt fails. */
export function connectAsync(url: string | ClientOptions, options: ClientOptions = {}): Promise<MqttClient> {
  const client = connect(url, options);
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      client.off('error', onError);
      client.off('close', onClose);
      resolve(client);
    };
    let firstError: Error | null = null;
    const onError = (err: Error): void => {
      if (firstError === null) firstError = err;
    };
    const onClose = (): void => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      void client.end(true);
      reject(firstError ?? new Error('connection closed before CONNACK'));
    };
    client.once('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}
