// xsmqtt's `mqtt/js` (targets/moddable/mqtt-js.ts) as a drop-in for Moddable's, with the real
// toolchain: Moddable's own example app (examples/io/tcp/mqtt: main.js, data.js, config.js,
// copied with the URL pointed at the local broker) built by mcconfig on xsmqtt's module and on
// Moddable's, both run in the headless lin host against the companion broker; and the extras
// (reconnect with back-off, QoS 1 messages published offline or left unacknowledged, MQTT 5)
// driven through the broker (faults, commands) in host-tests/moddable/apps/mqtt-js-extras.
// The apps are built by `make lin-apps` (host-tests/moddable/apps.ts).
import test, { type ExecutionContext } from 'ava';
import { makeFault, startBroker, type RunningBroker } from '../../src/broker/index.js';
import { app } from './apps.js';
import { linMissing, runLinApp, type RunningLinApp } from './lin.js';

const DATA = '0123456789ABCDEF'.repeat(1024);

/** What Moddable's example prints that the comparison looks at (the rest is the host's). */
const EVENT_LINE = /^(connect|subscribed|published|message|close|end|error|offline|reconnect)( |$)/;

async function start(t: ExecutionContext, name: string): Promise<{ broker: RunningBroker; run: RunningLinApp }> {
  const a = app(name);
  const missing = linMissing(a);
  if (missing !== null) throw new Error(missing);
  const broker = await startBroker({ port: Number(a.config.port ?? portOf(name)), host: '127.0.0.1', sysInterval: 0 });
  t.teardown(() => broker.close());
  const run = runLinApp(a, 120);
  t.teardown(() => run.stop());
  return { broker, run };
}

/** The example apps' ports (compiled into their main.js by apps.ts). */
function portOf(name: string): number {
  return name === 'mqtt-js-example' ? 18850 : name === 'mqtt-js-moddable' ? 18851 : 0;
}

function re(line: string): RegExp {
  return new RegExp('^' + line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '$', 'm');
}

/** Runs Moddable's example app; returns its event lines once everything it does has happened. */
async function runExample(t: ExecutionContext, name: string): Promise<string[]> {
  const { run } = await start(t, name);
  const expected = ['connect', 'subscribed null xs/test 2', 'published zero undefined', 'published one null', 'published two null',
    'published data null', 'message xs/test zero', 'message xs/test one', 'message xs/test two', `message xs/test ${DATA}`];
  for (const line of expected) await run.waitFor(re(line), 40000);
  // Anything else it would print (a duplicate, an error, a close) has time to show.
  await new Promise((r) => setTimeout(r, 1000));
  run.stop();
  const lines = run.stdout().split('\n').filter((l) => EVENT_LINE.test(l));
  for (const line of expected) t.is(lines.filter((l) => l === line).length, 1, `${name}: '${line.slice(0, 60)}' printed once:\n${lines.join('\n').slice(0, 4000)}`);
  t.deepEqual(lines.filter((l) => /^(close|end|error|offline|reconnect)/.test(l)), [], `${name}: no error, close or reconnect`);
  return lines;
}

const short = (l: string): string => (l.length > 80 ? `${l.slice(0, 40)}...(${l.length} chars)` : l);

test.serial("Moddable's mqtt/js example on xsmqtt's mqtt/js: connects, subscribes with QoS 2 granted, publishes zero/one/two/data with their callbacks, receives them back", async (t) => {
  const lines = await runExample(t, 'mqtt-js-example');
  // MQTT.js order: 'connect' on CONNACK, before the subscription made before it is acknowledged.
  t.true(lines.indexOf('connect') < lines.indexOf('subscribed null xs/test 2'), lines.map(short).join('\n'));
  t.log(lines.map(short).join('\n'));
});

test.serial("the same example prints the same lines on Moddable's own mqtt/js (order aside)", async (t) => {
  const ours = await runExample(t, 'mqtt-js-example');
  const theirs = await runExample(t, 'mqtt-js-moddable');
  t.deepEqual([...ours].sort(), [...theirs].sort());
  t.log(`xsmqtt:   ${ours.map(short).join(' | ')}`);
  t.log(`Moddable: ${theirs.map(short).join(' | ')}`);
});

for (const version of [4, 5]) {
  const name = version === 5 ? 'mqtt-js-extras5' : 'mqtt-js-extras';
  const id = `mqttjs-x${version}`;
  const base = `xsmqtt/js/${id}`;
  test.serial(`MQTT ${version === 5 ? '5.0' : '3.1.1'} extras: offline and unacknowledged QoS 1 messages arrive after reconnect; reconnects back off${version === 5 ? '; properties both ways' : ''}`, async (t) => {
    const { broker, run } = await start(t, name);
    const b = broker.broker;
    const wait = (line: string | RegExp, ms = 20000): Promise<string> => run.waitFor(typeof line === 'string' ? re(line) : line, ms);
    await wait(`subscribed null ${base}/cmd:1,${base}/out/#:1`, 40000);
    await wait('connect 1 false');

    // 1. The broker drops the connection: what the app publishes while offline goes out after the reconnect.
    b.addFault(makeFault('close', { client: id, after: 0 }));
    await wait('offline false');
    await wait('connect 2 true');
    for (let i = 1; i <= 3; i++) {
      await wait(`published offline-${i} null`);
      await wait(`message ${base}/out/offline-${i} offline-${i}`);
    }
    const out1 = run.stdout();
    t.true(out1.indexOf('connect 2 true') < out1.indexOf('published offline-1 null'), 'acknowledged only once connected again');

    // 2. Three refused connections in a row: the delays before the attempts double (400 ms base, half of it random).
    const mark = run.stdout().length;
    b.addFault(makeFault('refuse', { client: id, reason: 0x87, count: 3 }));
    b.addFault(makeFault('close', { client: id, after: 0 }));
    await wait(/^connect 3 true$/m, 30000);
    const tail = run.stdout().slice(mark);
    const delays = [...tail.matchAll(/^reconnect (\d+) true$/gm)].map((m) => Number(m[1]));
    t.is(delays.length, 4, tail);
    for (let k = 0; k < delays.length; k++) {
      const lo = 200 * 2 ** k - 30;
      const hi = 400 * 2 ** k + 300;
      t.true(delays[k] >= lo && delays[k] <= hi, `attempt ${k + 1} after ${delays[k]} ms, expected ${lo}..${hi}: ${delays.join(', ')}`);
    }
    t.true(delays[3] > delays[0] * 2, `back-off grows: ${delays.join(', ')}`);
    t.log(`reconnect delays after a drop and 3 refusals (ms): ${delays.join(', ')}`);
    t.is([...tail.matchAll(/^error connection refused: reason 0x/gm)].length, 3, tail);

    // 3. QoS 1 messages whose PUBACK never comes: their callbacks wait; after the reconnect they are sent again and acknowledged.
    b.addFault(makeFault('drop', { client: id, packet: 'puback', count: 2 }));
    b.publishInternal(`${base}/cmd`, Buffer.from('unacked'), false);
    await wait(`message ${base}/out/unacked-2 unacked-2`);
    await new Promise((r) => setTimeout(r, 300));
    t.notRegex(run.stdout(), /^published unacked-/m, 'no callback before the PUBACK');
    b.addFault(makeFault('close', { client: id, after: 0 }));
    await wait('connect 4 true');
    await wait('published unacked-1 null');
    await wait('published unacked-2 null');

    if (version === 5) {
      b.publishInternal(`${base}/cmd`, Buffer.from('props'), false);
      await wait(new RegExp(`^message ${base}/out/props with properties props contentType=text/plain user=\\{"a":"1"\\} expiry=(59|60) response=${base}/reply correlation=c1$`, 'm'));
      await wait('published props null');
    }

    // 4. end(): DISCONNECT, 'close', 'end', the callback; no reconnect after it.
    b.publishInternal(`${base}/cmd`, Buffer.from('end'), false);
    await wait('ended false');
    const out = run.stdout();
    t.true(out.lastIndexOf('\nclose\n') < out.lastIndexOf('\nend\n') && out.lastIndexOf('\nend\n') < out.lastIndexOf('\nended false'), out.slice(-500));
    const after = out.length;
    await new Promise((r) => setTimeout(r, 1500));
    t.notRegex(run.stdout().slice(after), /^reconnect/m, 'no reconnect after end()');
  });
}
