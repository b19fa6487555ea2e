// mqtt/js's received messages as the API hands them over: the payload as an ArrayBuffer (a
// message larger than the receive buffer is reassembled from its pieces), the topic string
// (the previous message's reused when the bytes are the same), and with MQTT 5 properties the
// packet object.
import type { Packet } from '../../../src/core/codec/packet.js';
import { decodeUtf8 } from '../../../src/core/codec/utf8.js';
import { Chunk } from '../../../src/core/codec/packet.js';
import { propertiesObject, reportable } from '../mqtt-properties.js';

/** Topic bytes kept to reuse the previous message's topic string. */
const TOPIC_CACHE = 64;

export class Inbox {
  private v5: boolean;
  /** The message take() completed: its topic and (MQTT 5, with properties) packet. */
  topic: string;
  packet: Record<string, unknown> | undefined;
  private topicBytes: Uint8Array;
  private topicLen: number;
  private lastTopic: string;
  /** A message larger than the receive buffer, being reassembled. */
  private view: Uint8Array | null;
  private streamTopic: string;
  private streamPacket: Record<string, unknown> | undefined;

  /* cold */
  constructor(v5: boolean) {
    this.v5 = v5;
    this.topic = '';
    this.packet = undefined;
    this.topicBytes = new Uint8Array(TOPIC_CACHE);
    this.topicLen = -1;
    this.lastTopic = '';
    this.view = null;
    this.streamTopic = '';
    this.streamPacket = undefined;
  }

  /** A message or a piece of one: its payload once the message is whole (topic and packet set), else null. */
  take(msg: Packet): ArrayBuffer | null {
    const chunk = msg.chunk;
    if (chunk === 0) {
      const at = msg.payload.byteOffset + msg.payloadOff;
      const b = (msg.payload.buffer as ArrayBuffer).slice(at, at + msg.payloadLen);
      this.topic = this.topicOf(msg);
      this.packet = this.v5 && reportable(msg) ? packetOf(msg, this.topic, b) : undefined;
      return b;
    }
    if (chunk === 1) {
      const all = new ArrayBuffer(msg.streamTotal);
      this.view = new Uint8Array(all);
      this.streamTopic = this.topicOf(msg);
      this.streamPacket = this.v5 && reportable(msg) ? packetOf(msg, this.streamTopic, all) : undefined;
    }
    const view = this.view;
    if (view === null) return null;
    if (chunk === Chunk.Aborted) {
      this.reset();
      return null;
    }
    const from = msg.payloadOff;
    view.set(msg.payload.subarray(from, from + msg.payloadLen), msg.streamOffset);
    if (msg.streamOffset + msg.payloadLen < msg.streamTotal) return null;
    this.topic = this.streamTopic;
    this.packet = this.streamPacket;
    this.reset();
    return view.buffer as ArrayBuffer;
  }

  /** Drops a message being reassembled (the connection ended). */
  reset(): void {
    this.view = null;
    this.streamPacket = undefined;
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
      if (same) return this.lastTopic;
    }
    const topic = decodeUtf8(src, off, len);
    if (len <= kept.length) {
      for (let i = 0; i < len; i++) kept[i] = src[off + i];
      this.topicLen = len;
      this.lastTopic = topic;
    } else this.topicLen = -1;
    return topic;
  }
}

/* cold */
function packetOf(msg: Packet, topic: string, payload: ArrayBuffer): Record<string, unknown> {
  return { cmd: 'publish', topic, payload, qos: msg.qos, retain: msg.retain, dup: msg.dup, properties: propertiesObject(msg) };
}
