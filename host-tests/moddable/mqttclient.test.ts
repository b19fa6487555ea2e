// Moddable's ECMA-419 MQTT client example (examples/io/tcp/mqttclient/main.js), unchanged but for
// host and port, built with the real mcconfig on Moddable's own embedded:network/mqtt/client and
// on ours (targets/moddable/manifest_mqttclient.json), each run in the headless lin host against
// the companion broker: both must print the same protocol steps and read back the same messages.
import test from 'ava';
import { startBroker } from '../../src/broker/index.js';
import { app } from './apps.js';
import { linMissing, runLinApp } from './lin.js';

const XXL = 3 + 16 * 1024;

interface Run { stdout: string; controls: string[]; small: number; xxl: string }

/** Runs an example app until it has printed every step it takes, then stops it. */
async function runExample(name: string): Promise<Run> {
  const a = app(name);
  const missing = linMissing(a);
  if (missing !== null) throw new Error(missing);
  // The broker's port: what apps.ts put in main.js in place of Moddable's 1883.
  const to = a.copy?.['main.js']?.replace?.find(([what]) => what.startsWith('port:'))?.[1] ?? '';
  const port = Number(/\d+/.exec(to)?.[0] ?? 'NaN');
  if (!(port > 0)) throw new Error(`${name}: no broker port in apps.ts`);
  const broker = await startBroker({ port, host: '127.0.0.1', sysInterval: 0 });
  const run = runLinApp(a, 60);
  try {
    // The last steps: the 16 KB message acknowledged, the QoS 2 exchange completed.
    await run.waitFor(/PUBACK - 1234\n/, 40000);
    await run.waitFor(/PUBCOMP - 4\n/, 20000);
    await run.waitFor(/PUBREL - \d+\n/, 20000);
    // The 16 KB message read back: its pieces add up.
    const deadline = Date.now() + 20000;
    let xxl = '';
    while (Date.now() < deadline) {
      xxl = run.stdout().split('\n').filter((l) => /^[A-Z]+$/.test(l) && l !== 'SMALL').join('');
      if (xxl.length >= XXL) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stdout = run.stdout();
    const lines = stdout.split('\n');
    return {
      stdout,
      controls: lines.filter((l) => /^(SUBACK|UNSUBACK|PUBACK|PUBREC|PUBREL|PUBCOMP) - \d+$|^Ping response$|^ERROR$/.test(l)).sort(),
      small: lines.filter((l) => l === 'SMALL').length,
      xxl,
    };
  } finally {
    run.stop();
    await run.exited;
    await broker.close();
  }
}

const runs = new Map<string, Promise<Run>>();
function example(name: string): Promise<Run> {
  let r = runs.get(name);
  if (r === undefined) {
    r = runExample(name);
    runs.set(name, r);
  }
  return r;
}

for (const name of ['mqttclient-moddable', 'mqttclient']) {
  const which = name === 'mqttclient' ? 'xsmqtt\'s module' : 'Moddable\'s module';
  test.serial(`${which}: the example subscribes, publishes at QoS 0/1/2, pings, streams 16 KB from onWritable and reads everything back`, async (t) => {
    const r = await example(name);
    t.deepEqual(r.controls, ['PUBACK - 1234', 'PUBCOMP - 4', 'PUBREC - 4', 'PUBREL - 1', 'Ping response', 'SUBACK - 2', 'UNSUBACK - 3'].sort(), r.stdout.slice(0, 2000));
    t.is(r.small, 1, 'the QoS 2 message "SM" + "ALL\\n" written in two pieces is read back once, whole');
    t.is(r.xxl.length, XXL, 'the 16 KB message read back whole');
    t.true(r.xxl.startsWith('XXLA'), 'it starts with the first piece written');
    t.regex(r.xxl.slice(3), /^A+B+C+D+E+F+G+H+I+J+K*$/, 'the pieces written from onWritable, in order');
  });
}

test.serial('both modules print the same protocol steps and read back the same messages', async (t) => {
  const [moddable, ours] = await Promise.all([example('mqttclient-moddable'), example('mqttclient')]);
  t.deepEqual(ours.controls, moddable.controls);
  t.is(ours.small, moddable.small);
  t.is(ours.xxl.length, moddable.xxl.length);
});
