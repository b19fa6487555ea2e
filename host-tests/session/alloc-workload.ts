// The session's steady state for the zero-allocation check (run in a child process by
// alloc.test.ts through host-tests/alloc): after connect and subscribe, each iteration
// publishes at QoS 0, 1 and 2, receives at QoS 0, 1 and 2 (through a per-filter handler),
// completes every acknowledgement flow both ways and pings, through the driver.
import { Packet } from '../../src/core/codec/index.js';
import { Clock, Driver, TimerTarget, Transport, TransportEvents } from '../../src/core/driver/index.js';
import { MessageHandler, Session, SessionHandler, SessionOptions, utf8 } from '../../src/core/session/index.js';
import * as P from './packets.js';

class LoopTransport implements Transport {
  events: TransportEvents | null = null;
  inBuf = new Uint8Array(8192);
  inLen = 0;
  inPos = 0;
  written = 0;
  open(events: TransportEvents): void { this.events = events; events.onOpen(); }
  read(buf: Uint8Array, off: number, len: number): number {
    let n = this.inLen - this.inPos;
    if (n > len) n = len;
    for (let i = 0; i < n; i++) buf[off + i] = this.inBuf[this.inPos + i];
    this.inPos += n;
    return n;
  }
  write(_buf: Uint8Array, _off: number, len: number): number { this.written += len; return len; }
  close(): void { this.events!.onClose(); }
  /** Queues the bytes of src (preallocated) and signals them. */
  feed(src: Uint8Array): void {
    this.inLen = 0;
    this.inPos = 0;
    for (let i = 0; i < src.length; i++) this.inBuf[this.inLen++] = src[i];
    this.events!.onReadable();
  }
}

class FixedClock implements Clock {
  t = 0;
  at = -1;
  target: TimerTarget | null = null;
  now(): number { return this.t; }
  arm(at: number, target: TimerTarget): void { this.at = at; this.target = target; }
  disarm(): void { this.at = -1; }
  random(): number { return 0.5; }
}

class Counter implements SessionHandler, MessageHandler {
  n = 0;
  onConnect(_ack: Packet): void { this.n++; }
  onMessage(msg: Packet): void { this.n += msg.payloadLen; }
  onPublishDone(_h: number, rc: number): void { this.n += 1 + rc; }
  onSubscribe(_ack: Packet): void { this.n++; }
  onUnsubscribe(_ack: Packet): void { this.n++; }
  onClose(_rc: number, _s: Packet | null): void { this.n++; }
}

export function sessionSteadyState(args: { version: number; leak?: boolean; stream?: boolean }): (iterations: number) => number {
  const v = args.version;
  const opts = new SessionOptions();
  opts.version = v;
  opts.clientId = utf8('alloc');
  opts.keepAlive = 10;
  // Streaming: a 256-byte receive buffer, and each iteration also receives a 600-byte QoS 1 PUBLISH in pieces.
  const stream = args.stream === true;
  if (stream) {
    opts.streamLargePayloads = true;
    opts.receiveBufferSize = 256;
  }
  const counter = new Counter();
  const session = new Session(opts, counter, null);
  const transport = new LoopTransport();
  const clock = new FixedClock();
  const driver = new Driver(session, transport, clock);
  driver.start();
  const aliasMax = v === 5 ? { props: { [0x22]: 4 } } : {};
  transport.feed(P.connack(0, false, { v, ...aliasMax }));
  const filter = utf8('in/#');
  session.subscribe(filter, 0, filter.length, 2, 0, counter);
  transport.feed(P.suback(1, [2], { v }));
  const topic = utf8('out/topic');
  const payload = utf8('payload-bytes');
  // Server side of one iteration, pre-encoded: acks for ids 1 (QoS 1) and 2 (QoS 2), inbound QoS 0/1/2.
  const acks1 = P.concat(P.puback(1, 0, { v }), P.pubrec(2, 0, { v }));
  const acks2 = P.pubcomp(2, 0, { v });
  const inbound = P.concat(P.publish('in/a', 'zero', { v }), P.publish('in/b', 'one', { v, qos: 1, id: 100 }), P.publish('in/c', 'two', { v, qos: 2, id: 101 }));
  const release = P.pubrel(101, 0, { v });
  const big = new Uint8Array(600);
  for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
  const streamed = P.publish('in/s', big, { v, qos: 1, id: 102 });
  const pong = P.pingresp(v);
  const leak = args.leak === true;
  let sink: Uint8Array[] = [];
  return (iterations: number): number => {
    for (let i = 0; i < iterations; i++) {
      // The control: one small array kept per iteration, which the checker must see.
      if (leak) sink.push(new Uint8Array(4));
      session.nextPacketId = 1;
      session.publish(topic, 0, topic.length, payload, 0, payload.length, 0, false);
      session.publish(topic, 0, topic.length, payload, 0, payload.length, 1, false);
      session.publish(topic, 0, topic.length, payload, 0, payload.length, 2, false);
      transport.feed(acks1);
      transport.feed(acks2);
      transport.feed(inbound);
      transport.feed(release);
      if (stream) transport.feed(streamed);
      if ((i & 63) === 0) {
        clock.t += 10000;
        driver.onTimer();
        transport.feed(pong);
      }
    }
    const kept = sink.length;
    sink = [];
    return counter.n + transport.written + kept;
  };
}
