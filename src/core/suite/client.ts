// A session's handler for scenarios: it records what happened (counts, last codes, the last
// message) into fixed fields and pokes the runner, which steps the scenario.
import { Chunk, Packet } from '../codec/packet.js';
import { Session } from '../session/session.js';
import { PacketObserver, SessionHandler } from '../session/handler.js';
import { PacketType } from '../codec/constants.js';
import { SessionOptions } from '../session/options.js';
import { StoreList } from '../session/message-store.js';
import { RecordState } from '../session/outbound-state.js';

export interface Poke {
  poke(): void;
}

export class SuiteClient implements SessionHandler, PacketObserver {
  session: Session;
  owner: Poke;
  link: number;

  connacks: number;
  /** At the last CONNACK: inflight messages marked for resend with DUP. */
  dupResends: number;
  /** The most messages inflight at once, sampled at every event. */
  maxInflight: number;
  connackCode: number;
  sessionPresent: boolean;
  closes: number;
  closeCode: number;
  subacks: number;
  subCodes: Uint8Array;
  subCount: number;
  unsubacks: number;
  unsubCodes: Uint8Array;
  unsubCount: number;
  done: number;
  doneFailed: number;
  doneCode: number;

  received: number;
  lastQos: number;
  lastRetain: boolean;
  /** The first 64 bytes of the last message's payload, and its length. */
  lastPayload: Uint8Array;
  lastLen: number;
  /** Messages whose first payload byte was not the expected sequence byte. */
  outOfOrder: number;
  expectSeq: number;
  /** Streamed PUBLISH: chunks, payload bytes seen, bytes that did not match the pattern, whole messages. */
  chunks: number;
  streamBytes: number;
  streamBad: number;
  streamTotal: number;
  streamed: number;
  /** PUBREL and PINGRESP received: what shows a scenario that its fault fired (or did not). */
  pubrels: number;
  pingresps: number;

  constructor(opts: SessionOptions, owner: Poke) {
    this.session = new Session(opts, this, null);
    this.owner = owner;
    this.link = -1;
    this.connacks = 0;
    this.dupResends = 0;
    this.maxInflight = 0;
    this.connackCode = -1;
    this.sessionPresent = false;
    this.closes = 0;
    this.closeCode = -1;
    this.subacks = 0;
    this.subCodes = new Uint8Array(8);
    this.subCount = 0;
    this.unsubacks = 0;
    this.unsubCodes = new Uint8Array(8);
    this.unsubCount = 0;
    this.done = 0;
    this.doneFailed = 0;
    this.doneCode = -1;
    this.received = 0;
    this.lastQos = -1;
    this.lastRetain = false;
    this.lastPayload = new Uint8Array(64);
    this.lastLen = 0;
    this.outOfOrder = 0;
    this.expectSeq = 0;
    this.chunks = 0;
    this.streamBytes = 0;
    this.streamBad = 0;
    this.streamTotal = 0;
    this.streamed = 0;
    this.pubrels = 0;
    this.pingresps = 0;
    this.session.observer = this;
  }

  onPacket(p: Packet): void {
    if (p.type === PacketType.Pubrel) this.pubrels++;
    else if (p.type === PacketType.Pingresp) {
      this.pingresps++;
      this.owner.poke();
    }
  }

  onConnect(ack: Packet): void {
    // Inflight messages the session will resend with DUP set (MQTT-3.3.1-1), seen at CONNACK.
    const st = this.session.store;
    let dups = 0;
    for (let i = st.first(StoreList.Due); i >= 0; i = st.after(i)) if (st.state(i) === RecordState.PublishResend) dups++;
    this.dupResends = dups;
    this.connacks++;
    this.connackCode = ack.reasonCode;
    this.sessionPresent = ack.sessionPresent;
    this.owner.poke();
  }

  onClose(reasonCode: number, _server: Packet | null): void {
    this.closes++;
    this.closeCode = reasonCode;
    this.owner.poke();
  }

  onSubscribe(ack: Packet): void {
    this.subacks++;
    this.subCount = ack.count < 8 ? ack.count : 8;
    for (let i = 0; i < this.subCount; i++) this.subCodes[i] = ack.codes[i];
    this.owner.poke();
  }

  onUnsubscribe(ack: Packet): void {
    this.unsubacks++;
    this.unsubCount = ack.count < 8 ? ack.count : 8;
    for (let i = 0; i < this.unsubCount; i++) this.unsubCodes[i] = ack.codes[i];
    this.owner.poke();
  }

  /** Samples the inflight count (called on events and by scenarios after publishing). */
  sample(): void {
    const n = this.session.store.inflight;
    if (n > this.maxInflight) this.maxInflight = n;
  }

  onPublishDone(_handle: number, reasonCode: number): void {
    this.sample();
    this.done++;
    this.doneCode = reasonCode;
    if (reasonCode >= 0x80) this.doneFailed++;
    this.owner.poke();
  }

  onMessage(msg: Packet): void {
    if (msg.chunk !== Chunk.Whole) {
      // A PUBLISH larger than the receive buffer, in pieces: byte i of the payload is i & 0xff.
      this.chunks++;
      if (msg.chunk === Chunk.Head) {
        this.streamTotal = msg.streamTotal;
        this.streamBytes = 0;
      }
      for (let i = 0; i < msg.payloadLen; i++) {
        if (msg.payload[msg.payloadOff + i] !== ((msg.streamOffset + i) & 0xff)) this.streamBad++;
      }
      this.streamBytes += msg.payloadLen;
      if (this.streamBytes >= this.streamTotal) this.streamed++;
      this.owner.poke();
      return;
    }
    this.received++;
    this.lastQos = msg.qos;
    this.lastRetain = msg.retain;
    const n = msg.payloadLen < 64 ? msg.payloadLen : 64;
    for (let i = 0; i < n; i++) this.lastPayload[i] = msg.payload[msg.payloadOff + i];
    this.lastLen = msg.payloadLen;
    if (msg.payloadLen > 0) {
      if (msg.payload[msg.payloadOff] !== (this.expectSeq & 0xff)) this.outOfOrder++;
      this.expectSeq = msg.payload[msg.payloadOff] + 1;
    }
    this.owner.poke();
  }
}
