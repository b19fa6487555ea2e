// Everything a session is created with: protocol choices and every capacity. The session
// allocates all it will ever hold from these numbers, once, in its constructor.
import { ProtocolVersion } from '../codec/constants.js';
import { encodeUtf8, utf8Length } from '../codec/utf8.js';
import { Properties, PROPERTY_IDS, PROPERTY_TYPE, PropType } from '../codec/properties.js';
import type { Persistence } from './persistence.js';

/** What publish() does when the offline queue is full. */
export const enum OverflowPolicy {
  /** Refuse the new message (publish returns -QuotaExceeded). */
  RejectNewest = 0,
  /** Drop the oldest queued QoS 0 message to make room; refuse the new one when there is none. */
  DropOldestQos0 = 1,
}

const EMPTY = new Uint8Array(0);

/**
 * MQTT 5 properties the application adds to what the session sends, built at set-up; a record
 * left null costs nothing. The bytes are kept by reference, as the publish properties are.
 */
export class ExtraProperties {
  /** Added to every CONNECT: user properties, Authentication Method and Data (without an AuthMethod). */
  connect: Properties | null;
  /** Added to the will's properties: Response Topic, Correlation Data, user properties. */
  will: Properties | null;
  /** Carried by the request of the next subscribeSend() (not by a resubscription), cleared once written: user properties. */
  request: Properties | null;

  constructor() {
    this.connect = null;
    this.will = null;
    this.request = null;
  }
}

/** Adds src's properties to dst (bytes by reference); false when dst has no room for its user properties. */
export function addProperties(dst: Properties, src: Properties): boolean {
  if (src.present !== 0) {
    for (let i = 0; i < PROPERTY_IDS.length; i++) {
      const id = PROPERTY_IDS[i];
      if (!src.has(id)) continue;
      const type = PROPERTY_TYPE[id];
      if (type === PropType.Utf8 || type === PropType.Binary) dst.setBytes(id, src.bufferOf(id), src.offsetOf(id), src.lengthOf(id));
      else dst.setNumber(id, src.get(id));
    }
  }
  for (let i = 0; i < src.userCount; i++) {
    if (!dst.addUserProperty(src.userKeyBuffer(i), src.userKeyOffset(i), src.userKeyLength(i), src.userValueBuffer(i), src.userValueOffset(i), src.userValueLength(i))) return false;
  }
  return true;
}

export class SessionOptions {
  version: number;
  clientId: Uint8Array;
  /** Seconds; 0 turns keep alive off. The server's Server Keep Alive overrides it (MQTT-3.2.2-21). */
  keepAlive: number;
  cleanStart: boolean;
  /** MQTT 5 Session Expiry Interval, seconds (0: the session ends with the connection). */
  sessionExpiry: number;
  /** User name and password bytes; null when absent. */
  username: Uint8Array | null;
  password: Uint8Array | null;
  /** Will message: topic null for none. */
  willTopic: Uint8Array | null;
  willPayload: Uint8Array;
  willQos: number;
  willRetain: boolean;
  /** MQTT 5 Will Delay Interval, seconds (-1: absent). */
  willDelay: number;
  /** MQTT 5 will properties: message expiry (-1 absent), payload format (-1 absent), content type. */
  willMessageExpiry: number;
  willPayloadFormat: number;
  willContentType: Uint8Array | null;
  requestResponseInformation: boolean;
  requestProblemInformation: boolean;

  // Capacities.
  /** Receive buffer: the largest packet accepted (advertised as Maximum Packet Size in MQTT 5), unless streaming. */
  receiveBufferSize: number;
  /**
   * Hand a PUBLISH larger than the receive buffer to the application in chunks (msg.chunk 1, 2,
   * see MessageHandler) instead of closing with 0x95. Its topic and properties must fit in the buffer.
   */
  streamLargePayloads: boolean;
  /**
   * With streamLargePayloads: the largest packet accepted, advertised as Maximum Packet Size
   * (MQTT 5); 0: no limit. MQTT has one limit for every packet, but only a PUBLISH is streamed:
   * any other packet larger than the receive buffer still ends in 0x95 (the Node client's framer
   * grows for those instead, so that it takes all it advertises).
   */
  maximumPacketSize: number;
  /** Send buffer: the largest packet sent. */
  sendBufferSize: number;
  /** Outbound QoS 1/2 messages awaiting acknowledgement at once. */
  inflight: number;
  /** Messages waiting to be sent (while offline, or while the inflight window is full). */
  queueCount: number;
  /** Bytes kept for unacknowledged and queued messages (both share this store). */
  storeBytes: number;
  overflow: number;
  /** Subscription slots (per-filter handlers) and bytes for their filters. */
  subscriptions: number;
  subscriptionBytes: number;
  /** Filters per SUBSCRIBE/UNSUBSCRIBE packet, and outstanding SUBSCRIBE/UNSUBSCRIBE at once. */
  filtersPerPacket: number;
  pendingRequests: number;
  /** Inbound QoS 2 messages between PUBREC and PUBREL; advertised as Receive Maximum in MQTT 5. */
  inboundQos2: number;
  /** Inbound topic aliases (advertised Topic Alias Maximum) and outbound ones, with their bytes. */
  topicAliasMaximum: number;
  outboundAliases: number;
  aliasBytes: number;
  /** User properties and subscription identifiers one packet record keeps. */
  userProperties: number;
  subscriptionIds: number;

  // Timing, milliseconds.
  connectTimeout: number;
  /** How long to wait for PINGRESP; 0: half the keep-alive interval (so 1.5x in all). */
  pingTimeout: number;
  backoffBase: number;
  backoffMax: number;
  /** 0..1: the share of each back-off delay that is random. */
  backoffJitter: number;
  /** Subscribe again to every filter after a connection without a session. */
  resubscribe: boolean;
  /** Report QoS 0 messages to onPublishDone too (reason code 0), once written to the send buffer (MQTT.js-style publish callbacks). */
  reportQos0: boolean;
  /** Keeps the session's state through power loss (a SessionJournal over a store); null: RAM only. */
  persistence: Persistence | null;
  /** MQTT 5 properties added to CONNECT, the will, SUBSCRIBE and UNSUBSCRIBE; null: none. */
  extraProperties: ExtraProperties | null;

  constructor() {
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
    this.persistence = null;
    this.extraProperties = null;
  }
}

/** A string as UTF-8 bytes, for set-up. */
/* cold */
export function utf8(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  encodeUtf8(s, out, 0);
  return out;
}
