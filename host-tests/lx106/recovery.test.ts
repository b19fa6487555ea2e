// The emulated device recovers from a dead broker (the bridge resets the connection) and from
// a dead network (the bridge drops it silently: only keep alive can tell), reconnecting by
// itself through the driver's back-off.
import test from 'ava';
import { startBroker } from '../../src/broker/index.js';
import { bundleDevice } from '../../src/node/bridge/bundle.js';
import { startLx106 } from '../../src/node/bridge/emulator.js';
import { requireLx106 } from './helpers.js';

test.before(() => requireLx106());

test('after a reset cut and after a silent cut (keep-alive timeout 0x8D) the device reconnects', async (t) => {
  const broker = await startBroker({ port: 0, host: '127.0.0.1', sysInterval: 0 });
  t.teardown(() => broker.close());
  const config = { broker: '127.0.0.1', port: broker.port, clientId: `lx106-recovery-${process.pid}`, keepAlive: 1 };
  const b = await bundleDevice(`import { Recovery } from './targets/lx106/app/recovery.ts';\nexport default function main() { new Recovery(${JSON.stringify(config)}); }\n`);
  t.teardown(b.cleanup);
  const lines: string[] = [];
  let waiting: { want: string; resolve: () => void } | undefined;
  const device = startLx106({
    bundle: b.file, preload: b.preload, profile: 'esp32', timeoutMs: 60000,
    onLine: (l) => { lines.push(l); if (waiting && l === waiting.want) waiting.resolve(); },
  });
  t.teardown(() => device.stop());
  const line = (want: string) => new Promise<void>((resolve, reject) => {
    if (lines.includes(want)) return resolve();
    waiting = { want, resolve };
    void device.exited.then((r) => reject(new Error(`device exited (${r.code}) before "${want}":\n${r.stdout}\n${r.stderr}`)));
  });
  await line('CONNECTED 1 0');
  device.bridge!.cut('reset');
  await line('CONNECTED 2 0');
  device.bridge!.cut('silent');
  await line('CONNECTED 3 0');
  t.deepEqual(lines, ['CONNECTED 1 0', 'CLOSED 0', 'CONNECTED 2 0', `CLOSED ${0x8d}`, 'CONNECTED 3 0']);
  t.is(device.bridge!.stats.connects, 3);
});
