// What a Node client is made with: MQTT.js-shaped options and the core capacities behind them,
// and how they become the session's SessionOptions.
import { MAX_VARINT, PropertyId, ProtocolVersion } from '../../core/codec/constants.js';
import { Properties } from '../../core/codec/properties.js';
import { ExtraProperties, SessionOptions } from '../../core/session/options.js';
import { validateTopicName } from '../../core/topic/validate.js';
import type { ClientClock } from './clock.js';
import type { BaseTransport } from '../transports/base.js';
import { fillMessageProperties, fillUserProperties, userPropertyCount } from './properties.js';

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

/** The largest packet MQTT can frame: the largest Remaining Length and its fixed header. */
const MAX_PACKET_BYTES = MAX_VARINT + 5;

/** The core's fixed capacities, chosen once at connect (see SessionOptions). */
export interface Capacities {
  /** Receive buffer. Larger packets are taken too (up to maximumPacketSize): messages in pieces put together, others in a buffer grown as they arrive. Default 16384. */
  receiveBufferSize: number;
  /** Send buffer. A larger message is written through it in pieces. Default 65536. */
  sendBufferSize: number;
  /** QoS 1/2 messages awaiting acknowledgement at once (the server's Receive Maximum may lower it). Default 1024. */
  inflight: number;
  /** Messages the session holds waiting to be sent; more wait in the client (see ClientOptions.queueLimit). Default 1024. */
  queueCount: number;
  /** Bytes for the messages the session holds. Default 4 MiB. */
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
  inflight: 1024,
  queueCount: 1024,
  storeBytes: 4 << 20,
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

/** MQTT 5 message properties (PUBLISH and will), as MQTT.js names them. */
export interface MessageProperties {
  /** 1: the payload is UTF-8 (sent: true or 1, as MQTT.js). */
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

/** Properties of a message sent: MQTT.js spells payloadFormatIndicator as a boolean. */
export type OutgoingProperties = Omit<MessageProperties, 'payloadFormatIndicator'> & { payloadFormatIndicator?: boolean | number };

export interface WillOptions {
  topic: string;
  payload?: string | Uint8Array;
  qos?: QoS;
  retain?: boolean;
  /** MQTT 5: willDelayInterval, messageExpiryInterval, payloadFormatIndicator, contentType, responseTopic, correlationData, userProperties. */
  properties?: OutgoingProperties & { willDelayInterval?: number };
}

/** MQTT 5 CONNECT properties, as MQTT.js names them (ClientOptions.properties). */
export interface ConnectProperties {
  sessionExpiryInterval?: number;
  /** Inbound QoS 2 messages at once (capacities.inboundQos2). */
  receiveMaximum?: number;
  maximumPacketSize?: number;
  topicAliasMaximum?: number;
  requestResponseInformation?: boolean;
  requestProblemInformation?: boolean;
  userProperties?: Record<string, string | string[]>;
  authenticationMethod?: string;
  authenticationData?: Buffer;
}

/** One server of ClientOptions.servers (MQTT.js's shape); protocol defaults to the client's. */
export interface ServerAddress {
  host: string;
  port?: number;
  protocol?: string;
}

export interface ClientOptions {
  /**
   * Failover (MQTT.js's `servers`): the servers tried, one per connection attempt, starting with
   * the first; host, port and protocol of the URL or options are then unused. A failed attempt
   * goes on to the next server at once; after a whole round without a connection, the
   * reconnect back-off applies (its exponent counts rounds). A lost connection goes on to the
   * next server after the back-off's first delay.
   */
  servers?: ServerAddress[];
  /** 'ordered' (default: first to last, as MQTT.js) or 'random' (a new random order each round). */
  serversOrder?: 'ordered' | 'random';
  /**
   * MQTT 5: follow a Server Reference sent with CONNACK or DISCONNECT reason 0x9C (Use another
   * server: the next attempt) or 0x9D (Server moved: kept while it accepts). Default false, as
   * MQTT.js: a server can send the client (and its credentials) anywhere.
   */
  followServerReference?: boolean;
  /** mqtt (TCP), mqtts (TLS), ws, wss; also tcp, tls, ssl. Taken from the URL when one is given. */
  protocol?: string;
  host?: string;
  /** MQTT.js's other name for host. */
  hostname?: string;
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
  /** MQTT 5 Session Expiry Interval, seconds (also properties.sessionExpiryInterval). */
  sessionExpiryInterval?: number;
  /** MQTT 5 CONNECT properties. */
  properties?: ConnectProperties;
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
   * subscribe()/unsubscribe() fails), and for end()'s DISCONNECT to get out (then the connection
   * is dropped). Default 30000; 0: no limit.
   */
  ackTimeout?: number;
  /**
   * Messages waiting in the client beyond what the session holds (capacities.queueCount): as
   * MQTT.js, unbounded by default; a publish beyond the limit fails with Quota exceeded (0x97).
   */
  queueLimit?: number;
  /** MQTT 5 CONNECT options (also in properties). */
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
  /** A transport of one's own (a test's scripted peer); protocol, host, port and servers are then unused. */
  transport?: BaseTransport;
  /** A clock of one's own (virtual time in tests). */
  clock?: ClientClock;
}

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  /** MQTT 5 only. */
  properties?: OutgoingProperties;
}

export interface SubscribeOptions {
  qos?: QoS;
  /** MQTT 5: no local, retain as published, retain handling (0, 1, 2). */
  nl?: boolean;
  rap?: boolean;
  rh?: number;
  /** MQTT 5 Subscription Identifier (1..268435455); also properties.subscriptionIdentifier as MQTT.js. */
  subscriptionIdentifier?: number;
  properties?: { subscriptionIdentifier?: number; userProperties?: Record<string, string | string[]> };
}

/** MQTT 5 user properties, as MQTT.js gives them: a key's values in order. */
export type UserProperties = Record<string, string | string[]>;

/** MQTT.js's unsubscribe options. */
export interface UnsubscribeOptions {
  /** MQTT 5 only. */
  properties?: { userProperties?: UserProperties };
}

/** MQTT.js's ISubscriptionGrant. */
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

/** A received message's details; also its topic and payload, so that it reads as MQTT.js's packet. */
export interface MessageInfo {
  qos: QoS;
  retain: boolean;
  dup: boolean;
  properties?: MessageProperties;
  topic?: string;
  payload?: Buffer;
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

export function toBytes(v: string | Uint8Array | undefined | null): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** The session's options for these client options; throws on what cannot be used. */
export function sessionOptionsFor(options: ClientOptions, version: number): SessionOptions {
  const o = new SessionOptions();
  const cp = options.properties ?? {};
  o.version = version === 3 ? ProtocolVersion.V31 : version === 4 ? ProtocolVersion.V311 : ProtocolVersion.V5;
  Object.assign(o, NODE_CAPACITIES, options.capacities ?? {});
  if (cp.receiveMaximum !== undefined) o.inboundQos2 = cp.receiveMaximum;
  if (cp.topicAliasMaximum !== undefined) o.topicAliasMaximum = cp.topicAliasMaximum;
  o.clientId = toBytes(options.clientId ?? '');
  o.keepAlive = options.keepalive ?? 60;
  o.cleanStart = options.clean ?? true;
  o.sessionExpiry = options.sessionExpiryInterval ?? cp.sessionExpiryInterval ?? 0;
  o.username = options.username === undefined ? null : toBytes(options.username);
  o.password = options.password === undefined ? null : toBytes(options.password);
  const w = options.will;
  if (w !== undefined) {
    const topic = toBytes(w.topic);
    if (w.topic === '' || validateTopicName(topic, 0, topic.length) < 0) throw new Error(`invalid will topic '${w.topic}'`);
    o.willTopic = topic;
    o.willPayload = toBytes(w.payload);
    o.willQos = w.qos ?? 0;
    o.willRetain = w.retain ?? false;
    const wp = w.properties ?? {};
    if (wp.willDelayInterval !== undefined) o.willDelay = wp.willDelayInterval;
    if (wp.messageExpiryInterval !== undefined) o.willMessageExpiry = wp.messageExpiryInterval;
    if (wp.payloadFormatIndicator !== undefined) o.willPayloadFormat = Number(wp.payloadFormatIndicator);
    if (wp.contentType !== undefined) o.willContentType = toBytes(wp.contentType);
  }
  if (o.version === ProtocolVersion.V5) o.extraProperties = extraPropertiesFor(o, cp, w);
  o.requestResponseInformation = options.requestResponseInformation ?? cp.requestResponseInformation ?? false;
  o.requestProblemInformation = options.requestProblemInformation ?? cp.requestProblemInformation ?? true;
  o.connectTimeout = options.connectTimeout ?? 30000;
  const period = options.reconnectPeriod ?? 1000;
  o.backoffBase = period > 0 ? period : 1000;
  o.backoffMax = Math.max(o.backoffBase, options.reconnectPeriodMax ?? 30000);
  o.backoffJitter = options.reconnectJitter ?? 0.5;
  o.resubscribe = options.resubscribe ?? true;
  // Messages larger than the receive buffer come in pieces, put together by the client.
  o.streamLargePayloads = true;
  // Every message is reported once written, QoS 0 included: the client then knows the session has room again.
  o.reportQos0 = true;
  const max = options.maximumPacketSize ?? cp.maximumPacketSize ?? DEFAULT_MAXIMUM_PACKET_SIZE;
  if (!Number.isInteger(max) || max < 0 || max > MAX_PACKET_BYTES) throw new Error(`invalid maximumPacketSize ${String(max)}`);
  o.maximumPacketSize = max;
  return o;
}

/**
 * The CONNECT and will properties the session has no field of its own for (user properties,
 * authentication, the will's Response Topic and Correlation Data), and the record a SUBSCRIBE or
 * UNSUBSCRIBE's user properties are put in. Raises o.userProperties to what they need.
 */
function extraPropertiesFor(o: SessionOptions, cp: ConnectProperties, w: WillOptions | undefined): ExtraProperties {
  const x = new ExtraProperties();
  // MQTT 5 section 3.1.2.11.10: Authentication Data without a method is a Protocol Error.
  if (cp.authenticationData !== undefined && cp.authenticationMethod === undefined) throw new Error('authenticationData needs authenticationMethod');
  const users = userPropertyCount(cp.userProperties);
  if (users > 0 || cp.authenticationMethod !== undefined) {
    o.userProperties = Math.max(o.userProperties, users);
    const p = new Properties(users, 0);
    if (cp.userProperties !== undefined) fillUserProperties(p, cp.userProperties);
    if (cp.authenticationMethod !== undefined) {
      const m = toBytes(cp.authenticationMethod);
      p.setBytes(PropertyId.AuthenticationMethod, m, 0, m.length);
    }
    if (cp.authenticationData !== undefined) p.setBytes(PropertyId.AuthenticationData, cp.authenticationData, 0, cp.authenticationData.length);
    x.connect = p;
  }
  const wp = w?.properties;
  if (wp !== undefined && (wp.responseTopic !== undefined || wp.correlationData !== undefined || wp.userProperties !== undefined)) {
    if (wp.responseTopic !== undefined) {
      const rt = toBytes(wp.responseTopic);
      // MQTT 5 section 3.1.3.2.5: the will's Response Topic is a topic name.
      if (wp.responseTopic === '' || validateTopicName(rt, 0, rt.length) < 0) throw new Error(`invalid will response topic '${wp.responseTopic}'`);
    }
    const n = userPropertyCount(wp.userProperties);
    o.userProperties = Math.max(o.userProperties, n);
    const p = new Properties(n, 0);
    fillMessageProperties(p, { responseTopic: wp.responseTopic, correlationData: wp.correlationData, userProperties: wp.userProperties });
    x.will = p;
  }
  x.request = new Properties(o.userProperties, 0);
  return x;
}
