// Persistence inside XS, on the device's store (targets/moddable/flash-store.ts) over the host
// runtime's file-backed `flash` (targets/xs/modules/flash.js): the power-cut scenario of
// host-tests/session; a publisher whose process the runtime kills in the middle of a flash
// write (--flash-cut) and a second process that finds every accepted message; and journal
// writes that allocate nothing.
import test from 'ava';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, lastJson, ROOT, runXs, XS_BIN } from './helpers.js';
import { FLASH_MODULE, persistEntry } from './persist-entry.js';

const FLASH_STORE = join(ROOT, 'build/moddable/targets/moddable/flash-store.js');
const PARTITION = 16384;

test.before(() => {
  if (!existsSync(XS_BIN) || !existsSync(FLASH_STORE)) throw new Error('run make xs-prereqs (make test does)');
});

/** A blank partition file (erased flash). */
function partition(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-flash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'session.bin');
  writeFileSync(file, Buffer.alloc(PARTITION, 0xff));
  return file;
}

async function inXs(t: { teardown(fn: () => void): void }, body: string, args: string[], timeoutMs = 120000) {
  const entry = persistEntry(body);
  const b = await bundle(entry, false, { flash: FLASH_MODULE });
  t.teardown(() => b.cleanup());
  return runXs(b.file, 'host', timeoutMs, args);
}

test('power cut after every step and inside writes, on the flash store in XS: nothing accepted lost, QoS 2 once', async (t) => {
  const file = partition(t);
  const r = await inXs(t, `print('CUTS ' + JSON.stringify(cutsOnStore(store, 23)));`, ['--flash', `session=${file}`]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const o = lastJson(r.stdout, 'CUTS ');
  t.log(`${o.runs} runs: ${o.steps} steps, ${o.written} bytes written per run; ${o.restored} cuts restored state, ${o.torn} fell inside a write`);
  t.deepEqual(o.failures, []);
  t.true(o.restored > o.steps / 2);
  t.true(o.torn > 20);
});

test('the runtime cuts the power inside a flash erase or write: the next process holds every message whose publish returned', async (t) => {
  const file = partition(t);
  const args = ['--flash', `session=${file}`];
  // Life 1 stores 6 messages; life 2 restores them (a compaction: erase, snapshot) and
  // publishes 6 more, cut at a byte spread over all it writes; life 3 must hold every one.
  const lifeOne = (): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    writeFileSync(file, Buffer.alloc(PARTITION, 0xff));
    return inXs(t, `offlinePublisher(store, 1, 6, print);`, args);
  };
  const first = await lifeOne();
  t.is(first.code, 0, first.stderr);
  const before = first.stdout.split('\n').filter((l) => l.startsWith('ACC ')).map((l) => l.slice(4));
  t.is(before.length, 6);
  const full = await inXs(t, `offlinePublisher(store, 2, 6, print);`, args);
  const total = Number(/DONE (\d+)/.exec(full.stdout)![1]);
  const boot = Number(/BOOT (\d+)/.exec(full.stdout)![1]);
  t.true(boot > 8192 && total > boot, `${boot} bytes to restore, ${total} in all`);
  // Cuts in the restore (erase, snapshot records, header) and in the publishes.
  const cuts = [1, 4096, 8191, 8192 + 7, boot - 9, boot - 1];
  for (let i = 0; i < 9; i++) cuts.push(boot + Math.floor(((total - boot) * i) / 9) + (i % 4));
  let cutsInside = 0;
  for (const cut of cuts) {
    t.is((await lifeOne()).code, 0);
    const a = await inXs(t, `offlinePublisher(store, 2, 6, print);`, [...args, '--flash-cut', String(cut)]);
    t.is(a.code, 5, `cut at ${cut}: ${a.stdout}${a.stderr}`);
    t.false(a.stdout.includes('DONE'));
    const accepted = a.stdout.split('\n').filter((l) => l.startsWith('ACC ')).map((l) => l.slice(4));
    const b = await inXs(t, `offlinePublisher(store, 3, 0, print);`, args);
    t.is(b.code, 0, b.stderr);
    const held = b.stdout.split('\n').filter((l) => l.startsWith('HAS ')).map((l) => l.slice(4));
    for (const p of [...before, ...accepted]) t.true(held.includes(p), `cut at ${cut}: ${p} accepted, not restored (held ${held.join(',')})`);
    for (const p of held) t.regex(p, /^[12]:\d$/, `cut at ${cut}: only messages published`);
    t.false(b.stdout.includes('BAD'));
    if (accepted.length > 0) cutsInside++;
  }
  t.true(cutsInside >= 6, `${cutsInside} cuts after some publish of life 2 had returned`);
});

test('journal writes allocate nothing in XS: 2,000 publish/PUBACK cycles on the flash store (3 records each, with compactions)', async (t) => {
  const file = partition(t);
  const r = await inXs(t, `print('ALLOC ' + JSON.stringify(journalAllocation(store, 2000)));`, ['--flash', `session=${file}`]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const o = lastJson(r.stdout, 'ALLOC ');
  t.log(`${o.records} records, ${o.snapshots} snapshots: ${o.slots} slots, ${o.chunks} chunk bytes, ${o.collections} collections`);
  t.true(o.records >= 3 * 2000 - o.snapshots);
  t.true(o.snapshots > 5);
  t.deepEqual([o.slots, o.chunks, o.collections], [0, 0, 0]);
});
