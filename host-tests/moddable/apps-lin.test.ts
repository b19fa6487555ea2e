// The device apps built by Moddable's real mcconfig (`-m -p lin`, every xsmqtt module preloaded)
// and run on Moddable's lin runtime in the headless host, against the companion broker on
// loopback: the integration suite passes in MQTT 5.0 and 3.1.1, and the example sensor app
// (esp32 and esp8266 variants) publishes telemetry and answers a command.
import test from 'ava';
import mqtt from 'mqtt';
import { Acl, startBroker } from '../../src/broker/index.js';
import { SUITE_ACL, SUITE_RECEIVE_MAXIMUM } from '../../src/node/sim/device-test.js';
import { app } from './apps.js';
import { appModules, linMissing, runLinApp, tapResults } from './lin.js';

for (const name of ['suite', 'suite-v4']) {
  const a = app(name);
  const version = Number(a.config.version);
  test.serial(`MQTT ${version === 5 ? '5.0' : '3.1.1'}: every scenario of the suite passes on Moddable's lin runtime (${name})`, async (t) => {
    const missing = linMissing(a);
    if (missing !== null) return t.fail(missing);
    const broker = await startBroker({ port: Number(a.config.port), host: '127.0.0.1', receiveMaximum: version === 5 ? SUITE_RECEIVE_MAXIMUM : undefined, acl: Acl.parse(SUITE_ACL), sysInterval: 0 });
    t.teardown(() => broker.close());
    const run = runLinApp(a, 150);
    t.teardown(() => run.stop());
    const end = await run.waitFor(/^# suite (passed|failed)$/m, 150_000);
    const { plan, results } = tapResults(run.stdout());
    t.true(plan > 0, run.stdout());
    t.is(results.length, plan, run.stdout());
    for (const l of results) t.false(l.startsWith('not ok'), l);
    t.is(end, '# suite passed');
    t.notRegex(run.stdout(), /read-only|TypeError|XS abort/);
  });
}

for (const name of ['esp32', 'esp8266']) {
  const a = app(name);
  test.serial(`the example sensor app (${name}) publishes telemetry and answers a ping on Moddable's lin runtime`, async (t) => {
    const missing = linMissing(a);
    if (missing !== null) return t.fail(missing);
    const broker = await startBroker({ port: Number(a.config.port), host: '127.0.0.1', sysInterval: 0 });
    t.teardown(() => broker.close());
    const id = `xsmqtt-${name}`;
    const peer = await mqtt.connectAsync(`mqtt://127.0.0.1:${a.config.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
    t.teardown(() => peer.end(true));
    const seen: { topic: string; text: string }[] = [];
    peer.on('message', (topic, payload) => seen.push({ topic, text: payload.toString() }));
    await peer.subscribeAsync(`devices/${id}/#`, { qos: 1 });
    const run = runLinApp(a, 60);
    t.teardown(() => run.stop());
    await run.waitFor(/sensor: connected/, 20_000);
    const until = async (ok: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
      t.true(ok(), `${what}; seen: ${JSON.stringify(seen)}\n${run.stdout()}`);
    };
    await until(() => seen.filter((m) => m.topic === `devices/${id}/telemetry`).length >= 2, 'two telemetry messages');
    const telemetry = JSON.parse(seen.find((m) => m.topic === `devices/${id}/telemetry`)!.text) as { id: string; seq: number };
    t.is(telemetry.id, id);
    t.true(seen.some((m) => m.topic === `devices/${id}/status` && m.text === 'online'));
    await peer.publishAsync(`devices/${id}/cmd`, 'ping', { qos: 1 });
    await until(() => seen.some((m) => m.topic === `devices/${id}/reply` && m.text === 'pong'), 'a pong on the reply topic');
    t.notRegex(run.stdout(), /read-only|TypeError|XS abort/);
  });
}

for (const name of ['suite', 'esp32', 'esp8266-suite-device']) {
  test(`${name}: mcconfig preloads every xsmqtt module of the app (in flash on a device)`, (t) => {
    const { modules, preloaded } = appModules(app(name));
    const ours = modules.filter((m) => /^(src|targets)\//.test(m));
    t.true(ours.some((m) => m === 'src/core/session/session'), modules.join(' '));
    t.deepEqual(ours.filter((m) => !preloaded.includes(m)), []);
  });
}
