// Brokers that downgrade QoS 2 to QoS 1 (RabbitMQ's MQTT plugin) answer a QoS 2 PUBLISH with
// PUBACK; the client ends the exchange there instead of waiting for a PUBREC that never comes.
import test from 'ava';
import { testOptions } from './harness.js';
import { connected, pub, reconnect } from './common.js';
import * as P from './packets.js';

for (const v of [4, 5]) {
  test(`v${v}: a PUBACK answering a QoS 2 PUBLISH finishes it and frees the slot`, (t) => {
    const opts = testOptions();
    opts.version = v;
    const h = connected(opts);
    const handle = pub(h, 't', 'x', 2);
    h.expect(P.publish('t', 'x', { qos: 2, id: 1, v }));
    h.respond(P.puback(1, 0, { v }));
    h.expectNothing();
    t.deepEqual(h.handler.done, [[handle, 0]]);
    t.is(h.session.store.inflight, 0);
  });

  test(`v${v}: once downgraded by PUBACK, a QoS 2 message is not resent after a reconnect`, (t) => {
    const opts = testOptions();
    opts.version = v;
    opts.cleanStart = false;
    const h = connected(opts);
    pub(h, 't', 'x', 2);
    h.expect(P.publish('t', 'x', { qos: 2, id: 1, v }));
    h.respond(P.puback(1, 0, { v }));
    h.cut();
    reconnect(h, opts, true);
    h.expectNothing();
    t.is(h.session.store.inflight, 0);
  });
}

test('a PUBACK after PUBREC (the message is waiting for PUBCOMP) is ignored', (t) => {
  const h = connected();
  const handle = pub(h, 't', 'x', 2);
  h.expect(P.publish('t', 'x', { qos: 2, id: 1 }));
  h.respond(P.pubrec(1));
  h.expect(P.pubrel(1));
  h.respond(P.puback(1));
  t.deepEqual(h.handler.done, []);
  h.respond(P.pubcomp(1));
  t.deepEqual(h.handler.done, [[handle, 0]]);
});
