// The fleet and the embedded broker on one simulated clock: a seeded run of a few simulated
// hours gives the same event log byte for byte, and the events the scenario provokes happen.
import test from 'ava';
import { runVirtual, virtualDefaults, VirtualOptions, VirtualSummary } from '../../src/node/sim/virtual-time.js';

const HOURS = 4;

function scenario(seed: number): VirtualOptions {
  const o = virtualDefaults(20, HOURS * 3600000, seed);
  // Enough of each kind among 20 devices: naps long enough for commands to expire, deaths early enough for sessions to expire.
  o.dead = 0.15;
  o.nappers = 0.2;
  o.napMs = 20 * 60000;
  o.sessionExpiry = 1800;
  o.commandEvery = 10 * 60000;
  o.commandExpiry = 60;
  return o;
}

function run(seed: number): { s: VirtualSummary; log: string[] } {
  const log: string[] = [];
  const o = scenario(seed);
  o.onEvent = (line) => { log.push(line); };
  return { s: runVirtual(o), log };
}

const a = run(7);

test('the same seed gives the same event log, byte for byte', (t) => {
  const b = run(7);
  t.true(a.log.length > 1000, `events ${a.log.length}`);
  t.is(b.log.length, a.log.length);
  t.is(b.log.join('\n'), a.log.join('\n'));
  t.deepEqual({ ...b.s, wallMs: 0 }, { ...a.s, wallMs: 0 });
  t.is(a.s.simulatedMs, HOURS * 3600000);
});

test('another seed gives another log', (t) => {
  t.not(run(8).log.join('\n'), a.log.join('\n'));
});

test('an idle device sends PINGREQ one keep alive (60 s) after its last packet', (t) => {
  const last = new Map<string, number>();
  let pings = 0;
  let onTime = 0;
  for (const line of a.log) {
    const sp = line.indexOf(' ');
    if (line[sp + 1] !== '{') continue;
    const at = Number(line.slice(0, sp));
    const r = JSON.parse(line.slice(sp + 1)) as { client: string; dir: string; type: string };
    if (r.dir !== 'in') continue;
    if (r.type === 'CONNECT') last.delete(r.client);
    else if (r.type === 'PINGREQ') {
      pings++;
      const prev = last.get(r.client);
      if (prev !== undefined) {
        t.true(at - prev <= 60000, `${r.client} pinged ${at - prev} ms after its previous packet`);
        if (at - prev === 60000) onTime++;
      }
    }
    last.set(r.client, at);
  }
  t.is(pings, a.s.pingreqs);
  // 20 devices over 4 h with telemetry every 5 min: about 4 pings in each 5 min.
  t.true(pings > 20 * HOURS * 40, `pings ${pings}`);
  t.true(onTime / pings > 0.9, `${onTime} of ${pings} exactly 60 s after the previous packet`);
});

test('after the broker restart every device reconnects, spread by back-off jitter', (t) => {
  const r = a.s.restart;
  if (r === null) return t.fail('no restart happened');
  t.true(r.dropped > 0);
  t.is(r.back, r.dropped);
  t.true(r.allBackMs >= r.upAt - r.restartAt, `all back ${r.allBackMs} ms`);
  t.true(r.spread.max > r.spread.min, `spread ${JSON.stringify(r.spread)}`);
  t.true(r.peakPerSecond >= 1);
  const up = a.log.findIndex((l) => l.includes('sim up'));
  t.true(up > 0);
  t.true(a.log.slice(up).some((l) => l.includes('"type":"CONNACK","rc":0')));
});

test('a device that died has its session expire; commands to a napping device expire', (t) => {
  t.true(a.s.sessionsExpired >= 1, `sessions expired ${a.s.sessionsExpired}`);
  t.true(a.log.some((l) => l.endsWith('session expired')));
  t.true(a.s.messagesExpired >= 1, `messages expired ${a.s.messagesExpired}`);
  t.true(a.log.some((l) => l.includes('"why":"expired"')));
  t.is(a.s.acked, a.s.out);
  t.is(a.s.failed, 0);
});

test('one sample per simulated second; the samples add up to the totals', (t) => {
  const o = scenario(3);
  o.durationMs = 3600000;
  const samples: { t: number; outPerSec: number; inPerSec: number }[] = [];
  o.onSample = (s) => { samples.push(s); };
  const s = runVirtual(o);
  t.is(samples.length, 3600);
  t.deepEqual(samples.slice(0, 3).map((x) => x.t), [1, 2, 3]);
  t.is(samples.reduce((n, x) => n + x.outPerSec, 0), s.out);
  t.is(samples.reduce((n, x) => n + x.inPerSec, 0), s.acked);
});
