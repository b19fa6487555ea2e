// What the server sends the client: PUBLISH (topic aliases resolved, QoS 2 held once,
// delivered to the handlers of the matching filters, a streamed one piece by piece) and PUBREL.
// Delivery comes before the acknowledgement (MQTT-4.3.2-4 / MQTT-4.3.3-9).
import { PacketType, PropertyId, ReasonCode } from '../codec/constants.js';
import { Chunk } from '../codec/packet.js';
import type { Session } from './session.js';

const EMPTY = new Uint8Array(0);

/** A streamed PUBLISH coming in, between its head and its last piece. */
export const enum InboundStream {
  None = 0,
  /** Its pieces go to the handlers its head went to. */
  Delivering = 1,
  /** A QoS 2 message already received: acknowledged after its last piece, not delivered. */
  Duplicate = 2,
}

export function receivePublish(s: Session): void {
  const p = s.rx;
  if (p.chunk === Chunk.Piece) {
    // A later piece of a streamed PUBLISH: its bytes show the connection is alive.
    s.keepAlive.heard(s.now);
    chunkOnly(s);
    if (s.stream === InboundStream.Delivering) deliver(s);
    if (p.streamOffset + p.payloadLen < p.streamTotal) return;
    const dup = s.stream === InboundStream.Duplicate;
    s.stream = InboundStream.None;
    return acknowledge(s, dup);
  }
  if (s.v5 && p.props.has(PropertyId.TopicAlias)) {
    const alias = p.props.get(PropertyId.TopicAlias);
    // MQTT-3.3.2-11 binds the server: an alias above the maximum we sent is refused with 0x94.
    if (alias > s.inAliases.maximum()) return s.fail(ReasonCode.TopicAliasInvalid);
    if (p.topicLen > 0) {
      if (!s.inAliases.set(alias, p.topic, p.topicOff, p.topicLen)) return s.fail(ReasonCode.ImplementationSpecificError);
    } else {
      const len = s.inAliases.lookup(alias);
      // An alias never set on s connection: protocol error (section 3.3.4).
      if (len < 0) return s.fail(ReasonCode.ProtocolError);
      p.setTopic(s.inAliases.arena.bytes, s.inAliases.arena.off(alias - 1), len);
    }
  }
  // MQTT-4.3.3-10: a resent QoS 2 PUBLISH is acknowledged but not delivered again.
  const dup = p.qos === 2 && s.inQos2.has(p.packetId);
  // More QoS 2 messages unreleased than our Receive Maximum (MQTT-3.3.4-9).
  if (p.qos === 2 && !dup && s.inQos2.count >= s.inQos2.ids.length) return s.fail(ReasonCode.ReceiveMaximumExceeded);
  // A whole QoS 2 message's id is held (and saved) before delivery: after a power cut the
  // server's resend is then not delivered a second time.
  if (p.qos === 2 && !dup && p.chunk === Chunk.Whole) holdQos2(s, p.packetId);
  // MQTT-4.3.2-4 / MQTT-4.3.3-9: delivered (ownership taken), then acknowledged; a streamed one after its last piece.
  if (!dup) deliver(s);
  if (p.chunk === Chunk.Head) s.stream = dup ? InboundStream.Duplicate : InboundStream.Delivering;
  else acknowledge(s, dup);
}

/** PUBACK or PUBREC for the message in rx (QoS 2: its id is remembered until PUBREL). */
function acknowledge(s: Session, dup: boolean): void {
  const p = s.rx;
  if (p.qos === 0) return;
  if (p.qos === 2 && !dup && p.chunk !== Chunk.Whole) holdQos2(s, p.packetId);
  s.sendAck(p.qos === 1 ? PacketType.Puback : PacketType.Pubrec, p.packetId, 0);
}

/** Remembers an inbound QoS 2 id until PUBREL (MQTT-4.3.3-10), saved when the session persists. */
function holdQos2(s: Session, id: number): void {
  s.inQos2.add(id);
  if (s.opts.persistence !== null) s.opts.persistence.inbound(id, true);
}

/** A streamed piece carries payload only: the head's topic and properties bytes are gone from the buffer. */
export function chunkOnly(s: Session): void {
  s.rx.setTopic(EMPTY, 0, 0);
  s.rx.props.clear();
}

/** To the handlers of the matching filters (or the session's); the pieces of a streamed message go where its head went. */
export function deliver(s: Session): void {
  const p = s.rx;
  if (p.chunk === Chunk.Whole || p.chunk === Chunk.Head) s.routed = s.subs.route(p);
  const n = s.routed;
  if (n === 0) s.handler.onMessage(p);
  const to = s.subs.matched;
  for (let i = 0; i < n; i++) {
    const h = to[i];
    if (h !== null) h.onMessage(p);
  }
}

/** PUBREL: PUBCOMP with the same id (MQTT-4.3.3-11); the id is now free for a new message. */
export function receivePubrel(s: Session): void {
  const id = s.rx.packetId;
  const known = s.inQos2.remove(id);
  // Saved before PUBCOMP: the server may then reuse the id for a new message.
  if (known && s.opts.persistence !== null) s.opts.persistence.inbound(id, false);
  s.sendAck(PacketType.Pubcomp, id, known ? 0 : ReasonCode.PacketIdentifierNotFound);
}
