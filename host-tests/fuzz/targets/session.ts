// The client session behind its driver, talking to a scripted server whose bytes are the
// input. Input: protocol level, a byte of options, a seed for the chunking, the time steps and
// the application's calls, then the server's bytes (a CONNACK first, in the seeds). Checked:
// nothing thrown, every packet the client writes well formed, a refusal code on every close and
// in MQTT 5 a DISCONNECT carrying it, and the session's memory block never growing.
import { decodeClientBody, Framer, Packet } from '../../../src/core/codec/index.js';
import { Driver } from '../../../src/core/driver/index.js';
import { Session, SessionHandler, SessionOptions, utf8 } from '../../../src/core/session/index.js';
import { ScriptTransport, VirtualClock } from '../../session/harness.js';
import { connack } from '../../session/packets.js';
import { Rng } from '../mutate.js';
import { seedPackets } from '../seeds.js';
import { check, FuzzTarget, isRefusalCode, option } from '../target.js';

const PACKET_DISCONNECT = 14;
const KEEP_ALIVE_TIMEOUT = 0x8d;

/** Records what the checks need: closes (with how much the client had written), refusals. */
class FuzzHandler implements SessionHandler {
  closes: { rc: number; server: boolean; sentAt: number; refused: boolean }[] = [];
  refused = false;
  constructor(private transport: ScriptTransport) {}
  onConnect(ack: Packet): void { this.refused = ack.reasonCode !== 0; }
  onMessage(msg: Packet): void {
    check(msg.payloadOff >= 0 && msg.payloadLen >= 0 && msg.payloadOff + msg.payloadLen <= msg.payload.length, 'a message payload outside its buffer');
    check(msg.topicOff >= 0 && msg.topicOff + msg.topicLen <= msg.topic.length, 'a message topic outside its buffer');
  }
  onPublishDone(_handle: number, rc: number): void {
    check(rc === 0 || rc === 0x10 || isRefusalCode(rc), `publish done with 0x${rc.toString(16)}`);
  }
  onSubscribe(ack: Packet): void { check(ack.count >= 0 && ack.count <= ack.codes.length, 'SUBACK count outside the record'); }
  onUnsubscribe(ack: Packet): void { this.onSubscribe(ack); }
  onClose(rc: number, server: Packet | null): void {
    this.closes.push({ rc, server: server !== null, sentAt: this.transport.sent.length, refused: this.refused });
    this.refused = false;
  }
}

class SessionTarget implements FuzzTarget {
  name = 'session';
  modules = ['/dist/src/core/'];
  optionBytes = 3;
  maxLen = 8192;

  seeds(): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    for (const s of seedPackets()) {
      if (s.type === 1 || s.type === 2) continue;
      const head = connack(0, false, { v: s.version });
      out.push(Uint8Array.from([s.version - 3, i & 0xff, (i * 13) & 0xff, ...head, ...s.bytes]));
      i++;
    }
    // A refused connection and a CONNACK with every property, in each level.
    for (const s of seedPackets()) if (s.type === 2) out.push(Uint8Array.from([s.version - 3, 0, 0, ...s.bytes]));
    return out;
  }

  run(input: Uint8Array): void {
    const version = 3 + option(input, 0, 3);
    const o = option(input, 1, 256);
    const rng = new Rng(option(input, 2, 256) * 2654435761 + input.length);
    const opts = new SessionOptions();
    opts.version = version;
    opts.clientId = utf8('fuzz');
    opts.streamLargePayloads = (o & 1) !== 0;
    opts.receiveBufferSize = (o & 2) !== 0 ? 128 : 1024;
    opts.cleanStart = (o & 4) === 0;
    opts.keepAlive = (o & 8) !== 0 ? 10 : 0;
    if ((o & 16) !== 0) { opts.willTopic = utf8('will'); opts.willPayload = utf8('gone'); opts.willQos = 1; }
    if (version === 5 && (o & 32) !== 0) opts.sessionExpiry = 60;
    const clock = new VirtualClock();
    const transport = new ScriptTransport();
    const handler = new FuzzHandler(transport);
    const session = new Session(opts, handler, null);
    const driver = new Driver(session, transport, clock);
    const mem = session.memory;
    const used = mem.used;
    const rxBuf = session.receiveBuffer();
    const txBuf = session.sendBuffer();
    const advance = (ms: number): void => {
      const end = clock.t + ms;
      for (let i = 0; i < 1000 && clock.at >= 0 && clock.at <= end; i++) {
        clock.t = Math.max(clock.t, clock.at);
        clock.at = -1;
        clock.target!.onTimer();
      }
      clock.t = end;
    };
    driver.start();
    const stream = input.subarray(3);
    let pos = 0;
    for (let step = 0; step < 400 && (pos < stream.length || step < 4); step++) {
      switch (rng.below(10)) {
        case 0: advance(rng.below(30000)); break;
        case 1: session.publishString(`a/${rng.below(3)}`, 'x'.repeat(rng.below(200)), rng.below(3), rng.chance(4)); break;
        case 2: session.subscribeString(rng.chance(2) ? 'a/#' : '$share/g/b', rng.below(3), null); break;
        case 3: session.unsubscribeString('a/#'); break;
        default: break;
      }
      if (!transport.isOpen) {
        // Back-off, then a new connection that reads the rest of the stream.
        if (handler.closes.length > 3) break;
        advance(120000);
        continue;
      }
      const n = Math.min(stream.length - pos, 1 + rng.below(rng.chance(4) ? 512 : 40));
      if (n > 0) {
        for (let i = 0; i < n; i++) transport.incoming.push(stream[pos + i]);
        pos += n;
        transport.events!.onReadable();
      }
      check(mem.used === used && session.receiveBuffer() === rxBuf && session.sendBuffer() === txBuf, 'the session memory grew');
    }
    advance(60000);
    this.checkSent(version, Uint8Array.from(transport.sent), handler);
  }

  /** Every packet the client wrote decodes, and each close it chose in MQTT 5 follows its DISCONNECT. */
  private checkSent(version: number, sent: Uint8Array, handler: FuzzHandler): void {
    const f = new Framer(1 << 16, null, decodeClientBody);
    f.version = version;
    const p = new Packet(16, 16, 8);
    const ends: { at: number; type: number; rc: number }[] = [];
    let at = 0;
    for (let pos = 0; pos < sent.length;) {
      pos += f.push(sent, pos, sent.length - pos);
      for (;;) {
        const n = f.next(p);
        check(n >= 0, `the client wrote a packet that does not decode (${n}) at byte ${at}: ${Buffer.from(sent.subarray(at, at + 64)).toString('hex')}`);
        if (n === 0) break;
        at += n;
        ends.push({ at, type: p.type, rc: p.reasonCode });
      }
    }
    check(at === sent.length, `the client wrote ${sent.length - at} bytes of an unfinished packet`);
    for (const c of handler.closes) {
      // A server's DISCONNECT brings its own code; every other close is the client's choice.
      if (c.server) continue;
      check(c.rc === 0 || isRefusalCode(c.rc), `closed with 0x${c.rc.toString(16)}`);
      if (version !== 5 || c.refused || c.rc <= 0x80 || c.rc === KEEP_ALIVE_TIMEOUT) continue;
      const last = ends.filter((e) => e.at <= c.sentAt).pop();
      check(last !== undefined && last.type === PACKET_DISCONNECT && last.rc === c.rc,
        `closed with 0x${c.rc.toString(16)} without a DISCONNECT carrying it (last packet type ${last?.type})`);
    }
  }
}

export const session = (): FuzzTarget => new SessionTarget();
