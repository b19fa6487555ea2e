// The footprint job on xsmqtt's device client (npm run footprint:moddable's headline row), run
// once on Moddable's lin runtime: its figures are sane and its round trips allocate nothing.
// The bench's parser refuses a FOOTPRINT line it cannot trust.
import test from 'ava';
import { app } from './apps.js';
import { linMissing } from './lin.js';
import { allocPerRoundTrip, deviceBytes, HEADLINE, parseFootprint, parseParts, runJob } from './footprint-moddable.js';

const GOOD = {
  client: 'x', roundTrips: 200, warmup: 8, payload: 32, errors: 0,
  base: { slotBytes: 6752, chunkBytes: 24, keys: 1, modules: 1 },
  load: { slotBytes: 0, chunkBytes: 0, keys: 0, modules: 0 },
  job: { slotBytes: 12704, chunkBytes: 1984, keys: 0 },
  window: { slotBytes: 0, chunkBytes: 0 },
};

test('the parser reads a FOOTPRINT line among the runtime\'s output and rejects a malformed one', (t) => {
  const f = parseFootprint(`instruments: 0,0\nFOOTPRINT ${JSON.stringify(GOOD)}\n`);
  t.is(deviceBytes(f.job), (12704 / 32) * 16 + 1984);
  t.throws(() => parseFootprint('instruments: 0,0\n'), { message: /expected one line, found 0/ });
  t.throws(() => parseFootprint(`FOOTPRINT ${JSON.stringify(GOOD).slice(0, -1)}\n`), { message: /not JSON/ });
  t.throws(() => parseFootprint(`FOOTPRINT ${JSON.stringify({ ...GOOD, job: { slotBytes: 100, chunkBytes: 0 } })}\n`), { message: /whole number of 32-byte slots/ });
  t.throws(() => parseFootprint(`FOOTPRINT ${JSON.stringify({ ...GOOD, window: { slotBytes: 0 } })}\n`), { message: /window\.chunkBytes/ });
  t.throws(() => parseFootprint(`FOOTPRINT ${JSON.stringify({ ...GOOD, roundTrips: 0 })}\n`), { message: /no round trips/ });
  t.throws(() => parseFootprint(`FOOTPRINT ${JSON.stringify(GOOD)}\nFOOTPRINT ${JSON.stringify(GOOD)}\n`), { message: /found 2/ });
});

test('the parts parser reads PART lines and rejects none or a malformed one', (t) => {
  const parts = parseParts('instruments: 0,0\nPART {"name":"Session","slots":192,"chunks":1320,"per":""}\nPART {"name":"inflight","slots":0,"chunks":44,"per":"message"}\n');
  t.deepEqual(parts.map((p) => [p.name, p.slots, p.chunks, p.per]), [['Session', 192, 1320, ''], ['inflight', 0, 44, 'message']]);
  t.throws(() => parseParts('instruments: 0,0\n'), { message: /no lines/ });
  t.throws(() => parseParts('PART {"name":"Session","slots":"192","chunks":0,"per":""}\n'), { message: /malformed/ });
});

test('xsmqtt\'s device client does the footprint job (MQTT 3.1.1, 200 QoS 1 round trips) from preloaded modules and allocates 0 bytes per round trip', async (t) => {
  const a = app(HEADLINE);
  const missing = linMissing(a);
  if (missing !== null) return t.fail(missing);
  const f = await runJob(a, 60);
  t.is(f.client, 'xsmqtt');
  t.is(f.roundTrips, 200);
  t.is(f.errors, 0);
  t.is(f.load.modules, 0, 'every module the job loads is preloaded');
  const growth = deviceBytes(f.job);
  t.true(growth > 1024 && growth < 32768, `job growth ${growth} B`);
  t.is(f.window.slotBytes, 0, 'slots allocated over the round trips');
  t.is(f.window.chunkBytes, 0, 'chunk bytes allocated over the round trips');
  t.is(allocPerRoundTrip(f), 0);
});
