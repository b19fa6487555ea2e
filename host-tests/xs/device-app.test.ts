// The ESP32 example application (targets/esp32/main.ts, unchanged) in the host XS runtime,
// with its config values given as on mcconfig's command line: it connects to a real
// mosquitto, publishes readings that an MQTT.js subscriber receives, and receives a command.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto } from '../peers/mosquitto.js';
import { bundle, ROOT, startXs, XS_BIN } from './helpers.js';

const MAIN = join(ROOT, 'build/moddable/targets/esp32/main.js');

test.before(() => {
  if (!existsSync(XS_BIN) || !existsSync(MAIN)) throw new Error('run make xs-prereqs (make test does)');
});

test('the ESP32 sensor app publishes readings to mosquitto and receives a command (MQTT 5, QoS 1)', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const prefix = `xsmqtt/app-${process.pid}`;
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
  t.teardown(() => sub.end(true));
  const readings: string[] = [];
  let gotThree: () => void = () => {};
  const three = new Promise<void>((r) => { gotThree = r; });
  sub.on('message', (topic, payload) => {
    if (topic === `${prefix}/reading`) readings.push(payload.toString());
    if (readings.length === 3) gotThree();
  });
  await sub.subscribeAsync(`${prefix}/reading`, { qos: 1 });

  const b = await bundle(`import main from ${JSON.stringify(MAIN)};\nexport default main;\n`);
  t.teardown(() => b.cleanup());
  const xs = startXs(b.file, 'esp32', ['--config', 'broker=127.0.0.1', '--config', `port=${broker.port}`, '--config', `prefix=${prefix}`,
    '--config', 'interval=50', '--config', 'qos=1', '--config', `clientId=app-${process.pid}`]);
  t.teardown(() => xs.stop());

  const timeout = new Promise<void>((_, reject) => { setTimeout(() => reject(new Error(`no readings:\n${xs.stdout()}\n${xs.stderr()}`)), 20000).unref(); });
  await Promise.race([three, timeout, xs.exited.then((code) => { throw new Error(`XS exited ${code}: ${xs.stderr()}`); })]);
  t.true(readings.every((r) => /^\d+$/.test(r)), readings.join(','));
  t.true(xs.stdout().includes('sensor: connected'));

  await sub.publishAsync(`${prefix}/cmd/led`, 'on', { qos: 1 });
  await xs.waitFor('sensor: command', 10000);
  t.pass();
});
