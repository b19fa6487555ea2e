// The pcapng writer: its blocks byte for byte on a small case (expected bytes computed apart,
// with Python's struct and RFC 1071 checksums), and Wireshark's own reader (tshark) decoding
// MQTT from a capture of a real broker session.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipv4, writePcapng } from '../../src/console/pcapng.js';
import { startBroker } from '../../src/broker/index.js';
import { client } from '../broker/helpers.js';

const EXPECTED =
  '0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c00000001000000' +
  '1400000065000000000000001400000006000000480000000000000000000000' +
  '40420f0028000000280000004500002800014000400626cd0a0000020a000001' +
  'c000075b000003e8000000005002ffffd09c0000480000000600000048000000' +
  '000000000000000040420f0028000000280000004500002800024000400626cc' +
  '0a0000010a000002075bc00000001388000003e95012ffffbd03000048000000' +
  '0600000048000000000000000000000040420f00280000002800000045000028' +
  '00034000400626cb0a0000020a000001c000075b000003e9000013895010ffff' +
  'bd04000048000000060000004c000000000000000000000028460f002a000000' +
  '2a0000004500002a00044000400626c80a0000020a000001c000075b000003e9' +
  '000013895018fffffcf90000c00000004c000000060000004c00000000000000' +
  '00000000104a0f002a0000002a0000004500002a00054000400626c70a000001' +
  '0a000002075bc00000001389000003eb5018ffffecf70000d00000004c000000';

test('a PINGREQ and PINGRESP make SHB, IDB (LINKTYPE_RAW), the handshake and two data segments, byte for byte', (t) => {
  const file = writePcapng([{
    clientIp: ipv4('10.0.0.2', 0), clientPort: 49152, serverIp: ipv4('10.0.0.1', 0), serverPort: 1883, openedAt: 1000,
    chunks: [
      { at: 1001, fromClient: true, data: Uint8Array.of(0xc0, 0x00) },
      { at: 1002, fromClient: false, data: Uint8Array.of(0xd0, 0x00) },
    ],
  }]);
  t.is(file.length, 416);
  t.is(Buffer.from(file).toString('hex'), EXPECTED);
});

test('ipv4 reads dotted and IPv4-mapped addresses, and falls back otherwise', (t) => {
  t.is(ipv4('127.0.0.1', 0), 0x7f000001);
  t.is(ipv4('::ffff:10.1.2.3', 0), 0x0a010203);
  t.is(ipv4('::1', 7), 7);
});

function hasTshark(): boolean {
  return spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
}

test('tshark decodes MQTT from the console capture of a QoS 1 and a QoS 2 exchange', async (t) => {
  if (!hasTshark()) {
    t.log('SKIP: tshark is not installed (apt-get install tshark)');
    t.pass();
    return;
  }
  const b = await startBroker({ port: 0, sysInterval: 0 });
  t.teardown(() => b.close());
  const { Recorder } = await import('../../src/console/recorder.js');
  const rec = new Recorder(b.broker);
  t.teardown(() => rec.stop());
  const c = await client(t, b.port, { clientId: 'cap-1', protocolVersion: 5 });
  await c.publishAsync('cap/a', 'one', { qos: 1 });
  await c.publishAsync('cap/b', 'two', { qos: 2 });
  await c.endAsync();
  const file = join(mkdtempSync(join(tmpdir(), 'xsmqtt-pcapng-')), 'cap-1.pcapng');
  writeFileSync(file, writePcapng(rec.capture.streamsOf('cap-1')));
  const out = execFileSync('tshark', ['-r', file, '-Y', 'mqtt', '-T', 'fields', '-e', 'mqtt.msgtype', '-e', 'mqtt.topic', '-e', 'mqtt.msgid'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const rows = out.trim().split('\n').map((l) => l.split('\t'));
  // CONNECT, CONNACK, PUBLISH q1, PUBACK, PUBLISH q2, PUBREC, PUBREL, PUBCOMP, DISCONNECT
  t.deepEqual(rows.map((r) => r[0]), ['1', '2', '3', '4', '3', '5', '6', '7', '14'], out);
  t.deepEqual(rows.filter((r) => r[0] === '3').map((r) => r[1]), ['cap/a', 'cap/b']);
});
