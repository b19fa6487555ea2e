// A message larger than the receive buffer arrives in pieces (the session streams it): its
// payload is put back together here, in a buffer grown as the pieces come.
import type { Packet } from '../../core/codec/packet.js';
import type { MessageInfo } from './options.js';

export interface Whole {
  topic: string;
  payload: Buffer;
  info: MessageInfo;
}

export class Reassembly {
  /** The message arriving: its payload so far, topic and details. */
  private partial: Whole | null = null;

  /**
   * Takes one piece (msg.chunk 1 head, 2 more, 3 aborted); the whole message once its last
   * piece is in, else null. topic and info are read from the head only.
   */
  piece(msg: Packet, topic: () => string, info: () => MessageInfo): Whole | null {
    if (msg.chunk === 1) {
      // Sized from the bytes that came, not from the length the server claims.
      this.partial = { payload: Buffer.allocUnsafe(msg.payloadLen), topic: topic(), info: info() };
    }
    const part = this.partial;
    if (part === null) return null;
    if (msg.chunk === 3) {
      this.partial = null;
      return null;
    }
    const end = msg.streamOffset + msg.payloadLen;
    if (end > part.payload.length) {
      // Doubling keeps the copies linear; the last size is the message's own.
      const bigger = Buffer.allocUnsafe(Math.min(msg.streamTotal, Math.max(end, part.payload.length * 2)));
      part.payload.copy(bigger, 0, 0, msg.streamOffset);
      part.payload = bigger;
    }
    part.payload.set(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen), msg.streamOffset);
    if (end < msg.streamTotal) return null;
    this.partial = null;
    return part;
  }
}
