// Messages on their way out of the Node client. The session holds a fixed window of them
// (capacities.queueCount, storeBytes); as MQTT.js, the client holds any more in order until the
// session has room (up to queueLimit, unbounded by default). A message larger than the send
// buffer is published as a stream: the session sends its head, and its payload is written
// from where it lies as the send buffer empties.
import { ReasonCode } from '../../core/codec/constants.js';
import type { Session } from '../../core/session/session.js';
import { MqttError } from './errors.js';
import type { OutgoingProperties, QoS } from './options.js';
import { fillMessageProperties } from './properties.js';

interface Outgoing {
  topic: string;
  topicBytes: Uint8Array;
  body: Uint8Array;
  qos: QoS;
  retain: boolean;
  props: OutgoingProperties | undefined;
  resolve(): void;
  reject(err: Error): void;
}

interface Streamed {
  m: Outgoing;
  /** Payload bytes written so far. */
  off: number;
}

export class Outbox {
  /** QoS 1/2 messages in the session, by handle: settled on their acknowledgement. */
  private readonly pending = new Map<number, Outgoing>();
  /** Streamed messages whose payload is still to be written, by handle. */
  private readonly streams = new Map<number, Streamed>();
  /** Messages waiting in the client for room in the session, oldest first. */
  private held: Outgoing[] = [];
  private heldFirst = 0;

  constructor(private readonly session: Session, private readonly v5: boolean, private readonly queueLimit: number) {}

  /** Messages waiting in the client. */
  get waiting(): number {
    return this.held.length - this.heldFirst;
  }

  /** A streamed message is being written. */
  get streaming(): boolean {
    return this.streams.size > 0;
  }

  /** Publishes: resolves when done (QoS 0 once the session has it, QoS 1 on PUBACK, 2 on PUBCOMP). */
  send(topic: string, topicBytes: Uint8Array, body: Uint8Array, qos: QoS, retain: boolean, props: OutgoingProperties | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const m: Outgoing = { topic, topicBytes, body, qos, retain, props, resolve, reject };
      // Later messages wait behind those already waiting: order is kept.
      if (this.waiting > 0 || !this.submit(m)) this.hold(m);
    });
  }

  /** The session reports a message done (or dropped); false when it is not one of ours. */
  done(handle: number, code: number): boolean {
    const m = this.pending.get(handle);
    if (m === undefined) return false;
    this.pending.delete(handle);
    const s = this.streams.get(handle);
    if (s !== undefined && code === ReasonCode.UnspecifiedError && (m.props === undefined || m.props.messageExpiryInterval === undefined)) {
      // A streamed message cut off by the connection's end: the session cannot send it again
      // (its payload is not stored), but the client has it.
      this.streams.delete(handle);
      this.held.splice(this.heldFirst, 0, m);
      return true;
    }
    if (code < 0x80) m.resolve();
    else m.reject(new MqttError(code, `publish to '${m.topic}' failed`));
    return true;
  }

  /** Moves waiting messages into the session while it has room. */
  release(): void {
    while (this.waiting > 0) {
      const m = this.held[this.heldFirst];
      if (!this.submit(m)) return;
      this.held[this.heldFirst++] = undefined as unknown as Outgoing;
      if (this.heldFirst > 1024 && this.heldFirst * 2 > this.held.length) {
        this.held = this.held.slice(this.heldFirst);
        this.heldFirst = 0;
      }
    }
  }

  /** Writes payload of the streamed message on the wire while the send buffer has room. */
  feed(): void {
    const s = this.session;
    for (;;) {
      const h = s.streamHandle();
      if (h === 0) return;
      const st = this.streams.get(h);
      if (st === undefined) return;
      const left = st.m.body.length - st.off;
      const n = left > 0 ? s.streamWrite(st.m.body, st.off, left) : 0;
      st.off += n;
      if (st.off >= st.m.body.length) this.streams.delete(h);
      if (n === 0) return;
    }
  }

  /** Everything not yet done fails with err. */
  failAll(err: Error): void {
    for (const m of this.pending.values()) m.reject(err);
    this.pending.clear();
    this.streams.clear();
    for (let i = this.heldFirst; i < this.held.length; i++) this.held[i].reject(err);
    this.held = [];
    this.heldFirst = 0;
  }

  private hold(m: Outgoing): void {
    if (this.waiting >= this.queueLimit) {
      m.reject(new MqttError(ReasonCode.QuotaExceeded, `publish to '${m.topic}' refused: ${this.queueLimit} messages already waiting`));
      return;
    }
    this.held.push(m);
  }

  /** Hands m to the session: true when it is taken or has failed (settled), false when the session has no room now. */
  private submit(m: Outgoing): boolean {
    const s = this.session;
    const t = m.topicBytes;
    this.fillProps(m);
    let h = s.publish(t, 0, t.length, m.body, 0, m.body.length, m.qos, m.retain);
    // Too large for the send buffer (or the store): written from where it lies instead.
    if (h === -ReasonCode.PacketTooLarge || (h === -ReasonCode.QuotaExceeded && m.body.length > s.opts.storeBytes >> 1)) {
      this.fillProps(m);
      const hs = s.publishStream(t, 0, t.length, m.body.length, m.qos, m.retain);
      if (hs > 0) {
        this.streams.set(hs, { m, off: 0 });
        this.pending.set(hs, m);
        return true;
      }
      if (h === -ReasonCode.PacketTooLarge || hs !== -ReasonCode.QuotaExceeded) h = hs;
    }
    if (h === -ReasonCode.QuotaExceeded) return false;
    if (h < 0) {
      m.reject(new MqttError(-h, `publish to '${m.topic}' refused`));
      return true;
    }
    if (m.qos === 0) m.resolve();
    else this.pending.set(h, m);
    return true;
  }

  private fillProps(m: Outgoing): void {
    if (m.props !== undefined && this.v5) fillMessageProperties(this.session.messageProperties(), m.props);
  }
}
