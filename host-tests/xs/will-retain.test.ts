// The device client inside XS against mosquitto: a retained QoS 1 message reaches a later
// subscriber with the retain flag, and killing the XS process (an abrupt close, as a device
// losing power) makes the broker publish the client's will.
import test from 'ava';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto } from '../peers/mosquitto.js';
import { bundle, ROOT, startXs } from './helpers.js';

const CHECK = join(ROOT, 'build/moddable/targets/moddable/check/will-retain.js');

for (const version of [4, 5]) {
  test(`MQTT ${version === 5 ? '5' : '3.1.1'}: retained message and will on abrupt close`, async (t) => {
    const broker = await startMosquitto();
    t.teardown(() => broker.stop());
    const base = `xsmqtt/wr-${version}-${process.pid}`;
    const config = { broker: '127.0.0.1', port: broker.port, version, clientId: `wr-${version}-${process.pid}`, willTopic: `${base}/status`, retainTopic: `${base}/temp` };
    const b = await bundle(`import { WillRetain } from ${JSON.stringify(CHECK)};\nexport default function main() { new WillRetain(${JSON.stringify(config)}).start(); }\n`);
    t.teardown(() => b.cleanup());
    const xs = startXs(b.file, 'esp32');
    t.teardown(() => xs.stop());
    await xs.waitFor('READY', 10000);

    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: version as 4 | 5, reconnectPeriod: 0 });
    t.teardown(() => sub.end(true));
    const messages: { topic: string; payload: string; retain: boolean }[] = [];
    let onWill: () => void = () => {};
    const will = new Promise<void>((r) => { onWill = r; });
    sub.on('message', (topic, payload, packet) => {
      messages.push({ topic, payload: payload.toString(), retain: packet.retain });
      if (topic === config.willTopic) onWill();
    });
    await sub.subscribeAsync([config.retainTopic, config.willTopic], { qos: 1 });
    await xs.stop();
    const timeout = new Promise<never>((_, reject) => { setTimeout(() => reject(new Error(JSON.stringify(messages))), 10000).unref(); });
    await Promise.race([will, timeout]);
    t.deepEqual(messages.find((m) => m.topic === config.retainTopic), { topic: config.retainTopic, payload: '21.5', retain: true });
    t.deepEqual(messages.find((m) => m.topic === config.willTopic), { topic: config.willTopic, payload: 'offline', retain: false });
  });
}
