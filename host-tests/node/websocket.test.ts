// ws:// and wss:// against aedes behind a `ws` server on loopback, and against the companion
// broker's WebSocket listener.
import test from 'ava';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { connectAsync, type ClientOptions } from '../../src/node/index.js';
import { startBroker } from '../../src/broker/index.js';
import { makeCerts, type Certs } from './certs.js';
import { next } from './helpers.js';

interface WsBroker { port: number; paths: string[]; close(): Promise<void> }

async function startAedesWs(secure: Certs | null): Promise<WsBroker> {
  const aedes = await Aedes.createBroker();
  const http: Server = secure === null
    ? createHttp()
    : createHttps({ cert: readFileSync(secure.serverCert), key: readFileSync(secure.serverKey) });
  const paths: string[] = [];
  const wss = new WebSocketServer({ server: http, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  wss.on('connection', (ws, req) => {
    paths.push(`${req.url} ${ws.protocol}`);
    aedes.handle(createWebSocketStream(ws) as never);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    paths,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

async function roundTrip(t: import('ava').ExecutionContext, url: string, options: ClientOptions): Promise<void> {
  const c = await connectAsync(url, options);
  t.teardown(() => c.endAsync(true));
  const msg = next<[string, Buffer, { qos: number }]>(c, 'message');
  await c.subscribeAsync('ws/test', { qos: 1 });
  await c.publishAsync('ws/test', Buffer.alloc(3000, 7), { qos: 1 });
  const [topic, payload, info] = await msg;
  t.is(topic, 'ws/test');
  t.deepEqual(payload, Buffer.alloc(3000, 7));
  t.is(info.qos, 1);
  await c.endAsync();
}

let certs: Certs;
test.before(() => { certs = makeCerts(); });
test.after.always(() => { certs?.remove(); });

test('ws:// to aedes behind a ws server, subprotocol mqtt, path /mqtt by default', async (t) => {
  const b = await startAedesWs(null);
  t.teardown(() => b.close());
  await roundTrip(t, `ws://127.0.0.1:${b.port}`, {});
  t.deepEqual(b.paths, ['/mqtt mqtt']);
});

test('wss:// to aedes behind a TLS ws server, with the CA; a wrong CA is refused', async (t) => {
  const b = await startAedesWs(certs);
  t.teardown(() => b.close());
  await roundTrip(t, `wss://127.0.0.1:${b.port}/custom`, { ca: readFileSync(certs.ca) });
  t.deepEqual(b.paths, ['/custom mqtt']);
  const err = await t.throwsAsync(connectAsync(`wss://127.0.0.1:${b.port}`, { ca: readFileSync(certs.otherCa) }));
  t.regex(err!.message, /certificate/i);
});

for (const version of [4, 5] as const) {
  test(`v${version}: ws:// to the companion broker's WebSocket listener`, async (t) => {
    const b = await startBroker({ port: null, wsPort: 0 });
    t.teardown(() => b.close());
    await roundTrip(t, `ws://127.0.0.1:${b.wsPort}/mqtt`, { protocolVersion: version });
  });
}
