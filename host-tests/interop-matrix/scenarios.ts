// The features of the matrix, one scenario each, written once against the adapter interface.
// A scenario returns pass, fail, n/a, or the deviations it observed (named by key, with what the
// peer did and what the client did); the runner accepts a deviation only when the system under
// test documents that key.
import { LOOPBACK } from '../peers/proc.js';
import { withTimeout, type ClientAdapter, type Connection, type ConnectOptions, type Feature, type Message, type QoS, type Version } from './adapter.js';
import { Proxy, type SeenPacket } from './proxy.js';

export type Outcome =
  | { status: 'pass'; note?: string }
  | { status: 'fail'; note: string }
  | { status: 'n/a'; note: string }
  | { status: 'deviation'; keys: string[]; observed: string };

export interface Ctx {
  host: string;
  port: number;
  version: Version;
  adapter: ClientAdapter;
  topic(name: string): string;
  clientId(name: string): string;
  /** Connects the client under test (registered: destroyed when the scenario ends). */
  connect(o?: Partial<ConnectOptions>): Promise<Connection>;
  proxy(): Promise<Proxy>;
}

const MSG_MS = 4000;
const pass = (note?: string): Outcome => ({ status: 'pass', note });
const fail = (note: string): Outcome => ({ status: 'fail', note });
const onTopic = (t: string, payload?: string) => (m: Message): boolean => m.topic === t && (payload === undefined || m.payload.toString() === payload);

async function connectClean(ctx: Ctx, o?: Partial<ConnectOptions>): Promise<Connection> { return ctx.connect({ clean: true, ...o }); }

/** Ends a persistent session the scenario made, so the broker does not keep it. */
async function dropSession(ctx: Ctx, clientId: string): Promise<void> {
  try { const c = await ctx.connect({ clientId, clean: true, sessionExpiry: 0 }); await c.end(); } catch { /* best effort */ }
}

async function connect(ctx: Ctx): Promise<Outcome> {
  const c = await connectClean(ctx);
  if (c.connack.reasonCode !== 0) return fail(`CONNACK reason ${c.connack.reasonCode}`);
  // MQTT-3.2.2-1 (3.1.1) / MQTT-3.2.2-2 (v5): a clean session has Session Present 0.
  if (c.connack.sessionPresent === true) return fail('Session Present 1 on a clean connect (MQTT-3.2.2-1)');
  await c.end();
  return pass();
}

async function persistent(ctx: Ctx): Promise<Outcome> {
  const id = ctx.clientId('p');
  const t = ctx.topic('persistent');
  await dropSession(ctx, id);
  try {
    const a = await ctx.connect({ clientId: id, clean: false, sessionExpiry: 300 });
    await a.subscribe(t, 1);
    await a.end();
    const pub = await connectClean(ctx);
    await pub.publish(t, Buffer.from('while-offline'), 1);
    await pub.end();
    const b = await ctx.connect({ clientId: id, clean: false, sessionExpiry: 300 });
    await b.nextMessage(onTopic(t, 'while-offline'), MSG_MS);
    await b.end();
    if (b.connack.sessionPresent === false) {
      return { status: 'deviation', keys: ['session-present-0-on-resume'], observed: 'broker resumed the session (the message queued while offline was delivered) but its CONNACK said Session Present 0 (MQTT-3.2.2-2); the client delivered the queued message' };
    }
    return pass(b.connack.sessionPresent === undefined ? 'session present not reported by this client; queued message delivered' : undefined);
  } finally {
    await dropSession(ctx, id);
  }
}

/** How the broker answered the client's PUBLISH with this payload (on the same connection). */
function acksFor(proxy: Proxy, payload: string, conn?: number): { sent?: SeenPacket; acks: string[] } {
  const sent = proxy.seen.filter((p) => p.cmd === 'publish' && p.payload?.toString() === payload && (conn === undefined || p.conn === conn)).pop();
  if (!sent || !sent.qos) return { sent, acks: [] };
  const acks = proxy.fromServer.filter((p) => p.conn === sent.conn && p.messageId === sent.messageId && ['puback', 'pubrec', 'pubcomp'].includes(p.cmd)).map((p) => p.cmd);
  return { sent, acks };
}

const WANT_ACKS: Record<number, string[]> = { 0: [], 1: ['puback'], 2: ['pubrec', 'pubcomp'] };
const upper = (a: string[]): string => (a.length ? a.map((x) => x.toUpperCase()).join(' + ') : 'nothing');

async function qos(ctx: Ctx, q: QoS): Promise<Outcome> {
  const t = ctx.topic(`qos${q}`);
  const sub = await connectClean(ctx);
  const [granted] = await sub.subscribe(t, q);
  if (granted === undefined || granted >= 0x80) return fail(`SUBACK refused the QoS ${q} subscription (${granted})`);
  // Through the proxy, to see on the wire how the broker acknowledges the publish.
  const proxy = await ctx.proxy();
  const pub = await connectClean(ctx, { host: LOOPBACK, port: proxy.port });
  let pubError: string | undefined;
  await withTimeout(pub.publish(t, Buffer.from(`q${q}`), q), 5000, `QoS ${q} publish`).catch((e: Error) => { pubError = e.message; });
  const m = await sub.nextMessage(onTopic(t, `q${q}`), MSG_MS);
  const expect = Math.min(q, granted);
  // MQTT-3.8.4-6 (3.1.1): delivered QoS is the minimum of the published and the granted QoS.
  if (m.qos !== expect) return fail(`received at QoS ${m.qos}, expected ${expect} (granted ${granted})`);
  const keys: string[] = [];
  const seen: string[] = [];
  if (granted < q) { keys.push(`qos${q}-granted-${granted}`); seen.push(`SUBACK granted QoS ${granted} for ${q} (allowed by MQTT-3.9.3), the client received at QoS ${m.qos}`); }
  const { acks } = acksFor(proxy, `q${q}`);
  // MQTT-4.3.2 / 4.3.3: QoS 1 is answered by PUBACK, QoS 2 by PUBREC then PUBCOMP.
  if (acks.join() !== WANT_ACKS[q]!.join()) {
    keys.push(`qos${q}-answered-${acks.join('-') || 'nothing'}`);
    seen.push(`the broker answered the QoS ${q} PUBLISH with ${upper(acks)} instead of ${upper(WANT_ACKS[q]!)}`);
  }
  await sub.end(); await pub.end();
  if (pubError !== undefined && keys.includes(`qos${q}-answered-nothing`)) {
    // A broker that never acknowledges leaves the client nothing to do but keep the message in
    // flight (MQTT-4.4.0-1: it is resent when the session resumes); it did not invent an ack.
    seen.push('the client kept the publish in flight, unacknowledged, as the spec requires');
    return { status: 'deviation', keys, observed: seen.join('; ') };
  }
  if (pubError !== undefined) {
    return fail(`${seen.length ? `${seen.join('; ')}; ` : ''}the client did not complete the publish (${pubError})`);
  }
  if (keys.length) seen.push('the client completed the publish');
  return keys.length ? { status: 'deviation', keys, observed: seen.join('; ') } : pass();
}

async function retained(ctx: Ctx): Promise<Outcome> {
  const t = ctx.topic('retained');
  const pub = await connectClean(ctx);
  try {
    await pub.publish(t, Buffer.from('kept'), 1, { retain: true });
    const sub = await connectClean(ctx);
    await sub.subscribe(t, 1);
    const m = await sub.nextMessage(onTopic(t, 'kept'), MSG_MS);
    await sub.end();
    // MQTT-3.3.1-8: a retained message sent because of a new subscription has RETAIN 1.
    if (!m.retain) return { status: 'deviation', keys: ['retain-flag-missing'], observed: 'retained message delivered to a new subscriber with RETAIN 0 (MQTT-3.3.1-8), client delivered it' };
    return pass();
  } finally {
    await pub.publish(t, Buffer.alloc(0), 1, { retain: true }).catch(() => undefined); // MQTT-3.3.1-10: clears it
    await pub.end().catch(() => undefined);
  }
}

async function will(ctx: Ctx): Promise<Outcome> {
  const w = ctx.topic('will');
  const obs = await connectClean(ctx);
  await obs.subscribe(w, 1);
  const a = await connectClean(ctx, { will: { topic: w, payload: Buffer.from('gone'), qos: 1 }, keepalive: 10 });
  a.destroy();
  // MQTT-3.1.2-8: the will is published when the network connection closes without DISCONNECT.
  await obs.nextMessage(onTopic(w, 'gone'), 6000);
  await obs.end();
  return pass();
}

async function resend(ctx: Ctx): Promise<Outcome> {
  const t = ctx.topic('resend');
  const id = ctx.clientId('r');
  const sub = await connectClean(ctx);
  const [granted] = await sub.subscribe(t, 2);
  const proxy = await ctx.proxy();
  await dropSession(ctx, id);
  try {
    const pub = await ctx.connect({ clientId: id, clean: false, sessionExpiry: 300, host: LOOPBACK, port: proxy.port });
    // A subscription makes the session non-empty for brokers that keep sessions only for them.
    await pub.subscribe(ctx.topic('anchor'), 1);
    proxy.mode = 'hold';
    const errors: string[] = [];
    const p1 = pub.publish(t, Buffer.from('r1'), 1).catch((e: Error) => { errors.push(`QoS 1: ${e.message}`); });
    const p2 = pub.publish(t, Buffer.from('r2'), 2).catch((e: Error) => { errors.push(`QoS 2: ${e.message}`); });
    const isPub = (payload: string) => (p: { cmd: string; payload?: Buffer }): boolean => p.cmd === 'publish' && p.payload?.toString() === payload;
    await proxy.waitForClientPacket(isPub('r1'), 3000, 'the QoS 1 PUBLISH');
    await proxy.waitForClientPacket(isPub('r2'), 3000, 'the QoS 2 PUBLISH');
    proxy.cut();
    await withTimeout(pub.closed(), 5000, 'client noticing the cut');
    proxy.mode = 'pass';
    const ck = await pub.reconnect();
    const keys: string[] = [];
    const seen: string[] = [];
    const sp0 = ck.sessionPresent === false;
    if (sp0) {
      keys.push('session-present-0-on-resume');
      seen.push('the broker answered the reconnect of a persistent session with Session Present 0 (MQTT-3.2.2-2)');
    }
    const done = await withTimeout(Promise.all([p1, p2]), 6000, 'publishes').then(() => true, () => false);
    const lastConn = Math.max(...proxy.seen.map((p) => p.conn));
    if (acksFor(proxy, 'r2', lastConn).acks.join() === 'puback') {
      keys.push('qos2-answered-puback');
      seen.push('the broker answered the resent QoS 2 PUBLISH with PUBACK');
    }
    if (!done && acksFor(proxy, 'r1', lastConn).acks.join() === 'puback' && acksFor(proxy, 'r2', lastConn).acks.length === 0) {
      // The QoS 1 message completed; the QoS 2 one was resent and the broker never answered it.
      keys.push('qos2-answered-nothing');
      seen.push('the broker never answered the resent QoS 2 PUBLISH; the client completed the QoS 1 publish and keeps the QoS 2 one in flight');
      await pub.end().catch(() => undefined); await sub.end();
      return { status: 'deviation', keys, observed: seen.join('; ') };
    }
    if (!done || errors.length) {
      const why = errors.length ? errors.join('; ') : 'still pending 6 s after the reconnect';
      // With Session Present 0 the spec has the client discard its session state (v5 4.1.0).
      if (sp0 && errors.length) return { status: 'deviation', keys, observed: `${seen.join('; ')}; the client discarded its unacknowledged publishes (${why})` };
      return fail(`${seen.length ? `${seen.join('; ')}; ` : ''}the client did not complete the resent publishes (${why})`);
    }
    await sub.nextMessage(onTopic(t, 'r1'), MSG_MS);
    await sub.nextMessage(onTopic(t, 'r2'), MSG_MS);
    // MQTT-4.4.0-1 resend with the original packet ids; MQTT-3.3.1-1 DUP set on a re-delivery.
    const first = proxy.seen.filter((p) => p.cmd === 'publish' && p.conn === 1 && p.qos);
    const again = proxy.seen.filter((p) => p.cmd === 'publish' && p.conn > 1);
    const problems: string[] = [];
    let sameIds = true;
    for (const f of first) {
      const what = f.payload?.toString();
      const r = again.find((p) => p.payload?.equals(f.payload ?? Buffer.alloc(0)));
      if (!r) { problems.push(`${what} not resent`); continue; }
      if (r.messageId !== f.messageId) sameIds = false;
      if (sp0) continue; // a new session: sending them as new messages is what the client may do
      if (r.dup !== true && !keys.includes('resend-without-dup')) { keys.push('resend-without-dup'); seen.push('the client resent the unacknowledged PUBLISH with DUP 0 (MQTT-3.3.1-1); the broker accepted it and delivered once'); }
      if (r.messageId !== f.messageId) problems.push(`${what} resent with packet id ${r.messageId}, was ${f.messageId} (MQTT-4.4.0-1)`);
    }
    await pub.end(); await sub.end();
    if (problems.length) return fail(problems.join('; '));
    if (sp0) seen.push(sameIds ? 'the client resent its unacknowledged publishes anyway, with their packet ids' : 'the client sent its unacknowledged publishes again as new messages (new packet ids), and both were delivered');
    else if (keys.includes('qos2-answered-puback')) seen.push('the client completed the publishes and both were delivered');
    if (keys.length) return { status: 'deviation', keys, observed: seen.join('; ') };
    return pass(granted !== undefined && granted < 2 ? `QoS 2 delivered at QoS ${granted}` : undefined);
  } finally {
    await dropSession(ctx, id);
  }
}

async function v5properties(ctx: Ctx): Promise<Outcome> {
  const t = ctx.topic('props');
  const sub = await connectClean(ctx);
  await sub.subscribe(t, 1);
  const pub = await connectClean(ctx);
  // Binary, but bytes a command line can carry too.
  const corr = Buffer.from([0x63, 0x6f, 0x01, 0x7f]);
  await pub.publish(t, Buffer.from('props'), 1, { properties: {
    userProperties: { alpha: '1', beta: 'two' }, contentType: 'text/plain', responseTopic: `${t}/reply`,
    correlationData: corr, payloadFormatIndicator: true, messageExpiryInterval: 120,
  } });
  const m = await sub.nextMessage(onTopic(t, 'props'), MSG_MS);
  const p = m.properties ?? {};
  const bad: string[] = [];
  // MQTT-3.3.2-17/18: user properties forwarded unaltered, in order.
  if (p.userProperties?.alpha !== '1' || p.userProperties?.beta !== 'two') bad.push(`user properties ${JSON.stringify(p.userProperties)}`);
  if (p.contentType !== 'text/plain') bad.push(`content type ${String(p.contentType)}`); // MQTT-3.3.2-20
  if (p.responseTopic !== `${t}/reply`) bad.push(`response topic ${String(p.responseTopic)}`);
  if (!p.correlationData || !Buffer.from(p.correlationData).equals(corr)) bad.push('correlation data');
  if (p.payloadFormatIndicator !== true) bad.push('payload format indicator'); // MQTT-3.3.2-4
  if (!(typeof p.messageExpiryInterval === 'number' && p.messageExpiryInterval > 0 && p.messageExpiryInterval <= 120)) bad.push(`message expiry ${String(p.messageExpiryInterval)} (MQTT-3.3.2-6)`);
  await sub.end(); await pub.end();
  return bad.length ? fail(`properties not delivered: ${bad.join(', ')}`) : pass();
}

async function v5alias(ctx: Ctx): Promise<Outcome> {
  const t = ctx.topic('alias');
  const sub = await connectClean(ctx);
  await sub.subscribe(t, 1);
  const proxy = await ctx.proxy();
  const pub = await connectClean(ctx, { host: LOOPBACK, port: proxy.port });
  const max = pub.connack.topicAliasMaximum ?? 0;
  if (max < 1) return { status: 'n/a', note: 'the broker allows no topic alias (Topic Alias Maximum 0)' };
  await pub.publish(t, Buffer.from('a1'), 1, { topicAlias: 1 });
  await pub.publish(t, Buffer.from('a2'), 1, { topicAlias: 1 });
  await sub.nextMessage(onTopic(t, 'a1'), MSG_MS);
  await sub.nextMessage(onTopic(t, 'a2'), MSG_MS);
  const pubs = proxy.seen.filter((p) => p.cmd === 'publish');
  await sub.end(); await pub.end();
  if (pubs.length < 2) return fail('publishes not seen');
  return pass(pubs[1]!.topic === '' ? undefined : 'client repeated the topic with the alias');
}

async function v5nolocal(ctx: Ctx): Promise<Outcome> {
  const t = ctx.topic('nolocal');
  const c = await connectClean(ctx);
  await c.subscribe(t, 1, { noLocal: true });
  const other = await connectClean(ctx);
  await c.publish(t, Buffer.from('self'), 1);
  await other.publish(t, Buffer.from('other'), 1);
  await c.nextMessage(onTopic(t, 'other'), MSG_MS);
  const self = c.received().some(onTopic(t, 'self'));
  await c.end(); await other.end();
  // MQTT-3.8.3-3: No Local 1: the server must not forward to the publishing connection.
  return self ? fail('own message delivered despite No Local (MQTT-3.8.3-3)') : pass();
}

async function v5shared(ctx: Ctx): Promise<Outcome> {
  const t = ctx.topic('shared');
  const filter = `$share/g${ctx.clientId('g')}/${t}`;
  const a = await connectClean(ctx);
  const b = await connectClean(ctx);
  const [ga] = await a.subscribe(filter, 1);
  const [gb] = await b.subscribe(filter, 1);
  if ((ga ?? 0x80) >= 0x80 || (gb ?? 0x80) >= 0x80) return fail(`shared subscription refused (${ga}, ${gb})`);
  const pub = await connectClean(ctx);
  const payloads = ['s1', 's2', 's3', 's4', 's5', 's6'];
  for (const p of payloads) await pub.publish(t, Buffer.from(p), 1);
  // Each message reaches exactly one member of the group (MQTT 5 4.8.2).
  for (const p of payloads) {
    const waits = [a, b].map((c) => c.nextMessage(onTopic(t, p), MSG_MS));
    await Promise.any(waits).catch(() => { throw new Error(`${p} reached no member of the share group`); });
    for (const w of waits) w.catch(() => undefined);
  }
  const all = [...a.received(), ...b.received()].filter((m) => m.topic === t).map((m) => m.payload.toString());
  const dups = payloads.filter((p) => all.filter((x) => x === p).length > 1);
  const counts = `${a.received().length}/${b.received().length}`;
  await a.end(); await b.end(); await pub.end();
  if (dups.length) return fail(`delivered to more than one member of the group: ${dups.join(', ')}`);
  return pass(a.received().length === 0 || b.received().length === 0 ? `all messages went to one member (${counts})` : undefined);
}

async function v5sessionExpiry(ctx: Ctx): Promise<Outcome> {
  const id = ctx.clientId('e');
  const t = ctx.topic('expiry');
  await dropSession(ctx, id);
  try {
    const a = await ctx.connect({ clientId: id, clean: false, sessionExpiry: 1 });
    await a.subscribe(t, 1);
    await a.end();
    const pub = await connectClean(ctx);
    await pub.publish(t, Buffer.from('after-expiry'), 1);
    await pub.end();
    // No event marks the expiry: wait past the 1 s interval, after which the broker discards the
    // session (v5 3.1.2.11.2; MQTT-3.1.2-23 has it kept only until then).
    await new Promise((r) => setTimeout(r, 2200));
    const b = await ctx.connect({ clientId: id, clean: false, sessionExpiry: 0 });
    // A marker on a new subscription bounds the wait for a message that must not come.
    const marker = ctx.topic('expiry-marker');
    await b.subscribe(marker, 1);
    const other = await connectClean(ctx);
    await other.publish(marker, Buffer.from('marker'), 1);
    await b.nextMessage(onTopic(marker, 'marker'), MSG_MS);
    const stale = b.received().some(onTopic(t));
    await other.end(); await b.end();
    if (b.connack.sessionPresent === true) return fail('Session Present 1 after the session expiry interval had passed');
    if (stale) return fail('a message queued for the expired session was delivered');
    return pass(b.connack.sessionPresent === undefined ? 'session present not reported by this client; nothing from the expired session delivered' : undefined);
  } finally {
    await dropSession(ctx, id);
  }
}

export const FEATURES: Array<{ id: Feature; title: string; v5only?: boolean; run: (ctx: Ctx) => Promise<Outcome> }> = [
  { id: 'connect', title: 'connect', run: connect },
  { id: 'persistent', title: 'persistent session', run: persistent },
  { id: 'qos0', title: 'QoS 0', run: (c) => qos(c, 0) },
  { id: 'qos1', title: 'QoS 1', run: (c) => qos(c, 1) },
  { id: 'qos2', title: 'QoS 2', run: (c) => qos(c, 2) },
  { id: 'retained', title: 'retained', run: retained },
  { id: 'will', title: 'will', run: will },
  { id: 'resend', title: 'reconnect + resend', run: resend },
  { id: 'v5-properties', title: 'v5 properties', v5only: true, run: v5properties },
  { id: 'v5-alias', title: 'v5 topic alias', v5only: true, run: v5alias },
  { id: 'v5-nolocal', title: 'v5 no local', v5only: true, run: v5nolocal },
  { id: 'v5-shared', title: 'v5 shared subscription', v5only: true, run: v5shared },
  { id: 'v5-session-expiry', title: 'v5 session expiry', v5only: true, run: v5sessionExpiry },
];
