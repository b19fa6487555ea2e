// A connection's write path: packets are encoded into one buffer per connection and written
// once per event-loop turn (or when half of the largest buffer is used), after the store has
// committed, so no acknowledgement leaves before what it acknowledges is durable. The drop,
// delay, duplicate and throttle faults act here, on the way out.
import { Packet } from '../core/codec/packet.js';
import { encodeServerPacket } from '../core/codec/server.js';
import { PacketType, PropertyId, ReasonCode } from '../core/codec/constants.js';
import type { Connection } from './connection.js';
import type { Fault } from './faults.js';
import type { Timer } from './clock.js';
import { Message, setMessageProps } from './message.js';

/** Largest MQTT packet (a 4-byte remaining length). */
export const MAX_PACKET = 268435460;
/** Send buffer per connection: starts small (idle clients cost little), doubles while busy up to OUT_MAX. */
const OUT_MIN = 2048;
const OUT_MAX = 65536;
/** Throttled bytes leave in slices this often. */
const THROTTLE_TICK_MS = 100;

const ACK_NAMES: Record<number, string> = {
  [PacketType.Puback]: 'puback', [PacketType.Pubrec]: 'pubrec', [PacketType.Pubrel]: 'pubrel', [PacketType.Pubcomp]: 'pubcomp',
};

export class Output {
  /** Made when the first packet of a turn is encoded; an idle connection has none. */
  private out: Buffer | null = null;
  private outPos = 0;
  private throttleQueue: Buffer[] = [];
  private throttleBytes = 0;
  private throttleTimer: Timer | null = null;
  private throttleBps = 0;
  /** Queued for the once-a-turn flush. */
  dirty = false;

  constructor(private readonly conn: Connection) {}

  /** More is waiting to leave than the high water mark: QoS 0 messages to this client are dropped. */
  congested(): boolean {
    const c = this.conn;
    return c.closed || c.link.buffered + this.outPos + this.throttleBytes > c.broker.opts.highWaterMark;
  }

  /** Sets a Reason String (when the client has not asked for none). */
  reason(o: Packet, text: string): void {
    const r = Buffer.from(text);
    o.props.setBytes(PropertyId.ReasonString, r, 0, r.length);
  }

  /** Encodes into the output buffer; false when the packet exceeds the client's maximum packet size. */
  send(o: Packet, topic?: string): boolean {
    const c = this.conn;
    const b = c.broker;
    if (c.closed) return false;
    this.out ??= Buffer.allocUnsafe(OUT_MIN);
    let at = this.outPos;
    let n = encodeServerPacket(o, this.out, at);
    if (n === -ReasonCode.PacketTooLarge) {
      // Full: write what is there, and give a busy connection a bigger buffer.
      if (at > 0) {
        const had = this.out.length;
        this.flush();
        at = 0;
        this.out = Buffer.allocUnsafe(had < OUT_MAX ? had * 2 : had);
        n = encodeServerPacket(o, this.out, 0);
      }
      // One packet larger than the buffer: a buffer its size, dropped after the flush.
      let size = this.out.length;
      while (n === -ReasonCode.PacketTooLarge && size < MAX_PACKET * 2) {
        size *= 4;
        this.out = Buffer.allocUnsafe(size);
        n = encodeServerPacket(o, this.out, 0);
      }
    }
    if (n < 0) {
      b.log(`${c.clientId}: cannot encode ${o.type}: reason 0x${(-n).toString(16)}`);
      return false;
    }
    // MQTT-3.1.2-25: nothing larger than the client's Maximum Packet Size is sent.
    if (n > c.clientMaxPacket) {
      b.drop(c.clientId, 'too-large', topic ?? `(${o.type === PacketType.Publish ? 'alias' : 'packet type ' + o.type})`);
      return false;
    }
    this.outPos = at + n;
    b.stats.messagesSent++;
    if (b.onTrace) c.trace('out', o, topic);
    if (this.outPos >= OUT_MAX / 2) this.flush();
    else b.markDirty(this);
    return true;
  }

  flush(): void {
    if (this.out === null || this.outPos === 0 || this.conn.closed) {
      this.outPos = 0;
      return;
    }
    // An ack leaves only once what it acknowledges is durable: the store commits before any write.
    this.conn.broker.store.commit();
    const chunk = Buffer.allocUnsafe(this.outPos);
    this.out.copy(chunk, 0, 0, this.outPos);
    this.outPos = 0;
    // A quiet connection holds no buffer between turns; a busy one keeps the one it grew to.
    if (this.out.length > OUT_MAX) this.out = Buffer.allocUnsafe(OUT_MAX);
    else if (this.out.length === OUT_MIN) this.out = null;
    this.write(chunk);
  }

  private write(chunk: Buffer): void {
    if (this.throttleBps > 0) {
      this.throttleQueue.push(chunk);
      this.throttleBytes += chunk.length;
      this.throttleTimer ??= this.conn.broker.clock.every(THROTTLE_TICK_MS, () => this.throttleTick());
      return;
    }
    this.conn.broker.stats.bytesSent += chunk.length;
    this.conn.link.write(chunk);
  }

  /** Drops the send buffer of an idle connection (nothing is waiting in it). */
  release(): void {
    if (this.outPos === 0) this.out = null;
  }

  /** The `throttle` fault: writes to this client at most bps bytes a second from now on. */
  throttle(bps: number): void {
    this.throttleBps = bps;
  }

  private throttleTick(): void {
    const c = this.conn;
    let budget = Math.max(1, Math.floor(this.throttleBps / (1000 / THROTTLE_TICK_MS)));
    while (budget > 0 && this.throttleQueue.length > 0 && !c.closed) {
      const head = this.throttleQueue[0];
      const n = Math.min(budget, head.length);
      c.link.write(head.subarray(0, n));
      c.broker.stats.bytesSent += n;
      budget -= n;
      this.throttleBytes -= n;
      if (n === head.length) this.throttleQueue.shift();
      else this.throttleQueue[0] = head.subarray(n);
    }
    if (this.throttleQueue.length === 0 || c.closed) this.stopThrottle();
  }

  private stopThrottle(): void {
    this.throttleTimer?.cancel();
    this.throttleTimer = null;
  }

  /** Before closing: what is held back by throttling goes now, then the buffer. */
  flushAll(): void {
    this.throttleBps = 0;
    for (const chunk of this.throttleQueue) this.conn.link.write(chunk);
    this.throttleQueue = [];
    this.throttleBytes = 0;
    this.stopThrottle();
    this.flush();
  }

  /** The connection ended: no more throttled writes. */
  closed(): void {
    this.stopThrottle();
  }

  sendPublish(msg: Message, qos: number, retain: boolean, pid: number, dup: boolean, subIds: number[] | null): boolean {
    const c = this.conn;
    const b = c.broker;
    const o = b.records.outFor(PacketType.Publish, c.version, 0, msg.props ? msg.props.user.length >> 1 : 0, subIds ? subIds.length : 0);
    o.qos = qos;
    o.retain = retain;
    o.dup = dup;
    o.packetId = pid;
    o.setPayload(msg.payload, 0, msg.payload.length);
    o.setTopic(msg.topicBytes, 0, msg.topicBytes.length);
    let newAlias = 0;
    if (c.version === 5) {
      setMessageProps(o, msg, b.clock.now(), subIds);
      if (c.clientAliasMax > 0) {
        c.aliasOut ??= new Map();
        const a = c.aliasOut.get(msg.topic);
        if (a !== undefined) {
          o.setTopic(msg.topicBytes, 0, 0);
          o.props.setNumber(PropertyId.TopicAlias, a);
        } else if (c.aliasOut.size < c.clientAliasMax) {
          newAlias = c.aliasOut.size + 1;
          o.props.setNumber(PropertyId.TopicAlias, newAlias);
        }
      }
    }
    const ok = this.send(o, msg.topic);
    // The mapping exists only once the client has been sent it (a packet too large for it is not).
    if (ok && newAlias > 0) c.aliasOut!.set(msg.topic, newAlias);
    if (ok) {
      b.stats.publishSent++;
      if (b.faults.rules.length > 0) this.duplicate(o, msg.topic);
    }
    return ok;
  }

  /** The `duplicate` fault: the same PUBLISH (DUP set when QoS > 0) or PUBREL once more. */
  private duplicate(o: Packet, topic?: string): void {
    const b = this.conn.broker;
    const f = b.faults.take('duplicate', this.conn.clientId);
    if (!f) return;
    if (o.type === PacketType.Publish && o.qos > 0) o.dup = true;
    const what = `duplicated ${o.type === PacketType.Publish ? 'PUBLISH' : 'PUBREL'}${o.packetId ? ' id=' + o.packetId : ''}`;
    this.send(o, topic);
    // Reported after sending: the report is itself a PUBLISH, encoded in the same reused record.
    b.control.fired(f, this.conn.clientId, what);
  }

  /** PUBACK, PUBREC, PUBREL, PUBCOMP, through the drop/delay faults. */
  sendAck(type: number, pid: number, code: number): void {
    const c = this.conn;
    const o = c.broker.records.outFor(type, c.version);
    o.packetId = pid;
    o.reasonCode = c.version === 5 ? code : 0;
    if (c.version === 5 && code >= 0x80 && c.problemInfo) this.reason(o, code === ReasonCode.NotAuthorized ? 'not authorised' : 'refused');
    if (this.sendControl(o, ACK_NAMES[type]) && type === PacketType.Pubrel && c.broker.faults.rules.length > 0) this.duplicate(o);
  }

  /** Sends an ack (or SUBACK, UNSUBACK) unless a drop or delay rule applies; true when sent now. */
  sendControl(o: Packet, name: string): boolean {
    const c = this.conn;
    const b = c.broker;
    if (b.faults.rules.length > 0) {
      const drop = b.faults.take('drop', c.clientId, name);
      if (drop) {
        b.control.fired(drop, c.clientId, `dropped ${name.toUpperCase()}${o.packetId ? ' id=' + o.packetId : ''}`);
        return false;
      }
      const delay = b.faults.take('delay', c.clientId, name);
      if (delay) {
        this.delay(o, delay, name);
        return false;
      }
    }
    return this.send(o);
  }

  private delay(o: Packet, f: Fault, name: string): void {
    const c = this.conn;
    const b = c.broker;
    // Keep a copy of what to send: the record is reused (the report below uses it too).
    const type = o.type;
    const pid = o.packetId;
    const code = o.reasonCode;
    const codes: number[] = [];
    for (let i = 0; i < o.count; i++) codes.push(o.codes[i]);
    b.control.fired(f, c.clientId, `delayed ${name.toUpperCase()}${pid ? ' id=' + pid : ''} by ${f.ms} ms`);
    b.clock.after(f.ms, () => {
      const q = b.records.outFor(type, c.version, codes.length);
      q.packetId = pid;
      q.reasonCode = code;
      for (const x of codes) q.addCode(x);
      this.send(q);
      this.flush();
    });
  }
}
