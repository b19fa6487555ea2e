// The memory part of `npm run bench:broker` (alone: `npm run bench:broker -- --memory`): a
// broker's resident memory per idle connected client and per idle persistent session with no
// connection, and for the two Node brokers the V8 heap, xsmqtt beside mosquitto and aedes in
// the same run. Each broker runs in a process of its own, fresh for each measure; the clients
// come from a separate load process writing pre-encoded MQTT 3.1.1 packets on raw sockets.
import { ChildProcess, spawn } from 'node:child_process';
import { connect as netConnect, Socket } from 'node:net';
import { BrokerProcess, brokerSnapshot, rssKb } from './broker-process.js';
import { startMosquitto } from '../peers/mosquitto.js';
import { connect, disconnect, subscribe } from '../session/packets.js';

const CLIENTS = Number(process.env.BENCH_MEMORY_CLIENTS ?? 10000);
/** Clients connected at once; the next batch starts when every CONNACK and SUBACK is in. */
const BATCH = 500;
/** Connected and dropped before the baseline, so first-use costs (code, pools) are not counted per client. */
const WARMUP_CLIENTS = 200;
const ROUNDS = 3;
/** Time for one broker's rounds: no new round starts that would end past it. */
const BUDGET_MS = 180000;
const CLIENT_TIMEOUT_MS = 30000;
const ALL_CLIENTS_TIMEOUT_MS = 150000;
const SETTLE_MS = 1000;
const HEAP_GOAL = 2048;
const RSS_GOAL = 4096;

/** Width of the number in client ids and topics: every id the same length, so one template serves. */
const DIGITS = Math.max(5, String(CLIENTS).length);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- load process: N clients, each a CONNECT and a SUBSCRIBE to a topic of its own

/** CONNECT (keep alive 0) and SUBSCRIBE `<prefix>/<i>` QoS 0 for client `<prefix>-<i>`, i in fixed width. */
class Hello {
  private template: Buffer;
  private connectLength: number;
  private idAt: number;
  private topicAt: number;

  constructor(readonly prefix: string, clean: boolean) {
    const zero = '0'.repeat(DIGITS);
    const c = Buffer.from(connect({ v: 4, clientId: `${prefix}-${zero}`, clean, keepAlive: 0 }));
    const s = Buffer.from(subscribe(1, [[`${prefix}/${zero}`, 0]], { v: 4 }));
    this.template = Buffer.concat([c, s]);
    this.connectLength = c.length;
    this.idAt = c.indexOf(`${prefix}-${zero}`) + prefix.length + 1;
    this.topicAt = c.length + s.indexOf(`${prefix}/${zero}`) + prefix.length + 1;
  }

  /** The bytes for client i: CONNECT alone, or CONNECT and SUBSCRIBE. */
  bytes(i: number, withSubscribe: boolean): Buffer {
    const b = Buffer.from(this.template);
    const digits = String(i).padStart(DIGITS, '0');
    b.write(digits, this.idAt, 'latin1');
    b.write(digits, this.topicAt, 'latin1');
    return withSubscribe ? b : b.subarray(0, this.connectLength);
  }
}

/** CONNACK accepted (4 bytes) and, when subscribed, SUBACK granting QoS 0 (5 more). */
function replyError(got: Buffer, withSubscribe: boolean): string | null {
  if (got[0] !== 0x20 || got[3] !== 0) return `CONNACK ${got.subarray(0, 4).toString('hex')}`;
  if (withSubscribe && (got[4] !== 0x90 || got[8] !== 0)) return `SUBACK ${got.subarray(4, 9).toString('hex')}`;
  return null;
}

interface Opened {
  sock: Socket | null;
  reply: Buffer;
  error: string;
}

/** Connects, writes `hello`, and waits for `want` bytes of reply (the socket is closed on failure). */
function openClient(port: number, hello: Buffer, want: number): Promise<Opened> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const finish = (error: string): void => {
      clearTimeout(timer);
      s.removeAllListeners('data');
      s.removeAllListeners('close');
      if (error) s.destroy();
      resolve({ sock: error ? null : s, reply: got, error });
    };
    const timer = setTimeout(() => finish('no reply in time'), CLIENT_TIMEOUT_MS);
    s.on('error', (e) => finish(e.message));
    s.once('close', () => finish('closed by the broker'));
    s.once('connect', () => s.write(hello));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= want) finish(replyError(got, want > 4) ?? '');
      else if (got.length >= 4 && got[3] !== 0) finish(replyError(got, false) ?? '');
    });
  });
}

/**
 * The load process (`--memory-clients PORT N CLEAN PREFIX hold|leave`): connects N clients in
 * batches and reports over IPC; `hold` keeps them until killed (answering 'status' with how many
 * are still open), `leave` sends DISCONNECT on each, waits for the broker to close them and ends.
 */
export async function runMemoryClients(port: number, n: number, clean: boolean, prefix: string, leave: boolean): Promise<void> {
  const send = (m: Record<string, unknown>): Promise<void> => new Promise((r) => process.send!(m, () => r()));
  const hello = new Hello(prefix, clean);
  const socks: Socket[] = [];
  let failed = 0;
  let firstError = '';
  const t0 = Date.now();
  for (let i = 0; i < n && Date.now() - t0 < ALL_CLIENTS_TIMEOUT_MS; i += BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => openClient(port, hello.bytes(i + k, true), 9)));
    for (const r of batch) {
      if (r.sock) socks.push(r.sock);
      else {
        failed++;
        firstError ||= r.error;
      }
    }
    if (batch.every((r) => !r.sock)) break;
  }
  let open = socks.length;
  for (const s of socks) {
    s.on('error', () => undefined);
    s.once('close', () => { open--; });
  }
  await send({ connected: socks.length, failed, firstError, ms: Date.now() - t0 });
  if (!leave) {
    process.on('message', (m) => { if (m === 'status') void send({ open }); });
    return;
  }
  const bye = Buffer.from(disconnect(0, { v: 4 }));
  const t1 = Date.now();
  for (const s of socks) s.end(bye);
  while (open > 0 && Date.now() - t1 < ALL_CLIENTS_TIMEOUT_MS) await sleep(50);
  await send({ gone: socks.length - open, stillOpen: open, ms: Date.now() - t1 });
  process.exit(0);
}

/** The parent's side of a load process: its IPC messages in order, each awaited with a timeout. */
class LoadProcess {
  private child: ChildProcess;
  private messages: Record<string, unknown>[] = [];
  private wake: (() => void) | null = null;
  private exited = false;
  private kill = (): void => { this.child.kill('SIGKILL'); };

  constructor(loadScript: string, port: number, n: number, clean: boolean, prefix: string, leave: boolean) {
    this.child = spawn(process.execPath, [loadScript, '--memory-clients', String(port), String(n), clean ? '1' : '0', prefix, leave ? 'leave' : 'hold'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    process.on('exit', this.kill);
    this.child.on('message', (m) => {
      this.messages.push(m as Record<string, unknown>);
      this.wake?.();
    });
    this.child.once('exit', () => {
      this.exited = true;
      process.off('exit', this.kill);
      this.wake?.();
    });
  }

  /** The next message; throws after ms or when the process ended without one. */
  async next(ms: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    while (this.messages.length === 0) {
      if (this.exited) throw new Error('the load process ended early');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the load process said nothing in ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); this.wake = null; resolve(); };
      });
    }
    return this.messages.shift()!;
  }

  async ask(m: string, ms: number): Promise<Record<string, unknown>> {
    this.child.send(m);
    return this.next(ms);
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

// ---- the brokers

interface MemoryBroker {
  port: number;
  rssKb(): number;
  /** V8 heap in use after a full collection; null where it cannot be seen. */
  heapUsed(): Promise<number | null>;
  /** Why it is gone, or '' while it runs. */
  died(): string;
  stop(): Promise<void>;
}

interface Contender {
  name: string;
  start(): Promise<MemoryBroker>;
}

function nodeBroker(b: BrokerProcess): MemoryBroker {
  return {
    port: b.port,
    rssKb: () => b.rssKb(),
    heapUsed: async () => {
      const h = await b.heapUsed();
      if (Number.isNaN(h)) throw new Error('no answer to the heap request');
      return h;
    },
    died: () => {
      const c = b.crashes.at(-1);
      if (b.running || !c) return '';
      return /\w*Error[^\n]*/.exec(c.stderr)?.[0] ?? `exited (${c.signal ?? `code ${c.code}`})`;
    },
    stop: () => b.kill9(),
  };
}

function contenders(loadScript: string, brokerCommand: string[]): Contender[] {
  return [
    {
      name: 'xsmqtt',
      start: async () => {
        const b = new BrokerProcess(brokerCommand, ['--sys-interval', '0'], true);
        await b.start();
        return nodeBroker(b);
      },
    },
    {
      name: 'mosquitto',
      start: async () => {
        // persistence false keeps sessions in memory, as the other two do; no log line per client;
        // TCP_NODELAY as the other two, or each SUBACK waits for the CONNACK's ACK.
        const m = await startMosquitto({ extraConfig: ['connection_messages false', 'set_tcp_nodelay true'] });
        const pid = m.pid ?? -1;
        return {
          port: m.port,
          rssKb: () => rssKb(pid),
          heapUsed: async () => null,
          died: () => (rssKb(pid) < 0 ? `exited: ${m.log().slice(-300)}` : ''),
          stop: () => m.stop(),
        };
      },
    },
    {
      name: 'aedes',
      start: async () => {
        const b = new BrokerProcess([loadScript, '--aedes', '0'], [], true);
        await b.start();
        return nodeBroker(b);
      },
    },
  ];
}

// ---- measuring

interface Sample {
  rssKb: number;
  heap: number | null;
}

async function sample(b: MemoryBroker): Promise<Sample> {
  const heap = await b.heapUsed();
  // RSS after the collection, which may have given pages back.
  await sleep(200);
  return { rssKb: b.rssKb(), heap };
}

interface PerClient {
  clients: number;
  rss: number;
  heap: number | null;
  ms: number;
  check: string;
}

/** Connects and drops a few clients, so the baseline has paid for what the first ones cost. */
async function warmUp(loadScript: string, port: number): Promise<void> {
  const load = new LoadProcess(loadScript, port, WARMUP_CLIENTS, true, 'warm', true);
  try {
    await load.next(ALL_CLIENTS_TIMEOUT_MS);
    await load.next(ALL_CLIENTS_TIMEOUT_MS);
  } finally {
    load.stop();
  }
}

/** Did the broker keep client 0's session: CONNECT with clean session 0 and read Session Present. */
async function sessionKept(port: number, prefix: string): Promise<boolean> {
  const r = await openClient(port, new Hello(prefix, false).bytes(0, false), 4);
  r.sock?.destroy();
  return r.sock !== null && (r.reply[2] & 1) === 1;
}

/**
 * One measure on a fresh broker: idle connected clients (persistent false), or persistent
 * sessions left behind by clients that subscribed and disconnected (persistent true).
 */
async function measure(c: Contender, loadScript: string, persistent: boolean): Promise<PerClient> {
  const b = await c.start();
  let load: LoadProcess | null = null;
  try {
    await warmUp(loadScript, b.port);
    await sleep(SETTLE_MS);
    const before = await sample(b);
    const prefix = persistent ? 'sess' : 'idle';
    load = new LoadProcess(loadScript, b.port, CLIENTS, !persistent, prefix, persistent);
    const up = await load.next(ALL_CLIENTS_TIMEOUT_MS + CLIENT_TIMEOUT_MS);
    const clients = Number(up.connected);
    if (b.died()) throw new Error(`broker died: ${b.died()}`);
    if (clients < CLIENTS) throw new Error(`${clients} of ${CLIENTS} clients connected (${up.failed} failed: ${up.firstError})`);
    if (persistent) {
      const gone = await load.next(ALL_CLIENTS_TIMEOUT_MS + CLIENT_TIMEOUT_MS);
      if (Number(gone.stillOpen) > 0) throw new Error(`${gone.stillOpen} connections still open ${gone.ms} ms after DISCONNECT`);
    }
    await sleep(SETTLE_MS);
    const after = await sample(b);
    if (b.died()) throw new Error(`broker died: ${b.died()}`);
    let check: string;
    if (persistent) check = (await sessionKept(b.port, prefix)) ? 'session present' : 'SESSION NOT KEPT';
    else {
      const open = Number((await load.ask('status', 10000)).open);
      check = open === clients ? 'all still open' : `ONLY ${open} STILL OPEN`;
    }
    return {
      clients,
      rss: ((after.rssKb - before.rssKb) * 1024) / clients,
      heap: after.heap === null || before.heap === null ? null : (after.heap - before.heap) / clients,
      ms: Number(up.ms),
      check,
    };
  } finally {
    load?.stop();
    await b.stop();
  }
}

interface BrokerFigures {
  bench: 'broker-memory';
  broker: string;
  rounds: number;
  idleConnections: number;
  rssPerConnection: number | null;
  heapPerConnection: number | null;
  idleSessions: number;
  rssPerSession: number | null;
  heapPerSession: number | null;
  note?: string;
  error?: string;
}

function median(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return Math.round(m);
}

const kb = (bytes: number | null): string => (bytes === null ? '-' : `${Math.round(bytes).toLocaleString('en-US')} B`);

async function benchBroker(c: Contender, loadScript: string): Promise<BrokerFigures> {
  const conns: PerClient[] = [];
  const sessions: PerClient[] = [];
  const t0 = Date.now();
  let error = '';
  let roundMs = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    if (round > 1 && Date.now() - t0 + roundMs > BUDGET_MS) break;
    const r0 = Date.now();
    try {
      const a = await measure(c, loadScript, false);
      conns.push(a);
      const s = await measure(c, loadScript, true);
      sessions.push(s);
      process.stdout.write(`  ${c.name} round ${round}: ${a.clients} idle connections in ${a.ms} ms, ${kb(a.rss)} RSS and ${kb(a.heap)} heap each (${a.check}); ${s.clients} idle sessions, ${kb(s.rss)} RSS and ${kb(s.heap)} heap each (${s.check})\n`);
    } catch (e) {
      error = (e as Error).message;
      process.stdout.write(`  ${c.name} round ${round}: FAILED (${error})\n`);
      break;
    }
    roundMs = Date.now() - r0;
  }
  const rounds = sessions.length;
  const notes: string[] = [];
  if (rounds < ROUNDS && !error) notes.push(`${rounds} round(s): ${ROUNDS} would not fit in ${BUDGET_MS / 1000} s`);
  if (c.name === 'mosquitto') notes.push('RSS only: mosquitto\'s heap is not observable from outside');
  const bad = [...conns, ...sessions].filter((p) => p.check !== 'all still open' && p.check !== 'session present');
  if (bad.length > 0) notes.push(bad.map((p) => p.check).join(', '));
  const out: BrokerFigures = {
    bench: 'broker-memory',
    broker: c.name,
    rounds,
    idleConnections: CLIENTS,
    rssPerConnection: median(conns.map((p) => p.rss)),
    heapPerConnection: median(conns.map((p) => p.heap)),
    idleSessions: CLIENTS,
    rssPerSession: median(sessions.map((p) => p.rss)),
    heapPerSession: median(sessions.map((p) => p.heap)),
  };
  if (notes.length > 0) out.note = notes.join('; ');
  if (error) out.error = error;
  return out;
}

const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? Math.round((a / b) * 100) / 100 : null);

/** The memory bench: one JSON line per broker, the ratios, and xsmqtt against its goals. loadScript runs this module's load process and aedes. */
export async function benchMemory(loadScript: string): Promise<void> {
  const snap = brokerSnapshot();
  try {
    process.stdout.write(`\nbroker memory bench: ${CLIENTS} idle MQTT 3.1.1 clients (keep alive 0, one subscription each) connected, then ${CLIENTS} persistent sessions left by clients that disconnected; per client = (broker after - broker before) / ${CLIENTS}, median of up to ${ROUNDS} rounds, each measure on a fresh broker, ${new Date().toISOString()}\n`);
    const figures: Record<string, BrokerFigures> = {};
    for (const c of contenders(loadScript, snap.command)) {
      figures[c.name] = await benchBroker(c, loadScript);
    }
    for (const f of Object.values(figures)) process.stdout.write(JSON.stringify(f) + '\n');
    const x = figures.xsmqtt;
    const m = figures.mosquitto;
    const a = figures.aedes;
    process.stdout.write(JSON.stringify({
      bench: 'broker-memory-ratios',
      rssPerConnectionVsMosquitto: ratio(x.rssPerConnection, m.rssPerConnection),
      rssPerSessionVsMosquitto: ratio(x.rssPerSession, m.rssPerSession),
      rssPerConnectionVsAedes: ratio(x.rssPerConnection, a.rssPerConnection),
      rssPerSessionVsAedes: ratio(x.rssPerSession, a.rssPerSession),
      heapPerConnectionVsAedes: ratio(x.heapPerConnection, a.heapPerConnection),
      heapPerSessionVsAedes: ratio(x.heapPerSession, a.heapPerSession),
    }) + '\n');
    const verdict = (v: number | null, goal: number): string => (v === null ? 'unknown' : v < goal ? 'pass' : 'miss');
    process.stdout.write(JSON.stringify({
      bench: 'broker-memory-goals',
      broker: 'xsmqtt',
      heapPerSession: { bytes: x.heapPerSession, goal: `under ${HEAP_GOAL} B of heap per idle session`, result: verdict(x.heapPerSession, HEAP_GOAL) },
      rssPerConnection: { bytes: x.rssPerConnection, goal: `under ${RSS_GOAL} B of RSS per idle connection`, result: verdict(x.rssPerConnection, RSS_GOAL) },
    }) + '\n');
  } finally {
    snap.remove();
  }
}
