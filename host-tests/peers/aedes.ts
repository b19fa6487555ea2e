// aedes (npm) in this process, behind a net server on a free loopback port.
import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { LOOPBACK, type RunningBroker } from './proc.js';

export async function startAedes(): Promise<RunningBroker> {
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((s) => { sockets.add(s); s.once('close', () => sockets.delete(s)); broker.handle(s); });
  let log = '';
  broker.on('clientError', (_c, err) => { log += `clientError ${err.message}\n`; });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, LOOPBACK, () => resolve()); });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    name: 'aedes', host: LOOPBACK, port,
    log: () => log,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

