// Session expiry and will delay taken from the protocol: values past Node's 2^31-1 ms timer
// limit wait as long as they say (they used to fire after 1 ms), and short ones still end on time.
import test, { ExecutionContext } from 'ava';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import { MAX_TIMER_MS, RealClock } from '../../src/broker/clock.js';
import type { RunningBroker } from '../../src/broker/index.js';
import { broker, bytes, client, collect, delay, RawClient } from './helpers.js';

/** Waits (polling, bounded) until cond holds; false if it did not within ms. */
async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await delay(10);
  }
  return true;
}

/** Connects with a session expiry, disconnects normally and waits until the broker has taken the DISCONNECT. */
async function leave(t: ExecutionContext, b: RunningBroker, id: string, expiry: number | null): Promise<void> {
  const raw = await RawClient.open(t, b.port);
  const ack = await raw.connect(id, (p) => {
    p.cleanStart = false;
    if (expiry !== null) p.props.setNumber(P.SessionExpiryInterval, expiry);
  });
  t.is(ack.reasonCode, 0);
  raw.send(T.Disconnect);
  // The broker has detached the session once it has closed the connection.
  await raw.waitClosed();
}

async function present(t: ExecutionContext, b: RunningBroker, id: string): Promise<boolean> {
  const raw = await RawClient.open(t, b.port);
  const ack = await raw.connect(id, (p) => {
    p.cleanStart = false;
    p.props.setNumber(P.SessionExpiryInterval, 60);
  });
  raw.sock.destroy();
  return ack.sessionPresent;
}

test('RealClock: a delay beyond the longest Node timer does not fire early', async (t) => {
  let fired = 0;
  const clock = new RealClock();
  t.teardown(() => clock.stop());
  const d = clock.after(MAX_TIMER_MS + 10, () => fired++);
  await delay(100);
  t.is(fired, 0);
  t.true(d.pending);
  d.cancel();
  t.false(d.pending);
  const short = clock.after(20, () => fired++);
  t.true(await until(() => fired === 1, 3000));
  t.false(short.pending);
});

test('session expiry 0xFFFFFFFE and 3,000,000 s: the session is still there after a pause', async (t) => {
  const b = await broker(t);
  await leave(t, b, 'long-a', 0xfffffffe);
  await leave(t, b, 'long-b', 3000000);
  await delay(300);
  t.true(b.broker.sessions.has('long-a'));
  t.true(b.broker.sessions.has('long-b'));
  t.true(await present(t, b, 'long-a'));
  t.true(await present(t, b, 'long-b'));
});

test('will delay 3,000,000 s: the will is not sent after a pause', async (t) => {
  const b = await broker(t);
  const sub = await client(t, b.port, { protocolVersion: 5 });
  const got = collect(sub);
  await sub.subscribeAsync('wd/#');
  const raw = await RawClient.open(t, b.port);
  const ack = await raw.connect('will-long', (p) => {
    p.props.setNumber(P.SessionExpiryInterval, 3000000);
    p.willFlag = true;
    [p.willTopic, p.willTopicOff, p.willTopicLen] = bytes('wd/gone');
    [p.willPayload, p.willPayloadOff, p.willPayloadLen] = bytes('bye');
    p.willProps!.setNumber(P.WillDelayInterval, 3000000);
  });
  t.is(ack.reasonCode, 0);
  raw.sock.destroy();
  t.true(await until(() => b.broker.sessions.get('will-long')?.conn === null));
  await delay(300);
  t.is(got.list.length, 0);
  t.true(b.broker.sessions.get('will-long')!.willTimer!.pending);
});

test('session expiry 0 still ends at the disconnect, and 1 s ends about a second later', async (t) => {
  const b = await broker(t);
  await leave(t, b, 'zero', null);
  t.false(b.broker.sessions.has('zero'));
  await leave(t, b, 'one', 1);
  t.true(b.broker.sessions.has('one'));
  t.true(await until(() => !b.broker.sessions.has('one')));
  t.false(await present(t, b, 'one'));
});
