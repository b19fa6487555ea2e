// `xsmqtt grade`, the device report card, on real clients: xsmqtt's, MQTT.js, Paho Python,
// mosquitto_sub and a deliberately bad one. One grade at a time: the reconnect checks time
// the client, and two cores are shared.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import type { Outcome, ReportCard } from '../../src/node/grade/verdict.js';
import { BAD_CLIENT, CLI, grade, PEERS, type Peer } from './peers.js';

const GRADE_MS = 150000;

function outcome(card: ReportCard, id: string): Outcome {
  const v = card.verdicts.find((x) => x.id === id);
  if (v === undefined) throw new Error(`no check ${id}`);
  return v.outcome;
}

function reason(card: ReportCard, id: string): string {
  return card.verdicts.find((x) => x.id === id)?.reason ?? '';
}

function peer(name: string): Peer {
  return PEERS.find((p) => p.name.startsWith(name))!;
}

/** Grades the peer, or logs SKIP with the reason when it is missing here: null. */
async function gradePeer(t: ExecutionContext, name: string): Promise<ReportCard | null> {
  t.timeout(GRADE_MS);
  const p = peer(name);
  if (p.missing() !== '') {
    t.log(`SKIP: ${p.missing()}`);
    t.pass();
    return null;
  }
  const r = await grade(p);
  t.log(r.out);
  return r.card;
}

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, 'grade', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

test('bad flags: one line on stderr and exit 2', async (t) => {
  for (const args of [['--port', 'x', '--', 'true'], ['--bogus'], [], ['--wait', '--', 'true'], ['--refusals', '1', '--wait']]) {
    const r = await cli(args);
    t.is(r.code, 2, args.join(' '));
    t.is(r.err.trimEnd().split('\n').length, 1, r.err);
  }
});

test('--wait with no client: every check not exercised, exit 1', async (t) => {
  const r = await cli(['--port', '0', '--wait', '--connect-wait', '1']);
  t.is(r.code, 1);
  t.regex(r.out, /passed 0, failed 0, not exercised 10/);
});

test.serial("xsmqtt's Node client: back-off with jitter, resubscribe, QoS 2 exactly once, keep alive, limits, will, clean DISCONNECT", async (t) => {
  t.timeout(GRADE_MS);
  const r = await grade(peer('xsmqtt'));
  t.log(r.out);
  const c = r.card;
  for (const id of ['reconnect', 'resubscribe', 'qos2-exactly-once', 'keep-alive', 'receive-maximum', 'topic-alias-maximum', 'will', 'clean-disconnect']) {
    t.is(outcome(c, id), 'pass', `${id}: ${reason(c, id)}`);
  }
  // A clean session: nothing to resend (MQTT-4.4.0-1 binds kept sessions).
  t.is(outcome(c, 'resend'), 'not exercised');
  // JUnit: one testcase per check, failures counted.
  t.is((r.junit.match(/<testcase /g) ?? []).length, 10);
  t.regex(r.junit, new RegExp(`failures="${c.verdicts.filter((v) => v.outcome === 'fail').length}"`));
});

test.serial('MQTT.js: a fixed 1 s reconnect period fails the back-off check; QoS 2 is delivered once', async (t) => {
  t.timeout(GRADE_MS);
  const r = await grade(peer('MQTT.js'));
  t.log(r.out);
  t.is(outcome(r.card, 'reconnect'), 'fail');
  t.regex(reason(r.card, 'reconnect'), /fixed period|no back-off/);
  t.is(outcome(r.card, 'qos2-exactly-once'), 'pass', reason(r.card, 'qos2-exactly-once'));
  t.is(outcome(r.card, 'will'), 'pass');
  t.is(r.code, 1);
});

test.serial('mosquitto_sub: a duplicated QoS 2 PUBLISH is printed twice; no will; nothing published to resend', async (t) => {
  const card = await gradePeer(t, 'mosquitto_sub');
  if (card === null) return;
  t.is(outcome(card, 'qos2-exactly-once'), 'fail');
  t.regex(reason(card, 'qos2-exactly-once'), /delivered more than once/);
  t.is(outcome(card, 'will'), 'fail');
  t.is(outcome(card, 'resend'), 'not exercised');
  t.is(outcome(card, 'keep-alive'), 'pass');
});

test.serial('Paho Python: exponential back-off without jitter fails; the unacknowledged QoS 1 is resent with DUP', async (t) => {
  const card = await gradePeer(t, 'Paho');
  if (card === null) return;
  t.is(outcome(card, 'reconnect'), 'fail');
  t.regex(reason(card, 'reconnect'), /without jitter/);
  t.is(outcome(card, 'resend'), 'pass', reason(card, 'resend'));
  t.is(outcome(card, 'qos2-exactly-once'), 'pass', reason(card, 'qos2-exactly-once'));
});

test.serial('a bad client (fixed 500 ms reconnects, no PINGREQ, no will) fails those checks, with the evidence', async (t) => {
  t.timeout(GRADE_MS);
  const r = await grade(BAD_CLIENT);
  t.log(r.out);
  t.is(outcome(r.card, 'reconnect'), 'fail');
  t.regex(reason(r.card, 'reconnect'), /fixed period|no back-off/);
  t.is(outcome(r.card, 'keep-alive'), 'fail');
  t.regex(reason(r.card, 'keep-alive'), /without a packet, keep alive 1 s/);
  t.is(outcome(r.card, 'will'), 'fail');
  t.true(r.card.verdicts.find((v) => v.id === 'reconnect')!.evidence.some((l) => /FAULT close/.test(l)));
  t.not(outcome(r.card, 'clean-disconnect'), 'pass');
  t.is(r.code, 1);
  t.regex(r.out, /^evidence:$/m);
});
