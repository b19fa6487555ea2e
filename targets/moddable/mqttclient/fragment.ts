// The ECMA-419 drop-in's fragmented PUBLISH (write(data, {byteLength}) then write(data)
// continuations): one that fits `bufferSize` and the send buffer is put together here and
// published whole; a larger one is streamed (Session.publishStream), with bytes written before
// the session takes them held in the same buffer.
import type { Session } from '../../../src/core/session/session.js';
import { feedStream } from '../stream-feed.js';

export class FragmentedPublish {
  private session: Session;
  /** The client's topic buffer: the topic stays there until a gathered message is complete (no other write comes between). */
  private topic: Uint8Array;
  /** Bytes still expected from the application (0: no fragmented message). */
  left: number;
  /** The streamed message's session handle, 0: gathered here (or none). */
  handle: number;
  /** buf[0, len): bytes gathered, or held for the stream. */
  private buf: Uint8Array;
  private len: number;
  private topicLen: number;
  qos: number;
  private retain: boolean;
  /** The application's id of the message. */
  id: number;

  /* cold */
  constructor(session: Session, topic: Uint8Array, bufferSize: number) {
    this.session = session;
    this.topic = topic;
    this.left = 0;
    this.handle = 0;
    this.buf = new Uint8Array(bufferSize);
    this.len = 0;
    this.topicLen = 0;
    this.qos = 0;
    this.retain = false;
    this.id = 0;
  }

  /** Bytes the next piece may have now: the room left to hold, and the stream's when nothing is held (held bytes go first). */
  room(): number {
    const s = this.session;
    let n = this.buf.length - this.len;
    if (this.handle !== 0 && this.len === 0 && s.streamHandle() === this.handle) n += s.streamRoom();
    return n;
  }

  /** A fragmented message of `total` bytes, topic in the topic buffer: the stream's handle, or 0 when gathered here (throws on overflow). */
  begin(topicLen: number, total: number, qos: number, retain: boolean, id: number): number {
    const s = this.session;
    this.left = total;
    this.len = 0;
    this.qos = qos;
    this.retain = retain;
    this.id = id;
    this.handle = 0;
    if (total > this.buf.length || topicLen + total + 16 > s.sendBuffer().length) {
      const h = s.publishStream(this.topic, 0, topicLen, total, qos, retain);
      if (h < 0) {
        this.left = 0;
        throw new Error('overflow');
      }
      this.handle = h;
      return h;
    }
    this.topicLen = topicLen;
    return 0;
  }

  /** More bytes of the message: the handle of a gathered message published whole with its last byte, else 0. */
  add(bytes: Uint8Array): number {
    const n = bytes.length;
    if (n > this.left) throw new Error('invalid');
    if (this.handle !== 0) this.drain();
    if (n > this.room()) throw new Error('overflow');
    this.left -= n;
    if (this.handle === 0) {
      this.buf.set(bytes, this.len);
      this.len += n;
      if (this.left > 0) return 0;
      const h = this.session.publish(this.topic, 0, this.topicLen, this.buf, 0, this.len, this.qos, this.retain);
      this.len = 0;
      if (h < 0) throw new Error('overflow');
      return h;
    }
    const off = this.len === 0 ? feedStream(this.session, this.handle, bytes, 0, n) : 0;
    if (off < n) {
      this.buf.set(bytes.subarray(off), this.len);
      this.len += n - off;
    }
    if (this.left === 0 && this.len === 0) this.handle = 0;
    return 0;
  }

  /** Hands held bytes of the streamed message to the session while the socket takes them. */
  drain(): void {
    if (this.handle === 0) return;
    if (this.len > 0) {
      const n = feedStream(this.session, this.handle, this.buf, 0, this.len);
      if (n > 0) {
        this.buf.copyWithin(0, n, this.len);
        this.len -= n;
      }
    }
    if (this.len === 0 && this.left === 0) this.handle = 0;
  }

  /** The connection ended: a streamed message cut short cannot be continued. */
  cut(): void {
    if (this.handle === 0) return;
    this.left = 0;
    this.len = 0;
    this.handle = 0;
  }
}
