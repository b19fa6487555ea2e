// embedded:network/mqtt/client: the API of Moddable's ECMA-419 style MQTT client
// (examples/io/tcp/mqttclient/mqttclient.js, whose example app runs on it unchanged) over the
// xsmqtt session, driver and socket transport. What differs from Moddable's, and why:
// - Acknowledgements are the session's. PUBACK / PUBREC / PUBREL / PUBCOMP written by the
//   application are accepted and ignored (the session has sent them already, once, at the right
//   time); onControl still reports each of them as Moddable's does.
// - Packet identifiers on the wire are the session's (it allocates them so none is in use
//   twice); onControl reports the id the application gave (write's `id`, else a counter as
//   Moddable's) for PUBACK / PUBREC / PUBCOMP / SUBACK / UNSUBACK, and the server's for PUBREL.
// - A fragmented PUBLISH (byteLength > data.byteLength, then write(data) continuations) that
//   fits `bufferSize` is put together first and published whole (so it is queued and resent
//   as any message); a larger one is streamed (Session.publishStream): its head is queued, and
//   when its turn comes the payload goes from the application to the socket through the send
//   buffer, with onWritable(count) saying how much fits. Bytes written before that are held in
//   the same buffer (`bufferSize`); writing more than onWritable's count throws, as Moddable's
//   (mqttclient/fragment.ts; the socket events and the payload writes are
//   targets/moddable/stream-feed.ts, shared with mqtt/js).
// - onReadable: the payload must be read during the call (read(count) or read(buffer)); what is
//   left unread is dropped when it returns. A message larger than `receiveBufferSize` comes in
//   pieces (more: true), as Moddable's; an empty message is not reported, as Moddable's.
// - An UNSUBSCRIBE item this client does not hold is not sent; when no item is held, onControl
//   reports an UNSUBACK at once (payload 0x11 per item).
// - Extras: `version: 5` (MQTT 5: reason codes in msg.reasonCode, publish `properties`,
//   `sessionExpiry`), `reconnect: true` (reconnect with back-off; QoS 1/2 messages not
//   acknowledged are sent again with DUP when the server kept the session, MQTT-4.4.0-1, else as
//   new messages; the application sees no loss), the session's capacities (`receiveBufferSize`,
//   `sendBufferSize`, `storeBytes`, `inflight`, `queueCount`, `bufferSize`).
// Allocation: everything at construction; per message only what the API hands out (the topic
// string of onReadable, the ArrayBuffer read(count) returns, a view of the app's data).
// Beside it: mqttclient/events.ts (the session's events, the callback records), mqttclient/ids.ts
// (the application's packet ids), targets/moddable/mqtt-properties.ts (MQTT 5 properties).
import { Driver } from '../../src/core/driver/driver.js';
import { Session, SessionState } from '../../src/core/session/session.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { Chunk } from '../../src/core/codec/packet.js';
import type { Packet } from '../../src/core/codec/packet.js';
import { PacketType } from '../../src/core/codec/constants.js';
import { encodeUtf8, utf8Length } from '../../src/core/codec/utf8.js';
import { TimerClock } from '../../targets/moddable/clock.js';
import { isIPv4, type SocketConstructor } from '../../targets/moddable/transport.js';
import { OwnedTransport, type TransportOwner } from '../../targets/moddable/stream-feed.js';
import { setPublishProperties } from '../../targets/moddable/mqtt-properties.js';
import { FragmentedPublish } from '../../targets/moddable/mqttclient/fragment.js';
import { AppIds } from '../../targets/moddable/mqttclient/ids.js';
import { Events, type ControlMessage, type ReadableOptions } from '../../targets/moddable/mqttclient/events.js';

/** Bytes Moddable's client keeps back from the count it reports to onWritable and returns from write. */
const OVERHEAD = 8;
const NO_SUBSCRIPTION = 0x11;

type Bytes = ArrayBuffer | ArrayBufferView | string;
type Callback = (this: MQTTClient, ...args: any[]) => void;

export type { ControlMessage, ReadableOptions } from '../../targets/moddable/mqttclient/events.js';

/** Bytes of a string, ArrayBuffer or view (set-up only). */
/* cold */
function bytesOf(v: Bytes): Uint8Array {
  if (typeof v === 'string') return utf8(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8Array(v);
}

export default class MQTTClient implements TransportOwner {
  static CONNECT = 1;
  static CONNACK = 2;
  static PUBLISH = 3;
  static PUBACK = 4;
  static PUBREC = 5;
  static PUBREL = 6;
  static PUBCOMP = 7;
  static SUBSCRIBE = 8;
  static SUBACK = 9;
  static UNSUBSCRIBE = 10;
  static UNSUBACK = 11;
  static PINGREQ = 12;
  static PINGRESP = 13;
  static DISCONNECT = 14;

  target: unknown;
  session: Session;
  driver: Driver;
  transport: OwnedTransport;
  private events: Events;
  private onReadable: Callback | null;
  private onWritable: Callback | null;
  private onControl: Callback | null;
  private onClose: Callback | null;
  private onError: Callback | null;
  private reconnect: boolean;
  /** close() was called, or the client gave up: no more callbacks. */
  private closed: boolean;
  /** The application wrote DISCONNECT: the end is reported to onClose. */
  private disconnecting: boolean;
  /** A CONNACK waits to be reported once the session has finished with the received bytes. */
  private connackDue: boolean;
  private connackCode: number;
  private connackPresent: boolean;
  private nextId: number;
  /** The record onControl receives, and the options onReadable receives (reused). */
  private msg: ControlMessage;
  private readOptions: ReadableOptions;
  /** The payload onReadable offers: rxBuf[rxOff, rxOff + rxLeft). */
  private rxBuf: Uint8Array;
  private rxOff: number;
  private rxLeft: number;
  /** UTF-8 of a topic or filter being written. */
  private topic: Uint8Array;
  /** The application's ids of messages and requests. */
  private ids: AppIds;
  /** A fragmented PUBLISH being written. */
  private frag: FragmentedPublish;

  /* cold */
  constructor(options: Record<string, any>) {
    if (options.format !== undefined && options.format !== 'buffer') throw new RangeError('format');
    if (options.target !== undefined) this.target = options.target;
    const host = options.host as string;
    if (!host) throw new Error('host required');
    this.onReadable = options.onReadable ?? null;
    this.onWritable = options.onWritable ?? null;
    this.onControl = options.onControl ?? null;
    this.onClose = options.onClose ?? null;
    this.onError = options.onError ?? null;
    this.reconnect = options.reconnect === true;
    this.closed = false;
    this.disconnecting = false;
    this.connackDue = false;
    this.connackCode = 0;
    this.connackPresent = false;
    this.nextId = 1;

    const o = new SessionOptions();
    o.version = options.version === 5 ? 5 : 4;
    o.clientId = utf8((options.id as string | undefined) ?? '');
    o.keepAlive = Math.ceil(((options.keepAlive ?? options.keepalive ?? 0) as number) / 1000);
    o.cleanStart = options.clean ?? true;
    if (typeof options.sessionExpiry === 'number') o.sessionExpiry = options.sessionExpiry;
    if (options.user) o.username = utf8(options.user as string);
    if (options.password) o.password = bytesOf(options.password as Bytes);
    const will = options.will;
    if (will?.topic && will.message !== undefined) {
      const message = bytesOf(will.message as Bytes);
      // As Moddable's: no will without a topic and a message.
      if (message.length > 0) {
        o.willTopic = utf8(will.topic as string);
        o.willPayload = message;
        o.willQos = (will.QoS ?? 0) & 3;
        o.willRetain = !!will.retain;
      }
    }
    o.receiveBufferSize = options.receiveBufferSize ?? 2048;
    o.streamLargePayloads = true;
    o.sendBufferSize = options.sendBufferSize ?? 2048;
    o.storeBytes = options.storeBytes ?? 4096;
    o.inflight = options.inflight ?? 8;
    o.queueCount = options.queueCount ?? 16;
    o.pendingRequests = 8;
    o.filtersPerPacket = 8;
    o.subscriptions = options.subscriptions ?? 16;
    o.subscriptionBytes = options.subscriptionBytes ?? 512;
    // Moddable's client has no reconnect: by default one connection attempt, not retried.
    o.connectTimeout = 30000;

    this.events = new Events(this);
    this.session = new Session(o, this.events, null);
    this.session.observer = this.events;
    const socket = (options.socket ?? {}) as Record<string, unknown>;
    const extra: Record<string, unknown> = {};
    const keys = Object.keys(socket);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 'io') extra[keys[i]] = socket[keys[i]];
    extra.host = host;
    this.transport = new OwnedTransport('', (options.port ?? 1883) as number, o.receiveBufferSize, o.sendBufferSize, socket.io as SocketConstructor, extra);
    this.transport.owner = this;
    this.driver = new Driver(this.session, this.transport, new TimerClock());

    this.msg = { operation: 0, id: 0, payload: undefined, returnCode: 0, reasonCode: 0, sessionPresent: false };
    this.readOptions = { more: false, topic: undefined, QoS: undefined, byteLength: undefined, retain: undefined };
    this.rxBuf = new Uint8Array(0);
    this.rxOff = 0;
    this.rxLeft = 0;
    this.topic = new Uint8Array(options.topicBytes ?? 256);
    this.ids = new AppIds(o.inflight + o.queueCount, o.pendingRequests);
    this.frag = new FragmentedPublish(this.session, this.topic, options.bufferSize ?? 1024);

    if (isIPv4(host) || options.dns === undefined) {
      this.transport.address = host;
      this.driver.start();
      return;
    }
    // As Moddable's: the name is resolved with the resolver of the `dns` options.
    const dns = new options.dns.io(options.dns);
    dns.resolve({
      host,
      onResolved: (_host: string, address: string): void => {
        if (this.closed) return;
        this.transport.address = address;
        this.driver.start();
      },
      onError: (): void => {
        this.fail('dns');
      },
    });
  }

  get format(): string {
    return 'buffer';
  }

  set format(value: string) {
    if (value !== 'buffer') throw new RangeError('format');
  }

  /** Closes the connection at once (write DISCONNECT first for a clean end), as Moddable's. */
  /* cold */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.driver.abort();
  }

  /**
   * write(data, options): a PUBLISH (the default operation), SUBSCRIBE / UNSUBSCRIBE (items),
   * PINGREQ, DISCONNECT, or acknowledgements (ignored, see above); write(data) without options
   * continues a fragmented PUBLISH. Returns the bytes onWritable would offer now.
   */
  write(data: Bytes | null, options?: Record<string, any>): number {
    if (this.closed) throw new Error('closed');
    if (this.frag.left > 0) {
      if (options !== undefined || data === null) throw new Error('publishing');
      this.continueFragment(data);
      return this.room();
    }
    if (options === undefined) options = this.defaults;
    const operation = (options.operation ?? MQTTClient.PUBLISH) as number;
    const s = this.session;
    switch (operation) {
      case MQTTClient.PUBLISH:
        this.publish(data, options);
        break;
      case MQTTClient.SUBSCRIBE:
      case MQTTClient.UNSUBSCRIBE:
        this.request(operation, options);
        break;
      case MQTTClient.PINGREQ:
        if (s.ping() < 0) throw new Error('overflow');
        break;
      case MQTTClient.DISCONNECT:
        this.disconnecting = true;
        if (!this.reconnect) s.stop();
        this.driver.stop(0);
        break;
      case MQTTClient.PUBACK:
      case MQTTClient.PUBREC:
      case MQTTClient.PUBREL:
      case MQTTClient.PUBCOMP:
        // The session acknowledges on its own; an application's acknowledgement changes nothing.
        break;
      default:
        throw new Error('unknown');
    }
    return this.room();
  }

  /** Options of write(data) outside a fragmented message: a QoS 0 PUBLISH needs a topic. */
  private defaults: Record<string, any> = {};

  /** read(count) returns an ArrayBuffer of at most count bytes; read(buffer) fills it, returns the count. During onReadable only. */
  read(what?: number | ArrayBuffer | ArrayBufferView): ArrayBuffer | number | undefined {
    const left = this.rxLeft;
    if (left === 0) return undefined;
    const buf = this.rxBuf;
    const at = this.rxOff;
    if (typeof what === 'object') {
      if ((what as Uint16Array).BYTES_PER_ELEMENT > 1) throw new Error('invalid buffer');
      const view = ArrayBuffer.isView(what) ? new Uint8Array(what.buffer, what.byteOffset, what.byteLength) : new Uint8Array(what);
      const n = view.length < left ? view.length : left;
      for (let i = 0; i < n; i++) view[i] = buf[at + i];
      this.rxOff = at + n;
      this.rxLeft = left - n;
      return n;
    }
    let n = what === undefined ? left : what;
    if (n > left) n = left;
    const start = buf.byteOffset + at;
    this.rxOff = at + n;
    this.rxLeft = left - n;
    return (buf.buffer as ArrayBuffer).slice(start, start + n);
  }

  // ---- Writing ------------------------------------------------------------------------------

  /** Bytes the application may write now (Moddable's count: less its overhead). */
  private room(): number {
    const s = this.session;
    const f = this.frag;
    if (f.left > 0) {
      const n = f.room();
      return n < f.left ? n : f.left;
    }
    const free = s.sendBuffer().length - s.unsent();
    return free > OVERHEAD ? free - OVERHEAD : 0;
  }

  /** The topic (or filter) string as UTF-8 in this.topic: its length. */
  private encodeTopic(topic: string): number {
    const n = utf8Length(topic);
    if (n > this.topic.length) throw new RangeError('topic too long');
    encodeUtf8(topic, this.topic, 0);
    return n;
  }

  private publish(data: Bytes | null, options: Record<string, any>): void {
    const topic = options.topic as string | undefined;
    if (topic === undefined) throw new Error('topic required');
    const bytes = data === null ? new Uint8Array(0) : bytesOf(data);
    const total = (options.byteLength ?? bytes.length) as number;
    if (bytes.length > total) throw new Error('invalid');
    const qos = ((options.QoS ?? 0) as number) & 3;
    const retain = !!options.retain;
    const id = (options.id ?? ++this.nextId) as number;
    const tlen = this.encodeTopic(topic);
    const s = this.session;
    if (s.v5 && options.properties !== undefined) {
      // MQTT 5 properties: messageExpiry, payloadFormat, contentType, responseTopic, correlationData.
      const p = options.properties as Record<string, any>;
      setPublishProperties(s.messageProperties(), typeof p.messageExpiry === 'number' ? p.messageExpiry : -1, typeof p.payloadFormat === 'number' ? p.payloadFormat : -1,
        p.contentType !== undefined ? bytesOf(p.contentType as Bytes) : null, p.responseTopic !== undefined ? bytesOf(p.responseTopic as Bytes) : null,
        p.correlationData !== undefined ? bytesOf(p.correlationData as Bytes) : null);
    }
    if (bytes.length === total) {
      const h = s.publish(this.topic, 0, tlen, bytes, 0, bytes.length, qos, retain);
      if (h < 0) throw new Error('overflow');
      return this.ids.remember(h, id, qos);
    }
    // A fragmented message: put together here when it fits, else streamed.
    const h = this.frag.begin(tlen, total, qos, retain, id);
    if (h > 0) this.ids.remember(h, id, qos);
    this.continueFragment(bytes);
  }

  /** More bytes of the fragmented message. */
  private continueFragment(data: Bytes): void {
    const f = this.frag;
    const h = f.add(bytesOf(data));
    if (h > 0) this.ids.remember(h, f.id, f.qos);
  }

  /* cold */
  private request(operation: number, options: Record<string, any>): void {
    const items = options.items as { topic: string; QoS?: number }[];
    const id = (options.id ?? ++this.nextId) as number;
    const s = this.session;
    let held = 0;
    for (let i = 0; i < items.length; i++) {
      const n = this.encodeTopic(items[i].topic);
      if (operation === MQTTClient.SUBSCRIBE) {
        if (s.subscribeAdd(this.topic, 0, n, (items[i].QoS ?? 0) & 3, 0, null) < 0) throw new Error('invalid');
        held++;
      } else if (s.unsubscribeAdd(this.topic, 0, n) === 0) held++;
    }
    if (held === 0) {
      // Nothing this client holds: answered here, the server is not asked.
      const m = this.message0(MQTTClient.UNSUBACK, id);
      const codes = new Uint8Array(items.length);
      codes.fill(NO_SUBSCRIPTION);
      m.payload = codes;
      return this.report(m);
    }
    const wire = s.subscribeSend();
    if (wire !== 0) this.ids.request(wire, id);
  }

  // ---- Session events -------------------------------------------------------------------------

  private message0(operation: number, id: number): ControlMessage {
    const m = this.msg;
    m.operation = operation;
    m.id = id;
    m.payload = undefined;
    m.returnCode = 0;
    m.reasonCode = 0;
    m.sessionPresent = false;
    return m;
  }

  private report(m: ControlMessage): void {
    const cb = this.onControl;
    if (cb !== null && !this.closed) cb.call(this, m);
  }

  /** CONNACK: reported after the session has handled the received bytes (see settle). A refusal ends the connection: onError. */
  connected(ack: Packet): void {
    this.connackCode = ack.reasonCode;
    this.connackPresent = ack.sessionPresent;
    if (ack.reasonCode === 0) this.connackDue = true;
  }

  message(p: Packet): void {
    const cb = this.onReadable;
    if (cb === null || this.closed || p.chunk === Chunk.Aborted) return;
    const count = p.payloadLen;
    if (count === 0) return;
    const r = this.readOptions;
    if (p.chunk < 2) {
      r.topic = this.session.topicString(p);
      r.QoS = p.qos;
      r.retain = p.retain;
      r.byteLength = p.chunk === 0 ? count : p.streamTotal;
    } else {
      r.topic = undefined;
      r.QoS = undefined;
      r.retain = undefined;
      r.byteLength = undefined;
    }
    r.more = p.chunk !== 0 && p.streamOffset + count < p.streamTotal;
    this.rxBuf = p.payload;
    this.rxOff = p.payloadOff;
    this.rxLeft = count;
    cb.call(this, count, r);
    this.rxLeft = 0;
  }

  published(handle: number, reasonCode: number): void {
    const ids = this.ids;
    const i = ids.find(handle);
    if (i < 0) return;
    ids.free(i);
    const m = this.message0(ids.qosAt(i) === 1 ? MQTTClient.PUBACK : MQTTClient.PUBCOMP, ids.idAt(i));
    m.reasonCode = reasonCode;
    return this.report(m);
  }

  acked(operation: number, ack: Packet): void {
    const m = this.message0(operation, this.ids.answered(ack.packetId));
    // A SUBACK is rare: its codes are copied for the application to keep.
    const codes = new Uint8Array(ack.count);
    for (let i = 0; i < ack.count; i++) codes[i] = ack.codes[i];
    m.payload = codes;
    this.report(m);
  }

  /** Control packets the handler does not see: PUBREC (of our QoS 2 message), PUBREL (of the server's), PINGRESP, DISCONNECT. */
  control(p: Packet): void {
    const type = p.type;
    if (type === PacketType.Pubrec) {
      const st = this.session.store;
      const slot = st.find(p.packetId);
      if (slot < 0) return;
      const i = this.ids.find(st.handle(slot));
      if (i < 0) return;
      const m = this.message0(MQTTClient.PUBREC, this.ids.idAt(i));
      m.reasonCode = p.reasonCode;
      return this.report(m);
    } else if (type === PacketType.Pubrel || type === PacketType.Pingresp || type === PacketType.Disconnect) {
      const m = this.message0(type, p.packetId);
      m.reasonCode = p.reasonCode;
      this.report(m);
    }
  }

  /** The connection ended. Without `reconnect`, the client is done: onClose after a DISCONNECT, else onError. */
  lost(reasonCode: number, server: boolean): void {
    this.connackDue = false;
    this.rxLeft = 0;
    this.frag.cut();
    if (this.reconnect && !this.disconnecting) return;
    this.session.stop();
    if (this.closed) return;
    this.closed = true;
    const cb = this.disconnecting || (server && reasonCode === 0) ? this.onClose : this.onError;
    if (cb !== null) cb.call(this, reasonCode);
  }

  /** Ends the client after an error: onError, then close(), as Moddable's. */
  /* cold */
  private fail(why: string): void {
    if (this.closed) return;
    trace(`mqttClient error: ${why}\n`);
    const cb = this.onError;
    this.close();
    if (cb !== null) cb.call(this, why);
  }

  /**
   * After each socket event: a CONNACK is reported (then onWritable, as Moddable's does), held
   * bytes of a streamed message go to the session, and a writable socket is offered to onWritable.
   */
  settle(writable: boolean): void {
    if (this.closed) return;
    const s = this.session;
    if (this.connackDue && !s.busy) {
      this.connackDue = false;
      const m = this.message0(MQTTClient.CONNACK, 0);
      m.returnCode = this.connackCode;
      m.sessionPresent = this.connackPresent;
      this.report(m);
      writable = true;
    }
    this.frag.drain();
    if (!writable || s.state !== SessionState.Connected || this.closed) return;
    const cb = this.onWritable;
    if (cb === null) return;
    // While a message streams, offer room again as long as the socket takes what is written:
    // a socket with room to spare reports nothing more (Moddable's offers the socket's whole
    // room at once; this client offers its send buffer's).
    for (let guard = 0; guard < 64 && !this.closed; guard++) {
      const n = this.room();
      if (n <= 0) return;
      const left = this.frag.left;
      cb.call(this, n);
      this.frag.drain();
      if (left === 0 || this.frag.left === 0 || this.frag.left === left) return;
    }
  }

  /** A connection attempt starts: nothing to tell (Moddable's client reports no reconnects). */
  attempting(): void {}
}
