// The example sensor application: deterministic readings, telemetry format, commands.
import test from 'ava';
import { SimulatedSensor, Reading } from '../../src/core/app/sensor.js';
import { AppConfig, SensorApp } from '../../src/core/app/app.js';
import { SessionOptions } from '../../src/core/session/options.js';
import { writeCenti, writeInt, parseUint } from '../../src/core/app/format.js';

test('the simulated sensor is deterministic for a seed, and differs between seeds', (t) => {
  const a = new SimulatedSensor(42);
  const b = new SimulatedSensor(42);
  const c = new SimulatedSensor(43);
  const ra = new Reading();
  const rb = new Reading();
  const rc = new Reading();
  let differs = false;
  for (let i = 0; i < 200; i++) {
    a.read(i, ra);
    b.read(i, rb);
    c.read(i, rc);
    t.deepEqual([ra.temperature, ra.humidity, ra.battery], [rb.temperature, rb.humidity, rb.battery]);
    if (ra.temperature !== rc.temperature) differs = true;
    t.true(ra.humidity >= -5 && ra.humidity <= 10005);
  }
  t.true(differs);
  t.is(ra.battery, 98);
});

test('numbers are written as ASCII without strings', (t) => {
  const b = new Uint8Array(16);
  const dec = (n: number): string => Buffer.from(b.subarray(0, n)).toString();
  t.is(dec(writeInt(b, 0, 0)), '0');
  t.is(dec(writeInt(b, 0, -1234)), '-1234');
  t.is(dec(writeCenti(b, 0, 2153)), '21.53');
  t.is(dec(writeCenti(b, 0, -5)), '-0.05');
  t.is(writeInt(new Uint8Array(2), 0, 123), -1);
  const s = Buffer.from(' 5000');
  t.is(parseUint(s, 0, s.length), 5000);
  t.is(parseUint(Buffer.from('5x'), 0, 2), -1);
});

test('telemetry is JSON and padded to payloadBytes', (t) => {
  const cfg = new AppConfig();
  cfg.deviceId = 'dev-7';
  cfg.payloadBytes = 120;
  const app = new SensorApp(new SessionOptions(), cfg, new SimulatedSensor(7), { schedule: () => undefined, reboot: () => undefined });
  const r = new Reading();
  r.temperature = 2153;
  r.humidity = 4012;
  r.battery = 97;
  app.seq = 11;
  const n = app.formatReading(r);
  t.is(n, 120);
  const text = Buffer.from(app.payload.subarray(0, n)).toString();
  t.deepEqual(JSON.parse(text), { id: 'dev-7', seq: 11, t: 21.53, h: 40.12, b: 97 });
  // The will is the retained offline status.
  t.is(Buffer.from(app.session.opts.willTopic!).toString(), 'devices/dev-7/status');
  t.true(app.session.opts.willRetain);
});
