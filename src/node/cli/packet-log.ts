// `-d`: every packet sent and received, one line each in libmosquitto's debug wording, read
// from the bytes crossing the transport (the client reports no packets of its own).

/** What the log needs of the client's transport (BaseTransport has it). */
export interface TappedTransport {
  read(buf: Uint8Array, off: number, len: number): number;
  write(buf: Uint8Array, off: number, len: number): number;
  hooks: { onAttempt?(): void };
}

/** Reads MQTT packets out of one direction's byte stream. */
class PacketSplitter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** Length of the packet at the front, fixed header included; -1 until its header is in. */
  private need = -1;

  constructor(private readonly onPacket: (header: number, body: Buffer) => void) {}

  reset(): void {
    this.chunks = [];
    this.bytes = 0;
    this.need = -1;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    for (;;) {
      if (this.need < 0) {
        let head = this.chunks[0];
        if (head.length < 5 && this.chunks.length > 1) head = Buffer.concat(this.chunks).subarray(0, 5);
        const [len, at] = varint(head, 1);
        if (at === -1) return;
        this.need = at + len;
      }
      if (this.bytes < this.need) return;
      const whole = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      const [, at] = varint(whole, 1);
      const rest = whole.subarray(this.need);
      const body = whole.subarray(at, this.need);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.bytes = rest.length;
      this.need = -1;
      this.onPacket(whole[0], body);
      if (this.bytes === 0) return;
    }
  }
}

/** A variable byte integer at `at`: its value and the offset after it (-1: not all there yet). */
function varint(b: Buffer, at: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (at >= b.length) return [v, -1];
    const x = b[at++];
    v += (x & 0x7f) * mul;
    mul *= 128;
    if ((x & 0x80) === 0) return [v, at];
  }
}

function skipProperties(b: Buffer, at: number): number {
  const [n, after] = varint(b, at);
  return after + n;
}

function utf8At(b: Buffer, at: number): [string, number] {
  const n = b.readUInt16BE(at);
  return [b.toString('utf8', at + 2, at + 2 + n), at + 2 + n];
}

export class PacketLog {
  /** The Subscribed (mid: ...) line a subscriber prints after each SUBACK. */
  printGrants = false;
  /** The last CONNACK's return/reason code as sent (MQTT 3.1.1 codes unmapped); -1 before one. */
  connackCode = -1;
  /** libmosquitto's message id: the last packet id sent, counted up for each QoS 0 message too. */
  private lastMid = 0;
  /** Packet ids of received PUBLISH packets not yet taken by nextMid(), oldest first. */
  private readonly mids: number[] = [];
  private readonly inbound = new PacketSplitter((h, body) => this.describe(h, body, false));
  private readonly outbound = new PacketSplitter((h, body) => this.describe(h, body, true));

  /** write null: nothing printed, only the CONNACK code and packet ids kept. */
  constructor(private readonly label: string, private readonly v5: boolean, private readonly write: ((line: string) => void) | null) {}

  /** The packet id of the oldest received message not yet printed (emitted in the order read). */
  nextMid(): number {
    return this.mids.shift() ?? 0;
  }

  /** Copies what the transport reads and writes into the log (before the client starts). */
  attach(t: TappedTransport): void {
    const read = t.read.bind(t);
    const write = t.write.bind(t);
    t.read = (buf, off, len) => {
      const n = read(buf, off, len);
      if (n > 0) this.safely(() => this.inbound.push(Buffer.from(buf.subarray(off, off + n))));
      return n;
    };
    t.write = (buf, off, len) => {
      const n = write(buf, off, len);
      if (n > 0) this.safely(() => this.outbound.push(Buffer.from(buf.subarray(off, off + n))));
      return n;
    };
    const onAttempt = t.hooks.onAttempt;
    // A new connection starts both streams afresh.
    t.hooks.onAttempt = () => {
      this.inbound.reset();
      this.outbound.reset();
      onAttempt?.();
    };
  }

  private safely(f: () => void): void {
    try {
      f();
    } catch {
      // A malformed packet is the client's to report, not the log's.
    }
  }

  private line(sending: boolean, what: string): void {
    this.write?.(`Client ${this.label} ${sending ? 'sending' : 'received'} ${what}\n`);
  }

  private describe(header: number, b: Buffer, sending: boolean): void {
    const type = header >> 4;
    const mid = (): number => b.readUInt16BE(0);
    const rc = (): number => (b.length > 2 ? b[2] : 0);
    switch (type) {
      case 1: return this.line(sending, 'CONNECT');
      case 2:
        if (!sending) this.connackCode = b[1];
        return this.line(sending, `CONNACK (${b[1]})`);
      case 3: {
        const qos = (header >> 1) & 3;
        const [topic, afterTopic] = utf8At(b, 0);
        let at = afterTopic;
        let m = 0;
        if (qos > 0) {
          m = b.readUInt16BE(at);
          at += 2;
        }
        if (sending) {
          if (qos === 0) m = this.lastMid = (this.lastMid % 65535) + 1;
          else this.lastMid = m;
        }
        // Bounded: a subscriber takes each as it prints the message.
        if (!sending && this.mids.length < 1024) this.mids.push(m);
        if (this.v5) at = skipProperties(b, at);
        return this.line(sending, `PUBLISH (d${(header >> 3) & 1}, q${qos}, r${header & 1}, m${m}, '${topic}', ... (${b.length - at} bytes))`);
      }
      case 4: return this.line(sending, sending ? `PUBACK (m${mid()}, rc${rc()})` : `PUBACK (Mid: ${mid()}, RC:${rc()})`);
      case 5: return this.line(sending, sending ? `PUBREC (m${mid()}, rc${rc()})` : `PUBREC (Mid: ${mid()})`);
      case 6: return this.line(sending, sending ? `PUBREL (m${mid()})` : `PUBREL (Mid: ${mid()})`);
      case 7: return this.line(sending, sending ? `PUBCOMP (m${mid()})` : `PUBCOMP (Mid: ${mid()}, RC:${rc()})`);
      case 8: case 10: {
        if (sending) this.lastMid = mid();
        let at = 2;
        if (this.v5) at = skipProperties(b, at);
        while (at < b.length) {
          const [topic, after] = utf8At(b, at);
          at = after;
          if (type === 8) {
            const o = b[at++];
            this.line(sending, `SUBSCRIBE (Mid: ${mid()}, Topic: ${topic}, QoS: ${o & 3}, Options: 0x${(o & 0xfc).toString(16).padStart(2, '0')})`);
          } else {
            this.line(sending, `UNSUBSCRIBE (Mid: ${mid()}, Topic: ${topic})`);
          }
        }
        return;
      }
      case 9: {
        this.line(sending, 'SUBACK');
        if (this.printGrants && !sending && this.write !== null) {
          let at = 2;
          if (this.v5) at = skipProperties(b, at);
          this.write(`Subscribed (mid: ${mid()}): ${Array.from(b.subarray(at)).join(', ')}\n`);
        }
        return;
      }
      case 11: return this.line(sending, 'UNSUBACK');
      case 12: return this.line(sending, 'PINGREQ');
      case 13: return this.line(sending, 'PINGRESP');
      case 14: return this.line(sending, sending ? 'DISCONNECT' : `DISCONNECT (${b.length > 0 ? b[0] : 0})`);
      case 15: return this.line(sending, `AUTH (${b.length > 0 ? b[0] : 0})`);
    }
  }
}
