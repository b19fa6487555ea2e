// `npm run bench:client`: xsmqtt's Node client against MQTT.js, against one mosquitto on
// loopback, in the same run. Each library publishes N messages (64-byte payload; QoS 0, then
// QoS 1 with a window of 100) as fast as flow control allows, to a subscriber of the same
// library; publisher and subscriber are separate processes. Reported: messages a second
// (median of RUNS), CPU time per message (user + system of both processes, from the OS via
// process.cpuUsage), and memory per connected idle client (1,000 clients: heap plus
// ArrayBuffers). The last line is JSON; ratios are xsmqtt's advantage.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { connectAsync, type Capacities, type MqttClient } from '../../src/node/client.js';
import { startMosquitto } from '../peers/mosquitto.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = join(SELF, '../../../..');
const RUNS = Number(process.env.RUNS ?? 5);
const N0 = Number(process.env.N0 ?? 50000);
const N1 = Number(process.env.N1 ?? 20000);
const IDLE = Number(process.env.IDLE ?? 1000);
const WINDOW = 100;
const PAYLOAD = Buffer.alloc(64, 0x61);
const TOPIC = 'bench/client';
/** An idle client's capacities: what a device-like client that publishes small messages needs. */
const IDLE_CAPACITIES: Partial<Capacities> = {
  receiveBufferSize: 1024, sendBufferSize: 1024, storeBytes: 1024, inflight: 4, queueCount: 4,
  subscriptions: 4, subscriptionBytes: 128, filtersPerPacket: 4, pendingRequests: 1, inboundQos2: 4,
  topicAliasMaximum: 0, outboundAliases: 0, aliasBytes: 16, userProperties: 2, subscriptionIds: 1,
};

type Lib = 'xsmqtt' | 'mqttjs';
const now = (): number => performance.timeOrigin + performance.now();
const cpuMicros = (u: NodeJS.CpuUsage): number => u.user + u.system;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ---- Child roles ---------------------------------------------------------------------------

async function open(lib: Lib, port: number, capacities?: Partial<Capacities>): Promise<MqttClient | mqtt.MqttClient> {
  if (lib === 'xsmqtt') return connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, capacities: { inflight: WINDOW, ...capacities } });
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
}

async function subscriber(lib: Lib, port: number, qos: 0 | 1, n: number): Promise<void> {
  const c = await open(lib, port);
  let count = 0;
  let last = 0;
  let cpu0: NodeJS.CpuUsage | null = null;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => { done = resolve; });
  const onMessage = (): void => {
    if (count === 0) cpu0 = process.cpuUsage();
    count++;
    last = now();
    if (count === n) done();
  };
  if (lib === 'xsmqtt') {
    (c as MqttClient).on('message', onMessage);
    await (c as MqttClient).subscribeAsync(TOPIC, { qos });
  } else {
    (c as mqtt.MqttClient).on('message', onMessage);
    await (c as mqtt.MqttClient).subscribeAsync(TOPIC, { qos });
  }
  process.stdout.write('ready\n');
  // Lost messages (QoS 0 under overload) end the wait after a quiet second.
  const idle = setInterval(() => { if (count > 0 && now() - last > 1000) done(); }, 200);
  await finished;
  clearInterval(idle);
  const cpu = cpuMicros(process.cpuUsage(cpu0 ?? undefined));
  process.stdout.write(JSON.stringify({ received: count, end: last, cpu }) + '\n');
  await (lib === 'xsmqtt' ? (c as MqttClient).endAsync() : (c as mqtt.MqttClient).endAsync());
}

async function publisher(lib: Lib, port: number, qos: 0 | 1, n: number): Promise<void> {
  const c = await open(lib, port);
  const cpu0 = process.cpuUsage();
  const start = now();
  if (lib === 'xsmqtt') {
    const x = c as MqttClient;
    if (qos === 0) {
      for (let i = 0; i < n;) {
        for (let k = 0; k < 1000 && i < n; k++, i++) x.publishAsync(TOPIC, PAYLOAD).catch((err: Error) => { throw new Error(`publish refused: ${err.message}`); });
        await x.drain();
      }
    } else {
      await new Promise<void>((resolve, reject) => {
        let sent = 0;
        let acked = 0;
        const more = (): void => {
          acked++;
          if (acked === n) resolve();
          else if (sent < n) { sent++; x.publishAsync(TOPIC, PAYLOAD, { qos: 1 }).then(more, reject); }
        };
        for (; sent < WINDOW && sent < n; sent++) x.publishAsync(TOPIC, PAYLOAD, { qos: 1 }).then(more, reject);
      });
    }
  } else {
    const m = c as mqtt.MqttClient;
    if (qos === 0) {
      for (let i = 0; i < n;) {
        let last: Promise<void> = Promise.resolve();
        for (let k = 0; k < 1000 && i < n; k++, i++) {
          if (k === 999 || i === n - 1) last = new Promise((resolve) => m.publish(TOPIC, PAYLOAD, { qos: 0 }, () => resolve()));
          else m.publish(TOPIC, PAYLOAD, { qos: 0 });
        }
        await last;
      }
    } else {
      await new Promise<void>((resolve, reject) => {
        let sent = 0;
        let acked = 0;
        const more = (err?: Error): void => {
          if (err) return reject(err);
          acked++;
          if (acked === n) resolve();
          else if (sent < n) { sent++; m.publish(TOPIC, PAYLOAD, { qos: 1 }, more); }
        };
        for (; sent < WINDOW && sent < n; sent++) m.publish(TOPIC, PAYLOAD, { qos: 1 }, more);
      });
    }
  }
  const cpu = cpuMicros(process.cpuUsage(cpu0));
  process.stdout.write(JSON.stringify({ start, cpu }) + '\n');
  await (lib === 'xsmqtt' ? (c as MqttClient).endAsync() : (c as mqtt.MqttClient).endAsync());
}

async function idle(lib: Lib, port: number, count: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const measure = (): { heap: number; ab: number } => {
    gc();
    gc();
    const m = process.memoryUsage();
    return { heap: m.heapUsed, ab: m.arrayBuffers };
  };
  // Warm up the library's code paths with one client, so code is not counted as client memory.
  const warm = await open(lib, port, IDLE_CAPACITIES);
  const before = measure();
  const clients: (MqttClient | mqtt.MqttClient)[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch: Promise<MqttClient | mqtt.MqttClient>[] = [];
    for (let k = i; k < i + 50 && k < count; k++) batch.push(open(lib, port, IDLE_CAPACITIES));
    clients.push(...await Promise.all(batch));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = measure();
  process.stdout.write(JSON.stringify({ heap: (after.heap - before.heap) / count, ab: (after.ab - before.ab) / count }) + '\n');
  for (const c of [warm, ...clients]) void (lib === 'xsmqtt' ? (c as MqttClient).end(true) : (c as mqtt.MqttClient).end(true));
  process.exit(0);
}

// ---- Orchestration -------------------------------------------------------------------------

interface Child { lines: string[]; line(i: number): Promise<string>; exited: Promise<number> }

function child(script: string, args: string[], flags: string[] = []): Child {
  const p = spawn(process.execPath, [...flags, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  const waiters: (() => void)[] = [];
  p.stdout.on('data', (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) { lines.push(buf.slice(0, i)); buf = buf.slice(i + 1); }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number>((resolve) => p.once('exit', (code) => resolve(code ?? 1)));
  const killer = setTimeout(() => p.kill('SIGKILL'), 120000);
  void exited.then(() => { clearTimeout(killer); for (const w of waiters.splice(0)) w(); });
  return {
    lines,
    exited,
    async line(i) {
      while (lines.length <= i) {
        if (p.exitCode !== null) throw new Error(`${args.join(' ')} exited (${p.exitCode}) before line ${i}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return lines[i];
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A bundle of this script, so that a rebuild of dist/ during the run cannot break the children. */
function snapshot(): string {
  const dir = join(ROOT, 'dist/.bench-client');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'bench.mjs');
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [SELF, '--bundle', '--platform=node', '--format=esm',
    '--external:mqtt', '--external:ws', '--log-level=error', `--outfile=${out}`]);
  return out;
}

async function orchestrate(): Promise<void> {
  const script = snapshot();
  const broker = await startMosquitto({ extraConfig: ['max_queued_messages 0', 'max_inflight_messages 100'] });
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  try {
    console.log(`bench:client  ${new Date().toISOString()}  ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}  load ${loadavg()[0].toFixed(1)}  node ${process.version}`);
    console.log(`mosquitto on loopback; ${RUNS} runs; QoS 0: ${N0} messages, QoS 1: ${N1} messages (window ${WINDOW}); 64-byte payloads`);
    const rate: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    for (let run = 0; run < RUNS; run++) {
      for (const qos of [0, 1] as const) {
        for (const lib of ['xsmqtt', 'mqttjs'] as const) {
          const n = qos === 0 ? N0 : N1;
          const sub = child(script, ['sub', lib, String(broker.port), String(qos), String(n)]);
          await sub.line(0);
          const pub = child(script, ['pub', lib, String(broker.port), String(qos), String(n)]);
          const p = JSON.parse(await pub.line(0)) as { start: number; cpu: number };
          const s = JSON.parse(await sub.line(1)) as { received: number; end: number; cpu: number };
          await Promise.all([pub.exited, sub.exited]);
          const key = `${lib} q${qos}`;
          (rate[key] ??= []).push(s.received / ((s.end - p.start) / 1000));
          (cpu[key] ??= []).push((p.cpu + s.cpu) / s.received);
          if (s.received < n) console.log(`  ${key} run ${run + 1}: ${n - s.received} of ${n} QoS 0 messages lost by the broker`);
        }
      }
    }
    for (const qos of [0, 1]) {
      for (const lib of ['xsmqtt', 'mqttjs']) {
        const key = `${lib} q${qos}`;
        console.log(`${key.padEnd(10)} ${Math.round(median(rate[key])).toString().padStart(8)} msgs/s   ${median(cpu[key]).toFixed(2).padStart(6)} us CPU/msg (pub+sub)   runs: ${rate[key].map((x) => Math.round(x)).join(' ')}`);
      }
    }
    const ratio = (q: number, m: Record<string, number[]>, ours: boolean): number => (ours
      ? median(m[`xsmqtt q${q}`]) / median(m[`mqttjs q${q}`])
      : median(m[`mqttjs q${q}`]) / median(m[`xsmqtt q${q}`]));
    const cpu0 = ratio(0, cpu, false);
    const cpu1 = ratio(1, cpu, false);
    console.log(`CPU per message ratio (MQTT.js / xsmqtt): QoS 0 ${cpu0.toFixed(2)}, QoS 1 ${cpu1.toFixed(2)}`);
    const idleOf = async (lib: Lib): Promise<{ heap: number; ab: number }> => {
      const c = child(script, ['idle', lib, String(broker.port), String(IDLE)], ['--expose-gc']);
      const r = JSON.parse(await c.line(0)) as { heap: number; ab: number };
      await c.exited;
      return r;
    };
    const ours = await idleOf('xsmqtt');
    const theirs = await idleOf('mqttjs');
    console.log(`idle client (${IDLE} connected): xsmqtt ${Math.round(ours.heap)} B heap + ${Math.round(ours.ab)} B ArrayBuffers (capacities ${JSON.stringify(IDLE_CAPACITIES)}); MQTT.js ${Math.round(theirs.heap)} B heap + ${Math.round(theirs.ab)} B ArrayBuffers`);
    console.log(JSON.stringify({
      bench: 'client',
      qos0Ratio: r3(ratio(0, rate, true)),
      qos1Ratio: r3(ratio(1, rate, true)),
      cpuPerMessageRatio: r3(Math.min(cpu0, cpu1)),
      idleClientBytes: Math.round(ours.heap + ours.ab),
      peerIdleClientBytes: Math.round(theirs.heap + theirs.ab),
    }));
  } finally {
    await broker.stop();
  }
}

const [role, lib, port, a, b] = process.argv.slice(2);
const main = role === 'sub' ? subscriber(lib as Lib, Number(port), Number(a) as 0 | 1, Number(b))
  : role === 'pub' ? publisher(lib as Lib, Number(port), Number(a) as 0 | 1, Number(b))
    : role === 'idle' ? idle(lib as Lib, Number(port), Number(a))
      : orchestrate();
main.catch((err: unknown) => {
  process.stderr.write(`bench:client: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
