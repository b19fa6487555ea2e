// The reusable peer launchers: loopback only, free ports, and nothing left running after stop.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { startAedes } from './aedes.js';
import { startMosquitto } from './mosquitto.js';
import { startProcess } from './proc.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Running, and not a zombie waiting for a parent that does not reap (PID 1 in a container). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

for (const [name, start] of [['mosquitto', startMosquitto], ['aedes', startAedes]] as const) {
  test(`${name} listens on a free loopback port and is gone after stop()`, async (t) => {
    const b = await start();
    t.teardown(() => b.stop());
    t.is(b.host, '127.0.0.1');
    t.true(b.port > 0);
    t.true(await canConnect(b.port));
    await b.stop();
    t.false(await canConnect(b.port));
  });
}

test('stop() ends the whole process group, children included', async (t) => {
  const p = startProcess('sh', ['-c', 'sleep 30 & echo child=$!; wait']);
  t.teardown(() => p.kill());
  await p.waitFor(/child=\d+/, 5000);
  const child = Number(/child=(\d+)/.exec(p.output())![1]);
  t.true(alive(child));
  await p.stop(2000);
  // The group was signalled; the orphaned sleep is reaped by init, so poll briefly.
  for (let i = 0; i < 50 && alive(child); i++) await new Promise((r) => setTimeout(r, 20));
  t.false(alive(child));
});
