// The broker's one clock: the deadline heap itself, then the broker run on simulated time
// through in-process links, so every deadline the protocol allows (up to 2^32-1 seconds) is
// checked to the millisecond: session expiry, will delay, keep alive and its cap, message
// expiry, the CONNECT timeout and fault delays.
import test from 'ava';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import type { Broker } from '../../src/broker/broker.js';
import { MAX_TIMER_MS, VirtualClock } from '../../src/broker/clock.js';
import { makeFault } from '../../src/broker/faults.js';
import { connectRecord, publish, setWill, subscribe } from './helpers.js';
import { MemoryClient, virtualBroker } from './memory-client.js';

/** The first session expiry, in seconds, past what one Node timer can hold. */
const PAST_NODE_TIMER = Math.floor(2 ** 31 / 1000) + 1;

/** Connects with a session expiry interval, then disconnects normally. */
function leave(broker: Broker, id: string, expiry: number): void {
  const c = new MemoryClient(broker);
  const ack = c.connect(id, (p) => {
    p.cleanStart = false;
    p.props.setNumber(P.SessionExpiryInterval, expiry);
  });
  if (ack.reasonCode !== 0) throw new Error(`CONNACK 0x${ack.reasonCode.toString(16)}`);
  c.send(T.Disconnect);
}

test('VirtualClock: deadlines run in time order, ties in the order they were set, each at its own time', (t) => {
  const clock = new VirtualClock(1000);
  const seen: string[] = [];
  const at = (name: string) => () => seen.push(`${name}@${clock.now()}`);
  clock.after(30, at('c'));
  clock.after(10, at('a'));
  clock.after(10, at('b'));
  const cancelled = clock.after(20, at('x'));
  cancelled.cancel();
  t.false(cancelled.pending);
  t.is(clock.advance(25), 1025);
  t.deepEqual(seen, ['a@1010', 'b@1010']);
  clock.advance(5);
  t.deepEqual(seen, ['a@1010', 'b@1010', 'c@1030']);
  t.is(clock.size, 0);
});

test('VirtualClock: a repeating timer runs every period until cancelled; zero and negative delays run at once', (t) => {
  const clock = new VirtualClock();
  let n = 0;
  const every = clock.every(100, () => n++);
  clock.advance(1000);
  t.is(n, 10);
  every.cancel();
  clock.advance(1000);
  t.is(n, 10);
  let now = 0;
  clock.after(0, () => now++);
  clock.after(-5, () => now++);
  clock.advance(0);
  t.is(now, 2);
  t.throws(() => clock.every(0, () => undefined), { instanceOf: RangeError });
});

test('VirtualClock: deadlines of 2^32-1 seconds neither overflow nor fire early', (t) => {
  const clock = new VirtualClock();
  let fired = 0;
  for (const s of [0, 1, PAST_NODE_TIMER, 0xfffffffe, 0xffffffff]) clock.after(s * 1000, () => fired++);
  clock.after(MAX_TIMER_MS + 1, () => fired++);
  clock.advance(999);
  t.is(fired, 1, 'only the zero delay');
  clock.advance(1);
  t.is(fired, 2);
  clock.runUntil(MAX_TIMER_MS);
  t.is(fired, 2);
  clock.advance(1);
  t.is(fired, 3);
  clock.runUntil(PAST_NODE_TIMER * 1000 - 1);
  t.is(fired, 3);
  clock.advance(1);
  t.is(fired, 4);
  clock.runUntil(0xfffffffe * 1000 - 1);
  t.is(fired, 4);
  clock.advance(1);
  t.is(fired, 5);
  clock.runUntil(0xffffffff * 1000);
  t.is(fired, 6);
});

for (const expiry of [1, PAST_NODE_TIMER, 0xfffffffe]) {
  test(`session expiry ${expiry} s ends the session at that second, not a millisecond before`, (t) => {
    const { broker, clock } = virtualBroker(t);
    leave(broker, 'dev', expiry);
    clock.advance(expiry * 1000 - 1);
    t.true(broker.sessions.has('dev'));
    clock.advance(1);
    t.false(broker.sessions.has('dev'));
  });
}

test('session expiry 0 ends the session at the disconnect; 0xFFFFFFFF never does and schedules nothing', (t) => {
  const { broker, clock } = virtualBroker(t);
  leave(broker, 'zero', 0);
  t.false(broker.sessions.has('zero'));
  leave(broker, 'never', 0xffffffff);
  clock.advance(1000);
  t.is(clock.size, 0, 'no sweep once the last connection has gone, no expiry for "never"');
  clock.advance(2 * 0xffffffff * 1000);
  t.true(broker.sessions.has('never'));
});

for (const delay of [0, 1, PAST_NODE_TIMER, 0xfffffffe, 0xffffffff]) {
  test(`will delay ${delay} s: the will is published at that second`, (t) => {
    const { broker, clock } = virtualBroker(t);
    // The will's reader is an offline persistent session: its queue shows what was published.
    const watcher = new MemoryClient(broker);
    watcher.connect('watcher', (p) => {
      p.cleanStart = false;
      p.props.setNumber(P.SessionExpiryInterval, 0xffffffff);
    });
    subscribe(watcher, 'will/#', 1);
    t.is(watcher.take(T.Suback).codes[0], 1);
    watcher.send(T.Disconnect);
    const dev = new MemoryClient(broker);
    dev.connect('dev', (p) => {
      p.props.setNumber(P.SessionExpiryInterval, 0xffffffff);
      setWill(p, 'will/dev', 'gone', 1);
      p.willProps!.setNumber(P.WillDelayInterval, delay);
    });
    dev.vanish();
    const queued = (): number => broker.sessions.get('watcher')!.queue.length;
    if (delay > 0) {
      clock.advance(delay * 1000 - 1);
      t.is(queued(), 0);
      clock.advance(1);
    }
    t.is(queued(), 1);
  });
}

test('keep alive on simulated time: closed after one and a half times it (0x8D), kept by PINGREQ for an hour', (t) => {
  const { broker, clock } = virtualBroker(t);
  const pinger = new MemoryClient(broker);
  pinger.connect('pinger', (p) => { p.keepAlive = 10; });
  const idle = new MemoryClient(broker);
  idle.connect('idle', (p) => { p.keepAlive = 10; });
  clock.advance(15000);
  t.false(idle.closed, 'not before 15 s');
  pinger.send(T.Pingreq);
  pinger.take(T.Pingresp);
  clock.advance(500);
  const d = idle.take(T.Disconnect);
  t.is(d.reasonCode, 0x8d);
  t.true(idle.closed);
  for (let i = 0; i < 400; i++) {
    clock.advance(9000);
    pinger.send(T.Pingreq);
    pinger.take(T.Pingresp);
  }
  t.false(pinger.closed);
});

test('the keep-alive cap is told in CONNACK and enforced on simulated time', (t) => {
  const { broker, clock } = virtualBroker(t, { maxKeepAlive: 30 });
  const c = new MemoryClient(broker);
  const ack = c.connect('none', (p) => { p.keepAlive = 0; });
  t.is(ack.props[P.ServerKeepAlive], 30);
  clock.advance(45000);
  t.false(c.closed);
  clock.advance(500);
  t.is(c.take(T.Disconnect).reasonCode, 0x8d);
});

test('message expiry on simulated time: a queued message past its interval is not delivered, and is counted', (t) => {
  const { broker, clock } = virtualBroker(t);
  const sub = new MemoryClient(broker);
  sub.connect('reader', (p) => {
    p.cleanStart = false;
    p.props.setNumber(P.SessionExpiryInterval, 3600);
  });
  subscribe(sub, 'm/#', 1);
  sub.take(T.Suback);
  sub.send(T.Disconnect);
  const pub = new MemoryClient(broker);
  pub.connect('writer');
  publish(pub, 'm/short', 'a', 1, 1, (p) => p.props.setNumber(P.MessageExpiryInterval, 5));
  publish(pub, 'm/long', 'b', 1, 2, (p) => p.props.setNumber(P.MessageExpiryInterval, 60));
  t.is(pub.take(T.Puback).packetId, 1);
  clock.advance(5000);
  const back = new MemoryClient(broker);
  back.connect('reader', (p) => {
    p.cleanStart = false;
    p.props.setNumber(P.SessionExpiryInterval, 3600);
  });
  const got = back.take(T.Publish);
  t.is(got.topic, 'm/long');
  t.is(got.props[P.MessageExpiryInterval], 55, 'the interval left is sent');
  t.is(back.packets.length, 0);
  t.is(broker.stats.dropped.expired, 1);
});

test('CONNECT timeout and a delayed PUBACK fault run on simulated time', (t) => {
  const { broker, clock } = virtualBroker(t, { connectTimeout: 10000 });
  const silent = new MemoryClient(broker);
  const c = new MemoryClient(broker);
  c.connect('slow-ack');
  broker.addFault(makeFault('delay', { packet: 'puback', ms: 2000, client: 'slow-ack' }));
  publish(c, 'x', 'y', 1, 7);
  broker.flushAll();
  t.is(c.packets.filter((p) => p.type === T.Puback).length, 0);
  clock.advance(1999);
  t.is(c.packets.filter((p) => p.type === T.Puback).length, 0);
  clock.advance(1);
  t.is(c.packets.filter((p) => p.type === T.Puback)[0].packetId, 7);
  t.false(silent.closed);
  clock.advance(8250);
  t.true(silent.closed, 'no CONNECT within 10 s');
});

test('the capped keep alive is kept by PINGREQ within it: told 1 s, pinging every 0.5 s for ten minutes', (t) => {
  const { broker, clock } = virtualBroker(t, { maxKeepAlive: 1 });
  const c = new MemoryClient(broker);
  t.is(c.connect('capped-pinger', (p) => { p.keepAlive = 60; }).props[P.ServerKeepAlive], 1);
  for (let i = 0; i < 1200; i++) {
    clock.advance(500);
    c.send(T.Pingreq);
    c.take(T.Pingresp);
  }
  t.false(c.closed);
  clock.advance(1500);
  t.false(c.closed, 'not before one and a half times the keep alive');
  clock.advance(500);
  t.is(c.take(T.Disconnect).reasonCode, 0x8d);
});

test('a delay fault added at runtime by a bench client holds the SUBACK for its delay, to the millisecond', (t) => {
  const { broker, clock } = virtualBroker(t);
  const ctl = new MemoryClient(broker);
  ctl.connect('bench-ctl');
  subscribe(ctl, '$bench/events', 0);
  ctl.take(T.Suback);
  publish(ctl, '$bench/fault/delay', JSON.stringify({ packet: 'suback', ms: 300, client: 'dev-s' }), 1, 1);
  t.is(JSON.parse(ctl.take(T.Publish).payload).event, 'added');
  t.is(ctl.take(T.Puback).reasonCode, 0);
  const dev = new MemoryClient(broker);
  dev.connect('dev-s');
  subscribe(dev, 's/#', 0);
  clock.advance(299);
  t.is(dev.packets.length, 0, 'no SUBACK before 300 ms');
  clock.advance(1);
  t.is(dev.take(T.Suback).packetId, 1);
});

test('throttle: a matching client receives at the given rate, others at once', (t) => {
  const { broker, clock } = virtualBroker(t, { faults: [makeFault('throttle', { client: 'dev-t', bps: 20000 })] });
  // The throttled client's every packet, its CONNACK too, leaves in slices every 100 ms.
  const slow = new MemoryClient(broker);
  slow.send(T.Connect, connectRecord('dev-t', () => undefined));
  clock.advance(100);
  t.is(slow.take(T.Connack).reasonCode, 0);
  subscribe(slow, 'th', 0);
  clock.advance(100);
  slow.take(T.Suback);
  const fast = new MemoryClient(broker);
  fast.connect('fast');
  subscribe(fast, 'th', 0);
  fast.take(T.Suback);
  const pub = new MemoryClient(broker);
  pub.connect('pub');
  publish(pub, 'th', 'x'.repeat(10000));
  t.is(fast.take(T.Publish).payload.length, 10000, 'unthrottled: at once');
  clock.advance(400);
  t.is(slow.packets.length, 0, '10,000 B at 20,000 B/s take about half a second');
  clock.advance(700);
  t.is(slow.take(T.Publish).payload.length, 10000);
});
