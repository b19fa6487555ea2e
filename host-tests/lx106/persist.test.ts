// Power loss on the emulated ESP8266: the device's store (targets/moddable/flash-store.ts) over
// the runtime's file-backed `flash`, its partition a host file read and written through
// semihosting. The cases of host-tests/xs/persist: cuts after every step and inside writes
// within one run; the runtime cutting the power in the middle of an erase or a write
// (--flash-cut) and a new boot that finds every message; journal writes that allocate nothing.
// The device's own code runs in the esp8266 profile; the step-by-step scenario needs esp32's,
// as its scripted broker and recording handler alone outgrow 32 KiB (on the host runtime too).
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLx106, type Lx106Exit } from '../../src/node/bridge/emulator.js';
import type { DeviceBundle } from '../../src/node/bridge/bundle.js';
import { bundle, ROOT, runXs, XS_BIN } from '../xs/helpers.js';
import { FLASH_MODULE, persistEntry } from '../xs/persist-entry.js';
import { lastJson, requireLx106 } from './helpers.js';

const FLASH_STORE = join(ROOT, 'build/moddable/targets/moddable/flash-store.js');
const PARTITION = 16384;

test.before(() => {
  requireLx106();
  if (!existsSync(FLASH_STORE) || !existsSync(XS_BIN)) throw new Error('run make xs-prereqs (make test does)');
});

type Teardown = { teardown(fn: () => void): void };

/** A blank partition file (erased flash). */
function partition(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-lx106-flash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'session.bin');
  writeFileSync(file, Buffer.alloc(PARTITION, 0xff));
  return file;
}

/** Lines of stdout that start with `prefix`, the prefix taken off. */
function tagged(stdout: string, prefix: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

/** Device bundles by body: a boot repeated with other arguments reuses its bundle. */
const bundles = new Map<string, Promise<DeviceBundle>>();
test.after.always(async () => {
  for (const b of bundles.values()) (await b).cleanup();
});

/**
 * Runs `body` on the emulated ESP8266 (deviceBundle) with the runtime's `args`. `flash`,
 * built into a device's firmware, is preloaded with the library: only the test's own code is
 * charged to the profile's budget.
 */
async function onLx106(t: Teardown, body: string, args: string[], profile = 'esp8266', timeoutMs = 60000): Promise<Lx106Exit> {
  const b = await deviceBundle(body);
  const device = startLx106({ bundle: b.file, preload: b.preload, profile, stats: true, bridge: false, args, timeoutMs });
  t.teardown(() => device.stop());
  return device.exited;
}

/** A device program: `body` after the flash store over partition `session` is made. */
function deviceBundle(body: string): Promise<DeviceBundle> {
  let made = bundles.get(body);
  if (made === undefined) {
    const entry = persistEntry(body);
    made = bundle(entry, false, { flash: FLASH_MODULE }, [FLASH_MODULE]);
    bundles.set(body, made);
  }
  return made;
}

/** The application's high-water in the profile's budget, from the runtime's --stats report. */
function highWater(stderr: string): number {
  const m = /# xs budget: profile \w+, application high-water (\d+) of/.exec(stderr);
  return m ? Number(m[1]) : NaN;
}

test('the flash module on the emulated ESP8266 does what the host runtime\'s does: block-rounded size, writes only clear bits, erase, bounds, a cut keeps the first bytes', async (t) => {
  // Spends 4 + 4 bytes, an erase (4096), then a write of 8 that the cut leaves 3 bytes of.
  const body = `import Flash from 'flash';
const f = new Flash('session');
const out = [f.byteLength, f.blockSize];
f.write(10, 4, Uint8Array.of(0x0f, 0xf0, 0x00, 0xff));
f.write(10, 4, Uint8Array.of(0x3c, 0x3c, 0xff, 0x00));
out.push(Array.from(new Uint8Array(f.read(8, 8))));
f.erase(0);
out.push(Array.from(new Uint8Array(f.read(8, 8))));
try { f.read(f.byteLength - 2, 4); out.push('read past the end'); } catch (e) { out.push(e.name); }
print('FLASH ' + JSON.stringify(out));
f.write(4096 + 5, 8, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
print('NOT CUT');`;
  const runs: { code: number | null; stdout: string; image: Buffer }[] = [];
  for (const where of ['lx106', 'xs']) {
    const file = partition(t);
    writeFileSync(file, Buffer.alloc(PARTITION + 100, 0xff));
    const args = ['--flash', `session=${file}`, '--flash-cut', String(4 + 4 + 4096 + 3)];
    const r = where === 'lx106' ? await onLx106(t, body, args) : await runXs((await deviceBundle(body)).file, 'esp8266', 60000, args);
    runs.push({ code: r.code, stdout: r.stdout, image: readFileSync(file) });
  }
  const [lx, xs] = runs;
  t.is(lx.code, 5, lx.stdout);
  t.deepEqual(lastJson(lx.stdout, 'FLASH '), [PARTITION, 4096, [255, 255, 0x0c, 0x30, 0, 0, 255, 255], [255, 255, 255, 255, 255, 255, 255, 255], 'RangeError']);
  t.false(lx.stdout.includes('NOT CUT'));
  t.deepEqual([...lx.image.subarray(4096, 4096 + 16)], [255, 255, 255, 255, 255, 1, 2, 3, 255, 255, 255, 255, 255, 255, 255, 255]);
  t.is(lx.image.length, PARTITION + 100);
  t.is(xs.code, lx.code);
  t.is(tagged(xs.stdout, 'FLASH ')[0], tagged(lx.stdout, 'FLASH ')[0]);
  t.true(xs.image.equals(lx.image));
});

test('power cut after every step and inside writes, on the flash store on the emulated ESP8266 (esp32 profile): nothing accepted lost, QoS 2 once', async (t) => {
  const file = partition(t);
  const started = Date.now();
  const r = await onLx106(t, `print('CUTS ' + JSON.stringify(cutsOnStore(store, 421)));`, ['--flash', `session=${file}`], 'esp32', 120000);
  t.is(r.code, 0, r.stdout + r.stderr);
  const o = lastJson(r.stdout, 'CUTS ');
  t.log(`${o.runs} runs: ${o.steps} steps, ${o.written} bytes written per run; ${o.restored} cuts restored state, ${o.torn} fell inside a write; ${Date.now() - started} ms, high-water ${highWater(r.stderr)} bytes`);
  t.deepEqual(o.failures, []);
  t.true(o.restored > o.steps / 2);
  t.true(o.torn > 20);
});

test('the runtime cuts the power inside a flash erase or write on the emulated ESP8266 (esp8266 profile): the next boot holds every message whose publish returned', async (t) => {
  const file = partition(t);
  const args = ['--flash', `session=${file}`];
  const started = Date.now();
  // Life 1 stores 6 messages; life 2 restores them (a compaction: erase, snapshot) and
  // publishes 6 more, cut at a byte spread over all it writes; life 3 must hold every one.
  // Each cut starts from the partition as life 1 left it (a copy: life 1 is deterministic).
  let peak = 0;
  const run = async (body: string, more: string[] = []): Promise<Lx106Exit> => {
    const r = await onLx106(t, body, [...args, ...more]);
    if (r.code === 0) peak = Math.max(peak, highWater(r.stderr));
    return r;
  };
  writeFileSync(file, Buffer.alloc(PARTITION, 0xff));
  const first = await run(`offlinePublisher(store, 1, 6, print);`);
  t.is(first.code, 0, first.stdout + first.stderr);
  const before = tagged(first.stdout, 'ACC ');
  t.is(before.length, 6);
  const life1 = readFileSync(file);
  const full = await run(`offlinePublisher(store, 2, 6, print);`);
  t.is(full.code, 0, full.stdout + full.stderr);
  const total = Number(/DONE (\d+)/.exec(full.stdout)![1]);
  const boot = Number(/BOOT (\d+)/.exec(full.stdout)![1]);
  t.true(boot > 8192 && total > boot, `${boot} bytes to restore, ${total} in all`);
  // Cuts in the restore (erase, snapshot records, header) and in the publishes.
  const cuts = [1, 4096, 8191, 8192 + 7, boot - 9, boot - 1];
  for (let i = 0; i < 9; i++) cuts.push(boot + Math.floor(((total - boot) * i) / 9) + (i % 4));
  let cutsInside = 0;
  for (const cut of cuts) {
    writeFileSync(file, life1);
    const a = await run(`offlinePublisher(store, 2, 6, print);`, ['--flash-cut', String(cut)]);
    t.is(a.code, 5, `cut at ${cut}: ${a.stdout}${a.stderr}`);
    t.false(a.stdout.includes('DONE'));
    const accepted = tagged(a.stdout, 'ACC ');
    const b = await run(`offlinePublisher(store, 3, 0, print);`);
    t.is(b.code, 0, b.stdout + b.stderr);
    const held = tagged(b.stdout, 'HAS ');
    for (const p of [...before, ...accepted]) t.true(held.includes(p), `cut at ${cut}: ${p} accepted, not restored (held ${held.join(',')})`);
    for (const p of held) t.regex(p, /^[12]:\d$/, `cut at ${cut}: only messages published`);
    t.is(new Set(held).size, held.length, `cut at ${cut}: a message held twice`);
    t.false(b.stdout.includes('BAD'));
    if (accepted.length > 0) cutsInside++;
  }
  t.log(`${cuts.length} cuts (${cutsInside} after some publish of life 2 had returned), ${2 + 2 * cuts.length} boots in ${Date.now() - started} ms; high-water ${peak} bytes`);
  t.true(cutsInside >= 6, `${cutsInside} cuts after some publish of life 2 had returned`);
});

test('journal writes allocate nothing on the emulated ESP8266 (esp8266 profile): 600 publish/PUBACK cycles on the flash store', async (t) => {
  const file = partition(t);
  const r = await onLx106(t, `print('ALLOC ' + JSON.stringify(journalAllocation(store, 600)));`, ['--flash', `session=${file}`]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const o = lastJson(r.stdout, 'ALLOC ');
  t.log(`${o.records} records, ${o.snapshots} snapshots: ${o.slots} slots, ${o.chunks} chunk bytes, ${o.collections} collections; high-water ${highWater(r.stderr)} bytes`);
  t.true(o.records >= 3 * 600 - o.snapshots);
  t.true(o.snapshots > 5);
  t.deepEqual([o.slots, o.chunks, o.collections], [0, 0, 0]);
});
