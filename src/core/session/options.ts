// Everything a session is created with: protocol choices and every capacity. The session
// allocates all it will ever hold from these numbers, once, in its constructor.
import { ProtocolVersion } from '../codec/constants.js';
import { encodeUtf8, utf8Length } from '../codec/utf8.js';

/** What publish() does when the offline queue is full. */
export const enum OverflowPolicy {
  /** Refuse the new message (publish returns -QuotaExceeded). */
  RejectNewest = 0,
  /** Drop the oldest queued QoS 0 message to make room; refuse the new one when there is none. */
  DropOldestQos0 = 1,
}

const EMPTY = new Uint8Array(0);

/** SessionOptions.n: every number and flag of the options, one entry each (see the accessors). */
const enum Opt {
  Version = 0,
  KeepAlive = 1,
  CleanStart = 2,
  SessionExpiry = 3,
  WillQos = 4,
  WillRetain = 5,
  WillDelay = 6,
  WillMessageExpiry = 7,
  WillPayloadFormat = 8,
  RequestResponseInformation = 9,
  RequestProblemInformation = 10,
  ReceiveBufferSize = 11,
  StreamLargePayloads = 12,
  MaximumPacketSize = 13,
  SendBufferSize = 14,
  Inflight = 15,
  QueueCount = 16,
  StoreBytes = 17,
  Overflow = 18,
  Subscriptions = 19,
  SubscriptionBytes = 20,
  FiltersPerPacket = 21,
  PendingRequests = 22,
  InboundQos2 = 23,
  TopicAliasMaximum = 24,
  OutboundAliases = 25,
  AliasBytes = 26,
  UserProperties = 27,
  SubscriptionIds = 28,
  ConnectTimeout = 29,
  PingTimeout = 30,
  BackoffBase = 31,
  BackoffMax = 32,
  BackoffJitter = 33,
  Resubscribe = 34,
  ReportQos0 = 35,
}
const OPTS = 36;

export class SessionOptions {
  clientId: Uint8Array;
  /** User name and password bytes; null when absent. */
  username: Uint8Array | null;
  password: Uint8Array | null;
  /** Will message: topic null for none. */
  willTopic: Uint8Array | null;
  willPayload: Uint8Array;
  willContentType: Uint8Array | null;

  /** Every number and flag, read and written through the accessors below: in XS each own property is a heap slot (16 bytes on a device). */
  n: Float64Array;

  get version(): number { return this.n[Opt.Version]; }
  set version(v: number) { this.n[Opt.Version] = v; }
  /** Seconds; 0 turns keep alive off. The server's Server Keep Alive overrides it (MQTT-3.2.2-21). */
  get keepAlive(): number { return this.n[Opt.KeepAlive]; }
  set keepAlive(v: number) { this.n[Opt.KeepAlive] = v; }
  get cleanStart(): boolean { return this.n[Opt.CleanStart] !== 0; }
  set cleanStart(v: boolean) { this.n[Opt.CleanStart] = v ? 1 : 0; }
  /** MQTT 5 Session Expiry Interval, seconds (0: the session ends with the connection). */
  get sessionExpiry(): number { return this.n[Opt.SessionExpiry]; }
  set sessionExpiry(v: number) { this.n[Opt.SessionExpiry] = v; }
  get willQos(): number { return this.n[Opt.WillQos]; }
  set willQos(v: number) { this.n[Opt.WillQos] = v; }
  get willRetain(): boolean { return this.n[Opt.WillRetain] !== 0; }
  set willRetain(v: boolean) { this.n[Opt.WillRetain] = v ? 1 : 0; }
  /** MQTT 5 Will Delay Interval, seconds (-1: absent). */
  get willDelay(): number { return this.n[Opt.WillDelay]; }
  set willDelay(v: number) { this.n[Opt.WillDelay] = v; }
  /** MQTT 5 will properties: message expiry (-1 absent), payload format (-1 absent), content type. */
  get willMessageExpiry(): number { return this.n[Opt.WillMessageExpiry]; }
  set willMessageExpiry(v: number) { this.n[Opt.WillMessageExpiry] = v; }
  get willPayloadFormat(): number { return this.n[Opt.WillPayloadFormat]; }
  set willPayloadFormat(v: number) { this.n[Opt.WillPayloadFormat] = v; }
  get requestResponseInformation(): boolean { return this.n[Opt.RequestResponseInformation] !== 0; }
  set requestResponseInformation(v: boolean) { this.n[Opt.RequestResponseInformation] = v ? 1 : 0; }
  get requestProblemInformation(): boolean { return this.n[Opt.RequestProblemInformation] !== 0; }
  set requestProblemInformation(v: boolean) { this.n[Opt.RequestProblemInformation] = v ? 1 : 0; }
  // Capacities.
  /** Receive buffer: the largest packet accepted (advertised as Maximum Packet Size in MQTT 5), unless streaming. */
  get receiveBufferSize(): number { return this.n[Opt.ReceiveBufferSize]; }
  set receiveBufferSize(v: number) { this.n[Opt.ReceiveBufferSize] = v; }
  /**
   * Hand a PUBLISH larger than the receive buffer to the application in chunks (msg.chunk 1, 2,
   * see MessageHandler) instead of closing with 0x95. Its topic and properties must fit in the buffer.
   */
  get streamLargePayloads(): boolean { return this.n[Opt.StreamLargePayloads] !== 0; }
  set streamLargePayloads(v: boolean) { this.n[Opt.StreamLargePayloads] = v ? 1 : 0; }
  /** With streamLargePayloads: the largest packet accepted, advertised as Maximum Packet Size (MQTT 5); 0: no limit. */
  get maximumPacketSize(): number { return this.n[Opt.MaximumPacketSize]; }
  set maximumPacketSize(v: number) { this.n[Opt.MaximumPacketSize] = v; }
  /** Send buffer: the largest packet sent. */
  get sendBufferSize(): number { return this.n[Opt.SendBufferSize]; }
  set sendBufferSize(v: number) { this.n[Opt.SendBufferSize] = v; }
  /** Outbound QoS 1/2 messages awaiting acknowledgement at once. */
  get inflight(): number { return this.n[Opt.Inflight]; }
  set inflight(v: number) { this.n[Opt.Inflight] = v; }
  /** Messages waiting to be sent (while offline, or while the inflight window is full). */
  get queueCount(): number { return this.n[Opt.QueueCount]; }
  set queueCount(v: number) { this.n[Opt.QueueCount] = v; }
  /** Bytes kept for unacknowledged and queued messages (both share this store). */
  get storeBytes(): number { return this.n[Opt.StoreBytes]; }
  set storeBytes(v: number) { this.n[Opt.StoreBytes] = v; }
  get overflow(): number { return this.n[Opt.Overflow]; }
  set overflow(v: number) { this.n[Opt.Overflow] = v; }
  /** Subscription slots (per-filter handlers) and bytes for their filters. */
  get subscriptions(): number { return this.n[Opt.Subscriptions]; }
  set subscriptions(v: number) { this.n[Opt.Subscriptions] = v; }
  get subscriptionBytes(): number { return this.n[Opt.SubscriptionBytes]; }
  set subscriptionBytes(v: number) { this.n[Opt.SubscriptionBytes] = v; }
  /** Filters per SUBSCRIBE/UNSUBSCRIBE packet, and outstanding SUBSCRIBE/UNSUBSCRIBE at once. */
  get filtersPerPacket(): number { return this.n[Opt.FiltersPerPacket]; }
  set filtersPerPacket(v: number) { this.n[Opt.FiltersPerPacket] = v; }
  get pendingRequests(): number { return this.n[Opt.PendingRequests]; }
  set pendingRequests(v: number) { this.n[Opt.PendingRequests] = v; }
  /** Inbound QoS 2 messages between PUBREC and PUBREL; advertised as Receive Maximum in MQTT 5. */
  get inboundQos2(): number { return this.n[Opt.InboundQos2]; }
  set inboundQos2(v: number) { this.n[Opt.InboundQos2] = v; }
  /** Inbound topic aliases (advertised Topic Alias Maximum) and outbound ones, with their bytes. */
  get topicAliasMaximum(): number { return this.n[Opt.TopicAliasMaximum]; }
  set topicAliasMaximum(v: number) { this.n[Opt.TopicAliasMaximum] = v; }
  get outboundAliases(): number { return this.n[Opt.OutboundAliases]; }
  set outboundAliases(v: number) { this.n[Opt.OutboundAliases] = v; }
  get aliasBytes(): number { return this.n[Opt.AliasBytes]; }
  set aliasBytes(v: number) { this.n[Opt.AliasBytes] = v; }
  /** User properties and subscription identifiers one packet record keeps. */
  get userProperties(): number { return this.n[Opt.UserProperties]; }
  set userProperties(v: number) { this.n[Opt.UserProperties] = v; }
  get subscriptionIds(): number { return this.n[Opt.SubscriptionIds]; }
  set subscriptionIds(v: number) { this.n[Opt.SubscriptionIds] = v; }
  // Timing, milliseconds.
  get connectTimeout(): number { return this.n[Opt.ConnectTimeout]; }
  set connectTimeout(v: number) { this.n[Opt.ConnectTimeout] = v; }
  /** How long to wait for PINGRESP; 0: half the keep-alive interval (so 1.5x in all). */
  get pingTimeout(): number { return this.n[Opt.PingTimeout]; }
  set pingTimeout(v: number) { this.n[Opt.PingTimeout] = v; }
  get backoffBase(): number { return this.n[Opt.BackoffBase]; }
  set backoffBase(v: number) { this.n[Opt.BackoffBase] = v; }
  get backoffMax(): number { return this.n[Opt.BackoffMax]; }
  set backoffMax(v: number) { this.n[Opt.BackoffMax] = v; }
  /** 0..1: the share of each back-off delay that is random. */
  get backoffJitter(): number { return this.n[Opt.BackoffJitter]; }
  set backoffJitter(v: number) { this.n[Opt.BackoffJitter] = v; }
  /** Subscribe again to every filter after a connection without a session. */
  get resubscribe(): boolean { return this.n[Opt.Resubscribe] !== 0; }
  set resubscribe(v: boolean) { this.n[Opt.Resubscribe] = v ? 1 : 0; }
  /** Report QoS 0 messages to onPublishDone too (reason code 0), once written to the send buffer (MQTT.js-style publish callbacks). */
  get reportQos0(): boolean { return this.n[Opt.ReportQos0] !== 0; }
  set reportQos0(v: boolean) { this.n[Opt.ReportQos0] = v ? 1 : 0; }

  constructor() {
    this.n = new Float64Array(OPTS);
    this.version = ProtocolVersion.V5;
    this.clientId = EMPTY;
    this.keepAlive = 60;
    this.cleanStart = true;
    this.sessionExpiry = 0;
    this.username = null;
    this.password = null;
    this.willTopic = null;
    this.willPayload = EMPTY;
    this.willQos = 0;
    this.willRetain = false;
    this.willDelay = -1;
    this.willMessageExpiry = -1;
    this.willPayloadFormat = -1;
    this.willContentType = null;
    this.requestResponseInformation = false;
    this.requestProblemInformation = true;
    this.receiveBufferSize = 2048;
    this.streamLargePayloads = false;
    this.maximumPacketSize = 0;
    this.sendBufferSize = 2048;
    this.inflight = 8;
    this.queueCount = 16;
    this.storeBytes = 4096;
    this.overflow = OverflowPolicy.RejectNewest;
    this.subscriptions = 8;
    this.subscriptionBytes = 512;
    this.filtersPerPacket = 8;
    this.pendingRequests = 4;
    this.inboundQos2 = 8;
    this.topicAliasMaximum = 8;
    this.outboundAliases = 8;
    this.aliasBytes = 512;
    this.userProperties = 4;
    this.subscriptionIds = 2;
    this.connectTimeout = 30000;
    this.pingTimeout = 0;
    this.backoffBase = 1000;
    this.backoffMax = 60000;
    this.backoffJitter = 0.5;
    this.resubscribe = true;
    this.reportQos0 = false;
  }
}

/** A string as UTF-8 bytes, for set-up. */
/* cold */
export function utf8(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  encodeUtf8(s, out, 0);
  return out;
}
