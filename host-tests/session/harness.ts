// A scripted server and virtual time for the session: expect(bytes), respond(bytes),
// advance(ms), cut(). Byte-exact and deterministic: no sockets, no sleeps.
import { Clock, Driver, TimerTarget, Transport, TransportEvents } from '../../src/core/driver/index.js';
import { Packet, decodeUtf8 } from '../../src/core/codec/index.js';
import { Session, SessionHandler, SessionOptions, utf8 } from '../../src/core/session/index.js';
import { hex } from './packets.js';

export class VirtualClock implements Clock {
  t = 0;
  at = -1;
  target: TimerTarget | null = null;
  rand = 0.5;
  now(): number { return this.t; }
  arm(at: number, target: TimerTarget): void { this.at = at; this.target = target; }
  disarm(): void { this.at = -1; }
  random(): number { return this.rand; }
}

export class ScriptTransport implements Transport {
  events: TransportEvents | null = null;
  incoming: number[] = [];
  sent: number[] = [];
  /** Bytes accepted per write() call (Infinity: all). */
  writeLimit = Infinity;
  opens = 0;
  closes = 0;
  isOpen = false;
  /** Accept connections as soon as they are opened. */
  autoAccept = true;
  open(events: TransportEvents): void {
    this.events = events;
    this.opens++;
    this.incoming = [];
    if (this.autoAccept) { this.isOpen = true; events.onOpen(); }
  }
  read(buf: Uint8Array, off: number, len: number): number {
    const n = Math.min(len, this.incoming.length);
    for (let i = 0; i < n; i++) buf[off + i] = this.incoming[i];
    this.incoming.splice(0, n);
    return n;
  }
  write(buf: Uint8Array, off: number, len: number): number {
    const n = Math.min(len, this.writeLimit);
    for (let i = 0; i < n; i++) this.sent.push(buf[off + i]);
    return n;
  }
  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closes++;
    this.events!.onClose();
  }
}

/** Records every event as a line of text. */
export class RecordingHandler implements SessionHandler {
  log: string[] = [];
  messages: { topic: string; payload: string; qos: number; dup: boolean; retain: boolean; packet: Packet }[] = [];
  done: [number, number][] = [];
  lastConnack: { rc: number; sessionPresent: boolean } | null = null;
  closes: { rc: number; server: boolean; serverReference?: string }[] = [];
  subacks: { id: number; codes: number[] }[] = [];
  onConnect(ack: Packet): void {
    this.lastConnack = { rc: ack.reasonCode, sessionPresent: ack.sessionPresent };
    this.log.push(`connect ${ack.reasonCode} ${ack.sessionPresent ? 1 : 0}`);
  }
  onMessage(msg: Packet): void {
    const topic = decodeUtf8(msg.topic, msg.topicOff, msg.topicLen);
    const payload = decodeUtf8(msg.payload, msg.payloadOff, msg.payloadLen);
    this.messages.push({ topic, payload, qos: msg.qos, dup: msg.dup, retain: msg.retain, packet: msg });
    this.log.push(`message ${topic} ${payload} q${msg.qos}`);
  }
  onPublishDone(handle: number, reasonCode: number): void {
    this.done.push([handle, reasonCode]);
    this.log.push(`done ${handle} ${reasonCode}`);
  }
  onSubscribe(ack: Packet): void {
    const codes = Array.from(ack.codes.slice(0, ack.count));
    this.subacks.push({ id: ack.packetId, codes });
    this.log.push(`suback ${ack.packetId} ${codes.join(',')}`);
  }
  onUnsubscribe(ack: Packet): void {
    this.log.push(`unsuback ${ack.packetId} ${Array.from(ack.codes.slice(0, ack.count)).join(',')}`);
  }
  onClose(reasonCode: number, server: Packet | null): void {
    const e: { rc: number; server: boolean; serverReference?: string } = { rc: reasonCode, server: server !== null };
    if (server && server.props.has(0x1c)) e.serverReference = decodeUtf8(server.props.bufferOf(0x1c), server.props.offsetOf(0x1c), server.props.lengthOf(0x1c));
    this.closes.push(e);
    this.log.push(`close ${reasonCode}${server ? ' server' : ''}`);
  }
}

export function testOptions(over: Partial<SessionOptions> = {}): SessionOptions {
  const o = new SessionOptions();
  o.clientId = utf8('c1');
  Object.assign(o, over);
  return o;
}

export class Harness {
  clock = new VirtualClock();
  transport = new ScriptTransport();
  handler = new RecordingHandler();
  session: Session;
  driver: Driver;

  constructor(opts: SessionOptions = testOptions(), auth: import('../../src/core/session/index.js').AuthMethod | null = null) {
    this.session = new Session(opts, this.handler, auth);
    this.driver = new Driver(this.session, this.transport, this.clock);
  }

  start(): this {
    this.driver.start();
    return this;
  }

  /** The client must have written exactly these bytes next. */
  expect(...packets: Uint8Array[]): void {
    const want = packets.map(hex).join('');
    const got = Buffer.from(this.transport.sent.splice(0, want.length / 2)).toString('hex');
    if (got !== want) throw new Error(`expected ${want}\n     got ${got}${this.transport.sent.length ? ' (+' + Buffer.from(this.transport.sent).toString('hex') + ')' : ''}`);
  }

  /** Nothing more was written. */
  expectNothing(): void {
    if (this.transport.sent.length) throw new Error(`unexpected bytes ${Buffer.from(this.transport.sent).toString('hex')}`);
  }

  /** Everything written so far (and forgets it). */
  takeSent(): string {
    return Buffer.from(this.transport.sent.splice(0)).toString('hex');
  }

  respond(...packets: Uint8Array[]): void {
    for (const p of packets) for (const b of p) this.transport.incoming.push(b);
    this.transport.events!.onReadable();
  }

  /** Virtual time passes; the timer fires at each armed instant on the way. */
  advance(ms: number): void {
    const end = this.clock.t + ms;
    for (let i = 0; i < 10000; i++) {
      const at = this.clock.at;
      if (at < 0 || at > end) break;
      this.clock.t = Math.max(this.clock.t, at);
      this.clock.at = -1;
      this.clock.target!.onTimer();
    }
    this.clock.t = end;
  }

  /** Fires timers until the driver opens the transport again; returns the time waited. */
  waitReconnect(): number {
    const opens = this.transport.opens;
    const start = this.clock.t;
    for (let i = 0; i < 100 && this.transport.opens === opens; i++) {
      if (this.clock.at < 0) throw new Error('no timer armed');
      this.advance(this.clock.at - this.clock.t);
    }
    return this.clock.t - start;
  }

  /** The server side drops the connection. */
  cut(): void {
    this.transport.close();
  }

  get closed(): boolean {
    return !this.transport.isOpen;
  }
}

export const enc = (s: string) => utf8(s);
