// The example application on a simulated device, against the companion broker: retained
// status, will, and commands answered by MQTT 5 request/response.
import test from 'ava';
import mqtt from 'mqtt';
import { startBroker } from '../../src/broker/index.js';
import { SimDevice } from '../../src/node/sim/device.js';
import { Scheduler } from '../../src/node/sim/scheduler.js';
import { FleetStats } from '../../src/node/sim/stats.js';
import { until } from '../wait.js';

async function setup(t: { teardown(fn: () => void | Promise<void>): void }, version = 5) {
  const b = await startBroker({ port: 0, sysInterval: 0 });
  t.teardown(() => b.close());
  const sched = new Scheduler();
  const stats = new FleetStats();
  const dev = new SimDevice({ id: 'cmd-dev', index: 0, host: '127.0.0.1', port: b.port, version, qos: 1, interval: 60000, payloadBytes: 0, keepAlive: 60, seed: 5, bufferSize: 256 }, sched, stats);
  t.teardown(() => { dev.stopped = true; dev.app.session.stop(); dev.kill(); sched.stop(); });
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${b.port}`, { clientId: 'operator', protocolVersion: 5, reconnectPeriod: 0 });
  t.teardown(() => { client.end(true); });
  return { b, dev, stats, client };
}

test('commands are answered on the Response Topic with the Correlation Data (MQTT 5 request/response)', async (t) => {
  const { dev, client } = await setup(t);
  const replies: { payload: string; corr: string }[] = [];
  client.on('message', (topic, payload, packet) => {
    if (topic === 'operator/replies') replies.push({ payload: payload.toString(), corr: String(packet.properties?.correlationData ?? '') });
  });
  await client.subscribeAsync('operator/replies', { qos: 1 });
  dev.start();
  await until(() => dev.connected && dev.app.session.subs.state(0) === 2, 'the device connected and subscribed');
  const ask = (cmd: string, corr: string) => client.publishAsync('devices/cmd-dev/cmd', cmd, { qos: 1, properties: { responseTopic: 'operator/replies', correlationData: Buffer.from(corr) } });
  await ask('ping', 'c1');
  await ask('interval 500', 'c2');
  await ask('bogus', 'c3');
  await until(() => replies.length >= 3, 'three replies');
  t.deepEqual(replies, [{ payload: 'pong', corr: 'c1' }, { payload: 'ok interval 500', corr: 'c2' }, { payload: 'error unknown command', corr: 'c3' }]);
  t.is(dev.app.interval, 500);
});

test('retained online status, and the will (retained offline) when the device drops', async (t) => {
  const { dev, client } = await setup(t);
  dev.start();
  await until(() => dev.connected, 'the device connected');
  const seen: string[] = [];
  client.on('message', (topic, payload, packet) => { if (topic === 'devices/cmd-dev/status') seen.push(`${payload.toString()}${packet.retain ? ' (retained)' : ''}`); });
  await client.subscribeAsync('devices/cmd-dev/status', { qos: 1 });
  await until(() => seen.length >= 1, 'the first message');
  t.is(seen[0], 'online (retained)');
  dev.app.session.stop();
  dev.kill();
  await until(() => seen.length >= 2, 'the second message');
  t.is(seen[1], 'offline');
});

test('reboot: the device disconnects and connects again; QoS 1 telemetry flows after it', async (t) => {
  const { dev, stats, client } = await setup(t, 4);
  dev.start();
  await until(() => dev.connected && dev.app.session.subs.state(0) === 2, 'the device connected and subscribed');
  const replies: string[] = [];
  client.on('message', (topic, payload) => { if (topic === 'devices/cmd-dev/reply') replies.push(payload.toString()); });
  await client.subscribeAsync('devices/cmd-dev/reply', { qos: 1 });
  await client.publishAsync('devices/cmd-dev/cmd', 'reboot', { qos: 1 });
  await until(() => stats.connects >= 2 && dev.connected, 'the device connected again');
  t.deepEqual(replies, ['ok reboot']);
  t.is(stats.reconnects, 1);
  dev.app.publishTelemetry(0);
  await until(() => stats.acked >= 1, 'an acknowledged publish');
  t.is(stats.failed, 0);
});
