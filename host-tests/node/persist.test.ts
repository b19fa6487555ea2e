// A process killed at random points loses nothing: a publisher with its session in a file
// (host-tests/node/persist-child.ts) gets SIGKILL 20 times while publishing QoS 1 and 2 to the
// companion broker, and restarts on the same file each time. A subscriber at QoS 2 counts:
// every message whose publish() had returned arrives, every QoS 2 message exactly once.
// Also the file store's cost: bytes per publish and the time of one durable write.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../../src/broker/index.js';
import { connectAsync } from '../../src/node/client.js';
import { FileSessionStore } from '../../src/node/file-store.js';
import { SessionJournal, journalSize } from '../../src/core/session/journal.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { Session } from '../../src/core/session/session.js';
import type { SessionHandler } from '../../src/core/session/handler.js';

const CHILD = fileURLToPath(new URL('./persist-child.js', import.meta.url));
const KILLS = 20;

interface Run { accepted: string[]; stdout: string; code: number | null; signal: string | null }

/** Runs the publisher; kills it `killAfter` ms after it is connected (null: lets it finish, within 60 s). */
function runChild(port: number, file: string, run: number, count: number, killAfter: number | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, String(port), file, String(run), String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!armed && killAfter !== null && out.includes('READY')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfter);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (code !== 0 && signal !== 'SIGKILL') return reject(new Error(`child exited ${code}: ${err}`));
      const accepted = out.split('\n').filter((l) => l.startsWith('ACC ')).map((l) => l.slice(4));
      resolve({ accepted, stdout: out, code, signal });
    });
  });
}

test('SIGKILL at 20 random points while publishing QoS 1/2: every accepted message arrives, QoS 2 exactly once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-persist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broker = await startBroker({ port: 0 });
  t.teardown(() => broker.close());
  const sub = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'persist-counter', reconnectPeriod: 0 });
  t.teardown(() => sub.endAsync());
  const got = new Map<string, number>();
  sub.on('message', (_topic: string, payload: Buffer) => {
    const s = payload.toString();
    got.set(s, (got.get(s) ?? 0) + 1);
  });
  await sub.subscribeAsync('persist/#', { qos: 2 });

  const file = join(dir, 'session.bin');
  const accepted: string[] = [];
  let restoredRuns = 0;
  // Kill delays from a fixed sequence (reproducible), 30 to 400 ms after CONNACK.
  let seed = 12345;
  for (let run = 0; run < KILLS; run++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const r = await runChild(broker.port, file, run, 100000, 30 + (seed % 370));
    t.is(r.signal, 'SIGKILL', `run ${run} was killed`);
    accepted.push(...r.accepted);
    const restored = /RESTORED (\d+) (\d+)/.exec(r.stdout);
    if (restored !== null && Number(restored[1]) + Number(restored[2]) > 0) restoredRuns++;
  }
  // A last run publishes nothing new and exits once what is left is acknowledged.
  const last = await runChild(broker.port, file, KILLS, 0, null);
  t.is(last.code, 0, last.stdout);
  t.true(last.stdout.includes('EMPTY'));
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && accepted.some((p) => !got.has(p))) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 300));

  const lost = accepted.filter((p) => !got.has(p));
  const doubled = [...got].filter(([p, n]) => p.endsWith(':2') && n > 1);
  t.log(`${accepted.length} accepted over ${KILLS} kills, ${restoredRuns} restarts found messages in the file, ${got.size} distinct received, ` +
    `${[...got.values()].filter((n) => n > 1).length} QoS 1 duplicates`);
  t.true(accepted.length > KILLS * 5, `${accepted.length} accepted`);
  t.true(restoredRuns >= KILLS / 2, `${restoredRuns} restarts restored messages`);
  t.deepEqual(lost, []);
  t.deepEqual(doubled, []);
});

const NOBODY: SessionHandler = {
  onConnect(): void {}, onPublishDone(): void {}, onMessage(): void {}, onSubscribe(): void {}, onUnsubscribe(): void {}, onClose(): void {},
};

test('file store figures: bytes journaled per publish and the time of one fdatasync-ed write', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-persist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const opts = new SessionOptions();
  opts.clientId = utf8('figures');
  opts.cleanStart = false;
  const store = new FileSessionStore(join(dir, 's.bin'), { size: journalSize(opts, 4096) * 4 });
  t.teardown(() => store.close());
  const journal = new SessionJournal(store, opts);
  opts.persistence = journal;
  const session = new Session(opts, NOBODY, null);
  // Offline: each publish is stored (one record with its bytes) and queued.
  const topic = utf8('sensors/room1/temperature');
  const payload = new Uint8Array(32);
  const before = journal.bytesWritten;
  const records = journal.recordsWritten;
  const start = process.hrtime.bigint();
  const N = 8;
  for (let i = 0; i < N; i++) t.true(session.publish(topic, 0, topic.length, payload, 0, payload.length, 1, false) > 0);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.is(journal.recordsWritten - records, N);
  const perPublish = (journal.bytesWritten - before) / N;
  // Header and checksum (28 B) around the PUBLISH (2 + 2 + 25 + 2 + 1 + 32 B).
  t.is(perPublish, 28 + 64);
  t.log(`store record ${perPublish} B per QoS 1 publish (+28 B when sent with its id, +28 B at PUBACK; QoS 2 +28 B at PUBREC); ` +
    `${(ms / N).toFixed(2)} ms per fdatasync-ed write`);
});
