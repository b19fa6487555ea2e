// A bridge's side on this broker: an MQTT 5 client joined by an in-process Link (no socket),
// speaking the project's codec, so the broker keeps the bridge's session, queue and store as it
// does any client's. Messages it is given are acknowledged only when the bridge says so.
import type { Broker, Connection } from './broker.js';
import type { Timer } from './clock.js';
import type { Link } from './link.js';
import { encodePacket } from '../core/codec/codec.js';
import { PacketType, PropertyId } from '../core/codec/constants.js';
import { Framer } from '../core/codec/framer.js';
import { Packet } from '../core/codec/packet.js';

/** Largest packet the bridge takes from this broker, advertised so that nothing larger is sent. */
export const LOCAL_MAX_PACKET = 4 << 20;
/** Session Expiry Interval that never expires. */
const FOREVER = 0xffffffff;
/** Subscription options: no local (the bridge's own messages never come back), retain as published, retained only on a new subscription. */
const SUB_OPTIONS = 0x04 | 0x08 | 0x10;

export interface LocalMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  packetId: number;
}

export interface LocalHandler {
  /** A message on an `out` subscription: ack(m) once the remote broker has it. */
  onLocalMessage(m: LocalMessage): void;
  /** The broker closed the link (shutdown, take-over). */
  onLocalClosed(): void;
}

export interface LocalLogin {
  clientId: string;
  clean: boolean;
  username?: string;
  password?: string;
}

const bytes = (s: string): [Buffer, number, number] => {
  const b = Buffer.from(s);
  return [b, 0, b.length];
};

export class LocalBridgeClient implements Link {
  readonly buffered = 0;
  closed = false;
  sessionPresent = false;
  private conn: Connection | null = null;
  private readonly framer = new Framer(LOCAL_MAX_PACKET);
  private readonly rx = new Packet(32, 16, 8);
  private readonly tx = new Packet(32, 16, 8);
  private out = new Uint8Array(1 << 16);
  private nextId = 0;
  /** Packets written while the broker is writing to us: sent once it is done. */
  private pending: Buffer[] = [];
  private inWrite = false;
  private draining = false;
  private pinger: Timer | null = null;

  constructor(private readonly broker: Broker, private readonly handler: LocalHandler) {
    this.framer.version = 5;
  }

  /** CONNECT (the broker answers before this returns) and SUBSCRIBE of the `out` filters; false when refused. */
  open(login: LocalLogin, filters: { filter: string; qos: number }[]): boolean {
    const conn = this.broker.open(this, 'bridge', '127.0.0.1');
    if (conn === null) return false;
    this.conn = conn;
    let keepAlive = 0;
    this.send(PacketType.Connect, (p) => {
      p.clientId = Buffer.from(login.clientId);
      p.clientIdOff = 0;
      p.clientIdLen = p.clientId.length;
      p.cleanStart = login.clean;
      p.keepAlive = 0;
      if (!login.clean) p.props.setNumber(PropertyId.SessionExpiryInterval, FOREVER);
      p.props.setNumber(PropertyId.MaximumPacketSize, LOCAL_MAX_PACKET);
      if (login.username !== undefined) [p.username, p.usernameOff, p.usernameLen] = bytes(login.username);
      if (login.password !== undefined) [p.password, p.passwordOff, p.passwordLen] = bytes(login.password);
    });
    const ack = this.connack;
    if (ack === null || ack.code !== 0) return false;
    this.sessionPresent = ack.present;
    keepAlive = ack.keepAlive;
    // A broker with max_keepalive gives a keep alive even to a client asking for none.
    if (keepAlive > 0) this.pinger = this.broker.clock.every(keepAlive * 500, () => this.send(PacketType.Pingreq));
    for (let i = 0; i < filters.length; i += 16) {
      this.send(PacketType.Subscribe, (p) => {
        p.packetId = this.packetId();
        for (const f of filters.slice(i, i + 16)) p.addFilter(...bytes(f.filter), f.qos | SUB_OPTIONS);
      });
    }
    return true;
  }

  private connack: { code: number; present: boolean; keepAlive: number } | null = null;

  /** A message the bridge brings in, published as this client (QoS 1/2 are acknowledged before this returns). */
  publish(topic: string, payload: Buffer, qos: number, retain: boolean): void {
    if (this.closed) return;
    const need = payload.length + Buffer.byteLength(topic) + 32;
    if (this.out.length < need) this.out = new Uint8Array(need);
    this.send(PacketType.Publish, (p) => {
      p.setTopic(...bytes(topic));
      p.setPayload(payload, 0, payload.length);
      p.qos = qos;
      p.retain = retain;
      p.packetId = qos > 0 ? this.packetId() : 0;
    });
  }

  /** The remote broker has the message: PUBACK, or PUBREC (PUBCOMP follows the broker's PUBREL). */
  ack(m: LocalMessage): void {
    if (m.qos === 0 || this.closed) return;
    this.send(m.qos === 1 ? PacketType.Puback : PacketType.Pubrec, (p) => { p.packetId = m.packetId; });
  }

  /** DISCONNECT: the session (and what is unacknowledged in it) stays with the broker. */
  close(): void {
    if (this.closed) return;
    this.stop();
    this.send(PacketType.Disconnect);
  }

  // ---- Link: what the broker writes to the bridge -----------------------------------------

  write(chunk: Uint8Array): void {
    this.inWrite = true;
    try {
      let off = 0;
      while (off < chunk.length) {
        off += this.framer.push(chunk, off, chunk.length - off);
        for (;;) {
          const r = this.framer.next(this.rx);
          if (r < 0) return this.destroy();
          if (r === 0) break;
          this.handle(this.rx);
        }
      }
    } finally {
      this.inWrite = false;
    }
    if (this.pending.length > 0) queueMicrotask(() => this.drain());
  }

  pause(): void {}
  resume(): void {}
  end(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.stop();
    this.handler.onLocalClosed();
  }

  // ---- Inside -------------------------------------------------------------------------------

  private stop(): void {
    this.closed = true;
    this.pinger?.cancel();
    this.pinger = null;
  }

  private handle(p: Packet): void {
    switch (p.type) {
      case PacketType.Connack:
        this.connack = {
          code: p.reasonCode, present: p.sessionPresent,
          keepAlive: p.props.has(PropertyId.ServerKeepAlive) ? p.props.get(PropertyId.ServerKeepAlive) : 0,
        };
        return;
      case PacketType.Publish: {
        const topic = Buffer.from(p.topic.subarray(p.topicOff, p.topicOff + p.topicLen)).toString('utf8');
        const payload = Buffer.from(p.payload.subarray(p.payloadOff, p.payloadOff + p.payloadLen));
        this.handler.onLocalMessage({ topic, payload, qos: p.qos, retain: p.retain, packetId: p.packetId });
        return;
      }
      case PacketType.Pubrec: {
        const id = p.packetId;
        this.send(PacketType.Pubrel, (q) => { q.packetId = id; });
        return;
      }
      case PacketType.Pubrel: {
        const id = p.packetId;
        this.send(PacketType.Pubcomp, (q) => { q.packetId = id; });
        return;
      }
      case PacketType.Disconnect:
        this.destroy();
        return;
    }
  }

  private packetId(): number {
    this.nextId = this.nextId >= 0xffff ? 1 : this.nextId + 1;
    return this.nextId;
  }

  /** Encodes one packet and hands it to the broker, or holds it while the broker is writing to us. */
  private send(type: number, build: (p: Packet) => void = () => undefined): void {
    if (this.conn === null) return;
    const p = this.tx;
    p.reset(type, 5);
    build(p);
    const n = encodePacket(p, this.out, 0);
    if (n < 0) throw new Error(`bridge: cannot encode packet type ${type} (${-n})`);
    this.pending.push(Buffer.from(this.out.subarray(0, n)));
    if (!this.inWrite) this.drain();
  }

  /** Feeds held packets in order; the broker's answers (and its store's commit) come before this returns. */
  private drain(): void {
    if (this.draining || this.conn === null) return;
    this.draining = true;
    try {
      for (let chunk = this.pending.shift(); chunk !== undefined; chunk = this.pending.shift()) {
        this.conn.receive(chunk);
        this.broker.flushAll();
      }
    } finally {
      this.draining = false;
    }
  }
}
