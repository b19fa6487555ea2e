// MQTT.js's documented examples, run as .mjs files with node against the companion broker with
// only the import changed to xsmqtt (and the broker's URL): the README's main example taken
// from node_modules/mqtt/README.md as it stands, and the API doc's callback and Async forms.
import test, { type ExecutionContext } from 'ava';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/index.js';
import { REPO, runToEnd } from './helpers.js';

let broker: Awaited<ReturnType<typeof startBroker>>;
test.before(async () => { broker = await startBroker({ port: 0 }); });
test.after.always(async () => { await broker?.close(); });

/** Writes the example inside the package (so that 'xsmqtt' resolves through its "exports") and runs it. */
async function runExample(t: ExecutionContext, name: string, code: string): Promise<string> {
  const file = join(REPO, 'dist', 'host-tests', 'node', `mqttjs-${name}-${process.pid}.mjs`);
  writeFileSync(file, code.replaceAll('mqtt://test.mosquitto.org', `mqtt://127.0.0.1:${broker.port}`));
  t.teardown(() => rmSync(file, { force: true }));
  const r = await runToEnd(t, 'node', [file], undefined, 30000);
  t.is(r.code, 0, r.stderr);
  return r.stdout;
}

test('MQTT.js README main example (connect, subscribe with a callback, publish, on message, end)', async (t) => {
  const readme = readFileSync(join(REPO, 'node_modules', 'mqtt', 'README.md'), 'utf8');
  const m = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
  t.truthy(m, 'MQTT.js README has its example');
  const code = m![1];
  t.true(code.includes('const mqtt = require("mqtt");'));
  t.is(await runExample(t, 'readme', code.replace('const mqtt = require("mqtt");', 'import mqtt from "xsmqtt";')), 'Hello mqtt\n');
});

test('MQTT.js API doc: callbacks (subscribe granted, publish QoS 1, unsubscribe, end)', async (t) => {
  const code = `import mqtt from "xsmqtt";
const client = mqtt.connect("mqtt://test.mosquitto.org", { clientId: "examples-cb" });
client.on("connect", () => {
  client.subscribe({ "news/#": { qos: 1 } }, (err, granted) => {
    if (err) throw err;
    console.log("granted", granted.map((g) => g.topic + ":" + g.qos).join(","));
    client.publish("news/today", "hello", { qos: 1, retain: false }, (err) => {
      if (err) throw err;
      console.log("published");
    });
  });
});
client.on("message", (topic, message, packet) => {
  console.log(topic, message.toString(), packet.qos);
  client.unsubscribe("news/#", (err) => {
    if (err) throw err;
    client.end(() => console.log("ended"));
  });
});
`;
  const out = await runExample(t, 'callbacks', code);
  t.deepEqual(out.trim().split('\n').sort(), ['ended', 'granted news/#:1', 'news/today hello 1', 'published'].sort());
});

test('MQTT.js API doc: connectAsync, subscribeAsync, publishAsync, endAsync', async (t) => {
  const code = `import mqtt from "xsmqtt";
const client = await mqtt.connectAsync("mqtt://test.mosquitto.org");
const received = new Promise((resolve) => client.on("message", (topic, message) => resolve(topic + " " + message.toString())));
const granted = await client.subscribeAsync("presence", { qos: 1 });
console.log(JSON.stringify(granted));
await client.publishAsync("presence", "Hello mqtt", { qos: 1 });
console.log(await received);
await client.endAsync();
`;
  t.is(await runExample(t, 'async', code), '[{"topic":"presence","qos":1}]\npresence Hello mqtt\n');
});
