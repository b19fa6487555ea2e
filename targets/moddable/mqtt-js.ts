// Moddable's `mqtt/js` (an MQTT.js-style client: $MODDABLE/examples/io/tcp/mqtt/mqtt.js and
// typings/mqtt/js.d.ts) as a drop-in, directly over the xsmqtt session, driver, socket
// transport and timer clock. Same API: connect(url, options) / new Client(url, options);
// options clientId, keepalive (s), clean, reconnectPeriod (ms, 0: no reconnect), connectTimeout,
// username, password, will {topic, payload, qos, retain}, resubscribe; events connect, message
// (topic, message: ArrayBuffer), close, end, error, offline, reconnect through
// on/off/addEventListener/removeEventListener; publish, subscribe (callback(err, granted)),
// unsubscribe, end(force, options, callback), reconnect(), connected, reconnecting,
// getLastMessageId(). The URL and the device's network configuration: mqtt-js/url.ts (a host
// name is resolved with device.network.mqtt.dns when the device has one; mqtts needs
// device.network.mqtts.socket.io, a TLS socket).
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
//   defaults are sized for a device with a 32 KB heap (ESP8266), as the ECMA-419 drop-in's:
//   1 KB receive and send buffers and a 4 KB store (mqtt-js/options.ts). A message up to about
//   the send buffer is kept whole in the store; a received message larger than the receive
//   buffer is reassembled (its ArrayBuffer is the one allocation of its size).
// - A message larger than the send buffer or the store (Moddable's example publishes 16 KB) is
//   streamed (Session.publishStream): the store keeps its head only, and when its turn comes its
//   payload is written from the application's buffer in pieces as the session has room (after
//   each socket event; targets/moddable/stream-feed.ts, shared with the ECMA-419 drop-in). The
//   payload is held by reference until written, so it must not change before then (a string
//   payload is encoded once, one allocation of its size). Such a QoS 1/2 message is not sent
//   again after a reconnect (its payload is not kept): when the connection ends before its
//   PUBACK / PUBCOMP the session reports it failed (0x80) and the callback gets an error; a QoS 0
//   one cut short also gets an error. One still queued when the connection ends is sent on the
//   next one.
//
// What it allocates per message: received, the message's ArrayBuffer (the API hands one over),
// the topic string unless it is the previous message's (kept), and for a message larger than
// the receive buffer one view per piece; with MQTT 5 properties, the packet object. Published:
// nothing for string topics and payloads that fit the scratch buffer (then copied into the
// session's store), one Uint8Array view for an ArrayBuffer or view payload; a callback is kept
// in a fixed table (mqtt-js/publishes.ts). Subscribe and unsubscribe are cold (a record per call,
// mqtt-js/requests.ts).
// Callbacks: QoS 0 callback() once the message is written, QoS 1/2 callback(null) on PUBACK /
// PUBCOMP, callback(error) when refused (as Moddable's). 'connect' is emitted on CONNACK (as
// MQTT.js; Moddable's waits for the acks of requests made before it). getLastMessageId() is the
// xsmqtt handle of the last publish (packet ids are given when a message goes on the wire).
//
// Module "mqtt/js" resolves a relative specifier against "mqtt/", not this file's folder: the
// library's modules are imported by their names (src/..., targets/...), bare.
import { Driver, DriverState } from 'src/core/driver/driver';
import { Session, SessionState } from 'src/core/session/session';
import { utf8 } from 'src/core/session/options';
import type { SessionHandler } from 'src/core/session/handler';
import type { Packet } from 'src/core/codec/packet';
import { ReasonCode } from 'src/core/codec/constants';
import { encodeUtf8, utf8Length } from 'src/core/codec/utf8';
import { TimerClock } from 'targets/moddable/clock';
import { OwnedTransport, type TransportOwner } from 'targets/moddable/stream-feed';
import { addUserProperties, propertiesObject, setPublishProperties } from 'targets/moddable/mqtt-properties';
import { endpointOf } from 'targets/moddable/mqtt-js/url';
import { sessionOptions, toBytes, type ClientOptions, type Payload } from 'targets/moddable/mqtt-js/options';
import { Requests, refusal, type PacketCallback, type SubscribeCallback } from 'targets/moddable/mqtt-js/requests';
import { Publishes } from 'targets/moddable/mqtt-js/publishes';
import { Inbox } from 'targets/moddable/mqtt-js/inbox';

export type { ClientOptions } from 'targets/moddable/mqtt-js/options';
export { parseUrl } from 'targets/moddable/mqtt-js/url';

type Listener = (...args: never[]) => unknown;

const EVENTS = ['connect', 'message', 'close', 'end', 'error', 'offline', 'reconnect', 'disconnect'];
/** Bytes of a PUBLISH besides its topic and payload, at most (fixed header, lengths, packet id, an alias added): more are streamed. */
const PUBLISH_OVERHEAD = 16;

export class Client implements SessionHandler, TransportOwner {
  session: Session;
  driver: Driver;
  transport: OwnedTransport;
  clock: TimerClock;
  v5: boolean;
  private listeners: Record<string, Listener[]>;
  private reconnectPeriod: number;
  private publishes: Publishes;
  private requests: Requests;
  /** The largest PUBLISH kept whole: the smaller of the send buffer and the store. */
  private wholeBytes: number;
  /** Inside session.publish(): a QoS 0 message may be reported before its handle is returned. */
  private publishing: boolean;
  private publishingCallback: PacketCallback | null;
  private publishingStreamed: boolean;
  /** The result the session reported for the message being published, or -1. */
  private publishingCode: number;
  private lastHandle: number;
  /** String topics and payloads are encoded here before the session copies them. */
  private scratch: Uint8Array;
  private inbox: Inbox;
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
    const ep = endpointOf(href);
    const so = sessionOptions(o, ep.url);
    this.reconnectPeriod = o.reconnectPeriod ?? 1000;
    this.v5 = so.version === 5;
    this.listeners = {};
    for (let i = 0; i < EVENTS.length; i++) this.listeners[EVENTS[i]] = [];
    // Every stored message, and a QoS 0 one whose payload is still being written after its store slot is freed.
    this.publishes = new Publishes(so.inflight + so.queueCount + 1);
    this.wholeBytes = so.sendBufferSize < so.storeBytes ? so.sendBufferSize : so.storeBytes;
    this.publishing = false;
    this.publishingCallback = null;
    this.publishingStreamed = false;
    this.publishingCode = -1;
    this.lastHandle = 0;
    this.scratch = new Uint8Array(so.sendBufferSize);
    this.inbox = new Inbox(this.v5);
    this.attempts = 0;
    this.wasConnected = false;
    this.refused = false;
    this.ending = false;
    this.endReason = 0;
    this.endCallback = null;
    this.reconnecting = false;
    this.session = new Session(so, this, null);
    this.requests = new Requests(this.session);
    this.transport = new OwnedTransport(ep.url.host, ep.port, so.receiveBufferSize, so.sendBufferSize, ep.socketClass, ep.extra, ep.dns);
    this.transport.owner = this;
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

  /** After end(): a request is refused (its callback told), as Moddable's and MQTT.js's are. */
  private refusedWhileEnding(cb: PacketCallback | null): boolean {
    if (this.ending && cb !== null) cb(new Error('MQTT client disconnecting'));
    return this.ending;
  }

  publish(topic: string, message: Payload, options?: Record<string, unknown> | PacketCallback, callback?: PacketCallback): this {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const cb = typeof callback === 'function' ? callback : null;
    if (this.refusedWhileEnding(cb)) return this;
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
    const props = this.v5 && options !== undefined && options.properties !== undefined ? options.properties as Record<string, unknown> : null;
    let streamed = tlen + plen + PUBLISH_OVERHEAD > this.wholeBytes;
    if (props !== null) this.messageProperties(props);
    let h = streamed ? -ReasonCode.PacketTooLarge : this.publishWhole(tlen, payload, poff, plen, qos, retain, cb);
    if (h === -ReasonCode.PacketTooLarge && (streamed || props !== null)) {
      // Too large to keep whole (with its properties): streamed. The session cleared the properties on refusal.
      if (!streamed) this.messageProperties(props as Record<string, unknown>);
      streamed = true;
      if (payload === scratch) {
        // The scratch buffer is the next publish's: the payload is copied out of it.
        payload = scratch.slice(poff, poff + plen);
        poff = 0;
      }
      this.publishing = true;
      this.publishingStreamed = true;
      this.publishingCode = -1;
      h = s.publishStream(scratch, 0, tlen, plen, qos, retain);
      this.publishing = false;
      this.publishingStreamed = false;
    }
    if (h < 0) {
      if (cb !== null) cb(refusal('publish', -h));
      return this;
    }
    this.lastHandle = h;
    if (streamed) {
      this.publishes.add(h, qos, cb, payload, poff, plen, this.publishingCode);
      this.feed();
    } else if (cb !== null && this.publishingCode < 0) this.publishes.add(h, qos, cb, null, 0, 0, -1);
    return this;
  }

  /** session.publish(): a QoS 0 message written at once is reported (and its callback called) before the handle is returned. */
  private publishWhole(tlen: number, payload: Uint8Array, poff: number, plen: number, qos: number, retain: boolean, cb: PacketCallback | null): number {
    this.publishing = true;
    this.publishingCallback = cb;
    this.publishingCode = -1;
    const h = this.session.publish(this.scratch, 0, tlen, payload, poff, plen, qos, retain);
    this.publishing = false;
    this.publishingCallback = null;
    return h;
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
    const r = this.requests;
    const req = r.begin(false, cb);
    if (typeof topics === 'string') r.addFilter(req, topics, qos | flags, subId);
    else if (Array.isArray(topics)) for (let i = 0; i < topics.length; i++) r.addFilter(req, topics[i], qos | flags, subId);
    else {
      const keys = Object.keys(topics);
      for (let i = 0; i < keys.length; i++) {
        const v = topics[keys[i]];
        r.addFilter(req, keys[i], (typeof v === 'number' ? v : v.qos) | flags, subId);
      }
    }
    r.send(req);
    return this;
  }

  unsubscribe(topics: string | string[], options?: Record<string, unknown> | PacketCallback, callback?: PacketCallback): this {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const cb = typeof callback === 'function' ? callback : null;
    if (this.refusedWhileEnding(cb)) return this;
    const r = this.requests;
    const req = r.begin(true, cb);
    if (typeof topics === 'string') r.addFilter(req, topics, 0, 0);
    else for (let i = 0; i < topics.length; i++) r.addFilter(req, topics[i], 0, 0);
    r.send(req);
    return this;
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
    if (force === true || !this.connected || this.idle()) this.finish();
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
    const inbox = this.inbox;
    const payload = inbox.take(msg);
    if (payload === null) return;
    const packet = inbox.packet;
    inbox.packet = undefined;
    return this.emit('message', inbox.topic, payload, packet);
  }

  onPublishDone(handle: number, reasonCode: number): void {
    if (!this.publishes.done(handle, reasonCode) && this.publishing && handle > this.lastHandle) {
      // The message being published, written before publish() returned its handle: a whole
      // one's callback is called now; a streamed one's once its payload is written.
      this.publishingCode = reasonCode;
      const cb = this.publishingCallback;
      if (!this.publishingStreamed && cb !== null) {
        if (reasonCode >= 0x80) cb(refusal('publish', reasonCode));
        else cb();
      }
    }
    return this.checkEnd();
  }

  onSubscribe(ack: Packet): void {
    return this.requests.answered(ack, false);
  }

  onUnsubscribe(ack: Packet): void {
    return this.requests.answered(ack, true);
  }

  onClose(reasonCode: number, server: Packet | null): void {
    this.inbox.reset();
    this.publishes.cut();
    if (server !== null && this.v5) this.emit('disconnect', { cmd: 'disconnect', reasonCode: server.reasonCode, properties: propertiesObject(server) });
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

  // ---- TransportOwner ----

  /** A connection attempt starts (the transport opens): every one after the first is a reconnect. */
  /* cold */
  attempting(): void {
    if (this.attempts++ === 0) return;
    this.reconnecting = true;
    this.emit('reconnect');
  }

  /** After each socket event: more of a streamed message's payload may fit. */
  settle(_writable: boolean): void {
    return this.feed();
  }

  // ---- Inside ----

  private feed(): void {
    if (this.publishes.streaming > 0 && this.publishes.feed(this.session)) return this.checkEnd();
  }

  /** MQTT 5 properties of the next publish (the bytes stay referenced until the session copies them). */
  /* cold */
  private messageProperties(props: Record<string, unknown>): void {
    const pp = this.session.messageProperties();
    setPublishProperties(pp, typeof props.messageExpiryInterval === 'number' ? props.messageExpiryInterval : -1,
      props.payloadFormatIndicator === undefined ? -1 : props.payloadFormatIndicator ? 1 : 0,
      typeof props.contentType === 'string' ? utf8(props.contentType) : null,
      typeof props.responseTopic === 'string' ? utf8(props.responseTopic) : null,
      props.correlationData !== undefined ? toBytes(props.correlationData as Payload) : null);
    const user = props.userProperties as Record<string, string | string[]> | undefined;
    if (user !== undefined) addUserProperties(pp, user);
  }

  /** Nothing stored, nor a payload still being written. */
  private idle(): boolean {
    const st = this.session.store;
    return st.inflight + st.queued === 0 && this.publishes.streaming === 0;
  }

  private checkEnd(): void {
    if (this.ending && this.idle()) return this.finish();
  }

  /* cold */
  private finish(): void {
    const d = this.driver;
    // Still connecting (or resolving), the driver abandons the attempt; its onClose follows.
    if (d.state === DriverState.Open || d.state === DriverState.Opening) return d.stop(this.endReason);
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

/* cold */
export function connect(url: string, options?: ClientOptions): Client {
  return new Client(url, options);
}
