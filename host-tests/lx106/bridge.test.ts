// The bridge on its own, with a scripted device on the other ends of the FIFOs: frames split
// anywhere, connect/data/close both ways, exactly one closed frame per connection, refusal,
// the network switched off, cuts.
import test from 'ava';
import { once } from 'node:events';
import { constants, openSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { join } from 'node:path';
import { Bridge } from '../../src/node/bridge/bridge.js';
import { encodeFrame, FrameKind, FrameReader, type Frame } from '../../src/node/bridge/protocol.js';

test('FrameReader gives the same frames whatever the chunking', (t) => {
  const frames = [encodeFrame(FrameKind.Connect, 3, Buffer.from([0x07, 0x5b, 127, 0, 0, 1])), encodeFrame(FrameKind.Data, 3, Buffer.alloc(300, 9)), encodeFrame(FrameKind.Close, 3)];
  const all = Buffer.concat(frames);
  for (let step = 1; step <= all.length; step += 7) {
    const r = new FrameReader();
    const got: Frame[] = [];
    for (let off = 0; off < all.length; off += step) got.push(...r.push(all.subarray(off, off + step)));
    t.deepEqual(got.map((f) => [f.kind, f.socket, f.payload.length]), [[1, 3, 6], [2, 3, 300], [3, 3, 0]], `step ${step}`);
  }
});

/** The device's side of a bridge's FIFO pair. */
function fakeDevice(t: import('ava').ExecutionContext, bridge: Bridge) {
  const flags = constants.O_RDWR | constants.O_NONBLOCK;
  const rx = new Socket({ fd: openSync(join(bridge.dir, 'to_dev'), flags), readable: true, writable: false });
  const tx = new Socket({ fd: openSync(join(bridge.dir, 'from_dev'), flags), readable: false, writable: true });
  t.teardown(() => { rx.destroy(); tx.destroy(); });
  const reader = new FrameReader();
  const queue: Frame[] = [];
  let wake: (() => void) | undefined;
  rx.on('data', (d: Buffer) => { for (const f of reader.push(d)) queue.push({ ...f, payload: Buffer.from(f.payload) }); wake?.(); });
  return {
    send(kind: FrameKind, id: number, payload?: Uint8Array) { tx.write(encodeFrame(kind, id, payload)); },
    async next(): Promise<Frame> {
      while (queue.length === 0) await new Promise<void>((res) => { wake = res; });
      return queue.shift()!;
    },
    pending: () => queue.length,
  };
}

async function server(t: import('ava').ExecutionContext, onConn: (s: Socket) => void): Promise<{ srv: Server; port: number }> {
  const srv = createServer((s) => { s.on('error', () => {}); onConn(s); });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.teardown(() => srv.close());
  return { srv, port: (srv.address() as { port: number }).port };
}

const connectTo = (port: number) => Buffer.from([port >> 8, port & 255, 127, 0, 0, 1]);

test('connect, data both ways, device close answered by one closed frame', async (t) => {
  const peers: Socket[] = [];
  const { port } = await server(t, (s) => { peers.push(s); s.pipe(s); });
  const bridge = new Bridge();
  t.teardown(() => bridge.close());
  const dev = fakeDevice(t, bridge);
  dev.send(FrameKind.Connect, 2, connectTo(port));
  t.like(await dev.next(), { kind: FrameKind.Connected, socket: 2 });
  dev.send(FrameKind.Data, 2, Buffer.from('hello'));
  const echo = await dev.next();
  t.like(echo, { kind: FrameKind.DataIn, socket: 2 });
  t.is(echo.payload.toString(), 'hello');
  dev.send(FrameKind.Close, 2);
  const closed = await dev.next();
  t.like(closed, { kind: FrameKind.Closed, socket: 2 });
  t.is(closed.payload[0], 0);
  await once(peers[0], 'close');
  t.is(bridge.openConnections, 0);
  t.is(dev.pending(), 0, 'nothing more for that connection');
});

test('a peer close is one closed frame; a close from the device after it gets no second one', async (t) => {
  const { port } = await server(t, (s) => s.end());
  const bridge = new Bridge();
  t.teardown(() => bridge.close());
  const dev = fakeDevice(t, bridge);
  dev.send(FrameKind.Connect, 0, connectTo(port));
  t.like(await dev.next(), { kind: FrameKind.Connected, socket: 0 });
  t.like(await dev.next(), { kind: FrameKind.Closed, socket: 0 });
  dev.send(FrameKind.Close, 0);
  // A connect after it proves the close was handled and that no closed frame came between.
  dev.send(FrameKind.Connect, 0, connectTo(port));
  t.like(await dev.next(), { kind: FrameKind.Connected, socket: 0 });
});

test('refused, network down, and cuts', async (t) => {
  const { srv, port } = await server(t, () => {});
  const bridge = new Bridge();
  t.teardown(() => bridge.close());
  const dev = fakeDevice(t, bridge);
  bridge.setNetwork(false);
  dev.send(FrameKind.Connect, 1, connectTo(port));
  const down = await dev.next();
  t.like(down, { kind: FrameKind.Closed, socket: 1 });
  t.is(down.payload[0], 1);
  bridge.setNetwork(true);
  dev.send(FrameKind.Connect, 1, connectTo(port));
  t.like(await dev.next(), { kind: FrameKind.Connected, socket: 1 });
  bridge.cut('reset');
  const cut = await dev.next();
  t.like(cut, { kind: FrameKind.Closed, socket: 1 });
  t.is(cut.payload[0], 2);
  srv.close();
  await once(srv, 'close');
  dev.send(FrameKind.Connect, 4, connectTo(port));
  const refused = await dev.next();
  t.like(refused, { kind: FrameKind.Closed, socket: 4 });
  t.is(refused.payload[0], 1);
  t.is(bridge.stats.refused, 2);
});
