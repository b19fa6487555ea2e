// The client's SUBSCRIBE / UNSUBSCRIBE requests on a scripted server and virtual time: each is
// the session's request with its own packet id, several in flight at once.
import test from 'ava';
import mqtt from '../../src/node/index.js';
import { ScriptedTransport, VirtualClientClock } from './scripted-peer.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('several SUBSCRIBEs are in flight at once; each settles on its own SUBACK, in whatever order they come', async (t) => {
  const transport = new ScriptedTransport();
  const clock = new VirtualClientClock();
  const c = mqtt.connect({ transport, clock, keepalive: 0, reconnectPeriod: 0 });
  await turn();
  transport.respond([0x20, 0x02, 0x00, 0x00]);
  const settled: string[] = [];
  const a = c.subscribeAsync('a', { qos: 1 }).then((g) => settled.push(`a:${g[0].qos}`));
  const b = c.subscribeAsync('b', { qos: 0 }).then((g) => settled.push(`b:${g[0].qos}`));
  await turn();
  t.deepEqual(transport.types(), [1, 8, 8], 'both SUBSCRIBEs written before any SUBACK');
  transport.respond([0x90, 0x03, 0x00, 0x02, 0x00]);
  await b;
  t.deepEqual(settled, ['b:0']);
  transport.respond([0x90, 0x03, 0x00, 0x01, 0x01]);
  await a;
  t.deepEqual(settled, ['b:0', 'a:1']);
  await c.endAsync(true);
});

test('more requests than the session holds wait for an entry, then go', async (t) => {
  const transport = new ScriptedTransport();
  const clock = new VirtualClientClock();
  const c = mqtt.connect({ transport, clock, keepalive: 0, reconnectPeriod: 0, capacities: { pendingRequests: 1 } });
  await turn();
  transport.respond([0x20, 0x02, 0x00, 0x00]);
  const a = c.subscribeAsync('a');
  const b = c.unsubscribeAsync('a');
  await turn();
  t.deepEqual(transport.types(), [1, 8], 'the UNSUBSCRIBE waits for the one request entry');
  transport.respond([0x90, 0x03, 0x00, 0x01, 0x00]);
  await a;
  await turn();
  t.deepEqual(transport.types(), [1, 8, 10]);
  transport.respond([0xb0, 0x02, 0x00, 0x02]);
  await b;
  await c.endAsync(true);
});
