// Where the device client's RAM goes (targets/moddable/check/parts.ts), measured in the host XS
// runtime at the footprint job's capacities: the same figures npm run footprint:moddable prints
// from Moddable's lin runtime. Buffers cost their bytes and no objects; a message slot costs
// typed-array entries, not objects; the session's objects stay under a ceiling (a ratchet: lower
// it when a cut lands, never raise it without a reason in the commit).
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseParts, type Part } from '../moddable/footprint-moddable.js';
import { ROOT, runInXs, XS_BIN } from './helpers.js';

const BREAKDOWN = join(ROOT, 'build/moddable/targets/moddable/check/breakdown-xs.js');
/** Slots of a session at the job's capacities (192 measured), and of the whole client (225). */
const SESSION_SLOTS_CEILING = 200;
const CLIENT_SLOTS_CEILING = 235;

test.before(() => {
  if (!existsSync(XS_BIN) || !existsSync(BREAKDOWN)) throw new Error('run make xs-prereqs (make test does)');
});

test('the parts of a device client and what each capacity costs, in the host XS runtime', async (t) => {
  const r = await runInXs(`import { breakdown } from ${JSON.stringify(BREAKDOWN)};\nexport default function main() { breakdown(); }\n`, 'esp32', 60000);
  t.is(r.code, 0, r.stdout + r.stderr);
  const parts = parseParts(r.stdout);
  const find = (name: string): Part => {
    const p = parts.find((x) => x.name.startsWith(name));
    if (p === undefined) throw new Error(`no PART ${name}`);
    return p;
  };
  for (const name of ['storeBytes', 'receiveBufferSize', 'sendBufferSize', 'subscriptionBytes']) {
    const p = find(name);
    t.deepEqual([p.slots, p.chunks], [0, 1], `${name}: one byte per byte, no objects`);
  }
  for (const name of ['inflight', 'queueCount']) {
    const p = find(name);
    t.is(p.slots, 0, `${name}: no objects per message`);
    t.true(p.chunks > 0 && p.chunks <= 44, `${name}: ${p.chunks} B per message`);
  }
  const session = find('Session (');
  const client = find('Driver (');
  t.log(`session ${session.slots} slots + ${session.chunks} chunk B; client ${client.slots} slots + ${client.chunks} chunk B`);
  t.true(session.slots > 0 && session.slots <= SESSION_SLOTS_CEILING, `session ${session.slots} slots`);
  t.true(client.slots > session.slots && client.slots <= CLIENT_SLOTS_CEILING, `client ${client.slots} slots`);
});
