// What a session tells its owner. Methods are called on objects given at construction, so
// delivering an event allocates nothing. Packets passed in are the session's reused records:
// read them during the call, do not keep them.
import { Packet } from '../codec/packet.js';
import { Properties } from '../codec/properties.js';

/**
 * Receives PUBLISH messages: topic and payload are offsets into the receive buffer.
 *
 * With SessionOptions.streamLargePayloads, a message larger than the receive buffer comes in
 * several calls to the same handlers: msg.chunk = Chunk.Head (the head: topic, properties, QoS, packet
 * id and the first payload bytes), then Chunk.Piece for each further piece (payload only:
 * topic empty, properties cleared). msg.streamTotal is the whole payload's length and
 * msg.streamOffset where this piece starts; the last piece ends at streamTotal. A QoS 1/2
 * message is acknowledged after its last piece. When the connection ends before that, a final
 * call with Chunk.Aborted (payloadLen 0, streamOffset = bytes delivered) says
 * the message is incomplete: discard it; the server sends a QoS 1/2 message again, whole.
 */
export interface MessageHandler {
  onMessage(msg: Packet): void;
}

export interface SessionHandler extends MessageHandler {
  /** CONNACK: reasonCode 0 is a connection (sessionPresent, properties in ack.props); else a refusal. */
  onConnect(ack: Packet): void;
  /**
   * An outbound message is finished: handle as returned by publish(), reasonCode from PUBACK /
   * PUBREC / PUBCOMP (0 or >= 0x80), or QuotaExceeded (0x97) when dropped from a full queue,
   * UnspecifiedError (0x80) when it expired before it was sent, PacketTooLarge (0x95) when the
   * server's maximum packet size refuses it. QoS 0 messages are reported only when dropped,
   * unless SessionOptions.reportQos0: then also with 0 once written to the send buffer (which
   * may happen inside the publish() call, before it returns the handle).
   */
  onPublishDone(handle: number, reasonCode: number): void;
  /**
   * SUBACK or UNSUBACK: packetId and one code per filter in ack.codes[0..count). The session
   * also names the filter each code answers: bytes [ack.filterOffset(i), +ack.filterLength(i))
   * of ack.filter[i] (length -1 when unknown); read them before subscribing again.
   */
  onSubscribe(ack: Packet): void;
  onUnsubscribe(ack: Packet): void;
  /**
   * The connection ended. reasonCode: why (a server DISCONNECT's code, the code the client
   * sent, 0x8D on keep-alive timeout, 0 when the transport closed). server: the server's
   * DISCONNECT (Server Reference, Reason String in its props), or null.
   */
  onClose(reasonCode: number, server: Packet | null): void;
}

/**
 * MQTT 5 enhanced authentication (section 4.12), supplied by the caller. The session sends
 * the method name, and the data these write into `out` (as AuthenticationData).
 */
export interface AuthMethod {
  /** Authentication Method, UTF-8. */
  method: Uint8Array;
  /** Fills CONNECT's (or a re-authentication AUTH's) properties; 0, or a negated reason code. */
  begin(out: Properties): number;
  /** The server's AUTH (0x18): fills the reply's properties; 0 to continue, or a negated reason code to abort. */
  challenge(server: Packet, out: Properties): number;
}

/**
 * Sees every control packet the session receives (all but PUBLISH), after the session has
 * handled it (acknowledged, matched to its message...): for applications that report the
 * protocol's steps, such as an ECMA-419 client's onControl. Optional (Session.observer).
 */
export interface PacketObserver {
  onPacket(p: Packet): void;
}
