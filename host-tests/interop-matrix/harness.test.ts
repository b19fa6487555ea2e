// The matrix harness itself: a well-behaved client passes every cell against aedes, a broken
// one fails the cells it breaks, and only documented deviations are accepted.
import test from 'ava';
import { startAedes } from '../peers/aedes.js';
import type { ClientAdapter, Connection } from './adapter.js';
import { mqttjsAdapter } from './adapter-mqttjs.js';
import { document, runRow } from './runner.js';
import { isFailure, renderMarkdown, type Cell } from './table.js';

test('MQTT.js over aedes (3.1.1): every cell passes or is a deviation MQTT.js documents', async (t) => {
  const b = await startAedes();
  t.teardown(() => b.stop());
  const row = await runRow('aedes', mqttjsAdapter, b, 4, {}, 1, false);
  const failing = [...row.cells.entries()].filter(([, c]) => isFailure(c));
  t.deepEqual(failing.map(([id, c]) => `${id}: ${JSON.stringify(c.outcome)}`), []);
  t.is(row.cells.size, 8);
  t.is(row.cells.get('resend')?.outcome.status, 'deviation'); // MQTT.js resends without DUP
});

test('a client that loses every received message fails the delivery cells', async (t) => {
  const b = await startAedes();
  t.teardown(() => b.stop());
  const deaf: ClientAdapter = {
    ...mqttjsAdapter,
    name: 'deaf',
    deviations: mqttjsAdapter.deviations,
    async connect(o) {
      const c = await mqttjsAdapter.connect(o);
      const never: Connection['nextMessage'] = (_m, ms) => new Promise((_r, reject) => setTimeout(() => reject(new Error('deaf')), Math.min(ms, 200)));
      return { ...c, nextMessage: never, received: () => [] };
    },
  };
  const row = await runRow('aedes', deaf, b, 4, {}, 2, false);
  for (const id of ['qos0', 'qos1', 'qos2', 'retained', 'will']) t.true(isFailure(row.cells.get(id)!), id);
  t.false(isFailure(row.cells.get('connect')!));
});

test('a deviation is accepted only when documented, and the table names it', (t) => {
  const cell = (): Cell => ({ outcome: { status: 'deviation', keys: ['qos2-granted-1'], observed: 'granted 1' }, ms: 1 });
  t.true(isFailure(document(cell(), {})));
  const ok = document(cell(), { 'qos2-granted-1': 'no QoS 2 here' });
  t.false(isFailure(ok));
  t.false(isFailure({ outcome: { status: 'n/a', note: 'cannot' }, ms: 0 }));
  const md = renderMarkdown([{ title: 'T', intro: 'i', rows: [{ system: 'S', cells: new Map([['qos2', ok]]) }] }], [{ id: 'qos2', title: 'QoS 2' }], '# h');
  t.regex(md, /\| S \| deviation \[1\] \|/);
  t.regex(md, /1\. S: qos2-granted-1: granted 1\. Documented: no QoS 2 here/);
});

test('a refused protocol version fails the row unless the peer is documented without it', async (t) => {
  const b = await startAedes(); // aedes 1.2 has no MQTT 5
  t.teardown(() => b.stop());
  const strict = await runRow('aedes', mqttjsAdapter, b, 5, {}, 3, false, false);
  t.true(isFailure(strict.cells.get('connect')!));
  const allowed = await runRow('aedes', mqttjsAdapter, b, 5, {}, 4, false, true);
  t.is(allowed.cells.size, 0);
  t.regex(allowed.note ?? '', /MQTT 5 refused by the peer/);
});
