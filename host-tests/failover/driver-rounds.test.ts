// The driver with a ServerList on virtual time (the session's scripted peer): which server each
// attempt goes to and how long it waits, for refusals, lost connections and redirections.
import test from 'ava';
import { PropertyId } from '../../src/core/codec/constants.js';
import { ServerList, ServerOrder } from '../../src/core/driver/servers.js';
import { Harness, testOptions } from '../session/harness.js';
import * as P from '../session/packets.js';

function failover(count: number): { h: Harness; list: ServerList } {
  const h = new Harness(testOptions({ backoffBase: 300, backoffMax: 5000, backoffJitter: 0 }));
  const list = new ServerList(count, ServerOrder.InOrder);
  h.driver.servers = list;
  return { h, list };
}

test('every server refuses: the next one at once, the back-off (doubling) only between rounds', (t) => {
  const { h, list } = failover(3);
  h.transport.autoAccept = false;
  h.start();
  const waits: number[] = [];
  const order = [list.index];
  for (let i = 0; i < 7; i++) {
    h.transport.events!.onClose();
    waits.push(h.waitReconnect());
    order.push(list.index);
  }
  t.deepEqual(order, [0, 1, 2, 0, 1, 2, 0, 1]);
  t.deepEqual(waits, [0, 0, 300, 0, 0, 600, 0]);
});

test('a connection lost after CONNACK: the next server after the first back-off delay, and the round starts again', (t) => {
  const { h, list } = failover(2);
  h.start();
  h.respond(P.connack(0, false));
  t.is(list.index, 0);
  h.cut();
  t.is(h.waitReconnect(), 300);
  t.is(list.index, 1);
  h.transport.events!.onClose();
  t.is(h.waitReconnect(), 0, 'the other server of the new round at once');
});

test('CONNACK 0x9C with a Server Reference: followed at once, at most three in a row', (t) => {
  const { h, list } = failover(1);
  list.followReferences = true;
  h.start();
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    h.respond(P.connack(0x9c, false, { props: { [PropertyId.ServerReference]: `n${i}:1883` } }));
    t.true(h.closed);
    waits.push(h.waitReconnect());
  }
  t.deepEqual(waits, [0, 0, 0, 300]);
  t.is(list.referenceLength, 0, 'the fourth was not followed');
});
