// The fault sweep: for QoS 1 and QoS 2, in each direction, the connection is cut after each
// possible packet of the flow; the client reconnects to a persistent session and the flow
// completes. QoS 1 must arrive at least once, QoS 2 exactly once, nothing lost.
import test from 'ava';
import { decodeBody, Framer, Packet, PacketType } from '../../src/core/codec/index.js';
import { Harness, enc, testOptions } from './harness.js';
import * as P from './packets.js';

/** A persistent-session server that speaks just enough MQTT 5 for one message each way. */
class ModelServer {
  framer = new Framer(65536, null, decodeBody);
  pkt = new Packet(8, 8, 4);
  toClient: Uint8Array[] = [];
  connections = 0;
  // Outbound (client -> server): messages received, and QoS 2 ids between PUBREC and PUBREL.
  received: string[] = [];
  qos2Ids = new Set<number>();
  // Inbound (server -> client): one message, its state.
  inbound: { qos: number; state: 'none' | 'unsent' | 'sent' | 'released' | 'done' } = { qos: 0, state: 'none' };
  constructor() { this.framer.version = 5; }

  dropConnection(): void {
    this.framer.reset();
    this.toClient = [];
  }

  /** Feeds the client's written bytes; returns true when a whole packet was handled. */
  handleOne(h: Harness): boolean {
    if (h.transport.sent.length) {
      const bytes = new Uint8Array(h.transport.sent.splice(0));
      this.framer.push(bytes, 0, bytes.length);
    }
    const n = this.framer.next(this.pkt);
    if (n === 0) return false;
    if (n < 0) throw new Error(`server could not decode: ${n}`);
    const p = this.pkt;
    switch (p.type) {
      case PacketType.Connect:
        this.toClient.push(P.connack(0, this.connections > 0));
        this.connections++;
        if (this.inbound.state === 'unsent' || this.inbound.state === 'sent') {
          this.toClient.push(P.publish('in/t', 'm', { qos: this.inbound.qos, id: 5, dup: this.inbound.state === 'sent' }));
          this.inbound.state = 'sent';
        } else if (this.inbound.state === 'released') {
          this.toClient.push(P.pubrel(5));
        }
        break;
      case PacketType.Publish: {
        const payload = Buffer.from(p.payload.subarray(p.payloadOff, p.payloadOff + p.payloadLen)).toString();
        if (p.qos === 1) {
          this.received.push(payload);
          this.toClient.push(P.puback(p.packetId));
        } else {
          if (!this.qos2Ids.has(p.packetId)) {
            this.received.push(payload);
            this.qos2Ids.add(p.packetId);
          }
          this.toClient.push(P.pubrec(p.packetId));
        }
        break;
      }
      case PacketType.Pubrel:
        this.qos2Ids.delete(p.packetId);
        this.toClient.push(P.pubcomp(p.packetId));
        break;
      case PacketType.Puback:
      case PacketType.Pubcomp:
        if (p.packetId === 5) this.inbound.state = 'done';
        break;
      case PacketType.Pubrec:
        if (p.packetId === 5) {
          this.inbound.state = 'released';
          this.toClient.push(P.pubrel(5));
        }
        break;
      default:
        break;
    }
    return true;
  }
}

function sweep(direction: 'out' | 'in', qos: number, cutAt: number): { h: Harness; server: ModelServer; steps: number } {
  const o = testOptions({ cleanStart: false, sessionExpiry: 3600 });
  const h = new Harness(o);
  const server = new ModelServer();
  if (direction === 'out') h.session.publish(enc('out/t'), 0, 5, enc('m'), 0, 1, qos, false);
  else server.inbound = { qos, state: 'unsent' };
  h.start();
  let steps = 0;
  let cut = false;
  for (let i = 0; i < 200; i++) {
    let stepped = false;
    // Server receives one packet from the client, or the client receives one from the server.
    if (server.handleOne(h)) stepped = true;
    else if (server.toClient.length) {
      const b = server.toClient.shift()!;
      for (const x of b) h.transport.incoming.push(x);
      h.transport.events!.onReadable();
      stepped = true;
    }
    if (!stepped) break;
    steps++;
    if (!cut && steps === cutAt) {
      cut = true;
      server.dropConnection();
      h.cut();
      h.transport.sent.splice(0);
      h.waitReconnect();
    }
  }
  return { h, server, steps };
}

for (const direction of ['out', 'in'] as const) {
  for (const qos of [1, 2]) {
    test(`fault sweep: QoS ${qos} ${direction === 'out' ? 'client to server' : 'server to client'}, cut after each packet`, (t) => {
      const clean = sweep(direction, qos, -1);
      t.true(clean.steps >= 3);
      for (let cutAt = 1; cutAt <= clean.steps; cutAt++) {
        const { h, server } = sweep(direction, qos, cutAt);
        const what = `cut after packet ${cutAt}`;
        if (direction === 'out') {
          if (qos === 1) t.true(server.received.length >= 1, what);
          else t.is(server.received.length, 1, what);
          t.deepEqual(h.handler.done.map((d) => d[1]), [0], `${what}: one completion`);
          t.is(h.session.store.inflight + h.session.store.queued, 0, what);
        } else {
          const got = h.handler.messages.length;
          if (qos === 1) t.true(got >= 1, what);
          else t.is(got, 1, what);
          t.is(server.inbound.state, 'done', what);
          t.is(h.session.inQos2.count, 0, what);
        }
      }
    });
  }
}
