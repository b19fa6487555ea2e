// mosquitto_pub and mosquitto_sub (3.1.1 and 5.0) against the in-process broker: retained
// messages, QoS 2, wills, and v5 properties.
import test, { ExecutionContext } from 'ava';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { broker, client, collect } from './helpers.js';

const run = promisify(execFile);

/** mosquitto_sub until it has `count` messages; resolves with its stdout. */
function sub(t: ExecutionContext, args: string[]): Promise<string> {
  const child = spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mosquitto_sub timed out with '${out}'`)), 8000);
    child.once('close', () => { clearTimeout(timer); resolve(out); });
  });
}

for (const v of ['mqttv311', 'mqttv5']) {
  test(`${v}: mosquitto_pub -r then mosquitto_sub gets the retained message; QoS 2 end to end`, async (t) => {
    const b = await broker(t);
    const p = String(b.port);
    await run('mosquitto_pub', ['-p', p, '-V', v, '-t', 'mc/retained', '-m', 'kept', '-r', '-q', '1'], { timeout: 5000 });
    t.is(await sub(t, ['-p', p, '-V', v, '-t', 'mc/#', '-C', '1', '-v', '-q', '2']), 'mc/retained kept\n');
    const live = sub(t, ['-p', p, '-V', v, '-t', 'mc/q2', '-C', '1', '-q', '2', '-i', `q2-${v}`]);
    for (let i = 0; i < 100 && !b.broker.sessions.get(`q2-${v}`)?.subs.size; i++) await new Promise((r) => setTimeout(r, 20));
    await run('mosquitto_pub', ['-p', p, '-V', v, '-t', 'mc/q2', '-m', 'exactly once', '-q', '2'], { timeout: 5000 });
    t.is(await live, 'exactly once\n');
  });

  test(`${v}: mosquitto_sub's will is published when it is killed`, async (t) => {
    const b = await broker(t);
    const watcher = await client(t, b.port, { protocolVersion: 5 });
    const got = collect(watcher);
    await watcher.subscribeAsync('mcw/#');
    const child = spawn('mosquitto_sub', ['-p', String(b.port), '-V', v, '-i', `dying-${v}`, '-t', 'nothing', '--will-topic', 'mcw/dying', '--will-payload', 'gone'], { stdio: 'ignore' });
    t.teardown(() => { child.kill('SIGKILL'); });
    for (let i = 0; i < 200 && !b.broker.sessions.get(`dying-${v}`)?.subs.size; i++) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    const [m] = await got.take(1, 5000);
    t.is(m.topic, 'mcw/dying');
    t.is(m.payload, 'gone');
  });
}

test('mqttv5: mosquitto_pub user properties and content type reach mosquitto_sub', async (t) => {
  const b = await broker(t);
  const p = String(b.port);
  const out = sub(t, ['-p', p, '-V', 'mqttv5', '-t', 'mp/x', '-C', '1', '-F', '%P %C %p', '-i', 'props-sub']);
  for (let i = 0; i < 100 && !b.broker.sessions.get('props-sub')?.subs.size; i++) await new Promise((r) => setTimeout(r, 20));
  await run('mosquitto_pub', ['-p', p, '-V', 'mqttv5', '-t', 'mp/x', '-m', 'body', '-D', 'publish', 'user-property', 'k', 'v', '-D', 'publish', 'content-type', 'text/x'], { timeout: 5000 });
  t.is(await out, 'k:v text/x body\n');
});
