// Failover on the device code in the real XS engine: the example sensor app with mc/config
// `servers` skips a dead first server, and when its broker dies moves to the next one, with
// its telemetry acknowledged there. The same core ServerList as the Node client.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/index.js';
import { freePort } from '../peers/proc.js';
import { bundle, ROOT, startXs, XS_BIN } from './helpers.js';

const SENSOR = join(ROOT, 'build/moddable/targets/moddable/sensor.js');

test.before(() => {
  if (!existsSync(XS_BIN) || !existsSync(SENSOR)) throw new Error('run make xs-prereqs (make test does)');
});

test('the sensor app with servers: skips a dead server, then moves on when its broker dies', async (t) => {
  const dead = await freePort();
  const first = await startBroker({ port: 0, sysInterval: 0 });
  t.teardown(() => first.close());
  const second = await startBroker({ port: 0, sysInterval: 0 });
  t.teardown(() => second.close());
  const servers = [`127.0.0.1:${dead}`, `127.0.0.1:${first.port}`, `127.0.0.1:${second.port}`].join(',');
  const contents = `import Timer from 'timer';
import { SensorDevice, sensorConfig } from ${JSON.stringify(SENSOR)};
export default function main() {
  const app = new SensorDevice(sensorConfig({ servers: ${JSON.stringify(servers)}, clientId: 'xs-failover-${process.pid}', version: 5 }, 'host', 5, 50));
  app.start();
  let port = -1;
  let acked = -1;
  Timer.repeat(function () {
    const now = app.app.connected ? app.transport.port : -1;
    if (now !== port || acked !== app.app.acked) {
      port = now;
      acked = app.app.acked;
      print('AT ' + JSON.stringify({ port: now, acked: app.app.acked }));
    }
  }, 10);
}
`;
  const b = await bundle(contents);
  t.teardown(() => b.cleanup());
  const xs = startXs(b.file);
  t.teardown(() => xs.stop());
  const points = (): { port: number; acked: number }[] => xs.stdout().split('\n').filter((l) => l.startsWith('AT ')).map((l) => JSON.parse(l.slice(3)));
  const reach = async (cond: (p: { port: number; acked: number }) => boolean, what: string): Promise<{ port: number; acked: number }> => {
    for (let waited = 0; waited < 10000; waited += 20) {
      const hit = points().find(cond);
      if (hit !== undefined) return hit;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${what} not reached:\n${xs.stdout().slice(-2000)}\n${xs.stderr()}`);
  };
  const onFirst = await reach((p) => p.port === first.port && p.acked >= 3, 'telemetry acknowledged by the first broker');
  await first.close();
  const moved = await reach((p) => p.port === second.port, 'a connection to the second broker');
  const later = await reach((p) => p.port === second.port && p.acked >= moved.acked + 3, 'telemetry acknowledged by the second broker');
  t.log(`first broker: ${onFirst.acked} acknowledged; second: from ${moved.acked} to ${later.acked}`);
  t.is(points().find((p) => p.port >= 0)?.port, first.port, 'the first connection went to the second server listed (the first is dead)');
});
