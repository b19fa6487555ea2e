// Power loss at any point loses nothing: the session journals its state into a store (here
// RAM that dies at a chosen step or byte), a new session on the same bytes resumes it. Checked
// against a model broker over a scenario with QoS 1 and 2 in both directions: every publish
// the application was told is accepted reaches the broker, QoS 2 exactly once each way.
import test from 'ava';
import { SessionJournal, journalSize } from '../../src/core/session/journal.js';
import { RamStore } from '../../src/core/session/ram-store.js';
import { SubState } from '../../src/core/session/subscriptions.js';
import { Harness } from './harness.js';
import * as P from './packets.js';
import { check, persistOptions, play, SCENARIO } from './persist-world.js';
import { utf8 } from '../../src/core/session/index.js';

for (const version of [4, 5]) {
  const v = version === 5 ? 'MQTT 5' : 'MQTT 3.1.1';

  test(`${v}: the scenario without a cut completes (control)`, (t) => {
    const o = play(version, SCENARIO, -1, Infinity);
    t.deepEqual(check(o), []);
    t.is(o.lives, 1);
    t.is(o.accepted.size, 6);
    t.is(o.appGot.length, 4);
    t.true(o.snapshots >= 2, `the journal was compacted ${o.snapshots} times`);
  });

  test(`${v}: power cut after every step: nothing accepted is lost, nothing at QoS 2 is doubled`, (t) => {
    const steps = play(version, SCENARIO, -1, Infinity).steps;
    t.true(steps >= 25, `${steps} steps`);
    let resumed = 0;
    for (let k = 0; k < steps; k++) {
      const o = play(version, SCENARIO, k, Infinity);
      t.deepEqual(check(o), [], `cut after step ${k}`);
      t.is(o.lives, 2, `cut after step ${k}`);
      if (o.restored > 1) resumed++;
    }
    // Most cuts leave messages or ids to bring back (a count, not just the counters).
    t.true(resumed > steps / 2, `${resumed} of ${steps} cuts restored state`);
  });

  test(`${v}: power cut inside a write (torn record, torn snapshot, torn erase) at byte after byte`, (t) => {
    const total = play(version, SCENARIO, -1, Infinity).written;
    t.true(total > 500, `${total} bytes written`);
    let torn = 0;
    // A stride prime to the 4-byte record alignment: the cuts land at every offset within records.
    const stride = version === 5 ? 7 : 23;
    for (let b = 0; b < total; b += stride) {
      const o = play(version, SCENARIO, -1, b);
      t.deepEqual(check(o), [], `cut at byte ${b}`);
      t.true(o.lives >= 2, `cut at byte ${b}`);
      if (o.torn) torn++;
    }
    t.true(torn > total / stride / 2, `${torn} cuts fell inside a write`);
  });
}

function life(store: RamStore, version = 5): { h: Harness; journal: SessionJournal } {
  const o = persistOptions(version);
  const journal = new SessionJournal(store, o);
  o.persistence = journal;
  return { h: new Harness(o), journal };
}

function connectAfterRestart(h: Harness, present: boolean): void {
  h.start();
  h.takeSent();
  h.respond(P.connack(0, present));
}

test('a QoS 2 publish past PUBREC resumes with PUBREL, not a second PUBLISH', (t) => {
  const store = new RamStore(journalSize(persistOptions(5), 256), 256);
  const a = life(store).h;
  connectAfterRestart(a, false);
  const tp = utf8('t');
  const pl = utf8('x');
  t.true(a.session.publish(tp, 0, 1, pl, 0, 1, 2, false) > 0);
  a.expect(P.publish('t', 'x', { qos: 2, id: 1 }));
  a.respond(P.pubrec(1));
  a.expect(P.pubrel(1));
  // Power goes: a new session on the same bytes.
  const b = life(store).h;
  connectAfterRestart(b, true);
  b.expect(P.pubrel(1));
  b.respond(P.pubcomp(1));
  t.is(b.session.store.inflight, 0);
  t.is(b.handler.done.length, 1);
});

test('an accepted publish not yet acknowledged is sent again with DUP and its packet id after a restart', (t) => {
  const store = new RamStore(journalSize(persistOptions(5), 256), 256);
  const a = life(store).h;
  connectAfterRestart(a, false);
  const tp = utf8('t');
  const pl = utf8('x');
  const handle = a.session.publish(tp, 0, 1, pl, 0, 1, 1, false);
  a.expect(P.publish('t', 'x', { qos: 1, id: 1 }));
  const b = life(store).h;
  t.is(b.session.store.inflight, 1);
  connectAfterRestart(b, true);
  b.expect(P.publish('t', 'x', { qos: 1, id: 1, dup: true }));
  b.respond(P.puback(1));
  t.deepEqual(b.handler.done, [[handle, 0]]);
  // The id counter came back too: the next message takes id 2.
  t.true(b.session.publish(tp, 0, 1, pl, 0, 1, 1, false) > 0);
  b.expect(P.publish('t', 'x', { qos: 1, id: 2 }));
});

test('an inbound QoS 2 message delivered before power loss is not delivered again when the broker resends it', (t) => {
  const store = new RamStore(journalSize(persistOptions(5), 256), 256);
  const a = life(store).h;
  connectAfterRestart(a, false);
  a.respond(P.publish('in/x', 'once', { qos: 2, id: 7 }));
  t.is(a.handler.messages.length, 1);
  // Cut before the PUBREC reaches the broker: it sends the PUBLISH again.
  const b = life(store).h;
  connectAfterRestart(b, true);
  b.respond(P.publish('in/x', 'once', { qos: 2, id: 7, dup: true }));
  b.expect(P.pubrec(7));
  t.is(b.handler.messages.length, 0);
  b.respond(P.pubrel(7));
  b.expect(P.pubcomp(7));
  // Released: the id now brings a new message.
  const c = life(store).h;
  connectAfterRestart(c, true);
  c.respond(P.publish('in/x', 'new', { qos: 2, id: 7 }));
  t.is(c.handler.messages.length, 1);
});

test('subscriptions come back after a restart (filter, options, granted), and a session-less CONNACK resubscribes them', (t) => {
  const store = new RamStore(journalSize(persistOptions(5), 256), 256);
  const a = life(store).h;
  connectAfterRestart(a, false);
  const f = utf8('s/+');
  a.session.subscribe(f, 0, f.length, 1, 0, null);
  a.expect(P.subscribe(1, [['s/+', 1]]));
  a.respond(P.suback(1, [1]));
  const b = life(store).h;
  t.is(b.session.subs.find(f, 0, f.length), 0);
  t.is(b.session.subs.state(0), SubState.Granted);
  t.is(b.session.subs.options(0), 1);
  connectAfterRestart(b, false);
  b.expect(P.subscribe(1, [["s/+", 1]]));
});

test('a session without persistence writes nothing and a store too small for the options is refused', (t) => {
  const o = persistOptions(5);
  t.is(o.persistence, null);
  let refused = false;
  try {
    new SessionJournal(new RamStore(journalSize(o, 256) - 256, 256), o);
  } catch {
    refused = true;
  }
  t.true(refused);
});

test('records a smaller configuration cannot take back are counted as lost, the rest restored', (t) => {
  const o = persistOptions(5);
  const store = new RamStore(journalSize(o, 256), 256);
  // Offline: four messages wait in the queue.
  const a = life(store).h;
  const tp = utf8('t');
  const pl = utf8('x');
  for (let i = 0; i < 4; i++) t.true(a.session.publish(tp, 0, 1, pl, 0, 1, 1, false) > 0);
  // The next firmware keeps 3 messages instead of 7.
  const small = persistOptions(5);
  small.queueCount = 2;
  small.inflight = 1;
  const journal = new SessionJournal(store, small);
  small.persistence = journal;
  const b = new Harness(small);
  t.is(b.session.store.queued, 3);
  t.is(journal.lost, 1);
});

test('a message acknowledged before power loss does not come back', (t) => {
  const store = new RamStore(journalSize(persistOptions(5), 256), 256);
  const a = life(store).h;
  connectAfterRestart(a, false);
  const tp = utf8('t');
  const pl = utf8('x');
  a.session.publish(tp, 0, 1, pl, 0, 1, 1, false);
  a.session.publish(tp, 0, 1, pl, 0, 1, 2, false);
  a.respond(P.puback(1), P.pubrec(2));
  a.respond(P.pubcomp(2));
  t.is(a.handler.done.length, 2);
  const b = life(store).h;
  t.is(b.session.store.inflight + b.session.store.queued, 0);
});
