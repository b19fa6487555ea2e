// The ESP32 example application (targets/esp32/main.ts, unchanged) in the host XS runtime,
// with its config values given as on mcconfig's command line: the core's sensor app
// (src/core/app) on the Moddable transport connects to a real mosquitto, publishes telemetry
// that an MQTT.js subscriber receives, and answers a command by MQTT 5 request/response.
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

test('the ESP32 sensor app (the core app) publishes telemetry to mosquitto and answers a command (MQTT 5, QoS 1)', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const id = `app-${process.pid}`;
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
  t.teardown(() => sub.end(true));
  const readings: string[] = [];
  let status = '';
  let pong = '';
  let gotThree: () => void = () => {};
  const three = new Promise<void>((r) => { gotThree = r; });
  let gotPong: () => void = () => {};
  const ponged = new Promise<void>((r) => { gotPong = r; });
  sub.on('message', (topic, payload, packet) => {
    if (topic === `devices/${id}/telemetry`) readings.push(payload.toString());
    if (topic === `devices/${id}/status`) status = payload.toString();
    if (topic === `replies/${id}` && packet.properties?.correlationData?.toString() === 'c1') { pong = payload.toString(); gotPong(); }
    if (readings.length === 3) gotThree();
  });
  await sub.subscribeAsync([`devices/${id}/telemetry`, `devices/${id}/status`, `replies/${id}`], { qos: 1 });

  const b = await bundle(`import main from ${JSON.stringify(MAIN)};\nexport default main;\n`);
  t.teardown(() => b.cleanup());
  const xs = startXs(b.file, 'esp32', ['--config', 'broker=127.0.0.1', '--config', `port=${broker.port}`,
    '--config', 'interval=100', '--config', 'qos=1', '--config', `clientId=${id}`]);
  t.teardown(() => xs.stop());

  const exited = xs.exited.then((code) => { throw new Error(`XS exited ${code}: ${xs.stderr()}`); });
  const timeout = (what: string): Promise<void> => new Promise<void>((_, reject) => { setTimeout(() => reject(new Error(`${what}:\n${xs.stdout()}\n${xs.stderr()}`)), 20000).unref(); });
  await Promise.race([three, timeout('no readings'), exited]);
  for (const r of readings) t.is((JSON.parse(r) as { id: string }).id, id, r);
  t.is(status, 'online');
  t.true(xs.stdout().includes('sensor: connected'));

  await sub.publishAsync(`devices/${id}/cmd`, 'ping', { qos: 1, properties: { responseTopic: `replies/${id}`, correlationData: Buffer.from('c1') } });
  await Promise.race([ponged, timeout('no answer to ping'), exited]);
  t.is(pong, 'pong');
  await xs.waitFor('sensor: command', 10000);
});
