// Moddable's `mqtt/js` (an MQTT.js-style client: $MODDABLE/examples/io/tcp/mqtt/mqtt.js and
// typings/mqtt/js.d.ts) as a drop-in, directly over the xsmqtt session, driver, socket
// transport and timer clock. Same API: connect(url, options) / new Client(url, options);
// options clientId, keepalive (s), clean, reconnectPeriod (ms, 0: no reconnect), connectTimeout,
// username, password, will {topic, payload, qos, retain}, resubscribe; events connect, message
// (topic, message: ArrayBuffer), close, end, error, offline, reconnect through
// on/off/addEventListener/removeEventListener; publish, subscribe (callback(err, granted)),
// unsubscribe, end(force, options, callback), reconnect(), connected, reconnecting,
// getLastMessageId(). The URL is mqtt://[user[:password]@]host[:port] (or mqtts://, tcp://,
// ssl://), parsed here: it needs protocol, host and port only, so Moddable's `url` module (a URL
// object per connect, and its code in flash) is not used. A host name is resolved with
// device.network.mqtt.dns (Moddable's config.js sets it) when the device has one; the socket
// class is device.network.mqtt(s).socket.io when given (mqtts needs it: a TLS socket).
//
// Beyond Moddable's module (the session does these):
// - QoS 1/2 messages not acknowledged when the connection drops are sent again after the
//   reconnect (DUP, with the session kept: clean false), and messages published while offline
//   are queued and sent on the next connection; their callbacks fire when acknowledged.
// - Automatic reconnect with exponential back-off and jitter: the first delay is
//   reconnectPeriod (less up to reconnectJitter of it, random), doubling up to
//   reconnectPeriodMax (default 60000 ms); reconnectJitter is 0..1 (default 0.5).
// - MQTT 5 (protocolVersion: 5, default 4): options.properties {sessionExpiryInterval,
//   receiveMaximum, maximumPacketSize, topicAliasMaximum, requestResponseInformation,
//   requestProblemInformation}; will.properties {willDelayInterval, messageExpiryInterval,
//   payloadFormatIndicator, contentType}; publish options.properties {payloadFormatIndicator,
//   messageExpiryInterval, contentType, responseTopic, correlationData, userProperties};
//   subscribe options nl, rap, rh and properties.subscriptionIdentifier; end options
//   {reasonCode}. A message with properties comes with a third argument, a packet
//   {topic, payload, qos, retain, properties}; a server DISCONNECT emits 'disconnect'
//   ({reasonCode, properties}). Failed MQTT 5 acks (reason code >= 0x80) reach the callbacks as
//   errors. User properties of CONNECT / SUBSCRIBE and enhanced authentication are not offered.
// - Capacities (options.capacities: receiveBufferSize, sendBufferSize, storeBytes, inflight,
//   queueCount, subscriptions, subscriptionBytes): the session allocates everything once. The
//   defaults take Moddable's example (a 16 KB message): a 17 KB send buffer and 20 KB store;
//   the receive buffer is 1 KB and a larger message is reassembled. A device with less memory
//   sets smaller ones (the largest message sent is then about sendBufferSize).
//
// What it allocates per message: received, the message's ArrayBuffer (the API hands one over),
// the topic string unless it is the previous message's (kept), and for a message larger than
// the receive buffer one view per piece; with MQTT 5 properties, the packet object. Published:
// nothing for string topics and payloads (encoded into one scratch buffer, then copied into
// the session's store), one Uint8Array view for an ArrayBuffer or view payload; a callback is
// kept in a fixed table. Subscribe and unsubscribe are cold (a record per call).
// Callbacks: QoS 0 callback() once the message is written, QoS 1/2 callback(null) on PUBACK /
// PUBCOMP, callback(error) when refused (as Moddable's). 'connect' is emitted on CONNACK (as
// MQTT.js; Moddable's waits for the acks of requests made before it). getLastMessageId() is the
// xsmqtt handle of the last publish (packet ids are given when a message goes on the wire).
import { Driver, DriverState } from 'src/core/driver/driver';
import type { TransportEvents } from 'src/core/driver/transport';
import { Session, SessionState } from 'src/core/session/session';
import { SessionOptions, utf8 } from 'src/core/session/options';
import type { SessionHandler } from 'src/core/session/handler';
import { Packet } from 'src/core/codec/packet';
import { PropertyId, ReasonCode } from 'src/core/codec/constants';
import { decodeUtf8, encodeUtf8, utf8Length } from 'src/core/codec/utf8';
import { TimerClock } from 'targets/moddable/clock';
import { SocketTransport, type DnsOptions, type SocketConstructor } from 'targets/moddable/transport';

type Listener = (...args: never[]) => unknown;
type PacketCallback = (error?: Error | null) => unknown;
type SubscribeCallback = (error: Error | null, granted: { topic: string; qos: number }[]) => unknown;
type Payload = string | ArrayBuffer | ArrayBufferView;

export interface ClientOptions {
  clientId?: string;
  keepalive?: number;
  clean?: boolean;
  reconnectPeriod?: number;
  reconnectPeriodMax?: number;
  reconnectJitter?: number;
  connectTimeout?: number;
  username?: string;
  password?: string | ArrayBuffer;
  will?: { topic: string; payload: Payload; qos?: number; retain?: boolean; properties?: Record<string, unknown> };
  resubscribe?: boolean;
  protocolVersion?: number;
  properties?: Record<string, unknown>;
  capacities?: Record<string, number>;
}

const EVENTS = ['connect', 'message', 'close', 'end', 'error', 'offline', 'reconnect', 'disconnect'];
/** Topic bytes kept to reuse the previous message's topic string. */
const TOPIC_CACHE = 64;

/** A subscribe or unsubscribe call waiting for its SUBACK / UNSUBACK codes. */
interface Request {
  unsubscribe: boolean;
  topics: string[];
  bytes: Uint8Array[];
  /** Per filter: the code, or -1 while unanswered. */
  codes: number[];
  left: number;
  /** The first reason code of a filter refused before it was sent (invalid, no slot left), or 0. */
  refused: number;
  callback: Function | null;
}

interface NetworkConfig {
  socket?: { io?: SocketConstructor } & Record<string, unknown>;
  dns?: DnsOptions;
}

/* cold */
function networkConfig(name: string): NetworkConfig | null {
  const d = (globalThis as unknown as { device?: { network?: Record<string, NetworkConfig | undefined> } }).device;
  const c = d?.network?.[name];
  return c === undefined ? null : c;
}

/* cold */
function toBytes(v: Payload): Uint8Array {
  if (typeof v === 'string') return utf8(v);
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  return new Uint8Array((v.buffer as ArrayBuffer).slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/* cold */
function refusal(what: string, code: number): Error {
  return new Error(what + ' refused: reason 0x' + code.toString(16));
}

/** A message carries properties the application sees (not only a topic alias, which the session resolves). */
function reportable(msg: Packet): boolean {
  const pr = msg.props;
  return pr.userCount > 0 || pr.subIdCount > 0 || pr.has(PropertyId.PayloadFormatIndicator) || pr.has(PropertyId.MessageExpiryInterval) ||
    pr.has(PropertyId.ContentType) || pr.has(PropertyId.ResponseTopic) || pr.has(PropertyId.CorrelationData);
}

/** The transport, telling the client of each connection attempt (for 'reconnect'). */
class AttemptTransport extends SocketTransport {
  client: Client | null = null;

  /* cold */
  open(events: TransportEvents): void {
    const client = this.client;
    if (client !== null) client.attempting();
    return super.open(events);
  }
}

export class Client implements SessionHandler {
  session: Session;
  driver: Driver;
  transport: AttemptTransport;
  clock: TimerClock;
  v5: boolean;
  private listeners: Record<string, Listener[]>;
  private reconnectPeriod: number;
  /** Callbacks of messages not yet done: handle and QoS per entry (handle 0: free). */
  private cbHandle: Float64Array;
  private cbQos: Uint8Array;
  private cbFn: (PacketCallback | null)[];
  /** Inside session.publish(): a QoS 0 message may be reported before its handle is returned. */
  private publishing: boolean;
  private publishingCallback: PacketCallback | null;
  private publishingDone: boolean;
  private lastHandle: number;
  private requests: Request[];
  /** String topics and payloads are encoded here before the session copies them. */
  private scratch: Uint8Array;
  private topicBytes: Uint8Array;
  private topicLen: number;
  private topic: string;
  /** A message larger than the receive buffer, being reassembled. */
  private streamView: Uint8Array | null;
  private streamTopic: string;
  private streamPacket: Record<string, unknown> | null;
  private attempts: number;
  private wasConnected: boolean;
  private refused: boolean;
  private ending: boolean;
  private endReason: number;
  private endCallback: (() => unknown) | null;
  reconnecting: boolean;

  /* cold */
  constructor(href: string, options?: ClientOptions) {
    const o = options ?? {};
    const url = parseUrl(href);
    const secure = url.protocol === 'mqtts' || url.protocol === 'ssl';
    const net = networkConfig(secure ? 'mqtts' : 'mqtt');
    let socketClass: SocketConstructor | undefined = undefined;
    let extra: Record<string, unknown> | null = null;
    if (net !== null && net.socket !== undefined) {
      const keys = Object.keys(net.socket);
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] === 'io') socketClass = net.socket.io;
        else {
          if (extra === null) extra = {};
          extra[keys[i]] = net.socket[keys[i]];
        }
      }
    }
    if (secure) {
      if (socketClass === undefined) throw new URIError('mqtts needs device.network.mqtts.socket.io (a TLS socket)');
      if (extra === null) extra = {};
      extra.host = url.host;
    }
    const so = new SessionOptions();
    const version = o.protocolVersion ?? 4;
    if (version !== 4 && version !== 5) throw new RangeError('protocolVersion 4 or 5');
    so.version = version;
    so.clientId = utf8(o.clientId ?? 'mqttxs_' + Math.random().toString(16).substr(2, 8));
    so.keepAlive = o.keepalive ?? 60;
    so.cleanStart = o.clean ?? true;
    so.connectTimeout = o.connectTimeout ?? 30000;
    const username = o.username ?? url.username;
    const password = o.password ?? url.password;
    if (username !== undefined) so.username = utf8(username);
    if (password !== undefined) so.password = toBytes(password);
    so.resubscribe = o.resubscribe ?? true;
    this.reconnectPeriod = o.reconnectPeriod ?? 1000;
    so.backoffBase = this.reconnectPeriod > 0 ? this.reconnectPeriod : 1000;
    so.backoffMax = o.reconnectPeriodMax ?? (so.backoffBase > 60000 ? so.backoffBase : 60000);
    so.backoffJitter = o.reconnectJitter ?? 0.5;
    so.reportQos0 = true;
    so.receiveBufferSize = 1024;
    so.streamLargePayloads = true;
    so.sendBufferSize = 17408;
    so.storeBytes = 20480;
    const will = o.will;
    if (will !== undefined) {
      so.willTopic = utf8(will.topic);
      so.willPayload = toBytes(will.payload);
      so.willQos = will.qos ?? 0;
      so.willRetain = will.retain ?? false;
      const wp = will.properties;
      if (wp !== undefined) {
        if (typeof wp.willDelayInterval === 'number') so.willDelay = wp.willDelayInterval;
        if (typeof wp.messageExpiryInterval === 'number') so.willMessageExpiry = wp.messageExpiryInterval;
        if (wp.payloadFormatIndicator !== undefined) so.willPayloadFormat = wp.payloadFormatIndicator ? 1 : 0;
        if (typeof wp.contentType === 'string') so.willContentType = utf8(wp.contentType);
      }
    }
    const p = o.properties;
    if (p !== undefined) {
      if (typeof p.sessionExpiryInterval === 'number') so.sessionExpiry = p.sessionExpiryInterval;
      if (typeof p.receiveMaximum === 'number') so.inboundQos2 = p.receiveMaximum;
      if (typeof p.maximumPacketSize === 'number') so.maximumPacketSize = p.maximumPacketSize;
      if (typeof p.topicAliasMaximum === 'number') so.topicAliasMaximum = p.topicAliasMaximum;
      if (p.requestResponseInformation !== undefined) so.requestResponseInformation = p.requestResponseInformation === true;
      if (p.requestProblemInformation !== undefined) so.requestProblemInformation = p.requestProblemInformation !== false;
    }
    const cap = o.capacities;
    if (cap !== undefined) {
      const known = ['receiveBufferSize', 'sendBufferSize', 'storeBytes', 'inflight', 'queueCount', 'subscriptions', 'subscriptionBytes'];
      const keys = Object.keys(cap);
      for (let i = 0; i < keys.length; i++) {
        if (known.indexOf(keys[i]) < 0) throw new RangeError('unknown capacity ' + keys[i]);
        (so as unknown as Record<string, number>)[keys[i]] = cap[keys[i]];
      }
    }
    this.v5 = version === 5;
    this.listeners = {};
    for (let i = 0; i < EVENTS.length; i++) this.listeners[EVENTS[i]] = [];
    const slots = so.inflight + so.queueCount;
    this.cbHandle = new Float64Array(slots);
    this.cbQos = new Uint8Array(slots);
    this.cbFn = [];
    for (let i = 0; i < slots; i++) this.cbFn.push(null);
    this.publishing = false;
    this.publishingCallback = null;
    this.publishingDone = false;
    this.lastHandle = 0;
    this.requests = [];
    this.scratch = new Uint8Array(so.sendBufferSize);
    this.topicBytes = new Uint8Array(TOPIC_CACHE);
    this.topicLen = -1;
    this.topic = '';
    this.streamView = null;
    this.streamTopic = '';
    this.streamPacket = null;
    this.attempts = 0;
    this.wasConnected = false;
    this.refused = false;
    this.ending = false;
    this.endReason = 0;
    this.endCallback = null;
    this.reconnecting = false;
    this.session = new Session(so, this, null);
    this.transport = new AttemptTransport(url.host, url.port > 0 ? url.port : secure ? 8883 : 1883, so.receiveBufferSize, so.sendBufferSize,
      socketClass, extra, net !== null && net.dns !== undefined ? net.dns : null);
    this.transport.client = this;
    this.clock = new TimerClock();
    this.driver = new Driver(this.session, this.transport, this.clock);
    this.driver.start();
  }

  get connected(): boolean {
    return this.session.state === SessionState.Connected && !this.session.closeWanted;
  }

  // ---- Events ----

  /* cold */
  addEventListener(event: string, listener: Listener): this {
    const list = this.listeners[event];
    if (list === undefined) throw new Error('no such event');
    list.push(listener);
    return this;
  }

  /* cold */
  removeEventListener(event: string, listener: Listener): this {
    const list = this.listeners[event];
    if (list === undefined) throw new Error('no such event');
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
    return this;
  }

  on(event: string, listener: Listener): this {
    return this.addEventListener(event, listener);
  }

  off(event: string, listener: Listener): this {
    return this.removeEventListener(event, listener);
  }

  private emit(event: string, a?: unknown, b?: unknown, c?: unknown): void {
    const list = this.listeners[event];
    for (let i = 0; i < list.length; i++) (list[i] as unknown as (x: unknown, y: unknown, z: unknown) => void).call(null, a, b, c);
  }

  // ---- Application side ----

  publish(topic: string, message: Payload, options?: Record<string, unknown> | PacketCallback, callback?: PacketCallback): this {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const cb = typeof callback === 'function' ? callback : null;
    if (this.ending) {
      if (cb !== null) cb(new Error('MQTT client disconnecting'));
      return this;
    }
    const qos = options !== undefined && typeof options.qos === 'number' ? options.qos : 0;
    const retain = options !== undefined && options.retain === true;
    const s = this.session;
    const scratch = this.scratch;
    // The topic, then a string payload, go into the scratch buffer (the session copies them).
    const tlen = utf8Length(topic);
    if (tlen > scratch.length) {
      if (cb !== null) cb(refusal('publish', ReasonCode.PacketTooLarge));
      return this;
    }
    encodeUtf8(topic, scratch, 0);
    let payload = scratch;
    let poff = tlen;
    let plen = 0;
    if (typeof message === 'string') {
      plen = utf8Length(message);
      if (tlen + plen <= scratch.length) encodeUtf8(message, scratch, tlen);
      else {
        payload = utf8(message);
        poff = 0;
      }
    } else if (message instanceof ArrayBuffer) {
      payload = new Uint8Array(message);
      poff = 0;
      plen = payload.length;
    } else if (ArrayBuffer.isView(message)) {
      payload = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      poff = 0;
      plen = payload.length;
    } else {
      payload = utf8(String(message));
      poff = 0;
      plen = payload.length;
    }
    if (this.v5 && options !== undefined && options.properties !== undefined) this.messageProperties(options.properties as Record<string, unknown>);
    this.publishing = true;
    this.publishingCallback = cb;
    this.publishingDone = false;
    const h = s.publish(scratch, 0, tlen, payload, poff, plen, qos, retain);
    this.publishing = false;
    this.publishingCallback = null;
    if (h < 0) {
      if (cb !== null) cb(refusal('publish', -h));
      return this;
    }
    this.lastHandle = h;
    if (cb !== null && !this.publishingDone) this.keep(h, qos, cb);
    return this;
  }

  subscribe(topics: string | string[] | Record<string, number | { qos: number }>, options?: Record<string, unknown> | SubscribeCallback, callback?: SubscribeCallback): this {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const cb = typeof callback === 'function' ? callback : null;
    if (this.ending) {
      if (cb !== null) cb(new Error('MQTT client disconnecting'), []);
      return this;
    }
    const qos = options !== undefined && typeof options.qos === 'number' ? options.qos : 0;
    let flags = 0;
    let subId = 0;
    if (options !== undefined && this.v5) {
      if (options.nl === true) flags |= 0x04;
      if (options.rap === true) flags |= 0x08;
      if (typeof options.rh === 'number') flags |= (options.rh & 3) << 4;
      const props = options.properties as Record<string, unknown> | undefined;
      if (props !== undefined && typeof props.subscriptionIdentifier === 'number') subId = props.subscriptionIdentifier;
    }
    const req = this.request(false, cb);
    if (typeof topics === 'string') this.addFilter(req, topics, qos | flags, subId);
    else if (Array.isArray(topics)) for (let i = 0; i < topics.length; i++) this.addFilter(req, topics[i], qos | flags, subId);
    else {
      const keys = Object.keys(topics);
      for (let i = 0; i < keys.length; i++) {
        const v = topics[keys[i]];
        this.addFilter(req, keys[i], (typeof v === 'number' ? v : v.qos) | flags, subId);
      }
    }
    return this.send(req);
  }

  unsubscribe(topics: string | string[], options?: Record<string, unknown> | PacketCallback, callback?: PacketCallback): this {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const cb = typeof callback === 'function' ? callback : null;
    if (this.ending) {
      if (cb !== null) cb(new Error('MQTT client disconnecting'));
      return this;
    }
    const req = this.request(true, cb);
    if (typeof topics === 'string') this.addFilter(req, topics, 0, 0);
    else for (let i = 0; i < topics.length; i++) this.addFilter(req, topics[i], 0, 0);
    return this.send(req);
  }

  /** Closes: after the messages in flight are acknowledged (unless force), with DISCONNECT; then 'close', 'end' and callback. */
  /* cold */
  end(force?: boolean | Record<string, unknown> | (() => unknown), options?: Record<string, unknown> | (() => unknown), callback?: () => unknown): this {
    if (typeof force !== 'boolean') {
      callback = options as (() => unknown) | undefined;
      options = force;
      force = false;
    }
    if (typeof options !== 'object') {
      callback = options;
      options = undefined;
    }
    const cb = typeof callback === 'function' ? callback : null;
    if (this.ending || this.driver.state === DriverState.Stopped) {
      if (cb !== null) cb();
      return this;
    }
    this.ending = true;
    this.reconnecting = false;
    this.endCallback = cb;
    this.endReason = options !== undefined && typeof options.reasonCode === 'number' ? options.reasonCode : 0;
    const st = this.session.store;
    if (force === true || !this.connected || st.inflight + st.queued === 0) this.finish();
    return this;
  }

  /* cold */
  reconnect(): this {
    if (this.ending) throw new Error('MQTT client disconnecting');
    const d = this.driver;
    if (d.state === DriverState.Stopped || d.state === DriverState.Waiting) d.start();
    else if (d.state === DriverState.Open) {
      const self = this;
      this.end(true, function (): void { self.reconnect(); });
    }
    return this;
  }

  getLastMessageId(): number {
    return this.lastHandle;
  }

  // ---- SessionHandler ----

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) {
      this.refused = true;
      return this.emit('error', refusal('connection', ack.reasonCode));
    }
    this.wasConnected = true;
    this.reconnecting = false;
    this.emit('connect', { cmd: 'connack', sessionPresent: ack.sessionPresent, returnCode: this.v5 ? undefined : ack.reasonCode, reasonCode: this.v5 ? ack.reasonCode : undefined });
  }

  onMessage(msg: Packet): void {
    const chunk = msg.chunk;
    if (chunk === 0) {
      const b = (msg.payload.buffer as ArrayBuffer).slice(msg.payload.byteOffset + msg.payloadOff, msg.payload.byteOffset + msg.payloadOff + msg.payloadLen);
      const topic = this.topicOf(msg);
      const packet = this.v5 && reportable(msg) ? this.packetOf(msg, topic, b) : undefined;
      return this.emit('message', topic, b, packet);
    }
    if (chunk === 1) {
      const all = new ArrayBuffer(msg.streamTotal);
      this.streamView = new Uint8Array(all);
      this.streamTopic = this.topicOf(msg);
      this.streamPacket = this.v5 && reportable(msg) ? this.packetOf(msg, this.streamTopic, all) : null;
    }
    const view = this.streamView;
    if (view === null) return;
    if (chunk === 3) {
      this.streamView = null;
      this.streamPacket = null;
      return;
    }
    const from = msg.payloadOff;
    view.set(msg.payload.subarray(from, from + msg.payloadLen), msg.streamOffset);
    if (msg.streamOffset + msg.payloadLen < msg.streamTotal) return;
    this.streamView = null;
    const packet = this.streamPacket;
    this.streamPacket = null;
    return this.emit('message', this.streamTopic, view.buffer, packet !== null ? packet : undefined);
  }

  onPublishDone(handle: number, reasonCode: number): void {
    let at = -1;
    const handles = this.cbHandle;
    for (let i = 0; i < handles.length; i++) if (handles[i] === handle) at = i;
    let cb: PacketCallback | null = null;
    let qos = 1;
    if (at >= 0) {
      cb = this.cbFn[at];
      qos = this.cbQos[at];
      handles[at] = 0;
      this.cbFn[at] = null;
    } else if (this.publishing && handle > this.lastHandle) {
      // The message being published, written before publish() returned its handle.
      cb = this.publishingCallback;
      qos = 0;
      this.publishingDone = true;
    }
    if (cb !== null) {
      if (reasonCode >= 0x80) cb(refusal('publish', reasonCode));
      else if (qos === 0) cb();
      else cb(null);
    }
    return this.checkEnd();
  }

  onSubscribe(ack: Packet): void {
    return this.answered(ack, false);
  }

  onUnsubscribe(ack: Packet): void {
    return this.answered(ack, true);
  }

  onClose(reasonCode: number, server: Packet | null): void {
    this.streamView = null;
    this.streamPacket = null;
    if (server !== null && this.v5) this.emit('disconnect', { cmd: 'disconnect', reasonCode: server.reasonCode, properties: this.propertiesOf(server) });
    const was = this.wasConnected;
    this.wasConnected = false;
    if (this.ending) {
      // The connection ended while end() waited for acknowledgements: no reconnect either.
      this.session.disconnect(0);
      this.emit('close');
      return this.ended();
    }
    if (was) this.emit('offline');
    else if (!this.refused) this.emit('error', new Error('MQTT connection failed' + (reasonCode !== 0 ? ': reason 0x' + reasonCode.toString(16) : '')));
    this.refused = false;
    this.emit('close');
    // reconnectPeriod 0: no reconnect (the driver stops once this returns).
    if (this.reconnectPeriod <= 0) this.session.disconnect(0);
  }

  // ---- Inside ----

  /** A connection attempt starts (the transport opens): every one after the first is a reconnect. */
  /* cold */
  attempting(): void {
    if (this.attempts++ === 0) return;
    this.reconnecting = true;
    this.emit('reconnect');
  }

  private keep(handle: number, qos: number, cb: PacketCallback): void {
    const handles = this.cbHandle;
    for (let i = 0; i < handles.length; i++) {
      if (handles[i] === 0) {
        handles[i] = handle;
        this.cbQos[i] = qos;
        this.cbFn[i] = cb;
        return;
      }
    }
  }

  /** The topic string of a message: the previous one's when the bytes are the same. */
  private topicOf(msg: Packet): string {
    const len = msg.topicLen;
    const kept = this.topicBytes;
    const src = msg.topic;
    const off = msg.topicOff;
    if (len === this.topicLen) {
      let same = true;
      for (let i = 0; i < len && same; i++) same = kept[i] === src[off + i];
      if (same) return this.topic;
    }
    const topic = decodeUtf8(src, off, len);
    if (len <= kept.length) {
      for (let i = 0; i < len; i++) kept[i] = src[off + i];
      this.topicLen = len;
      this.topic = topic;
    } else this.topicLen = -1;
    return topic;
  }

  /* cold */
  private packetOf(msg: Packet, topic: string, payload: ArrayBuffer): Record<string, unknown> {
    return { cmd: 'publish', topic, payload, qos: msg.qos, retain: msg.retain, dup: msg.dup, properties: this.propertiesOf(msg) };
  }

  /* cold */
  private propertiesOf(p: Packet): Record<string, unknown> {
    const pr = p.props;
    const out: Record<string, unknown> = {};
    const str = (id: number): string => decodeUtf8(pr.bufferOf(id), pr.offsetOf(id), pr.lengthOf(id));
    if (pr.has(PropertyId.PayloadFormatIndicator)) out.payloadFormatIndicator = pr.get(PropertyId.PayloadFormatIndicator) === 1;
    if (pr.has(PropertyId.MessageExpiryInterval)) out.messageExpiryInterval = pr.get(PropertyId.MessageExpiryInterval);
    if (pr.has(PropertyId.ContentType)) out.contentType = str(PropertyId.ContentType);
    if (pr.has(PropertyId.ResponseTopic)) out.responseTopic = str(PropertyId.ResponseTopic);
    if (pr.has(PropertyId.ReasonString)) out.reasonString = str(PropertyId.ReasonString);
    if (pr.has(PropertyId.ServerReference)) out.serverReference = str(PropertyId.ServerReference);
    if (pr.has(PropertyId.CorrelationData)) {
      const b = pr.bufferOf(PropertyId.CorrelationData);
      const at = b.byteOffset + pr.offsetOf(PropertyId.CorrelationData);
      out.correlationData = (b.buffer as ArrayBuffer).slice(at, at + pr.lengthOf(PropertyId.CorrelationData));
    }
    if (pr.subIdCount > 0) out.subscriptionIdentifier = pr.subscriptionId(0);
    if (pr.userCount > 0) {
      const user: Record<string, string> = {};
      for (let i = 0; i < pr.userCount; i++) {
        user[decodeUtf8(pr.userKeyBuffer(i), pr.userKeyOffset(i), pr.userKeyLength(i))] = decodeUtf8(pr.userValueBuffer(i), pr.userValueOffset(i), pr.userValueLength(i));
      }
      out.userProperties = user;
    }
    return out;
  }

  /** MQTT 5 properties of the next publish (the bytes stay referenced until publish() copies them). */
  /* cold */
  private messageProperties(props: Record<string, unknown>): void {
    const pp = this.session.messageProperties();
    if (props.payloadFormatIndicator !== undefined) pp.setNumber(PropertyId.PayloadFormatIndicator, props.payloadFormatIndicator ? 1 : 0);
    if (typeof props.messageExpiryInterval === 'number') pp.setNumber(PropertyId.MessageExpiryInterval, props.messageExpiryInterval);
    if (typeof props.contentType === 'string') {
      const b = utf8(props.contentType);
      pp.setBytes(PropertyId.ContentType, b, 0, b.length);
    }
    if (typeof props.responseTopic === 'string') {
      const b = utf8(props.responseTopic);
      pp.setBytes(PropertyId.ResponseTopic, b, 0, b.length);
    }
    if (props.correlationData !== undefined) {
      const b = toBytes(props.correlationData as Payload);
      pp.setBytes(PropertyId.CorrelationData, b, 0, b.length);
    }
    const user = props.userProperties as Record<string, string | string[]> | undefined;
    if (user !== undefined) {
      const keys = Object.keys(user);
      for (let i = 0; i < keys.length; i++) {
        const k = utf8(keys[i]);
        const v = user[keys[i]];
        const values = Array.isArray(v) ? v : [v];
        for (let j = 0; j < values.length; j++) {
          const b = utf8(String(values[j]));
          pp.addUserProperty(k, 0, k.length, b, 0, b.length);
        }
      }
    }
  }

  /* cold */
  private request(unsubscribe: boolean, callback: Function | null): Request {
    return { unsubscribe, topics: [], bytes: [], codes: [], left: 0, refused: 0, callback };
  }

  /** Adds a filter to the next SUBSCRIBE / UNSUBSCRIBE; a refused one is answered at once with its code. */
  /* cold */
  private addFilter(req: Request, topic: string, options: number, subId: number): void {
    const b = utf8(topic);
    const s = this.session;
    const rc = req.unsubscribe ? s.unsubscribeAdd(b, 0, b.length) : s.subscribeAdd(b, 0, b.length, options, subId, null);
    req.topics.push(topic);
    req.bytes.push(b);
    if (rc < 0) {
      // Unsubscribing from a filter not held is no error (MQTT.js sends it anyway; the server would answer 0x11).
      const missing = req.unsubscribe && -rc === ReasonCode.NoSubscriptionExisted;
      req.codes.push(missing ? ReasonCode.NoSubscriptionExisted : 0x80);
      if (!missing && req.refused === 0) req.refused = -rc;
    } else {
      req.codes.push(-1);
      req.left++;
    }
  }

  /* cold */
  private send(req: Request): this {
    if (req.left > 0) {
      this.requests.push(req);
      this.session.subscribeSend();
    } else this.finishRequest(req);
    return this;
  }

  /** A SUBACK / UNSUBACK: its codes go to the waiting calls with those filters, in order. */
  /* cold */
  private answered(ack: Packet, unsubscribe: boolean): void {
    const reqs = this.requests;
    for (let i = 0; i < ack.count; i++) {
      const len = ack.filterLength(i);
      if (len < 0) continue;
      const f = ack.filter[i];
      const off = ack.filterOffset(i);
      for (let r = 0; r < reqs.length; r++) {
        const req = reqs[r];
        if (req.unsubscribe !== unsubscribe) continue;
        for (let j = 0; j < req.bytes.length; j++) {
          const b = req.bytes[j];
          if (req.codes[j] >= 0 || b.length !== len) continue;
          let same = true;
          for (let k = 0; k < len && same; k++) same = b[k] === f[off + k];
          if (!same) continue;
          req.codes[j] = ack.codes[i];
          req.left--;
        }
      }
    }
    for (let r = 0; r < reqs.length;) {
      if (reqs[r].left > 0) r++;
      else this.finishRequest(reqs.splice(r, 1)[0]);
    }
  }

  /* cold */
  private finishRequest(req: Request): void {
    const cb = req.callback;
    if (cb === null) return;
    if (req.unsubscribe) {
      let failed = req.refused;
      for (let i = 0; i < req.codes.length; i++) if (req.codes[i] >= 0x80 && failed === 0) failed = req.codes[i];
      (cb as PacketCallback)(failed !== 0 ? refusal('unsubscribe', failed) : null);
      return;
    }
    // A SUBACK failure code is reported in granted (as MQTT.js and Moddable do); a filter refused before it was sent is an error.
    const granted: { topic: string; qos: number }[] = [];
    for (let i = 0; i < req.topics.length; i++) granted.push({ topic: req.topics[i], qos: req.codes[i] });
    (cb as SubscribeCallback)(req.refused !== 0 ? refusal('subscribe', req.refused) : null, granted);
  }

  private checkEnd(): void {
    if (!this.ending) return;
    const st = this.session.store;
    if (st.inflight + st.queued === 0) return this.finish();
  }

  /* cold */
  private finish(): void {
    const d = this.driver;
    if (d.state === DriverState.Open) return d.stop(this.endReason);
    if (d.state === DriverState.Opening) {
      // Still connecting (or resolving): stop, and close the socket; the driver's onClose follows.
      this.session.disconnect(0);
      return this.transport.close();
    }
    if (d.state === DriverState.Waiting) {
      d.stop(0);
      return this.ended();
    }
  }

  /* cold */
  private ended(): void {
    this.ending = false;
    this.emit('end');
    const cb = this.endCallback;
    this.endCallback = null;
    if (cb !== null) cb();
  }
}

/** mqtt://[user[:password]@]host[:port][/path]: protocol (without ':'), host, port (0: default), user name and password. */
/* cold */
export function parseUrl(href: string): { protocol: string; host: string; port: number; username?: string; password?: string } {
  const colon = href.indexOf('://');
  if (colon < 0) throw new URIError('no protocol in ' + href);
  const protocol = href.substring(0, colon).toLowerCase();
  if (protocol !== 'mqtt' && protocol !== 'mqtts' && protocol !== 'tcp' && protocol !== 'ssl') throw new URIError('only mqtt or mqtts');
  let rest = href.substring(colon + 3);
  const slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.substring(0, slash);
  let username: string | undefined = undefined;
  let password: string | undefined = undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.substring(0, at);
    rest = rest.substring(at + 1);
    const c = auth.indexOf(':');
    username = decodeURIComponent(c < 0 ? auth : auth.substring(0, c));
    if (c >= 0) password = decodeURIComponent(auth.substring(c + 1));
  }
  let host = rest;
  let port = 0;
  const pc = rest.lastIndexOf(':');
  if (pc >= 0 && rest.indexOf(']') < pc) {
    host = rest.substring(0, pc);
    const digits = rest.substring(pc + 1);
    if (digits !== '') {
      port = Number(digits);
      if (!(port > 0 && port < 65536 && (port | 0) === port)) throw new URIError('bad port in ' + href);
    }
  }
  if (host.charCodeAt(0) === 0x5b) host = host.substring(1, host.length - 1);
  if (host === '') throw new URIError('no host in ' + href);
  const out: { protocol: string; host: string; port: number; username?: string; password?: string } = { protocol, host, port };
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  return out;
}

/* cold */
export function connect(url: string, options?: ClientOptions): Client {
  return new Client(url, options);
}
