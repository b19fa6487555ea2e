// `npm run bench:hostile [-- --minutes M --max-rss-mb N --rate R]`: the companion broker (a child
// process with its limits) under a hostile mix run side by side - malformed packets, a 256 MB
// length before CONNECT, huge lengths after it, connection floods, slowloris, persistent-session
// and subscription spam, publish floods - while a good client publishes QoS 1 to a good
// subscriber at a steady rate. A line every ~10 s; at the end the good messages (all must
// arrive), the broker's RSS (peak, end), hostile connections and broker crashes, and the JSON
// line. Exits 1 when a good message was lost, the broker crashed or its RSS passed the bound.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { Packet } from '../../src/core/codec/packet.js';
import { Driver } from '../../src/core/driver/driver.js';
import type { SessionHandler } from '../../src/core/session/handler.js';
import { Session } from '../../src/core/session/session.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { SchedClock, Scheduler } from '../../src/node/sim/scheduler.js';
import { TcpTransport } from '../../src/node/sim/transport.js';
import { Random } from '../chaos/faults.js';
import { BrokerProcess, brokerSnapshot } from './broker-process.js';

// ---- packets, written by hand so that they can be wrong on purpose

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
const str = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
const packet = (first: number, ...body: (Buffer | number[])[]): Buffer => {
  const b = Buffer.concat(body.map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(x))));
  return Buffer.concat([Buffer.from([first]), varint(b.length), b]);
};

function connect(id: string | Buffer, v: number, clean: boolean, expiry = 0, flagsExtra = 0): Buffer {
  const flags = (clean ? 0x02 : 0) | flagsExtra;
  const props = v === 5 && expiry > 0 ? [0x11, (expiry >>> 24) & 0xff, (expiry >> 16) & 0xff, (expiry >> 8) & 0xff, expiry & 0xff] : [];
  return packet(0x10, str('MQTT'), [v, flags, 0, 60], v === 5 ? [props.length, ...props] : [], str(id));
}
const subscribe = (filters: string[], v: number, pid = 1): Buffer =>
  packet(0x82, [pid >> 8, pid & 0xff], v === 5 ? [0] : [], ...filters.map((f) => Buffer.concat([str(f), Buffer.from([1])])));
const publish = (topic: string, payload: Buffer, qos: number, v: number, pid = 1): Buffer =>
  packet(0x30 | (qos << 1), str(topic), qos > 0 ? [pid >> 8, pid & 0xff] : [], v === 5 ? [0] : [], payload);
const DISCONNECT = Buffer.from([0xe0, 0x00]);

// ---- hostile connections

interface Tally { made: number; refused: number; closedByBroker: number; open: number; localErrors: Record<string, number> }
const tallies = new Map<string, Tally>();
const tally = (kind: string): Tally => {
  let t = tallies.get(kind);
  if (!t) tallies.set(kind, (t = { made: 0, refused: 0, closedByBroker: 0, open: 0, localErrors: {} }));
  return t;
};

let brokerPort = 0;
let stopping = false;
const live = new Set<net.Socket>();
const rnd = new Random(18);
/** Hostile traffic comes from 127.0.1.x, the good clients from 127.0.0.1 (per-address limits). */
const hostileAddress = (): string => `127.0.1.${1 + rnd.int(250)}`;

/**
 * Opens a hostile connection, runs `act` on it and resolves when it is closed (by the broker, by
 * `act`, or after holdMs). Refused: the connect failed with ECONNREFUSED, a CONNACK carried a
 * failure code, or the broker closed it within half a second having sent nothing. Errors of our
 * own side (EADDRNOTAVAIL...) are counted apart.
 */
function hostile(kind: string, holdMs: number, act: (s: net.Socket) => void, from = hostileAddress()): Promise<void> {
  const t = tally(kind);
  t.made++;
  t.open++;
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: brokerPort, localAddress: from });
    live.add(s);
    let connectedAt = 0;
    let ours = false;
    let heard = false;
    let refused = false;
    let error = '';
    const timer = setTimeout(() => { ours = true; s.destroy(); }, holdMs);
    s.on('connect', () => { connectedAt = Date.now(); act(s); });
    s.on('data', (d: Buffer) => {
      // CONNACK: 3.1.1 return code in byte 3, 5.0 reason code in byte 3 too.
      if (!heard && d[0] === 0x20 && d.length >= 4 && d[3] !== 0) refused = true;
      heard = true;
    });
    s.on('error', (e: NodeJS.ErrnoException) => { error = e.code ?? 'error'; });
    s.on('close', () => {
      clearTimeout(timer);
      live.delete(s);
      t.open--;
      if (connectedAt === 0) {
        if (error === 'ECONNREFUSED') t.refused++;
        else if (error !== '') t.localErrors[error] = (t.localErrors[error] ?? 0) + 1;
      } else if (refused || (!ours && !heard && Date.now() - connectedAt < 500)) {
        t.refused++;
      } else if (!ours && !stopping) {
        t.closedByBroker++;
      }
      resolve();
    });
    (s as net.Socket & { hostileEnd?: () => void }).hostileEnd = () => { ours = true; s.end(); setTimeout(() => s.destroy(), 100); };
  });
}
const slow = new Map<net.Socket, { bytes: Buffer; at: number }>();
const slowTimer = setInterval(() => {
  for (const [s, w] of slow) {
    if (s.destroyed || w.at >= w.bytes.length) slow.delete(s);
    else s.write(w.bytes.subarray(w.at, ++w.at));
  }
}, 1000);
slowTimer.unref();
/** Ends a hostile connection from our side (not counted as closed by the broker). */
const endOurs = (s: net.Socket): void => (s as net.Socket & { hostileEnd?: () => void }).hostileEnd?.();
const FLOOD_CHUNK = Buffer.concat(Array.from({ length: 64 }, (_, i) => publish(i % 2 === 0 ? 'spam/x' : `flood/${i}`, Buffer.alloc(512, 0x66), 0, 4)));
const FLOOD_QOS1 = Array.from({ length: 64 }, (_, i) => publish('spam/x', Buffer.alloc(512, 0x71), 1, 4, i + 1));
const randomId = (): string => `h-${rnd.int(1e9).toString(36)}-${rnd.int(1e9).toString(36)}`;

/** Runs `once` over and over with `concurrency` copies until the end. */
async function loop(concurrency: number, once: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (!stopping) {
      await once();
      await new Promise((r) => setTimeout(r, 20));
    }
  }));
}

const ATTACKS: Record<string, () => Promise<void>> = {
  // Random bytes, sometimes behind a plausible first byte.
  garbage: () => loop(8, () => hostile('garbage', 3000, (s) => {
    const b = Buffer.from(Array.from({ length: 1 + rnd.int(300) }, () => rnd.int(256)));
    if (rnd.next() < 0.5) b[0] = 0x10;
    s.write(b);
  })),
  // Malformed: a five-byte length, bad UTF-8 in the client id, reserved bits set.
  malformed: () => loop(8, () => hostile('malformed', 3000, (s) => {
    const v = rnd.next() < 0.5 ? 4 : 5;
    const which = rnd.int(5);
    if (which === 0) s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]));
    else if (which === 1) s.write(connect(Buffer.from([0x61, 0xc0, 0x80, 0xed, 0xa0, 0x80]), v, true));
    else if (which === 2) s.write(connect(randomId(), v, true, 0, 0x01)); // MQTT-3.1.2-3: reserved flag
    else if (which === 3) { const c = connect(randomId(), v, true); c[0] = 0x11; s.write(c); } // MQTT-2.1.3-1
    else s.write(Buffer.concat([connect(randomId(), v, true), packet(0x80, [0, 1, ...str('a/b'), 1])])); // SUBSCRIBE flags 0
  })),
  // A 256 MB packet announced before CONNECT, then nothing.
  hugeBeforeConnect: () => loop(150, () => hostile('256MB before CONNECT', 60000, (s) => s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])))),
  // CONNECT, then a PUBLISH claiming 256 MB with a few bytes of it.
  hugeAfterConnect: () => loop(50, () => hostile('huge after CONNECT', 60000, (s) => {
    s.write(Buffer.concat([connect(randomId(), 4, true), Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0, 3, 0x61, 0x2f, 0x62]), Buffer.alloc(2000, 0x78)]));
  })),
  // Bursts of 300 connections from one address (over the per-address limit), half of them
  // silent, closed after a second; the address changes so that our side keeps free ports.
  flood: () => loop(1, async () => {
    const from = `127.0.2.${1 + rnd.int(50)}`;
    await Promise.all(Array.from({ length: 300 }, (_, i) => hostile('connection flood', 1000, (s) => { if (i % 2 === 0) s.write(connect(randomId(), 4, true)); }, from)));
  }),
  // A CONNECT one byte a second (one timer writes to all of them).
  slowloris: () => loop(150, () => hostile('slowloris', 120000, (s) => slow.set(s, { bytes: connect(randomId(), 4, true), at: 0 }))),
  // Persistent sessions under random ids with a subscription (their queues fill from the flood).
  sessionSpam: () => loop(8, () => hostile('persistent-session spam', 3000, (s) => {
    const v = rnd.next() < 0.5 ? 4 : 5;
    s.write(Buffer.concat([connect(randomId(), v, false, 0xffffffff), subscribe(['spam/#'], v)]));
    setTimeout(() => { s.write(DISCONNECT); endOurs(s); }, 50);
  })),
  // Hundreds of distinct filters per SUBSCRIBE, packet after packet.
  subscriptionSpam: () => loop(3, () => hostile('subscription spam', 10000, (s) => {
    s.write(connect(randomId(), 5, true));
    let pid = 1;
    const t = setInterval(() => {
      if (s.destroyed) { clearInterval(t); return; }
      if (s.writableLength < 65536) s.write(subscribe(Array.from({ length: 200 }, (_, i) => `sub/${pid}-${i}-${rnd.int(1e9)}/+/x`), 5, pid++ % 65535 + 1));
    }, 20);
    s.on('close', () => clearInterval(t));
  })),
  // QoS 0 publishes in 32 KiB chunks each time the socket drains (as fast as the broker reads),
  // and QoS 1 ones within a window of 16 (3.1.1: each PUBACK is 4 bytes).
  publishFlood: () => loop(3, () => hostile('publish flood', 15000, (s) => {
    s.write(connect(randomId(), 4, true));
    let acks = 0;
    let sentQos1 = 0;
    s.on('data', (d: Buffer) => { acks += d.length / 4; });
    const pump = (): void => {
      if (s.destroyed || stopping) return;
      const chunk: Buffer[] = [FLOOD_CHUNK];
      while (sentQos1 - acks < 16) chunk.push(FLOOD_QOS1[sentQos1++ % FLOOD_QOS1.length]);
      if (s.write(Buffer.concat(chunk))) setTimeout(pump, 1);
      else s.once('drain', pump);
    };
    setTimeout(pump, 50);
  })),
};

// ---- the good clients: QoS 1 from a publisher to a subscriber, both with persistent sessions

class GoodClient implements SessionHandler {
  readonly session: Session;
  readonly driver: Driver;
  connects = 0;
  received = new Set<number>();
  pending = new Map<number, number>();
  acked: number[] = [];
  failed = 0;
  private ready: (() => void) | null = null;

  constructor(id: string, sched: Scheduler, private readonly subscriber: boolean) {
    const o = new SessionOptions();
    o.clientId = utf8(id);
    o.cleanStart = false;
    o.sessionExpiry = 3600;
    o.keepAlive = 30;
    o.backoffBase = 200;
    o.backoffMax = 2000;
    o.inflight = 16;
    o.queueCount = 256;
    o.storeBytes = 65536;
    this.session = new Session(o, this, null);
    this.driver = new Driver(this.session, new TcpTransport('127.0.0.1', brokerPort, '127.0.0.1'), new SchedClock(sched, Math.random));
  }
  start(): Promise<void> {
    return new Promise((r) => { this.ready = r; this.driver.start(); });
  }
  publish(seq: number): boolean {
    const h = this.session.publishString('good/t', `good ${seq}`, 1, false);
    if (h > 0) this.pending.set(h, seq);
    return h > 0;
  }
  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) return;
    this.connects++;
    if (this.connects === 1 && this.subscriber) this.session.subscribeString('good/t', 1, null);
    else if (this.connects === 1) this.done();
  }
  onSubscribe(): void { this.done(); }
  private done(): void { this.ready?.(); this.ready = null; }
  onMessage(msg: Packet): void {
    const m = /^good (\d+)$/.exec(Buffer.from(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen)).toString('latin1'));
    if (m) this.received.add(Number(m[1]));
  }
  onPublishDone(h: number, code: number): void {
    const seq = this.pending.get(h);
    if (seq === undefined) return;
    this.pending.delete(h);
    if (code < 0x80) this.acked.push(seq);
    else this.failed++;
  }
  onUnsubscribe(): void {}
  onClose(): void {}
}

// ---- the run

const LIMIT_FLAGS: [string, string][] = [
  ['--max-connections', '5000'], ['--connect-timeout', '10000'], ['--max-connect-size', '65536'], ['--packet-timeout', '10000'],
  ['--min-byte-rate', '1024'], ['--max-persistent-sessions', '10000'], ['--max-filters-per-packet', '1000'], ['--max-queued', '1000'],
  ['--max-connections-per-address', '200'],
];

function args(argv: string[]): { minutes: number; maxRssMb: number; rate: number; only: string[] } {
  const o = { minutes: 5, maxRssMb: 512, rate: 20, only: Object.keys(ATTACKS) };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--only') {
      o.only = (argv[i + 1] ?? '').split(',');
      const bad = o.only.filter((k) => !(k in ATTACKS));
      if (bad.length > 0) throw new Error(`--only: unknown attack '${bad.join(',')}' (${Object.keys(ATTACKS).join(' ')})`);
      continue;
    }
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${argv[i]} needs a positive number`);
    if (argv[i] === '--minutes') o.minutes = v;
    else if (argv[i] === '--max-rss-mb') o.maxRssMb = v;
    else if (argv[i] === '--rate') o.rate = v;
    else throw new Error(`unknown option '${argv[i]}' (--minutes M --max-rss-mb N --rate GOOD_MSG_PER_S --only ATTACK,...)`);
  }
  return o;
}

async function main(): Promise<number> {
  const o = args(process.argv.slice(2));
  const snap = brokerSnapshot();
  const help = execFileSync(process.execPath, [...snap.command, '--help'], { encoding: 'utf8' });
  const limits = LIMIT_FLAGS.filter(([f]) => help.includes(f)).flat();
  const broker = new BrokerProcess(snap.command, ['--sys-interval', '0', ...limits]);
  const sched = new Scheduler();
  const timers: NodeJS.Timeout[] = [];
  const pub = { client: null as GoodClient | null };
  const sub = { client: null as GoodClient | null };
  let rssPeak = 0;
  try {
    brokerPort = await broker.start();
    broker.onCrash = () => { if (!stopping) void broker.start().then((p) => { brokerPort = p; }, () => undefined); };
    process.stdout.write(`hostile: ${o.only.length === Object.keys(ATTACKS).length ? 'every attack' : o.only.join(', ')} for ${o.minutes} min, broker pid ${broker.pid} on ${brokerPort} with ${limits.join(' ') || 'its default limits'}\n`);
    const t0 = Date.now();
    const rss = (): number => { const kb = broker.rssKb(); if (kb > rssPeak) rssPeak = kb; return kb; };
    timers.push(setInterval(rss, 1000));
    sub.client = new GoodClient('good-sub', sched, true);
    pub.client = new GoodClient('good-pub', sched, false);
    await sub.client.start();
    await pub.client.start();
    let seq = 0;
    timers.push(setInterval(() => { if (pub.client!.publish(seq + 1)) seq++; }, 1000 / o.rate));
    const attacks = o.only.map((k) => ATTACKS[k]());
    const hostileTotals = (): Omit<Tally, 'localErrors'> => [...tallies.values()].reduce((a, t) => ({ made: a.made + t.made, refused: a.refused + t.refused, closedByBroker: a.closedByBroker + t.closedByBroker, open: a.open + t.open }), { made: 0, refused: 0, closedByBroker: 0, open: 0 });
    const line = (): void => {
      const h = hostileTotals();
      process.stdout.write(`${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s  rss ${(rss() / 1024).toFixed(0)} MB (peak ${(rssPeak / 1024).toFixed(0)})  good sent ${seq} acked ${pub.client!.acked.length} received ${sub.client!.received.size}` +
        `  hostile made ${h.made} refused or cut at once ${h.refused} closed by broker ${h.closedByBroker} open ${h.open}  crashes ${broker.crashes.length}\n`);
    };
    timers.push(setInterval(line, 10000));
    await new Promise((r) => setTimeout(r, o.minutes * 60000));

    // End: stop the attacks and the publisher; let the good messages finish.
    stopping = true;
    for (const t of timers) clearInterval(t);
    timers.length = 0;
    const drainUntil = Date.now() + 30000;
    const missing = (): number => pub.client!.acked.filter((s) => !sub.client!.received.has(s)).length;
    while (Date.now() < drainUntil && (pub.client.pending.size > 0 || missing() > 0)) await new Promise((r) => setTimeout(r, 200));
    const rssEnd = rss();
    line();
    for (const s of live) s.destroy();
    await Promise.race([Promise.all(attacks), new Promise((r) => setTimeout(r, 5000))]);
    const lost = missing();
    const h = hostileTotals();
    const rows = [...tallies.entries()].map(([k, t]) => `  ${k.padEnd(26)} made ${String(t.made).padStart(7)}  refused or cut at once ${String(t.refused).padStart(6)}  closed by broker ${String(t.closedByBroker).padStart(7)}` +
      (Object.keys(t.localErrors).length > 0 ? `  failed on our side ${JSON.stringify(t.localErrors)}` : ''));
    process.stdout.write(`hostile connections by kind:\n${rows.join('\n')}\n`);
    process.stdout.write(`good: sent ${seq}, acknowledged ${pub.client.acked.length}, failed ${pub.client.failed}, received ${sub.client.received.size}, lost ${lost}; reconnects pub ${pub.client.connects - 1} sub ${sub.client.connects - 1}\n`);
    process.stdout.write(`broker RSS peak ${(rssPeak / 1024).toFixed(1)} MB, at the end ${(rssEnd / 1024).toFixed(1)} MB (bound ${o.maxRssMb} MB); crashes ${broker.crashes.length}\n`);
    for (const c of broker.crashes) process.stdout.write(`FINDING broker crashed (code ${c.code}, signal ${c.signal}): ${c.stderr.trim().split('\n').slice(-5).join(' | ')}\n`);
    process.stdout.write(JSON.stringify({
      bench: 'hostile', minutes: o.minutes, attacks: o.only.length, goodSent: seq, goodAcked: pub.client.acked.length, goodReceived: sub.client.received.size, goodLost: lost,
      rssPeakMb: Math.round(rssPeak / 102.4) / 10, rssEndMb: Math.round(rssEnd / 102.4) / 10, maxRssMb: o.maxRssMb,
      hostileMade: h.made, hostileRefused: h.refused, hostileClosedByBroker: h.closedByBroker, crashes: broker.crashes.length,
    }) + '\n');
    return lost > 0 || broker.crashes.length > 0 || rssPeak / 1024 > o.maxRssMb ? 1 : 0;
  } finally {
    stopping = true;
    for (const t of timers) clearInterval(t);
    for (const s of live) s.destroy();
    pub.client?.driver.stop(0);
    sub.client?.driver.stop(0);
    await new Promise((r) => setTimeout(r, 200));
    sched.stop();
    await broker.stop();
    snap.remove();
  }
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`bench:hostile: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
