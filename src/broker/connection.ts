// One client connection's protocol handling, sans I/O: bytes come in through receive(), time
// through the broker's clock, and bytes leave through the connection's Link. It frames packets
// with the core codec, refuses what comes before CONNECT, dispatches each packet to its handler
// (connect.ts, inbound.ts) and ends the connection with the right reason.
import { Framer } from '../core/codec/framer.js';
import { Packet } from '../core/codec/packet.js';
import { isReasonCodeFor } from '../core/codec/reason-codes.js';
import { PacketType, ReasonCode } from '../core/codec/constants.js';
import { readVarint, varintSize } from '../core/codec/varint.js';
import { keepAliveLapsed } from '../core/session/keepalive.js';
import type { Broker } from './broker.js';
import { handleConnect, sendConnack, takeBridgeMark } from './connect.js';
import type { Fault } from './faults.js';
import { handleDisconnect, handlePublish, handleSubscribe, handleUnsubscribe } from './inbound.js';
import type { Link, LinkPeer } from './link.js';
import { MAX_PACKET, Output } from './output.js';
import type { Session } from './session.js';
import { traceLine, traceRecord } from './trace.js';

/**
 * Receive buffer: FRAMER_MIN while a connection is idle (room for a device's CONNECT and small
 * packets), FRAMER_SIZE once bytes come faster than that holds, larger only for a larger packet.
 */
const FRAMER_MIN = 256;
const FRAMER_SIZE = 4096;
/** A connection silent this long gives its buffers back (an idle fleet costs little). */
const IDLE_RELEASE_MS = 5000;

export class Connection implements LinkPeer {
  clientId = '';
  user: string | null = null;
  version = 4;
  connected = false;
  closed = false;
  takenOver = false;
  /** A bridge that said so (try_private): its messages are not sent back to it, and keep their retain flag. */
  bridge = false;
  private markRead = false;
  session: Session | null = null;
  framer: Framer;
  readonly output: Output;
  keepAlive = 0;
  /** The keep alive differs from the client's: CONNACK carries it as Server Keep Alive. */
  keepAliveImposed = false;
  /** When the last complete packet came (MQTT-3.1.2-22 counts control packets, not bytes). */
  lastIn: number;
  /** Bytes received in all. */
  bytesIn = 0;
  /** When the current chunk of bytes arrived (one clock read per chunk, not per packet). */
  private chunkAt = 0;
  /** When the packet now partly received began (0: none), and bytesIn then. */
  partialSince = 0;
  partialBytes = 0;
  readonly acceptedAt: number;
  packetsIn = 0;
  // Limits the client declared (v5 CONNECT).
  clientReceiveMax = 65535;
  clientMaxPacket = MAX_PACKET;
  clientAliasMax = 0;
  problemInfo = true;
  /** The Session Expiry Interval the client asked for, before the broker's cap. */
  sessionExpiryAsked = 0;
  /**
   * Topic aliases, made when a client first uses them. Not the core's alias tables: those are
   * byte arenas of a fixed size a device chooses; here the alias maximum is the client's (up to
   * 65,535) and topics are already strings.
   */
  aliasOut: Map<string, number> | null = null;
  aliasIn: Map<number, string> | null = null;
  private closeAfter: Fault | null = null;
  private closeAfterCount = 0;
  /** How many sessions hold this publisher back; reading stops while any does. */
  pauses = 0;

  constructor(readonly broker: Broker, readonly link: Link, readonly label: string, readonly address = '') {
    this.framer = new Framer(FRAMER_MIN, null, broker.records.decode);
    // Before CONNECT only a CONNECT-sized packet is buffered.
    this.framer.maxPacketSize = Math.min(broker.opts.maxConnectSize, broker.opts.maxPacketSize);
    this.output = new Output(this);
    this.acceptedAt = this.lastIn = broker.clock.now();
  }

  // ---- input

  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    const b = this.broker;
    b.stats.bytesReceived += chunk.length;
    this.bytesIn += chunk.length;
    this.chunkAt = b.clock.now();
    if (b.tap) b.tap.bytes(this, 'in', chunk);
    try {
      this.take(chunk);
    } catch (e) {
      this.internalError(e);
      return;
    }
    if (this.closed) return;
    const f = this.framer;
    if (f.fill === f.start) this.partialSince = 0;
    else if (this.partialSince === 0) {
      this.partialSince = this.chunkAt;
      this.partialBytes = this.bytesIn;
    }
  }

  peerClosed(): void {
    if (!this.closed) this.finish(true);
  }

  /** A bug, or an allocation failing, on one client's bytes ends that connection only, never the broker. */
  private internalError(e: unknown): void {
    this.broker.publishing = null;
    this.broker.log(`${this.clientId}: internal error: ${e instanceof Error ? e.stack : String(e)}`);
    this.close(ReasonCode.ImplementationSpecificError, 'internal error', true);
  }

  private take(chunk: Uint8Array): void {
    const b = this.broker;
    let off = 0;
    while (off < chunk.length) {
      let f = this.framer;
      if (f.buf.length < FRAMER_SIZE && chunk.length - off > f.space()) f = this.replaceFramer(FRAMER_SIZE);
      const n = Math.min(f.space(), chunk.length - off);
      f.buf.set(n === chunk.length && off === 0 ? chunk : chunk.subarray(off, off + n), f.fill);
      f.commit(n);
      off += n;
      // MQTT-3.1.0-1: the first packet is CONNECT; anything else ends the connection at its first byte.
      if (!this.connected && f.buf[f.start] >> 4 !== PacketType.Connect) {
        b.note(this.clientId, 'REFUSE', 'before-connect', `first byte 0x${f.buf[f.start].toString(16)}`);
        this.close(-1, '', true);
        return;
      }
      if (!this.markRead) {
        const mark = takeBridgeMark(f.buf, f.start, f.fill);
        this.markRead = mark >= 0;
        this.bridge = mark === 1;
      }
      for (;;) {
        f = this.framer;
        b.records.in.type = 0;
        const r = f.next(b.records.in);
        if (r === 0) break;
        if (r < 0) {
          if (r === -ReasonCode.PacketTooLarge) {
            const g = this.grow();
            if (g > 0) continue;
            if (g === 0) break;
          }
          this.protocolError(-r);
          return;
        }
        try {
          this.handle(b.records.in);
        } catch (e) {
          this.internalError(e);
        }
        if (this.closed) return;
      }
      // Back to a small buffer once a large packet has gone through.
      if (this.framer.buf.length > FRAMER_SIZE && this.framer.fill === this.framer.start) this.replaceFramer(FRAMER_SIZE);
    }
  }

  /**
   * The packet at the framer's head is larger than its buffer but allowed: 1 when the buffer
   * grew (try again), 0 when it has room for more bytes first (the buffer grows only as bytes
   * come, never to a size a header merely claims), -1 when the packet is too large.
   */
  private grow(): number {
    const f = this.framer;
    const remaining = readVarint(f.buf, f.start + 1, f.fill);
    if (remaining < 0) return -1;
    const total = 1 + varintSize(remaining) + remaining;
    if (total > f.maxPacketSize || total <= f.buf.length) return -1;
    if (f.fill < f.buf.length) return 0;
    this.replaceFramer(Math.min(total, f.buf.length * 2));
    return 1;
  }

  private replaceFramer(size: number): Framer {
    const old = this.framer;
    const f = new Framer(size, null, this.broker.records.decode);
    f.maxPacketSize = old.maxPacketSize;
    f.version = old.version;
    f.buf.set(old.buf.subarray(old.start, old.fill), 0);
    f.commit(old.fill - old.start);
    this.framer = f;
    return f;
  }

  trace(dir: 'in' | 'out', p: Packet, topic?: string): void {
    const t = this.broker.onTrace;
    if (!t) return;
    const rec = traceRecord(this.clientId, dir, p, topic, this.broker.clock.now());
    t(traceLine(rec), rec);
  }

  private handle(p: Packet): void {
    this.packetsIn++;
    this.lastIn = this.chunkAt;
    const b = this.broker;
    b.stats.messagesReceived++;
    if (!this.connected) {
      if (p.type !== PacketType.Connect) {
        // MQTT-3.1.0-1: the first packet is CONNECT.
        this.trace('in', p);
        this.close(ReasonCode.ProtocolError, 'expected CONNECT', true);
        return;
      }
      handleConnect(this, p);
      return;
    }
    if (p.type !== PacketType.Publish) this.trace('in', p);
    if (this.closeAfter !== null && this.packetsIn >= this.closeAfterCount) {
      const f = this.closeAfter;
      this.closeAfter = null;
      b.control.fired(f, this.clientId, `closed the connection after ${f.after} packets`);
      this.close(ReasonCode.AdministrativeAction, 'fault injection', true);
      return;
    }
    const s = this.session!;
    switch (p.type) {
      case PacketType.Publish:
        b.publishing = this;
        handlePublish(this, p);
        b.publishing = null;
        return;
      case PacketType.Puback:
      case PacketType.Pubcomp:
        s.ack(p.type, p.packetId);
        return;
      case PacketType.Pubrec:
        if (p.reasonCode >= 0x80) s.refused(p.packetId);
        else if (s.ack(p.type, p.packetId)) this.output.sendAck(PacketType.Pubrel, p.packetId, 0);
        else this.output.sendAck(PacketType.Pubrel, p.packetId, ReasonCode.PacketIdentifierNotFound);
        return;
      case PacketType.Pubrel:
        this.output.sendAck(PacketType.Pubcomp, p.packetId, s.releaseQos2In(p.packetId) ? 0 : ReasonCode.PacketIdentifierNotFound);
        return;
      case PacketType.Subscribe:
        handleSubscribe(this, p);
        return;
      case PacketType.Unsubscribe:
        handleUnsubscribe(this, p);
        return;
      case PacketType.Pingreq: {
        const f = b.faults.take('nopong', this.clientId);
        if (f) {
          b.control.fired(f, this.clientId, 'PINGREQ not answered');
          return;
        }
        this.output.send(b.records.outFor(PacketType.Pingresp, this.version));
        return;
      }
      case PacketType.Disconnect:
        handleDisconnect(this, p);
        return;
      case PacketType.Auth:
        this.close(ReasonCode.ProtocolError, 'AUTH is not supported', true);
        return;
      default:
        this.close(ReasonCode.ProtocolError, 'unexpected packet', true);
    }
  }

  private protocolError(code: number): void {
    const b = this.broker;
    if (!this.connected) {
      // records.in.type was cleared before framing: it is CONNECT only when the body was decoded.
      const p = b.records.in;
      if (code === ReasonCode.PacketTooLarge) b.note(this.clientId, 'REFUSE', 'before-connect', 'CONNECT larger than maxConnectSize');
      // A v5 CONNECT that failed to decode is answered with a CONNACK carrying the reason (MQTT 5 section 3.1.4).
      if (code === ReasonCode.UnsupportedProtocolVersion) {
        this.version = 4;
        sendConnack(this, ReasonCode.UnsupportedProtocolVersion, false);
      } else if (p.type === PacketType.Connect && p.version === 5) {
        this.version = 5;
        sendConnack(this, code, false);
      }
      this.close(-1, '', true);
      return;
    }
    const f = this.framer;
    // MQTT-3.1.0-2: a second CONNECT is a protocol error, even one that does not decode.
    if (f.buf[f.start] >> 4 === PacketType.Connect || !isReasonCodeFor(code, PacketType.Disconnect)) code = ReasonCode.ProtocolError;
    if (code === ReasonCode.QuotaExceeded) b.note(this.clientId, 'REFUSE', 'filters', `more than ${b.opts.maxFiltersPerPacket} filters`);
    b.log(`${this.clientId}: bad packet, reason 0x${code.toString(16)}`);
    this.close(code, code === ReasonCode.QuotaExceeded ? 'too many topic filters' : code === ReasonCode.PacketTooLarge ? 'packet too large' : 'malformed packet', true);
  }

  // ---- flow control and faults

  pause(): void {
    if (this.pauses++ === 0) this.link.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0 && !this.closed) this.link.resume();
  }

  /** Capacity of the outgoing QoS 1/2 window. */
  window(): number {
    const m = this.broker.opts.maxInflight;
    return this.clientReceiveMax < m ? this.clientReceiveMax : m;
  }

  /** The `close` fault with after=N: close once N more packets have come from the client. */
  armClose(f: Fault): void {
    this.closeAfter = f;
    this.closeAfterCount = this.packetsIn + f.after;
  }

  /** The `throttle` fault: writes to this client at most f.bps bytes a second from now on. */
  throttle(f: Fault): void {
    this.output.throttle(f.bps);
    this.broker.control.fired(f, this.clientId, `throttled to ${f.bps} B/s`);
  }

  // ---- deadlines and closing

  /** Run by the broker's sweep: CONNECT timeout, keep alive, a packet arriving too slowly. */
  checkTimers(now: number): void {
    if (this.closed) return;
    const o = this.broker.opts;
    if (!this.connected) {
      if (now - this.acceptedAt > o.connectTimeout) {
        this.broker.log(`connection (${this.label}) sent no CONNECT within ${o.connectTimeout} ms`);
        this.close(-1, '', true);
      }
      return;
    }
    if (this.pauses > 0) {
      // Not read while paused: neither silence nor slowness is the client's.
      this.lastIn = now;
      if (this.partialSince !== 0) this.partialSince = now;
      this.partialBytes = this.bytesIn;
      return;
    }
    const silent = now - this.lastIn;
    if (silent > IDLE_RELEASE_MS) this.release();
    if (keepAliveLapsed(this.keepAlive, this.lastIn, now)) {
      this.broker.log(`${this.clientId}: keep alive timeout`);
      this.close(ReasonCode.KeepAliveTimeout, 'keep alive timeout', true);
      return;
    }
    // A packet started long ago must at least be coming at minByteRate (a byte now and then keeps nothing alive).
    const took = now - this.partialSince;
    if (this.partialSince !== 0 && took > o.packetTimeout && (this.bytesIn - this.partialBytes) * 1000 < o.minByteRate * took) {
      this.broker.note(this.clientId, 'REFUSE', 'slow-packet', `${this.bytesIn - this.partialBytes} bytes of a packet in ${took} ms`);
      this.close(ReasonCode.KeepAliveTimeout, 'packet too slow', true);
    }
  }

  /** Gives back the buffers of an idle connection: they are made again when bytes come. */
  private release(): void {
    const f = this.framer;
    if (f.buf.length > FRAMER_MIN && f.fill === f.start) this.replaceFramer(FRAMER_MIN);
    this.output.release();
  }

  /** Ends the session side of the connection once. */
  finish(sendWill: boolean): void {
    if (this.closed) return;
    this.closed = true;
    const b = this.broker;
    b.connections.delete(this);
    b.addresses.leave(this.address);
    this.output.closed();
    if (this.connected) {
      b.stats.connected--;
      if (!this.takenOver) b.table.detach(this, sendWill);
      else if (this.session && this.session.conn === this) this.session.conn = null;
      b.log(`${this.clientId} disconnected`);
    }
  }

  /**
   * Closes the connection: a v5 client that has connected gets DISCONNECT with the reason
   * first (reason -1: none). `sendWill` says whether this counts as an abnormal end.
   */
  close(reason: number, text: string, sendWill: boolean): void {
    if (this.closed) return;
    if (reason >= 0 && this.version === 5 && this.connected) {
      const o = this.broker.records.outFor(PacketType.Disconnect, 5);
      o.reasonCode = reason;
      if (text !== '' && this.problemInfo) this.output.reason(o, text);
      this.output.send(o);
    }
    // Write what is buffered before closing; throttling no longer applies.
    this.output.flushAll();
    this.finish(sendWill);
    this.link.end();
  }
}
