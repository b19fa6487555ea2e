// The README's snippets, run as written: the Node example against mosquitto (only the broker's
// port changed), the shell snippets with the built CLI, the manifest lines against the guide's app.
import test from 'ava';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../peers/mosquitto.js';
import { freePort, waitForPort } from '../peers/proc.js';
import { CLI, REPO, run, runToEnd } from './helpers.js';

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

/** The README's shell blocks marked readme-run, as lines of words (single quotes kept together). */
function runBlocks(readme: string): string[][][] {
  const blocks: string[][][] = [];
  for (const m of readme.matchAll(/<!-- readme-run[^>]*-->\n```sh\n([\s\S]*?)```/g)) {
    blocks.push(m[1].trim().split('\n').map((line) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2])));
  }
  return blocks;
}

test('the README shell snippets run as written (npx xsmqtt is the built CLI, the broker on a free port)', async (t) => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = runBlocks(readme);
  t.is(blocks.length, 2, 'the simulator and the broker snippets');
  const port = String(await freePort());
  for (const block of blocks) {
    let last: { code: number | string; stdout: string; stderr: string } | null = null;
    for (const words of block) {
      t.deepEqual(words.slice(0, 2), ['npx', 'xsmqtt'], words.join(' '));
      const args = words.slice(2).map((w) => (w === '1884' ? port : w));
      if (args[args.length - 1] === '&') {
        run(t, 'node', [CLI, ...args.slice(0, -1)]);
        await waitForPort(Number(port), 10000);
        continue;
      }
      last = await runToEnd(t, 'node', [CLI, ...args], undefined, 60000);
      t.is(last.code, 0, `${words.join(' ')}\n${last.stderr}`);
    }
    if (block[0][2] === 'sim') t.regex(last!.stdout, /devices 50\/50/);
    else t.is(last!.stdout, 'greetings/hello world\n');
  }
});

test('the README manifest lines are those of the guide app that host-tests/moddable builds and runs', (t) => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const guide = readFileSync(join(REPO, 'docs', 'moddable.md'), 'utf8');
  const snippet = /<!-- guide-snippet[^>]*-->\n```json\n([\s\S]*?)```/.exec(readme);
  const manifest = /```json file=guide\/manifest.json\n([\s\S]*?)```/.exec(guide);
  t.truthy(snippet);
  t.truthy(manifest);
  for (const line of snippet![1].split('\n').filter((l) => l.trim() !== '')) t.true(manifest![1].includes(line), line);
});
