// The README's Node example, run as written (only the broker's port changed) against mosquitto.
import test from 'ava';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../peers/mosquitto.js';
import { REPO, runToEnd } from './helpers.js';

test('the README Node example runs as written and prints the message', async (t) => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const m = /<!-- node-example[^>]*-->\n```js\n([\s\S]*?)```/.exec(readme);
  t.truthy(m, 'README has the node-example block');
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  // Inside the package, so that `import ... from 'xsmqtt'` resolves through package.json "exports".
  const file = join(REPO, 'dist', 'host-tests', 'node', `readme-example-${process.pid}.mjs`);
  writeFileSync(file, m![1].replace('mqtt://localhost:1883', `mqtt://127.0.0.1:${broker.port}`));
  t.teardown(() => rmSync(file, { force: true }));
  const r = await runToEnd(t, 'node', [file]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'greetings/hello: world (QoS 1)\n');
});
