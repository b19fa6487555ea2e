// The checks of the report card, each judged from the broker's trace of the client (see
// observe.ts) and what the script did to it (Facts).
import { evidence, Observation, SeenConnection, SeenPacket } from './observe.js';
import { Verdict, verdict } from './verdict.js';

/** What the grading script did, for the checks to judge against. */
export interface Facts {
  /** The drop, the attempts turned away after it, and the attempt let through (0: none came). */
  reconnect: { droppedAt: number; attempts: number[]; acceptedAt: number } | { notExercised: string };
  /** Longest wait for each reconnect attempt, ms; attempts turned away. */
  reconnectWaitMs: number;
  refusals: number;
  qos2: { topic: string; tokens: string[]; at: number; maxQos: number } | { notExercised: string };
  resend: { n: number; id: number; qos: number } | { notExercised: string };
  /**
   * Receive Maximum and Topic Alias Maximum told from connection `n` on, Maximum Packet Size
   * from `sizeN` on (0: not told), none of them from `restoredN` on.
   */
  limits: { n: number; sizeN: number; restoredN: number; receiveMaximum: number; maxPacketSize: number; topicAliasMaximum: number; notExercised: string };
  /** When the client was asked to stop (0: it was not). */
  stopAt: number;
  /** The client's own output (command mode), or null. */
  output: string | null;
  /** How the run ended: the client was asked to stop, stopped on its own, or had gone. */
  end: 'signalled' | 'waited' | 'gone';
}

/** Delays below this after a dropped connection are a reconnect storm. */
const STORM_MS = 100;
/** Delays that fit one fixed schedule to within this are without jitter (timer noise aside). */
const JITTER_TOLERANCE = 0.03;
const NOISE_MS = 40;

export function judgeReconnect(obs: Observation, f: Facts): Verdict {
  if ('notExercised' in f.reconnect) return verdict('reconnect', 'not exercised', f.reconnect.notExercised);
  const r = f.reconnect;
  const times = [r.droppedAt, ...r.attempts, ...(r.acceptedAt > 0 ? [r.acceptedAt] : [])];
  const delays = times.slice(1).map((t, i) => t - times[i]);
  const lines = delays.map((d, i) => `attempt ${i + 1}: ${d} ms after the ${i === 0 ? 'drop' : 'attempt before'}${i < r.attempts.length ? ' (turned away)' : ' (let through)'}`);
  lines.push(...obs.faults.filter((l) => / close #\d+ /.test(l)).slice(0, 1));
  const list = delays.join(', ') + ' ms';
  if (delays.length === 0 && f.end === 'gone') return verdict('reconnect', 'fail', 'the client exited when its connection was dropped, instead of reconnecting', lines);
  if (delays.length === 0) return verdict('reconnect', 'fail', `did not reconnect within ${(f.reconnectWaitMs / 1000).toFixed(0)} s of being dropped`, lines);
  if (r.acceptedAt === 0 && r.attempts.length < f.refusals) {
    return verdict('reconnect', 'fail', `gave up after ${r.attempts.length} failed attempts (${list})`, lines);
  }
  if (delays.some((d) => d < STORM_MS)) return verdict('reconnect', 'fail', `a reconnect storm: attempts within ${STORM_MS} ms (${list})`, lines);
  if (delays.length < 3) return verdict('reconnect', 'not exercised', `only ${delays.length} attempts seen (${list})`, lines);
  if (fitsSchedule(delays, 1)) return verdict('reconnect', 'fail', `a fixed period without jitter (${list})`, lines);
  const n = delays.length;
  if (Math.max(delays[n - 1], delays[n - 2]) < 1.5 * Math.min(delays[0], delays[1])) {
    return verdict('reconnect', 'fail', `no back-off: the delay does not grow over failed attempts (${list})`, lines);
  }
  const growth = delays[1] / delays[0];
  if (fitsSchedule(delays, growth)) return verdict('reconnect', 'fail', `back-off without jitter: each delay ${growth.toFixed(2)}x the last (${list})`, lines);
  return verdict('reconnect', 'pass', `back-off with jitter over ${r.attempts.length} failed attempts (${list})`, lines);
}

/**
 * Whether the delays follow one fixed schedule, delays[0] * growth^k up to a cap, to within the
 * tolerance, with at least two delays as evidence. The delays that set the schedule (the first,
 * and the second when growth was read from it) and the first one at the cap fit any schedule,
 * so they prove nothing: with them alone a jittered client fits by chance about one time in ten.
 */
function fitsSchedule(delays: number[], growth: number): boolean {
  const near = (d: number, want: number): boolean => Math.abs(d - want) <= Math.max(JITTER_TOLERANCE * want, NOISE_MS);
  const cap = Math.max(...delays);
  const fixed = growth === 1 ? 1 : 2;
  let evidence = 0;
  let capped = false;
  for (let k = 0; k < delays.length; k++) {
    const d = delays[k];
    const want = delays[0] * growth ** k;
    if (near(d, want)) {
      if (k >= fixed) evidence++;
    } else if (d < want && near(d, cap)) {
      if (capped) evidence++;
      capped = true;
    } else {
      return false;
    }
  }
  return evidence >= 2;
}

/** Filters the client subscribed to on connection c (granted ones). */
function subscribed(c: SeenConnection): string[] {
  const out: string[] = [];
  const acks = Observation.packets(c, 'out', 'SUBACK');
  for (const s of Observation.packets(c, 'in', 'SUBSCRIBE')) {
    const ack = acks.find((a) => a.rec.id === s.rec.id);
    const codes = (ack?.rec.codes as number[] | undefined) ?? [];
    (s.rec.filters as string[]).forEach((f, i) => { if ((codes[i] ?? 0x80) < 0x80) out.push(f.replace(/:q\d$/, '')); });
  }
  return out;
}

export function subscriptionsOf(c: SeenConnection): string[] {
  return subscribed(c);
}

/** Within this of CONNACK a client that lost its session must have subscribed again. */
export const RESUBSCRIBE_MS = 3000;

export function judgeResubscribe(obs: Observation): Verdict {
  const first = obs.connections.find((c) => subscribed(c).length > 0);
  if (first === undefined) return verdict('resubscribe', 'not exercised', 'the client subscribed to nothing');
  const wanted = subscribed(first);
  const later = obs.connections.filter((c) => c.n > first.n);
  const lost = later.filter((c) => c.sessionPresent === false);
  if (later.length === 0) return verdict('resubscribe', 'not exercised', 'the client did not reconnect');
  if (lost.length === 0) return verdict('resubscribe', 'not exercised', 'every reconnect found its session kept (session present): nothing to resubscribe');
  for (const c of lost) {
    const connack = Observation.packets(c, 'out', 'CONNACK')[0];
    const by = (connack?.t ?? c.connectAt) + RESUBSCRIBE_MS;
    const subs = Observation.packets(c, 'in', 'SUBSCRIBE').filter((p) => p.t <= by);
    const got = new Set(subs.flatMap((p) => (p.rec.filters as string[]).map((x) => x.replace(/:q\d$/, ''))));
    const missing = wanted.filter((w) => !got.has(w));
    // A connection the grader dropped before the deadline may not have had the time.
    const lasted = (c.closedAt === 0 ? Number.MAX_SAFE_INTEGER : c.closedAt) >= by || subs.length > 0;
    if (missing.length > 0 && lasted) {
      return verdict('resubscribe', 'fail', `connection ${c.n} (no session present) did not subscribe again to ${missing.join(', ')} within ${RESUBSCRIBE_MS} ms`, c.packets.slice(0, 6).map(evidence));
    }
  }
  return verdict('resubscribe', 'pass', `subscribed again to ${wanted.join(', ')} on each of ${lost.length} connections without a session`);
}

export function judgeResend(obs: Observation, f: Facts): Verdict {
  if ('notExercised' in f.resend) return verdict('resend', 'not exercised', f.resend.notExercised);
  const r = f.resend;
  const held = obs.connections.find((c) => c.n === r.n);
  const next = obs.connections.find((c) => c.n === r.n + 1);
  const first = held ? Observation.packets(held, 'in', 'PUBLISH').find((p) => p.rec.id === r.id) : undefined;
  const ev = first ? [evidence(first)] : [];
  ev.push(...obs.faults.filter((l) => / drop #\d+ /.test(l)).slice(0, 1));
  if (next === undefined) return verdict('resend', 'not exercised', 'the client did not reconnect after its acknowledgement was held back', ev);
  const again = Observation.packets(next, 'in', 'PUBLISH').filter((p) => p.rec.id === r.id && p.rec.qos === r.qos);
  const resent = again.find((p) => p.rec.dup === true);
  if (resent !== undefined) return verdict('resend', 'pass', `QoS ${r.qos} id=${r.id} resent with DUP on connection ${next.n}`, [...ev, evidence(resent)]);
  if (again.length > 0) return verdict('resend', 'fail', `id=${r.id} resent without DUP (MQTT-3.3.1-1)`, [...ev, evidence(again[0])]);
  const pubrel = Observation.packets(next, 'in', 'PUBREL').find((p) => p.rec.id === r.id);
  if (pubrel !== undefined && r.qos === 2) return verdict('resend', 'fail', `PUBREL id=${r.id} sent though PUBREC never came`, [...ev, evidence(pubrel)]);
  if (!next.clean || next.sessionPresent === true) {
    return verdict('resend', 'fail', `QoS ${r.qos} id=${r.id} was never resent on the kept session (MQTT-4.4.0-1)`, [...ev, ...next.packets.slice(0, 4).map(evidence)]);
  }
  return verdict('resend', 'not exercised', `the client started a clean session and dropped the unacknowledged message (MQTT-4.4.0-1 binds kept sessions only)`, ev);
}

export function judgeQos2(obs: Observation, f: Facts): Verdict {
  if ('notExercised' in f.qos2) return verdict('qos2-exactly-once', 'not exercised', f.qos2.notExercised);
  const q = f.qos2;
  const c = obs.connections.find((x) => x.connectAt <= q.at && (x.closedAt === 0 || x.closedAt >= q.at));
  if (c === undefined) return verdict('qos2-exactly-once', 'not exercised', 'the client was not connected when the messages were sent');
  const out = Observation.packets(c, 'out', 'PUBLISH').filter((p) => p.t >= q.at && p.rec.topic === q.topic);
  if (out.length === 0) return verdict('qos2-exactly-once', 'not exercised', 'no message reached the client');
  if (out.every((p) => p.rec.qos !== 2)) return verdict('qos2-exactly-once', 'not exercised', `the client subscribed with maximum QoS ${q.maxQos}: no QoS 2 delivery`);
  const ev = [...out, ...c.packets.filter((p) => p.t >= q.at && ['PUBREC', 'PUBREL', 'PUBCOMP'].includes(p.rec.type))].sort((a, b) => a.t - b.t).map(evidence);
  const dupSent = out.some((p) => p.rec.dup === true);
  if (!dupSent) return verdict('qos2-exactly-once', 'not exercised', 'the duplicate fault did not fire', ev);
  const ids = [...new Set(out.filter((p) => p.rec.qos === 2).map((p) => p.rec.id as number))];
  for (const id of ids) {
    if (!c.packets.some((p) => p.rec.dir === 'in' && p.rec.type === 'PUBCOMP' && p.rec.id === id)) {
      return verdict('qos2-exactly-once', 'fail', `no PUBCOMP for id=${id}: the QoS 2 exchange did not complete`, ev);
    }
  }
  if (f.output === null) return verdict('qos2-exactly-once', 'not exercised', 'the exchange completed, but what the client delivered is not visible (a client started by hand)', ev);
  const seen = q.tokens.map((tok) => f.output!.split(tok).length - 1);
  if (seen.every((n) => n === 0)) return verdict('qos2-exactly-once', 'not exercised', "the exchange completed, but the client's output shows no message", ev);
  const twice = q.tokens.filter((_, i) => seen[i] > 1);
  if (twice.length > 0) return verdict('qos2-exactly-once', 'fail', `delivered more than once: ${twice.join(', ')}`, ev);
  const missing = q.tokens.filter((_, i) => seen[i] === 0);
  if (missing.length > 0) return verdict('qos2-exactly-once', 'fail', `never delivered: ${missing.join(', ')}`, ev);
  return verdict('qos2-exactly-once', 'pass', `${q.tokens.length} messages sent with duplicated PUBLISH and PUBREL, each delivered once`, ev);
}

export function judgeKeepAlive(obs: Observation): Verdict {
  const ka = obs.connections.map((c) => c.keepAlive);
  if (ka.length === 0) return verdict('keep-alive', 'not exercised', 'no connection');
  if (ka.every((k) => k === 0)) return verdict('keep-alive', 'not exercised', 'the client asked for no keep alive (0)');
  let exercised = false;
  for (const c of obs.connections) {
    if (c.keepAlive === 0) continue;
    const limit = c.keepAlive * 1500;
    const ins = c.packets.filter((p) => p.rec.dir === 'in');
    const end = c.closedAt !== 0 ? c.closedAt : ins[ins.length - 1].t;
    if (end - c.connectAt >= c.keepAlive * 1000) exercised = true;
    const timeout = c.packets.find((p) => p.rec.dir === 'out' && p.rec.type === 'DISCONNECT' && p.rec.rc === 0x8d);
    for (let i = 0; i < ins.length; i++) {
      const gapEnd = i + 1 < ins.length ? ins[i + 1].t : c.droppedByGrader || c.disconnected ? ins[i].t : end;
      if (gapEnd - ins[i].t >= limit || (timeout !== undefined && i === ins.length - 1)) {
        const ev = [evidence(ins[i]), ...(i + 1 < ins.length ? [evidence(ins[i + 1])] : []), ...(timeout ? [evidence(timeout)] : [`connection ${c.n} ended ${gapEnd - ins[i].t} ms later`])];
        return verdict('keep-alive', 'fail', `connection ${c.n}: ${gapEnd - ins[i].t} ms without a packet, keep alive ${c.keepAlive} s`, ev);
      }
    }
  }
  if (!exercised) return verdict('keep-alive', 'not exercised', 'no connection lasted one keep-alive interval');
  const pings = obs.connections.reduce((n, c) => n + Observation.packets(c, 'in', 'PINGREQ').length, 0);
  return verdict('keep-alive', 'pass', `never silent for 1.5x keep alive (${[...new Set(ka)].join(', ')} s); ${pings} PINGREQ`);
}

/** The connections the limits were advertised to (MQTT 5), or a reason they cannot be judged. */
function limited(obs: Observation, f: Facts, id: string): SeenConnection[] | Verdict {
  if (f.limits.notExercised !== '') return verdict(id, 'not exercised', f.limits.notExercised);
  const size = id === 'maximum-packet-size';
  if (size && f.limits.sizeN === 0) return verdict(id, 'not exercised', 'the client published nothing large enough to set a limit below it (or did not stay connected)');
  const from = size ? f.limits.sizeN : f.limits.n;
  const restored = f.limits.restoredN > 0 ? f.limits.restoredN : Number.MAX_SAFE_INTEGER;
  const until = size || f.limits.sizeN === 0 ? restored : f.limits.sizeN;
  const told = obs.connections.filter((x) => from > 0 && x.n >= from && x.n < until);
  if (told.length === 0) return verdict(id, 'not exercised', 'the client did not reconnect to be told the limits');
  if (told[0].version !== 5) return verdict(id, 'not exercised', 'MQTT 3.1.1 has no way to tell the client this limit');
  return told;
}

export function judgeReceiveMaximum(obs: Observation, f: Facts): Verdict {
  const told = limited(obs, f, 'receive-maximum');
  if (!Array.isArray(told)) return told;
  const max = f.limits.receiveMaximum;
  let most = 0;
  for (const c of told) {
    const open = new Map<number, SeenPacket>();
    for (const p of c.packets) {
      const r = p.rec;
      if (r.dir === 'in' && r.type === 'PUBLISH' && Number(r.qos) > 0) open.set(r.id as number, p);
      if (r.dir === 'out' && (r.type === 'PUBACK' || r.type === 'PUBCOMP' || (r.type === 'PUBREC' && r.rc !== undefined && Number(r.rc) >= 0x80))) open.delete(r.id as number);
      if (open.size > most) most = open.size;
      if (open.size > max) return verdict('receive-maximum', 'fail', `connection ${c.n}: ${open.size} QoS 1/2 messages in flight, Receive Maximum ${max} (MQTT-3.3.4-7)`, [...open.values()].map(evidence));
    }
  }
  if (most < max) return verdict('receive-maximum', 'not exercised', `at most ${most} in flight with acknowledgements held back, below the maximum of ${max}`);
  return verdict('receive-maximum', 'pass', `at most ${most} QoS 1/2 in flight with acknowledgements held back, maximum ${max}`);
}

/** A PUBLISH's size on the wire as far as the trace tells it (properties unknown: a lower bound). */
export function publishSize(r: SeenPacket['rec'], version: number): number {
  const rem = 2 + Buffer.byteLength(String(r.topic ?? '')) + (Number(r.qos) > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + Number(r.bytes ?? 0);
  return 1 + (rem < 128 ? 1 : rem < 16384 ? 2 : rem < 2097152 ? 3 : 4) + rem;
}

/** A packet this soon after CONNACK, with nothing from the client between, may have left before CONNACK arrived. */
const PIPELINED_MS = 50;

/** The packet on c that breaks the Maximum Packet Size (a PUBLISH over it, or the broker's DISCONNECT 0x95), if any. */
function oversize(c: SeenConnection, max: number): SeenPacket | undefined {
  return c.packets.find((p) => (p.rec.dir === 'in' && p.rec.type === 'PUBLISH' && publishSize(p.rec, 5) > max)
    || (p.rec.dir === 'out' && p.rec.type === 'DISCONNECT' && p.rec.rc === 0x95));
}

/** Whether p may have been sent before the client had c's CONNACK (MQTT 5 section 3.1.4 allows sending before it). */
function beforeConnack(c: SeenConnection, p: SeenPacket): boolean {
  const connack = Observation.packets(c, 'out', 'CONNACK')[0];
  if (connack === undefined || p.t - connack.t > PIPELINED_MS) return false;
  return !c.packets.some((x) => x.rec.dir === 'in' && x.t >= connack.t && x.t < p.t && x.rec.type !== 'PUBLISH');
}

export function judgeMaximumPacketSize(obs: Observation, f: Facts): Verdict {
  const told = limited(obs, f, 'maximum-packet-size');
  if (!Array.isArray(told)) return told;
  const max = f.limits.maxPacketSize;
  const broken = told.map((c) => ({ c, p: oversize(c, max) })).filter((x): x is { c: SeenConnection; p: SeenPacket } => x.p !== undefined);
  // The first connection told the limit may have had its packet on the way already: excused once.
  const excused = broken.length > 0 && broken[0].c === told[0] && beforeConnack(broken[0].c, broken[0].p) ? broken[0] : null;
  const fault = broken.find((x) => x !== excused);
  if (fault !== undefined) {
    const i = fault.c.packets.indexOf(fault.p);
    const ev = fault.c.packets.slice(Math.max(0, i - 2), i + 1).map(evidence);
    return verdict('maximum-packet-size', 'fail', `connection ${fault.c.n}: a packet larger than the Maximum Packet Size of ${max} B its CONNACK gave (MQTT-3.1.2-24)`, ev);
  }
  const largest = Math.max(0, ...told.flatMap((c) => Observation.packets(c, 'in', 'PUBLISH')).map((p) => publishSize(p.rec, 5)));
  const note = excused === null ? '' : `; one oversize PUBLISH left with the CONNECT, before the limit was known (sent before CONNACK), on connection ${excused.c.n}`;
  return verdict('maximum-packet-size', 'pass', `nothing over ${max} B once told (largest PUBLISH ${largest} B; ${max + 1} B and more before)${note}`);
}

export function judgeTopicAliasMaximum(obs: Observation, f: Facts): Verdict {
  const told = limited(obs, f, 'topic-alias-maximum');
  if (!Array.isArray(told)) return told;
  const max = f.limits.topicAliasMaximum;
  const aliased = told.flatMap((c) => Observation.packets(c, 'in', 'PUBLISH')).filter((p) => p.rec.alias !== undefined);
  const over = aliased.find((p) => Number(p.rec.alias) > max || Number(p.rec.alias) === 0);
  if (over) return verdict('topic-alias-maximum', 'fail', `Topic Alias ${String(over.rec.alias)} beyond the maximum of ${max} (MQTT-3.3.2-9)`, [evidence(over)]);
  if (aliased.length === 0) return verdict('topic-alias-maximum', 'not exercised', 'the client sent no Topic Alias');
  return verdict('topic-alias-maximum', 'pass', `${aliased.length} aliased PUBLISH, every alias within 1..${max}`, aliased.slice(0, 2).map(evidence));
}

export function judgeWill(obs: Observation): Verdict {
  const c = obs.connections[0];
  if (c === undefined) return verdict('will', 'not exercised', 'no connection');
  const connect = c.packets[0];
  if (c.will === null) return verdict('will', 'fail', 'CONNECT carries no will: nobody learns that the device is gone', [evidence(connect)]);
  return verdict('will', 'pass', `will on ${c.will}`, [evidence(connect)]);
}

export function judgeDisconnect(obs: Observation, f: Facts): Verdict {
  if (f.end === 'gone') return verdict('clean-disconnect', 'not exercised', 'the client had exited before the end of the run');
  // The connection open when the client was asked to stop (or the last one, for --wait).
  const c = f.stopAt > 0 ? obs.connections.find((x) => x.connectAt <= f.stopAt && (x.closedAt === 0 || x.closedAt >= f.stopAt)) : obs.current;
  if (c === undefined || c === null) return verdict('clean-disconnect', 'not exercised', 'the client was not connected when asked to stop');
  const last = c.packets.slice(-3).map(evidence);
  if (c.closedAt === 0) return verdict('clean-disconnect', 'not exercised', f.end === 'signalled' ? 'the client did not end its connection when asked to stop (SIGINT)' : 'the client did not end its connection during the run', last);
  if (c.disconnected) return verdict('clean-disconnect', 'pass', 'DISCONNECT, then the connection closed', last);
  const byBroker = c.packets.find((p) => p.rec.dir === 'out' && p.rec.type === 'DISCONNECT');
  if (byBroker !== undefined || c.droppedByGrader) return verdict('clean-disconnect', 'not exercised', 'the broker closed the last connection itself', last);
  return verdict('clean-disconnect', 'fail', 'the connection closed without DISCONNECT', last);
}

export function judgeAll(obs: Observation, f: Facts): Verdict[] {
  return [
    judgeReconnect(obs, f), judgeResubscribe(obs), judgeResend(obs, f), judgeQos2(obs, f), judgeKeepAlive(obs),
    judgeReceiveMaximum(obs, f), judgeMaximumPacketSize(obs, f), judgeTopicAliasMaximum(obs, f), judgeWill(obs), judgeDisconnect(obs, f),
  ];
}
