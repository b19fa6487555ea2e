// mqtt/js's messages published and not yet done: each one's callback, and for a message streamed
// through Session.publishStream (larger than the send buffer or the store) the application's
// payload still to be written. Fixed tables: allocated once, nothing per message.
import type { Session } from '../../../src/core/session/session.js';
import { ReasonCode } from '../../../src/core/codec/constants.js';
import { feedStream } from '../stream-feed.js';
import { refusal, type PacketCallback } from './requests.js';

export class Publishes {
  /** Per entry: the session's handle (0: free), the QoS and the callback. */
  private handle: Float64Array;
  private qos: Uint8Array;
  private fn: (PacketCallback | null)[];
  /** A streamed message's payload, [at, end) still to be written; null once written (or not streamed). */
  private payload: (Uint8Array | null)[];
  private at: Float64Array;
  private end: Float64Array;
  /** The session's result when it reported the message done before its last byte was written, else -1. */
  private code: Int16Array;
  /** Streamed messages whose payload is not all written. */
  streaming: number;
  /** Inside feed(): a callback that publishes does not feed again (the outer loop goes on). */
  private feeding: boolean;

  /* cold */
  constructor(slots: number) {
    this.handle = new Float64Array(slots);
    this.qos = new Uint8Array(slots);
    this.fn = [];
    this.payload = [];
    for (let i = 0; i < slots; i++) {
      this.fn.push(null);
      this.payload.push(null);
    }
    this.at = new Float64Array(slots);
    this.end = new Float64Array(slots);
    this.code = new Int16Array(slots);
    this.streaming = 0;
    this.feeding = false;
  }

  /**
   * Keeps a message's callback and, when streamed, its payload buf[off, off+len) (by reference);
   * code: its result if the session has reported it already, else -1.
   */
  add(handle: number, qos: number, fn: PacketCallback | null, buf: Uint8Array | null, off: number, len: number, code: number): void {
    const hs = this.handle;
    for (let i = 0; i < hs.length; i++) {
      if (hs[i] !== 0) continue;
      hs[i] = handle;
      this.qos[i] = qos;
      this.fn[i] = fn;
      this.payload[i] = buf;
      this.at[i] = off;
      this.end[i] = off + len;
      this.code[i] = code;
      if (buf !== null) this.streaming++;
      return;
    }
  }

  /**
   * The session reports a message done: its callback is called, or for a payload still being
   * written (a QoS 0 message is done once its head is out) when the last byte is. False: not here.
   */
  done(handle: number, reasonCode: number): boolean {
    const i = this.find(handle);
    if (i < 0) return false;
    if (this.payload[i] !== null) {
      if (reasonCode < 0x80) {
        this.code[i] = reasonCode;
        return true;
      }
      this.release(i);
    }
    this.call(i, reasonCode);
    return true;
  }

  /** Writes the payload of the streamed message on the wire as far as the session takes it: true when one was finished. */
  feed(s: Session): boolean {
    if (this.feeding) return false;
    this.feeding = true;
    let finished = false;
    for (let guard = 0; guard < 8; guard++) {
      const h = s.streamHandle();
      if (h === 0) break;
      const i = this.find(h);
      if (i < 0) break;
      const buf = this.payload[i];
      if (buf === null) break;
      const at = this.at[i];
      const n = feedStream(s, h, buf, at, this.end[i] - at);
      this.at[i] = at + n;
      if (at + n < this.end[i]) break;
      this.release(i);
      finished = true;
      if (this.code[i] >= 0) {
        // Between writes: a callback may publish (and feed) again.
        this.feeding = false;
        this.call(i, this.code[i]);
        this.feeding = true;
      }
    }
    this.feeding = false;
    return finished;
  }

  /** The connection ended: a message the session is done with whose payload was cut short failed. */
  cut(): void {
    const hs = this.handle;
    for (let i = 0; i < hs.length; i++) {
      if (hs[i] === 0 || this.payload[i] === null || this.code[i] < 0) continue;
      this.release(i);
      this.call(i, ReasonCode.UnspecifiedError);
    }
  }

  private find(handle: number): number {
    const hs = this.handle;
    for (let i = 0; i < hs.length; i++) if (hs[i] === handle) return i;
    return -1;
  }

  private release(i: number): void {
    this.payload[i] = null;
    this.streaming--;
  }

  /** Frees entry i and calls its callback: callback() for QoS 0, callback(null) for QoS 1/2, callback(error) when refused (as Moddable's). */
  private call(i: number, reasonCode: number): void {
    const cb = this.fn[i];
    const qos = this.qos[i];
    this.handle[i] = 0;
    this.fn[i] = null;
    if (cb === null) return;
    if (reasonCode >= 0x80) cb(refusal('publish', reasonCode));
    else if (qos === 0) cb();
    else cb(null);
  }
}
