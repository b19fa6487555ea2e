// The emulated device's TCP: embedded:io/socket/tcp inside XS on lx106, carried by the FIFO
// link to the bridge and on to a real TCP server on the host. Connect, echo, refusal,
// reconnect after the bridge cuts the link (reset), and silence after a silent cut.
import test from 'ava';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { requireLx106, runOnLx106 } from './helpers.js';
import { startLx106 } from '../../src/node/bridge/emulator.js';
import { bundle } from '../xs/helpers.js';

test.before(() => requireLx106());

async function echoServer(t: import('ava').ExecutionContext): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => { sockets.push(s); s.on('error', () => {}); s.pipe(s); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => { for (const s of sockets) s.destroy(); server.close(); });
  return { server, port: (server.address() as { port: number }).port, sockets };
}

// Device side: connects, sends `count` bytes in one write, expects them back, prints a line.
const echoDevice = (port: number, count: number, then: string) => `
  import TCP from 'embedded:io/socket/tcp';
  let sent = false, got = 0, sum = 0;
  const out = new Uint8Array(${count});
  for (let i = 0; i < out.length; i++) out[i] = (i * 7) & 255;
  const socket = new TCP({ address: '127.0.0.1', port: ${port},
    onWritable(n) { if (!sent) { sent = true; this.write(out.buffer); } },
    onReadable(n) {
      const b = new Uint8Array(this.read());
      for (let i = 0; i < b.length; i++) { if (b[i] !== ((got + i) * 7 & 255)) { print('mismatch at ' + (got + i)); __xsHost.exit(6); } }
      got += b.length;
      if (got === out.length) { print('echoed ' + got); this.close(); ${then} }
    },
    onError() { print('error after ' + got); __xsHost.exit(5); } });
`;

test('the device connects through the bridge and 3000 bytes come back intact', async (t) => {
  const { port } = await echoServer(t);
  const r = await runOnLx106(t, echoDevice(port, 3000, '__xsHost.exit(0);'), { bridge: {}, timeoutMs: 60000 });
  t.is(r.code, 0, r.stderr + r.stdout);
  t.is(r.stdout, 'echoed 3000\n');
});

test('a refused connection is an error on the device', async (t) => {
  const { server, port } = await echoServer(t);
  server.close();
  await once(server, 'close');
  const r = await runOnLx106(t, echoDevice(port, 10, '__xsHost.exit(0);'), { bridge: {}, timeoutMs: 60000 });
  t.is(r.code, 5, r.stderr);
  t.is(r.stdout, 'error after 0\n');
});

test('the bridge follows the device: a reset cut is an error on the device, which reconnects; a silent cut says nothing', async (t) => {
  const { port, sockets } = await echoServer(t);
  const b = await bundle(`
    import TCP from 'embedded:io/socket/tcp';
    import Timer from 'timer';
    let round = 0;
    function open() {
      round++;
      new TCP({ address: '127.0.0.1', port: ${port},
        onWritable() { if (!this.said) { this.said = true; this.write(Uint8Array.of(round).buffer); } },
        onReadable() { const v = new Uint8Array(this.read())[0]; print('round ' + v + ' echoed'); },
        onError() { print('round ' + round + ' error'); this.close(); if (round < 2) open(); else { print('done'); __xsHost.exit(0); } } });
    }
    open();
  `);
  t.teardown(b.cleanup);
  const lines: string[] = [];
  let waiter: ((l: string) => void) | undefined;
  const device = startLx106({ bundle: b.file, preload: b.preload, bridge: {}, timeoutMs: 60000, onLine: (l) => { lines.push(l); waiter?.(l); } });
  t.teardown(() => device.stop());
  const line = (want: string) => new Promise<void>((res) => {
    if (lines.includes(want)) return res();
    waiter = (l) => { if (l === want) res(); };
  });
  await line('round 1 echoed');
  device.bridge!.cut('reset');
  await line('round 2 echoed');
  t.is(device.bridge!.stats.connects, 2);
  t.is(device.bridge!.openConnections, 1);
  // A silent cut: the server side goes away and the device hears nothing.
  device.bridge!.cut('silent');
  t.is(device.bridge!.openConnections, 0);
  t.true(sockets.length >= 2);
  // Proving an absence needs a wait: 300 ms of wall time is thousands of emulated poll slices.
  await new Promise((res) => setTimeout(res, 300));
  t.deepEqual(lines, ['round 1 echoed', 'round 1 error', 'round 2 echoed']);
  device.stop();
  await device.exited;
});

test('a socket number is reused only after the bridge confirms the close: no late frame reaches the next connection', async (t) => {
  // The server closes each connection as soon as it is accepted, while the device closes it
  // too and opens the next one on the same number: 30 rounds, each must connect cleanly.
  const server = createServer((s) => { s.on('error', () => {}); s.end(); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const r = await runOnLx106(t, `
    import TCP from 'embedded:io/socket/tcp';
    let round = 0, opened = 0, refused = 0;
    function next() {
      if (++round > 30) { print('opened ' + opened + ' refused ' + refused); __xsHost.exit(0); return; }
      new TCP({ address: '127.0.0.1', port: ${port},
        onWritable() { if (!this.counted) { this.counted = true; opened++; this.close(); next(); } },
        onError() { if (!this.counted) refused++; this.close(); next(); } });
    }
    next();
  `, { bridge: {}, timeoutMs: 60000 });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'opened 30 refused 0\n');
});
