// `npm run bench:broker`: xsmqtt's broker, aedes and mosquitto under the same load, in one run.
// 10 publishers and 10 subscribers (all subscribed to bench/#, publisher i on bench/i/data),
// QoS 0 then QoS 1, 64-byte payloads. The load comes from two separate processes (publishers,
// subscribers) writing packets pre-encoded with the project's codec on raw sockets, so no MQTT
// client library is in the way. Reported: delivered messages a second (median of the runs),
// each process's CPU during the window (and which one saturated), the broker's resident
// memory with 1,000 idle clients, and any broker crash, in a JSON line. Then the memory part
// (broker-memory.ts; `-- --memory` runs it alone): memory per idle connection and per idle
// persistent session, ending in JSON lines too.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer, connect as netConnect, Socket, AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packet } from '../../src/core/codec/packet.js';
import { encodePacket } from '../../src/core/codec/codec.js';
import { benchMemory, runMemoryClients } from './broker-memory.js';
import { answerHeapRequests } from './broker-process.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = process.env.XSMQTT_ROOT ?? join(SELF, '../../../..');
/**
 * The processes started by the bench run from a bundled snapshot (made with esbuild at start,
 * in dist/.bench-broker/), so a rebuild of dist/ during the run cannot break them midway.
 */
const SNAPSHOT = join(ROOT, 'dist/.bench-broker');
let loadScript = SELF;
let brokerCli = [join(ROOT, 'dist/src/node/cli.js'), 'broker'];
/**
 * BENCH_BASELINE=DIR adds the broker of another checkout (built: DIR/dist) as a peer, so a
 * change is measured against the code before it in the same run, on the same machine.
 */
const BASELINE = process.env.BENCH_BASELINE;
let baselineCli: string[] = [];

function bundleBroker(esbuild: string, root: string, name: string, common: string[]): string {
  const entry = join(SNAPSHOT, `${name}-entry.mjs`);
  writeFileSync(entry, `import { main } from ${JSON.stringify(join(root, 'dist/src/broker/cli.js'))};\nmain(process.argv.slice(2)).then((c) => { process.exitCode = c; });\n`);
  const out = join(SNAPSHOT, `${name}.mjs`);
  execFileSync(esbuild, [entry, ...common, `--outfile=${out}`]);
  return out;
}

function snapshot(): void {
  const esbuild = join(ROOT, 'node_modules/.bin/esbuild');
  mkdirSync(SNAPSHOT, { recursive: true });
  const common = ['--bundle', '--platform=node', '--format=esm', '--external:aedes', '--external:ws', '--external:better-sqlite3', '--log-level=error'];
  const broker = bundleBroker(esbuild, ROOT, 'broker', common);
  if (BASELINE !== undefined) baselineCli = [bundleBroker(esbuild, BASELINE, 'baseline', common)];
  execFileSync(esbuild, [join(ROOT, 'dist/host-tests/bench/broker.js'), ...common, `--outfile=${join(SNAPSHOT, 'bench.mjs')}`]);
  loadScript = join(SNAPSHOT, 'bench.mjs');
  brokerCli = [broker];
}
const PUBLISHERS = 10;
const SUBSCRIBERS = 10;
const PAYLOAD = 64;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WARMUP_MS = 400;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 1500);
const IDLE_CLIENTS = 1000;
const QOS1_WINDOW = 64;

// ---- packets, pre-encoded with the project's codec

function encode(build: (p: Packet) => void, type: number): Buffer {
  const p = new Packet(4, 0, 0);
  p.reset(type, 4);
  build(p);
  const out = new Uint8Array(4096);
  const n = encodePacket(p, out, 0);
  if (n < 0) throw new Error(`encode ${type}: ${-n}`);
  return Buffer.from(out.subarray(0, n));
}

function connectPacket(id: string): Buffer {
  return encode((p) => {
    const b = Buffer.from(id);
    p.clientId = b;
    p.clientIdOff = 0;
    p.clientIdLen = b.length;
    p.cleanStart = true;
    p.keepAlive = 0;
  }, 1);
}

function subscribePacket(filter: string, qos: number): Buffer {
  return encode((p) => {
    p.packetId = 1;
    const f = Buffer.from(filter);
    p.addFilter(f, 0, f.length, qos);
  }, 8);
}

function publishPacket(topic: string, qos: number, pid: number): Buffer {
  return encode((p) => {
    const t = Buffer.from(topic);
    p.setTopic(t, 0, t.length);
    const payload = Buffer.alloc(PAYLOAD, 0x61);
    p.setPayload(payload, 0, payload.length);
    p.qos = qos;
    p.packetId = pid;
  }, 3);
}

const PUBACK = encode((p) => { p.packetId = 1; }, 4);

/** Calls onPacket(buf, off, len) for each whole packet in a stream of chunks. */
class Splitter {
  private rest: Buffer | null = null;
  constructor(private onPacket: (buf: Buffer, off: number, len: number) => void) {}
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.rest) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let off = 0;
    const end = buf.length;
    while (off + 2 <= end) {
      let len = 0;
      let mul = 1;
      let i = off + 1;
      let done = false;
      while (i < end && i < off + 5) {
        const b = buf[i++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) { done = true; break; }
      }
      if (!done || i + len > end) break;
      this.onPacket(buf, off, i + len - off);
      off = i + len;
    }
    if (off < end) this.rest = buf.subarray(off);
  }
}

function open(port: number, id: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1');
    s.setNoDelay(true);
    s.once('error', reject);
    s.once('connect', () => {
      s.write(connectPacket(id));
      s.once('data', (d: Buffer) => {
        if (d[0] !== 0x20 || d[3] !== 0) reject(new Error(`${id}: CONNACK refused`));
        else resolve(s);
      });
    });
  });
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// ---- load processes

/** Subscribers: connect, subscribe, count deliveries in the window, ack QoS 1. */
async function runSubscribers(port: number, qos: number): Promise<void> {
  const socks: Socket[] = [];
  let count = 0;
  let counting = false;
  let closed = false;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const s = await open(port, `sub-${i}-${process.pid}`);
    socks.push(s);
    await new Promise<void>((resolve) => {
      s.once('data', () => resolve());
      s.write(subscribePacket('bench/#', qos));
    });
    const acks: Buffer[] = [];
    const split = new Splitter((buf, off, len) => {
      if (buf[off] >> 4 !== 3) return;
      if (counting) count++;
      if (((buf[off] >> 1) & 3) > 0) {
        // packet id after the fixed header and topic
        let i2 = off + 1;
        while (buf[i2] & 0x80) i2++;
        i2++;
        const tlen = (buf[i2] << 8) | buf[i2 + 1];
        const at = i2 + 2 + tlen;
        const ack = Buffer.from(PUBACK);
        ack[2] = buf[at];
        ack[3] = buf[at + 1];
        acks.push(ack);
      }
    });
    s.on('data', (d: Buffer) => {
      split.push(d);
      if (acks.length > 0) {
        s.write(acks.length === 1 ? acks[0] : Buffer.concat(acks));
        acks.length = 0;
      }
    });
    s.on('close', () => { closed = true; });
    s.on('error', () => { closed = true; });
  }
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  // The window starts WARMUP_MS after the first delivery arrives.
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (closed) { clearInterval(check); resolve(); }
    }, 20);
    const first = (): void => {
      for (const s of socks) s.off('data', first);
      clearInterval(check);
      resolve();
    };
    for (const s of socks) s.on('data', first);
  });
  await sleep(WARMUP_MS);
  const c0 = cpuMs();
  const t0 = Date.now();
  counting = true;
  process.stdout.write(JSON.stringify({ window: 'start' }) + '\n');
  await sleep(WINDOW_MS);
  counting = false;
  const secs = (Date.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ deliveries: count, rate: count / secs, cpu: (cpuMs() - c0) / (secs * 10), closed }) + '\n');
  for (const s of socks) s.destroy();
}

/** Publishers: flood (QoS 0, socket back-pressure only) or keep a window of QoS 1 in flight. */
async function runPublishers(port: number, qos: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const socks: Socket[] = [];
  let sent = 0;
  const c0 = cpuMs();
  const t0 = Date.now();
  const running: Promise<void>[] = [];
  const report = (): void => {
    const secs = (Date.now() - t0) / 1000;
    process.stdout.write(JSON.stringify({ sent, cpu: (cpuMs() - c0) / (secs * 10) }) + '\n');
  };
  // The orchestrator stops the publishers with SIGTERM once the window is over.
  process.once('SIGTERM', () => {
    report();
    process.exit(0);
  });
  for (let i = 0; i < PUBLISHERS; i++) {
    const s = await open(port, `pub-${i}-${process.pid}`).catch(() => null);
    if (!s) continue;
    socks.push(s);
    s.on('error', () => undefined);
    const topic = `bench/${i}/data`;
    if (qos === 0) {
      const one = publishPacket(topic, 0, 0);
      const batch = Buffer.concat(Array.from({ length: 128 }, () => one));
      running.push(new Promise<void>((resolve) => {
        const pump = (): void => {
          while (Date.now() < deadline && !s.destroyed) {
            sent += 128;
            if (!s.write(batch)) {
              s.once('drain', pump);
              return;
            }
          }
          resolve();
        };
        s.once('close', () => resolve());
        pump();
      }));
    } else {
      const template = publishPacket(topic, 1, 1);
      const pidAt = template.length - PAYLOAD - 2;
      let pid = 0;
      const make = (n: number): Buffer => {
        const out = Buffer.allocUnsafe(template.length * n);
        for (let k = 0; k < n; k++) {
          template.copy(out, k * template.length);
          pid = pid === 65535 ? 1 : pid + 1;
          out[k * template.length + pidAt] = pid >> 8;
          out[k * template.length + pidAt + 1] = pid & 0xff;
        }
        sent += n;
        return out;
      };
      running.push(new Promise<void>((resolve) => {
        const split = new Splitter((buf, off) => {
          if (buf[off] >> 4 === 4) acked++;
        });
        let acked = 0;
        s.on('data', (d: Buffer) => {
          acked = 0;
          split.push(d);
          if (Date.now() >= deadline) {
            resolve();
            return;
          }
          if (acked > 0) s.write(make(acked));
        });
        s.once('close', () => resolve());
        s.write(make(QOS1_WINDOW));
        setTimeout(resolve, ms + 100);
      }));
    }
  }
  await Promise.all(running);
  report();
  for (const s of socks) s.destroy();
}

/** Connects N idle clients, says so, and holds them until killed. */
async function runIdle(port: number, n: number): Promise<void> {
  const socks: Socket[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => open(port, `idle-${i + k}`)));
    socks.push(...batch);
  }
  process.stdout.write(JSON.stringify({ ready: true, clients: socks.length }) + '\n');
  await new Promise(() => undefined);
}

async function runAedes(port: number): Promise<void> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  // TCP_NODELAY on, as the other two brokers have it (xsmqtt sets it, mosquitto via set_tcp_nodelay).
  const server = createServer({ noDelay: true }, broker.handle as unknown as (s: Socket) => void);
  // The memory bench starts it on port 0 and reads the port from this line, as from xsmqtt's.
  server.listen(port, '127.0.0.1', () => process.stderr.write(`aedes listening on mqtt://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
  answerHeapRequests();
}

// ---- orchestration

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** CPU time (ms) of a process from /proc. */
function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

function procRssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

interface Peer {
  name: string;
  start(port: number): ChildProcess;
}

const tmp = mkdtempSync(join(tmpdir(), 'xsmqtt-bench-'));

const PEERS: Peer[] = [
  {
    name: 'xsmqtt',
    start: (port) => spawn(process.execPath, [...brokerCli, '-p', String(port), '--sys-interval', '0'], { stdio: ['ignore', 'ignore', 'pipe'] }),
  },
  ...(BASELINE === undefined ? [] : [{
    name: 'baseline',
    start: (port: number) => spawn(process.execPath, [...baselineCli, '-p', String(port), '--sys-interval', '0'], { stdio: ['ignore', 'ignore', 'pipe'] as const }),
  }]),
  {
    name: 'aedes',
    start: (port) => spawn(process.execPath, [loadScript, '--aedes', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] }),
  },
  {
    name: 'mosquitto',
    // The same limits as xsmqtt's defaults: 100 QoS 1/2 in flight and 1,000 queued per client.
    start: (port) => {
      const conf = join(tmp, `mosquitto-${port}.conf`);
      writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_queued_messages 1000\nmax_inflight_messages 100\nlog_type error\nlog_dest stderr\n`);
      return spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    },
  },
];

class Running {
  child: ChildProcess;
  exited = false;
  stderr = '';
  constructor(readonly peer: Peer, readonly port: number) {
    this.child = peer.start(port);
    this.child.stderr!.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    this.child.once('exit', () => { this.exited = true; });
  }
  async ready(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (this.exited) throw new Error(`${this.peer.name} exited at start: ${this.stderr}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = netConnect(this.port, '127.0.0.1');
        s.once('connect', () => { s.destroy(); resolve(true); });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      await sleep(50);
    }
    throw new Error(`${this.peer.name} did not listen`);
  }
  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

function loadProcess(args: string[]): { child: ChildProcess; lines: AsyncGenerator<Record<string, unknown>> } {
  const child = spawn(process.execPath, [loadScript, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  async function* lines(): AsyncGenerator<Record<string, unknown>> {
    let buf = '';
    for await (const chunk of child.stdout!) {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        yield JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    }
  }
  return { child, lines: lines() };
}

interface RunResult {
  rate: number;
  crashed: boolean;
  brokerCpu: number;
  subCpu: number;
  pubCpu: number;
}

async function oneRun(b: Running, qos: number): Promise<RunResult> {
  const subs = loadProcess(['--subs', String(b.port), String(qos)]);
  const crashedResult = (): RunResult => ({ rate: NaN, crashed: true, brokerCpu: NaN, subCpu: NaN, pubCpu: NaN });
  try {
    const first = await subs.lines.next();
    if (first.done || !(first.value as { ready?: boolean }).ready) {
      if (b.exited) return crashedResult();
      throw new Error('the subscriber process failed to start');
    }
    const pubs = loadProcess(['--pubs', String(b.port), String(qos), String(WARMUP_MS + WINDOW_MS + 3000)]);
    const start = await subs.lines.next();
    const cpu0 = procCpuMs(b.child.pid!);
    const t0 = Date.now();
    if (start.done) {
      pubs.child.kill('SIGKILL');
      if (b.exited) return crashedResult();
      throw new Error('the subscriber process ended early');
    }
    const end = await subs.lines.next();
    const cpu1 = procCpuMs(b.child.pid!);
    const secs = (Date.now() - t0) / 1000;
    pubs.child.kill('SIGTERM');
    let pubCpu = NaN;
    const pubOut = await Promise.race([pubs.lines.next(), sleep(6000).then(() => null)]);
    if (pubOut && !pubOut.done) pubCpu = Number((pubOut.value as { cpu: number }).cpu);
    pubs.child.kill('SIGKILL');
    const r = end.done ? null : (end.value as { rate: number; cpu: number; closed: boolean });
    await sleep(100);
    const crashed = b.exited || r === null || r.closed;
    return { rate: crashed ? NaN : r!.rate, crashed, brokerCpu: (cpu1 - cpu0) / (secs * 10), subCpu: r ? r.cpu : NaN, pubCpu };
  } finally {
    subs.child.kill('SIGKILL');
  }
}

function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

async function idleRss(peer: Peer): Promise<number> {
  const b = new Running(peer, await freePort());
  try {
    await b.ready();
    const idle = loadProcess(['--idle', String(b.port), String(IDLE_CLIENTS)]);
    try {
      const r = await Promise.race([idle.lines.next(), sleep(30000).then(() => null)]);
      if (!r || r.done) return NaN;
      await sleep(500);
      return procRssKb(b.child.pid!);
    } finally {
      idle.child.kill('SIGKILL');
    }
  } finally {
    await b.stop();
  }
}

async function orchestrate(): Promise<void> {
  const results: Record<string, Record<string, { median: number; runs: RunResult[]; crashes: number }>> = {};
  const rss: Record<string, number> = {};
  const started = Date.now();
  process.stdout.write(`broker bench: ${PUBLISHERS} publishers -> ${SUBSCRIBERS} subscribers on bench/#, ${PAYLOAD} B payloads, ${RUNS} runs of ${WINDOW_MS} ms per QoS, ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
  for (const peer of PEERS) {
    rss[peer.name] = await idleRss(peer);
    results[peer.name] = {};
  }
  // Runs alternate between the brokers, so a change in the machine's load hits each alike.
  for (const qos of [0, 1]) {
    const live = new Map<Peer, Running>();
    const runs = new Map<Peer, RunResult[]>();
    const crashes = new Map<Peer, number>();
    for (const peer of PEERS) {
      const b = new Running(peer, await freePort());
      await b.ready();
      live.set(peer, b);
      runs.set(peer, []);
      crashes.set(peer, 0);
    }
    for (let i = 0; i < RUNS; i++) {
      for (const peer of PEERS) {
        const b = live.get(peer)!;
        let r: RunResult;
        try {
          r = await oneRun(b, qos);
        } catch (e) {
          // A load process failing is not the broker's doing: run again.
          process.stdout.write(`  ${peer.name} q${qos} run ${i + 1}: load error (${(e as Error).message}), again\n`);
          r = await oneRun(b, qos);
        }
        runs.get(peer)!.push(r);
        if (r.crashed || b.exited) {
          crashes.set(peer, crashes.get(peer)! + 1);
          const why = /RangeError[^\n]*|Maximum call stack[^\n]*|Error[^\n]*/.exec(b.stderr)?.[0] ?? 'no message';
          process.stdout.write(`  ${peer.name} q${qos} run ${i + 1}: CRASHED (${why.trim()})\n`);
          await b.stop();
          const again = new Running(peer, await freePort());
          await again.ready();
          live.set(peer, again);
        } else {
          const sat = [['broker', r.brokerCpu], ['subscribers', r.subCpu], ['publishers', r.pubCpu]].filter(([, c]) => (c as number) >= 90).map(([n]) => n);
          process.stdout.write(`  ${peer.name} q${qos} run ${i + 1}: ${Math.round(r.rate)} msg/s  cpu broker ${r.brokerCpu.toFixed(0)}% subs ${r.subCpu.toFixed(0)}% pubs ${r.pubCpu.toFixed(0)}%${sat.length ? '  saturated: ' + sat.join(', ') : ''}\n`);
        }
      }
    }
    for (const peer of PEERS) {
      await live.get(peer)!.stop();
      const rs = runs.get(peer)!;
      results[peer.name][`q${qos}`] = { median: median(rs.map((r) => r.rate)), runs: rs, crashes: crashes.get(peer)! };
    }
  }
  process.stdout.write('\nmedian delivered messages/s, broker RSS with 1,000 idle clients:\n');
  for (const peer of PEERS) {
    const r = results[peer.name];
    const brokerCpu = (q: string) => median(r[q].runs.map((x) => x.brokerCpu)).toFixed(0);
    process.stdout.write(`  ${peer.name.padEnd(10)} q0 ${String(Math.round(r.q0.median)).padStart(8)} (broker cpu ${brokerCpu('q0')}%, crashes ${r.q0.crashes})  q1 ${String(Math.round(r.q1.median)).padStart(8)} (broker cpu ${brokerCpu('q1')}%, crashes ${r.q1.crashes})  rss ${(rss[peer.name] / 1024).toFixed(1)} MiB\n`);
  }
  process.stdout.write(`(${cpus().length} cores shared by the broker and the load processes; a process at >= 90% of a core is saturated; load average now ${loadavg()[0].toFixed(1)}; ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 100) / 100 : null);
  const x = results.xsmqtt;
  process.stdout.write(JSON.stringify({
    bench: 'broker',
    qos0VsAedes: ratio(x.q0.median, results.aedes.q0.median),
    qos1VsAedes: ratio(x.q1.median, results.aedes.q1.median),
    qos0VsMosquitto: ratio(x.q0.median, results.mosquitto.q0.median),
    qos1VsMosquitto: ratio(x.q1.median, results.mosquitto.q1.median),
    ...(BASELINE === undefined ? {} : {
      qos0VsBaseline: ratio(x.q0.median, results.baseline.q0.median),
      qos1VsBaseline: ratio(x.q1.median, results.baseline.q1.median),
    }),
  }) + '\n');
}

const [mode, a1, a2, a3, a4, a5] = process.argv.slice(2);
if (mode !== undefined && mode !== '--aedes' && mode !== '--memory') {
  // A load process whose broker went away says so in one line and ends; the orchestrator notices.
  process.on('uncaughtException', (e) => {
    process.stderr.write(`bench load process: ${e.message}\n`);
    process.exit(3);
  });
}
if (mode === '--subs') await runSubscribers(Number(a1), Number(a2));
else if (mode === '--pubs') await runPublishers(Number(a1), Number(a2), Number(a3));
else if (mode === '--idle') await runIdle(Number(a1), Number(a2));
else if (mode === '--aedes') await runAedes(Number(a1));
else if (mode === '--memory-clients') await runMemoryClients(Number(a1), Number(a2), a3 === '1', a4, a5 === 'leave');
else {
  try {
    snapshot();
    if (mode !== '--memory') await orchestrate();
    await benchMemory(loadScript);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(0);
}
