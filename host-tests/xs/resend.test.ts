// Reconnect with resend, the device client inside XS: a proxy between it and mosquitto holds
// back everything the broker sends after CONNACK, so the client's QoS 1 messages stay
// unacknowledged; once the broker has them, the proxy cuts the connection. The client must
// reconnect on its persistent session, send the same messages again with DUP set, and see
// every one acknowledged.
import test from 'ava';
import net from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto } from '../peers/mosquitto.js';
import { bundle, ROOT, startXs } from './helpers.js';
import { frameLength } from '../session/packets.js';

const CHECK = join(ROOT, 'build/moddable/targets/moddable/check/resend.js');
const COUNT = 6;

/** First bytes of each whole packet in a byte stream. */
function packetHeads(data: Buffer): number[] {
  const heads: number[] = [];
  let pos = 0;
  while (pos < data.length) {
    const total = frameLength(data, pos, data.length);
    if (total === 0) break;
    heads.push(data[pos]);
    pos += total;
  }
  return heads;
}

for (const version of [4, 5]) {
  test(`MQTT ${version === 5 ? '5' : '3.1.1'}: unacknowledged QoS 1 messages are sent again with DUP after a reconnect`, async (t) => {
    const broker = await startMosquitto();
    t.teardown(() => broker.stop());
    const topic = `xsmqtt/resend-${version}-${process.pid}`;

    // The proxy: connection 1 forwards the broker's first chunk (CONNACK) and holds the rest.
    const sockets: net.Socket[] = [];
    const fromClient: Buffer[] = [];
    let connections = 0;
    const proxy = net.createServer((client) => {
      const n = ++connections;
      const upstream = net.connect(broker.port, '127.0.0.1');
      sockets.push(client, upstream);
      fromClient[n] = Buffer.alloc(0);
      let forwarded = 0;
      client.on('data', (d) => { fromClient[n] = Buffer.concat([fromClient[n], d]); upstream.write(d); });
      upstream.on('data', (d) => { if (n > 1 || forwarded++ === 0) client.write(d); });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    t.teardown(() => { for (const s of sockets) s.destroy(); proxy.close(); });
    const port = (proxy.address() as net.AddressInfo).port;

    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: version as 4 | 5, reconnectPeriod: 0 });
    t.teardown(() => sub.end(true));
    const got: string[] = [];
    let haveAll: () => void = () => {};
    const all = new Promise<void>((r) => { haveAll = r; });
    sub.on('message', (_topic, payload) => { got.push(payload.toString()); if (new Set(got).size === COUNT) haveAll(); });
    await sub.subscribeAsync(topic, { qos: 1 });

    const config = { broker: '127.0.0.1', port, version, clientId: `resend-${version}-${process.pid}`, topic, count: COUNT };
    const b = await bundle(`import { Resend } from ${JSON.stringify(CHECK)};\nexport default function main() { new Resend(${JSON.stringify(config)}).start(); }\n`);
    t.teardown(() => b.cleanup());
    const xs = startXs(b.file, 'esp32');
    t.teardown(() => xs.stop());

    const timeout = new Promise<never>((_, reject) => { setTimeout(() => reject(new Error(`subscriber got ${got.join(',')}\n${xs.stdout()}`)), 10000).unref(); });
    await Promise.race([all, timeout]);
    t.false(xs.stdout().includes('ACKED'), 'nothing acknowledged while the proxy holds the acks');
    for (const s of sockets.splice(0)) s.destroy();   // cut connection 1

    await xs.waitFor(`ACKED ${COUNT}`, 10000);
    t.true(xs.stdout().includes('CONNECTED 2'));
    t.false(xs.stdout().includes('FAIL'), xs.stdout());
    const resent = packetHeads(fromClient[2] ?? Buffer.alloc(0)).filter((h) => h >> 4 === 3);
    t.is(resent.length, COUNT, 'every message sent again');
    t.true(resent.every((h) => (h & 0x08) !== 0 && ((h >> 1) & 3) === 1), 'with DUP set, QoS 1');
  });
}
