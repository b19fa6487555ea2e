// The client state machine, sans-I/O: the caller feeds received bytes through the byte port
// (receiveBuffer...received) and the time; the session writes what to send into its send buffer
// (sendBuffer...written), tells its handler what happened, and says when it next wants to be
// woken (nextWake). It never reads a clock or touches a socket. Everything it holds is
// allocated in the constructor.
// Beside it: connect-packet.ts (CONNECT), inbound.ts (PUBLISH and PUBREL received), requests.ts
// (SUBSCRIBE / UNSUBSCRIBE), server-limits.ts, and the outbound store (message-store.ts,
// outbound-state.ts, stored-publish.ts). The outbound flow itself (reserveStored ... transmit,
// sendDue) stays here, past the usual file size, for the ESP8266's 256-slot XS stack: a function
// of another module costs its caller a frame slot per import it calls, and the topic-alias send
// path below a handler's publish() has none to spare (measured: it overflows when moved).
import { PacketType, PropertyId, ProtocolVersion, ReasonCode } from '../codec/constants.js';
import { encodeClientPacket } from '../codec/client.js';
import { Framer, framerMemory } from '../codec/framer.js';
import { Memory, u16, u8, viewBytes } from '../codec/memory.js';
import { Chunk, Packet, packetMemory } from '../codec/packet.js';
import { Properties, propertiesMemory, propertiesSize } from '../codec/properties.js';
import { decodeUtf8 } from '../codec/utf8.js';
import { varintSize } from '../codec/varint.js';
import { packetSize } from '../codec/writer.js';
import { encodePublishHeader } from '../codec/publish.js';
import { isSharedFilter, validateTopicFilter, validateTopicName } from '../topic/validate.js';
import { OutboundAliases, InboundAliases } from './aliases.js';
import { arenaMemory } from './arena.js';
import { backoffDelay } from './backoff.js';
import { AuthMethod, MessageHandler, PacketObserver, SessionHandler } from './handler.js';
import { InboundQos2, inboundQos2Memory } from './inbound-qos2.js';
import { KeepAlive, KeepAliveAction } from './keepalive.js';
import { followingPacketId, freePacketId } from './packet-id.js';
import { MessageStore, storeMemory, StoreList } from './message-store.js';
import { nextState, publishInflight, RecordEvent, RecordState, UNEXPECTED } from './outbound-state.js';
import { PATCH_DUP, PATCH_NO_TOPIC, storedExpiry, storedPayloadLeft, storedPublishSize, storedTopicAt, writeStoredPublish } from './stored-publish.js';
import { OverflowPolicy, SessionOptions, utf8 } from './options.js';
import { writeConnect } from './connect-packet.js';
import { chunkOnly, deliver, InboundStream, receivePublish, receivePubrel } from './inbound.js';
import { assignRequests, receiveSuback, REQ_DUE, sendRequests } from './requests.js';
import { ServerLimits } from './server-limits.js';
import { Subscriptions, subscriptionsMemory, SubState } from './subscriptions.js';

export const enum SessionState {
  /** No connection. */
  Idle = 0,
  /** CONNECT sent, awaiting CONNACK (AUTH exchanges happen here). */
  Connecting = 1,
  Connected = 2,
}

/**
 * "No room now": the send buffer holds bytes not yet written (or a streamed payload), and the
 * packet fits once they are. Not a reason code (those are 0x80 and up): -PacketTooLarge means
 * the packet can never fit, as coreMQTT keeps MQTTNoMemory apart from a size error.
 */
export const NO_ROOM = -1;

/** Free send-buffer bytes required before another received packet is processed (its acknowledgement must fit). */
const ACK_RESERVE = 64;
const EMPTY = new Uint8Array(0);
const PUBLISH_MASK = 1 << PacketType.Publish;

/** Makes a host's framer from the session's (see Session.replaceFramer). */
export interface FramerMaker {
  framerFrom(f: Framer): Framer;
}

/** Told when the session has bytes to send outside a driver call (publish, subscribe...). */
export interface Notifier {
  wake(): void;
}

/** Bytes kept for a server-assigned client identifier: none when the client has its own (the session uses the options' bytes). */
function clientIdRoom(opts: SessionOptions): number {
  // A server assigns an identifier only to a client that sent none (section 3.2.2.3.7): room
  // for one then (MQTT 5 allows up to 65535 bytes; brokers use tens).
  return opts.clientId.length > 0 ? 0 : 128;
}

/** Session.reqs's length: ids, states, and the request the properties go with. */
function requestsLength(opts: SessionOptions): number {
  return opts.pendingRequests > 0 ? 2 * opts.pendingRequests + 1 : 0;
}

/** Inbound QoS 2 messages held at once: at least 1, since a Receive Maximum of 0 is a Protocol Error (section 3.1.2.11.3). */
function inboundQos2Room(opts: SessionOptions): number {
  return opts.inboundQos2 > 0 ? opts.inboundQos2 : 1;
}

/** The size of a session's Memory: every typed array it holds, for these options. */
/* cold */
export function sessionMemory(opts: SessionOptions, will: boolean): number {
  // MQTT 3.1.1 has no properties: its records share one empty properties record.
  const v5 = opts.version === ProtocolVersion.V5;
  const records = framerMemory(opts.receiveBufferSize) +
    packetMemory(opts.filtersPerPacket, opts.userProperties, opts.subscriptionIds, false, v5) +
    packetMemory(opts.filtersPerPacket, opts.userProperties, opts.subscriptionIds, will, v5) +
    (v5 ? propertiesMemory(opts.userProperties, opts.subscriptionIds) : propertiesMemory(0, 0));
  const tables = storeMemory(opts.inflight + opts.queueCount, opts.storeBytes) + inboundQos2Memory(inboundQos2Room(opts)) +
    subscriptionsMemory(opts.subscriptions, opts.subscriptionBytes) + arenaMemory(opts.aliasBytes, opts.outboundAliases) +
    arenaMemory(opts.aliasBytes, opts.topicAliasMaximum);
  return records + tables + viewBytes(opts.sendBufferSize, 1) + viewBytes(clientIdRoom(opts), 1) +
    viewBytes(requestsLength(opts), 2);
}

export class Session {
  opts: SessionOptions;
  /** opts.version is MQTT 5 (the version is fixed at construction, as the framer's is). */
  v5: boolean;
  handler: SessionHandler;
  auth: AuthMethod | null;
  notifier: Notifier | null;
  /** Told of every control packet received (see PacketObserver); null: nobody. */
  observer: PacketObserver | null;

  /** The one buffer under every table of the session (see sessionMemory). */
  memory: Memory;
  /** Received bytes, cut into packets: filled through the byte port (receiveBuffer...received). */
  private framer: Framer;
  /** Received packets; a delivered message is this record. */
  rx: Packet;
  /**
   * Packets sent: control packets (CONNECT, acks, SUBSCRIBE...), and also a message being
   * stored by publish() and a stored PUBLISH decoded for transmission (tx is idle between
   * writeTx calls, and each of those uses ends before anything else can build tx).
   */
  tx: Packet;
  /** The properties of the message being published: the caller may fill them (messageProperties()) first. */
  pubProps: Properties;

  /** Send buffer: bytes out[outStart, outEnd) are waiting for the transport (the byte port: sendBuffer...written). */
  private out: Uint8Array;
  private outStart: number;
  private outEnd: number;

  store: MessageStore;
  inQos2: InboundQos2;
  subs: Subscriptions;
  outAliases: OutboundAliases;
  inAliases: InboundAliases;
  keepAlive: KeepAlive;

  state: number;
  now: number;
  /** The connection must be closed once the send buffer is drained. */
  closeWanted: boolean;
  closeCode: number;
  serverDisconnected: boolean;
  /** disconnect() or stop() was called: no reconnect (read through `stopped`). */
  private halted: boolean;
  /** Inside a handler call: sending waits until the received packets are processed. */
  busy: boolean;
  connectAt: number;
  /** A streamed PUBLISH coming in (InboundStream). */
  stream: number;
  /** Handlers of the message being delivered (subs.matched[0..routed); 0: the session handler). */
  routed: number;
  /**
   * A streamed outbound PUBLISH (publishStream) is on the wire: its payload bytes still to
   * come through streamWrite (0: none). Nothing else enters the send buffer meanwhile.
   */
  outLeft: number;
  /** The handle of that streamed message. */
  outHandle: number;

  /** The identifier CONNECT carries (clientIdLen bytes): the options' own, or one the server assigned. */
  clientId: Uint8Array;
  clientIdLen: number;
  nextPacketId: number;
  /**
   * SUBSCRIBE / UNSUBSCRIBE requests, n = pendingRequests of them, in one typed array (each
   * costs heap slots in XS): at [0, n) the packet id each was given when the application sent it
   * (0: a free entry), kept until its ack, across reconnects (its filters carry it:
   * subs.pendingId); at [n, 2n) its SubState (Subscribing: a SUBSCRIBE; Unsubscribing) plus
   * REQ_DUE while still to be written on this connection; at 2n the id of the request the
   * requestProperties() go with (0: none).
   */
  reqs: Uint16Array;

  sessionPresent: boolean;
  /** What the server allows on this connection. */
  limits: ServerLimits;
  /** Connection attempts since the last CONNACK that accepted: the back-off's exponent. */
  attempt: number;

  constructor(opts: SessionOptions, handler: SessionHandler, auth: AuthMethod | null) {
    this.opts = opts;
    this.v5 = opts.version === ProtocolVersion.V5;
    this.handler = handler;
    this.auth = auth;
    this.notifier = null;
    this.observer = null;
    const will = this.v5 && opts.willTopic !== null;
    const mem = new Memory(sessionMemory(opts, will));
    this.memory = mem;
    this.framer = new Framer(opts.receiveBufferSize, mem);
    this.framer.version = opts.version;
    this.framer.streaming = opts.streamLargePayloads;
    if (opts.streamLargePayloads && opts.maximumPacketSize > 0) this.framer.maxPacketSize = opts.maximumPacketSize;
    const none = this.v5 ? null : new Properties(0, 0, mem);
    this.rx = new Packet(opts.filtersPerPacket, opts.userProperties, opts.subscriptionIds, false, mem, none);
    // Only the record CONNECT is encoded from holds will properties, and only when there is an MQTT 5 will.
    this.tx = new Packet(opts.filtersPerPacket, opts.userProperties, opts.subscriptionIds, will, mem, none);
    this.pubProps = none !== null ? none : new Properties(opts.userProperties, opts.subscriptionIds, mem);
    this.out = u8(mem, opts.sendBufferSize);
    this.outStart = 0;
    this.outEnd = 0;
    this.store = new MessageStore(opts.inflight + opts.queueCount, opts.storeBytes, mem);
    this.inQos2 = new InboundQos2(inboundQos2Room(opts), mem);
    this.subs = new Subscriptions(opts.subscriptions, opts.subscriptionBytes, mem);
    this.outAliases = new OutboundAliases(opts.outboundAliases, opts.aliasBytes, mem);
    this.inAliases = new InboundAliases(opts.topicAliasMaximum, opts.aliasBytes, mem);
    this.keepAlive = new KeepAlive();
    this.attempt = 0;
    this.state = SessionState.Idle;
    this.now = 0;
    this.closeWanted = false;
    this.closeCode = 0;
    this.serverDisconnected = false;
    this.halted = false;
    this.busy = false;
    this.connectAt = 0;
    this.stream = InboundStream.None;
    this.routed = 0;
    this.outLeft = 0;
    this.outHandle = 0;
    // The options' bytes, never written; or room for the identifier a server assigns.
    this.clientId = opts.clientId.length > 0 ? opts.clientId : u8(mem, clientIdRoom(opts));
    this.clientIdLen = opts.clientId.length;
    this.nextPacketId = 1;
    this.reqs = u16(mem, requestsLength(opts));
    this.sessionPresent = false;
    this.limits = new ServerLimits(opts.keepAlive, opts.sessionExpiry);
    // Saved state (persistence) comes back now, before any connection.
    if (opts.persistence !== null) opts.persistence.attach(this);
  }

  // ---- Driver side ----------------------------------------------------------------------

  /** The transport is open: sends CONNECT. */
  connectionMade(now: number): void {
    this.now = now;
    this.framer.reset();
    this.outStart = 0;
    this.outEnd = 0;
    this.state = SessionState.Connecting;
    this.closeWanted = false;
    this.closeCode = 0;
    this.serverDisconnected = false;
    this.sessionPresent = false;
    this.inAliases.reset();
    this.outAliases.reset(0);
    this.limits.reset(this.opts.keepAlive, this.opts.sessionExpiry);
    this.connectAt = now;
    this.stream = InboundStream.None;
    this.outLeft = 0;
    this.keepAlive.start(0, 0, now);
    // What is in flight waits for CONNACK to say whether the server kept it.
    const st = this.store;
    for (let i = 0; i < st.slots; i++) st.apply(i, RecordEvent.Connect);
    // Requests not acknowledged go again, with the ids the application was given.
    const n = this.opts.pendingRequests;
    for (let i = 0; i < n; i++) if (this.reqs[i] !== 0) this.reqs[n + i] |= REQ_DUE;
    writeConnect(this);
  }

  /** Processes the received bytes waiting in the framer; then sends what is due. */
  process(now: number): void {
    this.now = now;
    let guard = 0;
    // While a streamed PUBLISH is on the wire no acknowledgement can be written: packets wait.
    while (this.state !== SessionState.Idle && !this.closeWanted && this.outLeft === 0 && guard < 100000) {
      guard++;
      if (!this.ensureSpace(ACK_RESERVE)) break;
      const n = this.framer.next(this.rx);
      if (n === 0) break;
      if (n < 0) {
        // Malformed input, or a packet over our Maximum Packet Size (MQTT-4.13.1-1, MQTT-3.1.2-24).
        this.fail(-n);
        break;
      }
      this.busy = true;
      this.handlePacket();
      const ob = this.observer;
      if (ob !== null && this.rx.type !== PacketType.Publish) ob.onPacket(this.rx);
      this.busy = false;
    }
    // A tail call (stack depth on XS: the driver's header).
    return this.sendDue();
  }

  /** Time passes: keep alive, connect timeout. */
  tick(now: number): void {
    this.now = now;
    if (this.state === SessionState.Connecting) {
      if (now - this.connectAt >= this.opts.connectTimeout && !this.closeWanted) {
        this.close(ReasonCode.UnspecifiedError);
      }
    } else if (this.state === SessionState.Connected && !this.closeWanted) {
      const action = this.keepAlive.due(now);
      if (action === KeepAliveAction.Timeout) {
        // No PINGRESP in time: the connection is dead (MQTT-3.1.2-22 is the server's side of this).
        this.close(ReasonCode.KeepAliveTimeout);
      } else if (action === KeepAliveAction.Ping && this.outLeft === 0) {
        this.tx.reset(PacketType.Pingreq, this.opts.version);
        if (this.writeTx() > 0) this.keepAlive.pinged(now);
      }
    }
    this.sendDue();
  }

  /** When to call tick() next (ms), or -1. */
  nextWake(): number {
    if (this.closeWanted) return -1;
    if (this.state === SessionState.Connecting) return this.connectAt + this.opts.connectTimeout;
    if (this.state === SessionState.Connected) return this.keepAlive.nextWake();
    return -1;
  }

  // ---- The byte port: all a transport's owner moves in and out (h11's receive_data and
  // data_to_send); the framer and the send buffer stay the session's own.

  /** Where received bytes go: receiveBuffer()[receiveAt(), receiveAt() + receiveRoom()). */
  receiveBuffer(): Uint8Array {
    return this.framer.buf;
  }

  receiveAt(): number {
    return this.framer.fill;
  }

  /** Free receive space (0: the session takes no more bytes until it has processed some). */
  receiveRoom(): number {
    return this.framer.space();
  }

  /** n bytes were put at receiveAt(); process() takes the packets they complete. */
  received(n: number): void {
    this.framer.commit(n);
  }

  /** Copies up to len received bytes from src (a host that reads into buffers of its own): the count taken. */
  receive(src: Uint8Array, off: number, len: number): number {
    return this.framer.push(src, off, len);
  }

  /** Bytes to send: sendBuffer()[sendAt(), sendAt() + unsent()). */
  sendBuffer(): Uint8Array {
    return this.out;
  }

  sendAt(): number {
    return this.outStart;
  }

  /** Bytes waiting to be written. */
  unsent(): number {
    return this.outEnd - this.outStart;
  }

  /** The transport wrote n bytes from sendAt(). */
  written(n: number): void {
    this.outStart += n;
    if (this.outStart >= this.outEnd) {
      this.outStart = 0;
      this.outEnd = 0;
    }
  }

  /**
   * A framer of the host's own in place of the session's, made from it (before connecting):
   * the Node client's grows its buffer for a packet larger than the receive buffer.
   */
  /* cold */
  replaceFramer(maker: FramerMaker): void {
    this.framer = maker.framerFrom(this.framer);
  }

  /**
   * The transport closed (or never opened). Reports it and returns the delay before the next
   * connection attempt (ms), or -1 after disconnect(). random: in [0, 1), for the jitter.
   */
  connectionLost(now: number, random: number): number {
    this.now = now;
    const was = this.state;
    this.state = SessionState.Idle;
    this.closeWanted = false;
    this.outStart = 0;
    this.outEnd = 0;
    if (this.stream !== InboundStream.None) {
      // A streamed message cut short: its handlers are told it is incomplete (never acknowledged).
      const p = this.rx;
      if (this.stream === InboundStream.Delivering) {
        p.chunk = Chunk.Aborted;
        p.streamOffset += p.payloadLen;
        p.payloadLen = 0;
        chunkOnly(this);
        deliver(this);
      }
      this.stream = InboundStream.None;
    }
    this.outLeft = 0;
    // A streamed message not yet acknowledged cannot be sent again: its payload was not kept.
    const st = this.store;
    for (let i = 0; i < st.slots; i++) {
      if (st.streamed(i) === 1 && publishInflight(st.state(i))) this.drop(i, ReasonCode.UnspecifiedError);
    }
    this.handler.onClose(this.closeCode, this.serverDisconnected && was !== SessionState.Idle ? this.rx : null);
    this.serverDisconnected = false;
    this.closeCode = 0;
    if (this.halted) return -1;
    const o = this.opts;
    return backoffDelay(o.backoffBase, o.backoffMax, o.backoffJitter, this.attempt++, random);
  }

  // ---- Application side -------------------------------------------------------------------

  /** The properties the next publish() will carry (cleared after it). */
  messageProperties(): Properties {
    return this.pubProps;
  }

  /**
   * Publishes topic buf[off, off+len) with payload. The bytes are copied (kept until
   * acknowledged for QoS 1/2). Returns a handle (> 0) reported to onPublishDone, or a negated
   * reason code: TopicNameInvalid, PacketTooLarge, QosNotSupported, RetainNotSupported,
   * QuotaExceeded (the offline queue is full).
   */
  publish(topic: Uint8Array, topicOff: number, topicLen: number, payload: Uint8Array, payloadOff: number, payloadLen: number, qos: number, retain: boolean): number {
    const slot = this.reserveStored(topic, topicOff, topicLen, payloadLen, qos, retain, false);
    if (slot < 0) {
      this.pubProps.clear();
      return slot;
    }
    // tx is built only now: making room may have called the application (a dropped message).
    this.publishTx(topic, topicOff, topicLen, payload, payloadOff, payloadLen, qos, retain);
    // A tail call, without publishTx's eight arguments: a handler that publishes is already
    // deep in the receive path (the driver's header).
    return this.storeTx(slot, false);
  }

  /**
   * Publishes a message whose payload (total bytes) is given later, in pieces, through
   * streamWrite: for a payload larger than the send buffer or the store. The store keeps the
   * PUBLISH head only; the message is queued as publish() queues, and when its turn comes its
   * head is written and the session waits for the payload: streamRoom() says how many bytes
   * streamWrite takes now, and nothing else is sent (or acknowledged) until the last byte.
   * Returns the handle (as publish), or a negated reason code. A QoS 1/2 streamed message is
   * not sent again on a new connection (its payload is gone): when the connection ends before
   * its PUBACK / PUBREC, onPublishDone reports it with UnspecifiedError (0x80).
   */
  publishStream(topic: Uint8Array, topicOff: number, topicLen: number, total: number, qos: number, retain: boolean): number {
    const slot = this.reserveStored(topic, topicOff, topicLen, total, qos, retain, true);
    if (slot < 0) {
      this.pubProps.clear();
      return slot;
    }
    this.publishTx(topic, topicOff, topicLen, EMPTY, 0, 0, qos, retain);
    this.tx.payloadLen = total;
    this.store.setStreamed(slot, 1);
    return this.storeTx(slot, true);
  }

  /** Makes tx the PUBLISH of a message being stored (its packet id comes when it is sent). */
  private publishTx(topic: Uint8Array, topicOff: number, topicLen: number, payload: Uint8Array, payloadOff: number, payloadLen: number, qos: number, retain: boolean): void {
    const p = this.tx;
    p.reset(PacketType.Publish, this.opts.version);
    p.qos = qos;
    p.retain = retain;
    p.packetId = qos > 0 ? 1 : 0;
    p.setTopic(topic, topicOff, topicLen);
    p.setPayload(payload, payloadOff, payloadLen);
  }

  /** Payload bytes streamWrite takes now: 0 unless a streamed message is on the wire. */
  streamRoom(): number {
    if (this.outLeft === 0) return 0;
    const room = this.out.length - this.outEnd + this.outStart;
    return room < this.outLeft ? room : this.outLeft;
  }

  /** The handle of the streamed message on the wire, or 0. */
  streamHandle(): number {
    return this.outLeft > 0 ? this.outHandle : 0;
  }

  /** Appends payload bytes of the streamed message on the wire: the count taken (at most streamRoom()). */
  streamWrite(buf: Uint8Array, off: number, len: number): number {
    let n = this.streamRoom();
    if (n === 0) return 0;
    if (n > len) n = len;
    this.ensureSpace(n);
    const out = this.out;
    const at = this.outEnd;
    for (let i = 0; i < n; i++) out[at + i] = buf[off + i];
    this.outEnd += n;
    this.outLeft -= n;
    this.keepAlive.sent(this.now);
    this.kick();
    return n;
  }

  /** Sends PINGREQ now (an application that checks the connection itself): 0, NO_ROOM, or a negated reason code. */
  ping(): number {
    if (this.state !== SessionState.Connected || this.closeWanted) return -ReasonCode.UnspecifiedError;
    this.tx.reset(PacketType.Pingreq, this.opts.version);
    const n = this.writeTx();
    if (n < 0) return n;
    this.keepAlive.pinged(this.now);
    this.kick();
    return 0;
  }

  /** A request (MQTT 5 section 4.10): the publish with Response Topic and Correlation Data set. */
  request(topic: Uint8Array, topicOff: number, topicLen: number, payload: Uint8Array, payloadOff: number, payloadLen: number, qos: number,
    responseTopic: Uint8Array, responseOff: number, responseLen: number, correlation: Uint8Array, correlationOff: number, correlationLen: number): number {
    // MQTT-3.3.2-14: the Response Topic is a topic name, without wildcards.
    const rc = validateTopicName(responseTopic, responseOff, responseLen);
    if (rc < 0) return rc;
    const props = this.pubProps;
    props.setBytes(PropertyId.ResponseTopic, responseTopic, responseOff, responseLen);
    if (correlationLen >= 0) props.setBytes(PropertyId.CorrelationData, correlation, correlationOff, correlationLen);
    return this.publish(topic, topicOff, topicLen, payload, payloadOff, payloadLen, qos, false);
  }

  /** Replies to a received request `req` (the current message): publishes to its Response Topic with its Correlation Data. */
  respond(req: Packet, payload: Uint8Array, payloadOff: number, payloadLen: number, qos: number): number {
    const rp = req.props;
    if (!rp.has(PropertyId.ResponseTopic)) return -ReasonCode.TopicNameInvalid;
    if (rp.has(PropertyId.CorrelationData)) {
      this.pubProps.setBytes(PropertyId.CorrelationData, rp.bufferOf(PropertyId.CorrelationData), rp.offsetOf(PropertyId.CorrelationData), rp.lengthOf(PropertyId.CorrelationData));
    }
    return this.publish(rp.bufferOf(PropertyId.ResponseTopic), rp.offsetOf(PropertyId.ResponseTopic), rp.lengthOf(PropertyId.ResponseTopic), payload, payloadOff, payloadLen, qos, false);
  }

  /**
   * MQTT 5: the properties (user properties) the request of the next subscribeSend() carries,
   * cleared once it is written; null unless the options' extraProperties has a request record.
   */
  requestProperties(): Properties | null {
    const x = this.opts.extraProperties;
    return x !== null && this.v5 ? x.request : null;
  }

  /**
   * Adds a filter to the next SUBSCRIBE (options: QoS in bits 0-1, and in MQTT 5 no local,
   * retain as published, retain handling). subId: MQTT 5 subscription identifier or 0.
   * handler: receives the messages this filter matches (null: the session handler).
   * Returns 0, or a negated reason code (TopicFilterInvalid, QuotaExceeded when no slot is left).
   */
  subscribeAdd(filter: Uint8Array, off: number, len: number, options: number, subId: number, handler: MessageHandler | null): number {
    const rc = validateTopicFilter(filter, off, len);
    if (rc < 0) return rc;
    // MQTT-3.8.3-5: reserved option bits are 0; QoS 3 and Retain Handling 3 do not exist.
    if ((options & 3) === 3 || (options & 0x30) === 0x30 || options > 0x3f) return -ReasonCode.ProtocolError;
    // MQTT-3.8.3-4: No Local on a shared subscription is a protocol error.
    const shared = isSharedFilter(filter, off, len);
    if ((options & 0x04) !== 0 && shared) return -ReasonCode.ProtocolError;
    // What the server said it does not support (CONNACK, MQTT 5 section 3.2.2.3) is refused here.
    if (this.state === SessionState.Connected) {
      if (shared && !this.limits.sharedAvailable) return -ReasonCode.SharedSubscriptionsNotSupported;
      if (subId > 0 && !this.limits.subscriptionIdsAvailable) return -ReasonCode.SubscriptionIdentifiersNotSupported;
      // A valid filter that is not a valid topic name has a wildcard.
      if (!this.limits.wildcardAvailable && validateTopicName(filter, off, len) < 0) return -ReasonCode.WildcardSubscriptionsNotSupported;
    }
    if (!this.v5) options &= 3;
    const slot = this.subs.add(filter, off, len, options, this.v5 ? subId : 0, handler);
    if (slot < 0) return -ReasonCode.QuotaExceeded;
    if (this.opts.persistence !== null) this.opts.persistence.subscription(slot);
    return 0;
  }

  /**
   * Sends the filters added since the last call as one SUBSCRIBE (now, or once connected; again
   * after a reconnect until acknowledged) and returns its packet id: the handle onSubscribe
   * reports. Filters with different subscription identifiers go in one request each, and the
   * first's id is returned. 0 when no request entry (SessionOptions.pendingRequests) or packet
   * id is free: the filters then go in a request of the session's own once one is.
   */
  subscribeSend(): number {
    const id = assignRequests(this);
    if (id !== 0 && this.requestProperties() !== null) this.reqs[2 * this.opts.pendingRequests] = id;
    this.kick();
    return id;
  }

  /** Request entries free: how many more subscribeSend() / unsubscribeSend() calls get an id now. */
  requestRoom(): number {
    let n = 0;
    for (let i = 0; i < this.opts.pendingRequests; i++) if (this.reqs[i] === 0) n++;
    return n;
  }

  /** One filter: subscribeAdd then subscribeSend. */
  subscribe(filter: Uint8Array, off: number, len: number, options: number, subId: number, handler: MessageHandler | null): number {
    const rc = this.subscribeAdd(filter, off, len, options, subId, handler);
    return rc < 0 ? rc : this.subscribeSend();
  }

  /** Marks a filter for the next UNSUBSCRIBE; -NoSubscriptionExisted when it is not held. */
  unsubscribeAdd(filter: Uint8Array, off: number, len: number): number {
    const slot = this.subs.find(filter, off, len);
    if (slot < 0) return -ReasonCode.NoSubscriptionExisted;
    this.subs.setState(slot, SubState.Unsubscribing);
    this.subs.setPendingId(slot, 0);
    if (this.opts.persistence !== null) this.opts.persistence.subscription(slot);
    return 0;
  }

  /** Sends the UNSUBSCRIBE of the filters marked since the last call: as subscribeSend (onUnsubscribe reports it). */
  unsubscribeSend(): number {
    return this.subscribeSend();
  }

  unsubscribe(filter: Uint8Array, off: number, len: number): number {
    const rc = this.unsubscribeAdd(filter, off, len);
    return rc < 0 ? rc : this.subscribeSend();
  }

  /** Sends DISCONNECT (reasonCode: 0, or 0x04 to have the will published) and stops reconnecting. */
  disconnect(reasonCode: number): void {
    this.halted = true;
    if (this.state === SessionState.Idle || this.closeWanted) return;
    this.tx.reset(PacketType.Disconnect, this.opts.version);
    this.tx.reasonCode = this.v5 ? reasonCode : 0;
    this.writeTx();
    this.close(reasonCode);
    // A tail call: the close that follows reaches the application's onClose (stack depth on XS).
    return this.kick();
  }

  /** No reconnect once the connection ends (disconnect() without the DISCONNECT: the owner closes). */
  stop(): void {
    this.halted = true;
  }

  /** Allows connecting again after disconnect() or stop(). */
  start(): void {
    this.halted = false;
  }

  /** disconnect() or stop() was called, and start() not since: connectionLost() returns -1. */
  get stopped(): boolean {
    return this.halted;
  }

  /** MQTT 5 re-authentication (section 4.12.1): AUTH 0x19 with the method's data. */
  reauthenticate(): number {
    const auth = this.auth;
    if (auth === null || this.state !== SessionState.Connected || !this.v5) return -ReasonCode.ProtocolError;
    // Nothing else may build tx while the method fills it (a publish() from begin() waits).
    const busy = this.busy;
    this.busy = true;
    const rc = auth.begin(this.authPacket(auth, ReasonCode.ReAuthenticate).props);
    this.busy = busy;
    if (rc < 0) return rc;
    const n = this.writeTx();
    this.kick();
    return n < 0 ? n : 0;
  }

  // ---- Strings at the edge ------------------------------------------------------------------

  /** The topic of a delivered message, as a string. */
  /* cold */
  topicString(msg: Packet): string {
    return decodeUtf8(msg.topic, msg.topicOff, msg.topicLen);
  }

  /* cold */
  publishString(topic: string, payload: string, qos: number, retain: boolean): number {
    const t = utf8(topic);
    const p = utf8(payload);
    return this.publish(t, 0, t.length, p, 0, p.length, qos, retain);
  }

  /* cold */
  subscribeString(filter: string, options: number, handler: MessageHandler | null): number {
    const f = utf8(filter);
    return this.subscribe(f, 0, f.length, options, 0, handler);
  }

  /* cold */
  unsubscribeString(filter: string): number {
    const f = utf8(filter);
    return this.unsubscribe(f, 0, f.length);
  }

  // ---- Inside: the methods below without `private` are for the session's own files
  // (connect-packet, inbound, requests), which take the session as coreMQTT's functions take
  // their context: one class, its jobs in files of their own.

  kick(): void {
    if (this.busy) return;
    if (this.notifier !== null) return this.notifier.wake();
    return this.sendDue();
  }

  /** kick(), then v: a caller that returns v can end with this tail call instead of waiting on kick's frame. */
  private kickReturning(v: number): number {
    this.kick();
    return v;
  }

  /** Room for n more bytes in the send buffer (moving unsent bytes to the front if needed). */
  ensureSpace(n: number): boolean {
    if (this.out.length - this.outEnd >= n) return true;
    if (this.outStart > 0) {
      this.out.copyWithin(0, this.outStart, this.outEnd);
      this.outEnd -= this.outStart;
      this.outStart = 0;
    }
    return this.out.length - this.outEnd >= n;
  }

  /** Encodes tx into the send buffer: its length, NO_ROOM, or a negated reason code (PacketTooLarge: larger than the buffer). */
  writeTx(): number {
    // Inside a streamed PUBLISH nothing else can be written (see publishStream).
    if (this.outLeft > 0) return NO_ROOM;
    let n = encodeClientPacket(this.tx, this.out, this.outEnd);
    if (n === -ReasonCode.PacketTooLarge && this.outStart > 0) {
      this.ensureSpace(this.out.length);
      n = encodeClientPacket(this.tx, this.out, this.outEnd);
    }
    if (n === -ReasonCode.PacketTooLarge && this.outEnd > 0) return NO_ROOM;
    if (n > 0) {
      this.outEnd += n;
      this.keepAlive.sent(this.now);
    }
    return n;
  }

  sendAck(type: number, packetId: number, reasonCode: number): number {
    const t = this.tx;
    t.reset(type, this.opts.version);
    t.packetId = packetId;
    t.reasonCode = this.v5 ? reasonCode : 0;
    return this.writeTx();
  }

  /** The connection is to be closed (once the send buffer is drained), for this reason. */
  close(code: number): void {
    this.closeWanted = true;
    this.closeCode = code;
  }

  /** tx as an AUTH with this reason code and the method's name (section 4.12). */
  private authPacket(auth: AuthMethod, code: number): Packet {
    const t = this.tx;
    t.reset(PacketType.Auth, ProtocolVersion.V5);
    t.reasonCode = code;
    t.props.setBytes(PropertyId.AuthenticationMethod, auth.method, 0, auth.method.length);
    return t;
  }

  /** A protocol violation by the server: DISCONNECT with the reason (MQTT 5, MQTT-4.13.1-1) and close. */
  fail(code: number): void {
    if (this.closeWanted) return;
    if (this.v5) {
      this.tx.reset(PacketType.Disconnect, ProtocolVersion.V5);
      this.tx.reasonCode = code;
      this.ensureSpace(4);
      this.writeTx();
    }
    this.close(code);
  }

  private handlePacket(): void {
    const p = this.rx;
    const connected = this.state === SessionState.Connected;
    switch (p.type) {
      case PacketType.Connack:
        // MQTT-3.2.0-2: one CONNACK per connection.
        if (this.state !== SessionState.Connecting) return this.fail(ReasonCode.ProtocolError);
        return this.onConnack();
      case PacketType.Publish:
        if (!connected) return this.fail(ReasonCode.ProtocolError);
        return receivePublish(this);
      case PacketType.Puback:
      case PacketType.Pubrec:
      case PacketType.Pubcomp:
        if (this.state === SessionState.Idle) return;
        return this.onPublishAck();
      case PacketType.Pubrel:
        if (!connected) return this.fail(ReasonCode.ProtocolError);
        return receivePubrel(this);
      case PacketType.Suback:
      case PacketType.Unsuback:
        if (!connected) return this.fail(ReasonCode.ProtocolError);
        return receiveSuback(this);
      case PacketType.Pingresp:
        this.keepAlive.pong();
        return;
      case PacketType.Disconnect:
        // MQTT 5 section 3.14: the server closes; the client sends nothing back.
        this.serverDisconnected = true;
        this.close(p.reasonCode);
        return;
      case PacketType.Auth:
        return this.onAuth();
      default:
        // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ are never sent to a client.
        return this.fail(ReasonCode.ProtocolError);
    }
  }

  private onConnack(): void {
    const p = this.rx;
    const o = this.opts;
    if (p.reasonCode !== 0) {
      // MQTT-3.2.2-7 (3.1.1 MQTT-3.2.2-5): the server closes after a refusal.
      this.close(p.reasonCode);
      this.handler.onConnect(p);
      return;
    }
    // MQTT-3.2.2-4 (5.0): a client that asked for a clean start holds no session the server could resume.
    if (p.sessionPresent && o.cleanStart && this.v5) return this.fail(ReasonCode.ProtocolError);
    const limits = this.limits;
    if (this.v5) {
      const pr = p.props;
      limits.applyConnack(pr);
      this.outAliases.reset(pr.has(PropertyId.TopicAliasMaximum) ? pr.get(PropertyId.TopicAliasMaximum) : 0);
      if (pr.has(PropertyId.AssignedClientIdentifier) && this.opts.clientId.length === 0 && pr.lengthOf(PropertyId.AssignedClientIdentifier) <= this.clientId.length) {
        // Kept, so that a later connection resumes this session.
        const n = pr.lengthOf(PropertyId.AssignedClientIdentifier);
        const src = pr.bufferOf(PropertyId.AssignedClientIdentifier);
        const at = pr.offsetOf(PropertyId.AssignedClientIdentifier);
        for (let i = 0; i < n; i++) this.clientId[i] = src[at + i];
        this.clientIdLen = n;
      }
    }
    this.keepAlive.start(limits.keepAlive, o.pingTimeout, this.now);
    this.attempt = 0;
    this.state = SessionState.Connected;
    this.sessionPresent = p.sessionPresent;
    const st = this.store;
    // The held records, in order: MQTT-4.4.0-1, unacknowledged PUBLISH (DUP, MQTT-3.3.1-1) and
    // PUBREL are sent again; with no session on the server (MQTT-3.2.2-5) they are discarded:
    // messages not yet acknowledged are sent again as new messages, nothing is lost, and a
    // message whose PUBREC arrived is with the server already.
    const event = p.sessionPresent ? RecordEvent.Resume : RecordEvent.Discard;
    for (let i = st.first(StoreList.Waiting), next = -1; i >= 0; i = next) {
      next = st.after(i);
      if (st.apply(i, event) === RecordState.Free) this.drop(i, 0);
    }
    if (!p.sessionPresent) {
      this.inQos2.clear();
      const subs = this.subs;
      for (let i = 0; i < subs.slots; i++) {
        const s = subs.state(i);
        if (s === SubState.Unsubscribing) subs.free(i);
        else if (s === SubState.Granted) subs.setState(i, o.resubscribe ? SubState.Subscribing : SubState.Granted);
      }
      // All of it saved at once, before anything of this connection is received or sent.
      if (o.persistence !== null) o.persistence.snapshot();
    }
    this.handler.onConnect(p);
  }

  private onPublishAck(): void {
    const p = this.rx;
    const st = this.store;
    const slot = st.find(p.packetId);
    const type = p.type;
    const s = slot >= 0 ? st.state(slot) : RecordState.Free;
    const next = nextState(s, type === PacketType.Puback ? RecordEvent.Puback : type === PacketType.Pubrec ? RecordEvent.Pubrec : RecordEvent.Pubcomp,
      slot >= 0 ? st.qos(slot) : 0);
    if (type === PacketType.Pubrec) {
      // MQTT 5 section 3.6.2.1: PUBREL 0x92 for an id we do not hold; a repeated PUBREC: PUBREL again.
      if (next === UNEXPECTED || next === s) {
        this.sendAck(PacketType.Pubrel, p.packetId, next === s ? 0 : ReasonCode.PacketIdentifierNotFound);
        return;
      }
      // MQTT-4.4.0-2: a failed PUBREC ends the exchange; the id is free.
      if (p.reasonCode >= 0x80) return this.drop(slot, p.reasonCode);
      // MQTT-4.3.3-4: PUBREL after PUBREC; the message bytes are no longer needed.
      st.released(slot);
      if (this.opts.persistence !== null) this.opts.persistence.message(slot);
      // When the send buffer has no room for PUBREL now, it stays due for sendDue.
      if (this.sendAck(PacketType.Pubrel, p.packetId, 0) > 0) st.apply(slot, RecordEvent.Sent);
      return;
    }
    if (next !== RecordState.Free) return;
    // A PUBACK for a QoS 2 message still waiting for PUBREC comes from a broker that downgrades
    // QoS 2 to 1 (RabbitMQ's MQTT plugin does): it has taken the message at least once, so the
    // exchange ends there rather than holding the slot, and its resends, forever.
    // PUBCOMP's only other code, 0x92, answers a PUBREL the server had completed before (its
    // PUBCOMP lost to a cut): the message has been the server's since PUBREC, so it is delivered.
    this.drop(slot, type === PacketType.Pubcomp ? 0 : p.reasonCode);
  }

  private onAuth(): void {
    const p = this.rx;
    const auth = this.auth;
    // MQTT-4.12.0-6: no AUTH without a method in use; it is a protocol error.
    if (auth === null || !this.v5) return this.fail(ReasonCode.ProtocolError);
    if (p.reasonCode === 0) return; // re-authentication succeeded
    if (p.reasonCode !== ReasonCode.ContinueAuthentication) return this.fail(ReasonCode.ProtocolError);
    const rc = auth.challenge(p, this.authPacket(auth, ReasonCode.ContinueAuthentication).props);
    if (rc < 0) return this.fail(-rc);
    this.writeTx();
  }

  /**
   * Checks a message about to be published and takes a store slot of its encoded size: the
   * slot, or a negated reason code.
   */
  private reserveStored(topic: Uint8Array, topicOff: number, topicLen: number, payloadLen: number, qos: number, retain: boolean, headOnly: boolean): number {
    const o = this.opts;
    if (qos < 0 || qos > 2) return -ReasonCode.QosNotSupported;
    // MQTT-4.7.3-3: at most 65,535 bytes.
    if (topicLen > 0xffff) return -ReasonCode.TopicNameInvalid;
    const rc = validateTopicName(topic, topicOff, topicLen);
    if (rc < 0) return rc;
    if (this.state === SessionState.Connected) {
      // MQTT-3.2.2-11 / -14: nothing above the server's Maximum QoS, no retain when unavailable.
      if (qos > this.limits.maximumQos) return -ReasonCode.QosNotSupported;
      if (retain && !this.limits.retainAvailable) return -ReasonCode.RetainNotSupported;
    }
    const pp = this.pubProps;
    // MQTT-3.3.4-6: a PUBLISH from a client carries no Subscription Identifier; MQTT-3.3.2-8: aliases are the session's.
    if (pp.subIdCount > 0 || pp.has(PropertyId.TopicAlias)) return -ReasonCode.ProtocolError;
    let remaining = 2 + topicLen + (qos > 0 ? 2 : 0) + payloadLen;
    if (this.v5) {
      const ps = propertiesSize(pp, PUBLISH_MASK);
      if (ps < 0) return ps;
      remaining += varintSize(ps) + ps;
    }
    const size = packetSize(remaining);
    // A streamed message keeps (and first sends) its head only.
    const kept = headOnly ? size - payloadLen : size;
    // Room for a topic alias property added on the way out.
    if (kept + 3 > o.sendBufferSize || size > this.limits.maximumPacketSize) return -ReasonCode.PacketTooLarge;
    const st = this.store;
    for (let tries = 0; tries <= st.slots; tries++) {
      if (st.queued < o.queueCount) {
        const slot = st.add(kept, qos, this.now);
        if (slot >= 0) return slot;
      }
      if (o.overflow !== OverflowPolicy.DropOldestQos0) break;
      const victim = st.firstQueued(true);
      if (victim < 0) break;
      this.drop(victim, ReasonCode.QuotaExceeded);
    }
    return -ReasonCode.QuotaExceeded;
  }

  /** Encodes tx, with the caller's properties, into its store slot and sends it when it can: the handle. */
  private storeTx(slot: number, headOnly: boolean): number {
    const p = this.tx;
    const st = this.store;
    const pp = this.pubProps;
    // tx carries the caller's properties for this one encoding.
    const own = p.props;
    p.props = pp;
    const rc = headOnly ? encodePublishHeader(p, st.arena.bytes, st.arena.off(slot)) : encodeClientPacket(p, st.arena.bytes, st.arena.off(slot));
    p.props = own;
    if (pp.has(PropertyId.MessageExpiryInterval)) st.setExpiry(slot, pp.get(PropertyId.MessageExpiryInterval));
    pp.clear();
    if (rc !== st.arena.len(slot)) {
      st.remove(slot);
      return rc < 0 ? rc : -ReasonCode.ImplementationSpecificError;
    }
    // Saved before publish() returns and before it can be sent.
    if (this.opts.persistence !== null) this.opts.persistence.message(slot);
    // A tail call (stack depth on XS: the driver's header).
    return this.kickReturning(st.handle(slot));
  }

  /** Sends what is due, as far as the send buffer allows. */
  sendDue(): void {
    if (this.busy || this.closeWanted || this.state === SessionState.Idle || this.outLeft > 0) return;
    const st = this.store;
    const connected = this.state === SessionState.Connected;
    // MQTT-3.1.2-30: during enhanced authentication only AUTH or DISCONNECT goes out before CONNACK.
    if (!connected && this.auth !== null && this.v5) return;
    // The inflight window: MQTT-3.3.4-7 / MQTT-4.9.0-2, the server's Receive Maximum.
    let window = this.opts.inflight;
    if (this.limits.receiveMaximum < window) window = this.limits.receiveMaximum;
    // Inflight first (resends, PUBRELs), in their order, as many as the window allows on the wire.
    let onWire = st.onWire;
    for (let guard = 0; guard < st.slots && onWire < window; guard++) {
      const slot = st.firstDue();
      if (slot < 0) break;
      const r = this.transmit(slot);
      if (r === 0) return;
      if (r > 0) onWire++;
    }
    // Then the queue, within the window. Before CONNACK only when nothing from an earlier
    // connection waits to be resent.
    if (connected || st.held === 0) {
      for (let guard = 0; guard < st.slots; guard++) {
        const slot = st.firstQueued(false);
        if (slot < 0) break;
        const qos = st.qos(slot);
        if (qos > 0) {
          if (st.inflight >= window) break;
          if (connected && qos > this.limits.maximumQos) {
            this.drop(slot, ReasonCode.QosNotSupported);
            continue;
          }
          // Expired while queued (MQTT 5 section 3.3.2.3.3): not sent.
          if (this.expired(slot)) continue;
          const id = this.allocatePacketId();
          if (id === 0) break;
          st.promote(slot, id);
          // The id is saved before the PUBLISH carrying it leaves.
          if (this.opts.persistence !== null) this.opts.persistence.message(slot);
          if (this.transmit(slot) === 0 || this.outLeft > 0) return;
        } else {
          if (this.expired(slot)) continue;
          const r = this.transmit(slot);
          if (r === 0) return;
          if (r > 0) {
            const h = st.handle(slot);
            st.remove(slot);
            if (this.opts.reportQos0) this.handler.onPublishDone(h, 0);
          }
          if (this.outLeft > 0) return;
        }
      }
    }
    // A tail call (stack depth on XS: the driver's header).
    if (connected) return sendRequests(this);
  }

  private drop(slot: number, code: number): void {
    const h = this.store.handle(slot);
    this.store.remove(slot);
    if (this.opts.persistence !== null) this.opts.persistence.message(slot);
    this.handler.onPublishDone(h, code);
  }

  /** Whole seconds since the message was stored. */
  private age(slot: number): number {
    return Math.floor((this.now - this.store.time(slot)) / 1000);
  }

  /** True (and the message dropped) when a queued message's expiry interval has passed. */
  private expired(slot: number): boolean {
    const interval = this.store.expiry(slot);
    if (interval < 0 || this.age(slot) < interval) return false;
    this.drop(slot, ReasonCode.UnspecifiedError);
    return true;
  }

  /** Writes an inflight or queued entry: 1 sent, 0 no room yet (it stays due), -1 dropped. */
  private transmit(slot: number): number {
    const st = this.store;
    const s = st.state(slot);
    if (s === RecordState.PubRelSend) {
      if (this.sendAck(PacketType.Pubrel, st.packetId(slot), 0) < 0) return 0;
      st.apply(slot, RecordEvent.Sent);
      return 1;
    }
    const len = st.arena.len(slot);
    if (!this.ensureSpace(len + 3)) return 0;
    if (st.streamed(slot) === 1) return this.transmitHead(slot);
    // The stored bytes are copied and patched (stored-publish.ts), not decoded and encoded again.
    const src = st.arena.bytes;
    const off = st.arena.off(slot);
    const qos = st.qos(slot);
    let patch = st.packetId(slot) | (s === RecordState.PublishResend ? PATCH_DUP : 0);
    let expiry = -1;
    let alias = 0;
    let assigned = 0;
    if (this.v5) {
      expiry = storedExpiry(src, off, qos);
      // MQTT-3.3.2-6 spirit: the interval left, not the original one.
      if (expiry >= 0) expiry = expiry - this.age(slot) > 0 ? expiry - this.age(slot) : 1;
      if (this.outAliases.limit > 0) {
        const topic = storedTopicAt(src, off);
        alias = this.outAliases.find(src, topic + 2, (src[topic] << 8) | src[topic + 1]);
        // Section 3.3.2.3.4: a known alias and an empty topic; or a new alias set with the topic.
        if (alias > 0) patch |= PATCH_NO_TOPIC;
        else alias = assigned = this.outAliases.assign(src, topic + 2, (src[topic] << 8) | src[topic + 1]);
      }
    }
    const n = storedPublishSize(src, off, len, qos, patch, alias);
    // MQTT-3.2.2-15: nothing over the server's Maximum Packet Size is sent; it is reported.
    if (n > this.limits.maximumPacketSize || n > this.out.length) {
      if (assigned > 0) this.outAliases.unassign(assigned);
      this.drop(slot, ReasonCode.PacketTooLarge);
      return -1;
    }
    // An alias property may lengthen the header past the room made above.
    if (!this.ensureSpace(n)) {
      if (assigned > 0) this.outAliases.unassign(assigned);
      return 0;
    }
    this.outEnd += writeStoredPublish(src, off, len, qos, this.out, this.outEnd, patch, expiry, alias);
    this.keepAlive.sent(this.now);
    st.apply(slot, RecordEvent.Sent);
    return 1;
  }

  /** Writes a streamed message's stored head (its packet id set) and opens the stream of its payload: 1. */
  private transmitHead(slot: number): number {
    const st = this.store;
    const src = st.arena.bytes;
    const off = st.arena.off(slot);
    const len = st.arena.len(slot);
    this.outEnd += writeStoredPublish(src, off, len, st.qos(slot), this.out, this.outEnd, st.packetId(slot), -1, 0);
    this.outLeft = storedPayloadLeft(src, off, len);
    this.outHandle = st.handle(slot);
    this.keepAlive.sent(this.now);
    st.apply(slot, RecordEvent.Sent);
    return 1;
  }

  /** Whether an inflight message or a SUBSCRIBE/UNSUBSCRIBE awaiting its ack uses the id. */
  packetIdInUse(id: number): boolean {
    if (this.store.find(id) >= 0) return true;
    for (let i = 0; i < this.opts.pendingRequests; i++) if (this.reqs[i] === id) return true;
    return false;
  }

  /** A packet identifier not in use (MQTT-2.2.1-3), or 0. */
  allocatePacketId(): number {
    const id = freePacketId(this.nextPacketId, this);
    if (id !== 0) this.nextPacketId = followingPacketId(id);
    return id;
  }

}
