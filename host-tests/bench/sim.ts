// `npm run bench:sim`: how large a fleet of simulated devices (each the example application on
// its own session and TCP connection, publishing once a minute) one process holds against
// mosquitto on loopback. It ramps up in steps; a step is held when every device stays connected
// for the hold time (default 60 s) with no disconnect. Reports memory per device, and, as the
// peer, MQTT.js clients' memory per connection measured in the same run.
// The npm script raises the file limit (ulimit -n); connections are spread over 127.0.0.x
// source addresses so that ephemeral ports do not run out.
import { spawn, ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { SimDevice } from '../../src/node/sim/device.js';
import { Scheduler } from '../../src/node/sim/scheduler.js';
import { FleetStats } from '../../src/node/sim/stats.js';

interface Options { steps: number[]; holdS: number; ramp: number; interval: number; qos: number; peerClients: number }

function parse(argv: string[]): Options {
  const o: Options = { steps: [1000, 10000, 30000, 60000, 100000], holdS: 60, ramp: 3000, interval: 60000, qos: 1, peerClients: 2000 };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--steps': o.steps = v.split(',').map(Number); break;
      case '--hold': o.holdS = Number(v); break;
      case '--ramp': o.ramp = Number(v); break;
      case '--interval': o.interval = Number(v); break;
      case '--qos': o.qos = Number(v); break;
      case '--peer-clients': o.peerClients = Number(v); break;
      default: throw new Error(`bench:sim: unknown option ${argv[i]} (--steps a,b,c --hold S --ramp N/s --interval MS --qos Q --peer-clients N)`);
    }
  }
  if (o.steps.some((n) => !(n > 0)) || !(o.holdS > 0)) throw new Error('bench:sim: bad --steps or --hold');
  return o;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.(); };
const mb = (n: number): string => `${(n / 1048576).toFixed(0)} MB`;

function fileLimit(pid: number | 'self'): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return !m ? 0 : m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startMosquitto(dir: string): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'max_connections -1', 'allow_anonymous true', 'persistence false',
    'log_dest none', 'set_tcp_nodelay true', 'max_queued_messages 1000',
  ].join('\n') + '\n');
  const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${err.trim()}`);
    const up = await new Promise<boolean>((resolve) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 500 });
      c.once('connect', () => { c.end(true); resolve(true); });
      c.once('error', () => { c.end(true); resolve(false); });
      c.once('close', () => resolve(false));
    });
    if (up) return { proc, port };
    await sleep(100);
  }
  throw new Error('mosquitto did not start listening');
}

/** MQTT.js as the peer: memory per idle connected client. */
async function measurePeer(port: number, n: number): Promise<number> {
  gc();
  await sleep(200);
  const before = process.memoryUsage().rss;
  const clients: mqtt.MqttClient[] = [];
  for (let i = 0; i < n; i++) {
    clients.push(mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `peer-${i}`, reconnectPeriod: 0, keepalive: 60 }));
    if (i % 200 === 199) await sleep(50);
  }
  for (let k = 0; k < 200 && clients.some((c) => !c.connected); k++) await sleep(50);
  gc();
  await sleep(200);
  const after = process.memoryUsage().rss;
  const connected = clients.filter((c) => c.connected).length;
  for (const c of clients) c.end(true);
  await sleep(500);
  gc();
  return connected > 0 ? (after - before) / connected : -1;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const limit = fileLimit('self');
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-bench-sim-'));
  const { proc: mosq, port } = await startMosquitto(dir);
  const mosqLimit = fileLimit(mosq.pid!);
  const cap = Math.min(limit, mosqLimit) - 500;
  console.log(`bench:sim: mosquitto on 127.0.0.1:${port}; file limit ${limit} (mosquitto ${mosqLimit}); steps ${o.steps.join(', ')}; hold ${o.holdS} s; QoS ${o.qos} every ${o.interval / 1000} s`);
  // Each device is one descriptor here and one in mosquitto: the file limit caps the fleet.
  const steps = o.steps.filter((n) => n <= cap);
  if (steps.length < o.steps.length) {
    if (steps[steps.length - 1] !== cap) steps.push(cap);
    console.log(`bench:sim: the file limit caps the fleet at ${cap} devices (steps now ${steps.join(', ')}): ` +
      'npm run bench:sim raises the soft limit to the hard one; a higher hard limit needs root with CAP_SYS_RESOURCE (ulimit -Hn)');
  }
  let mosqDied = false;
  mosq.on('exit', (code, sig) => { mosqDied = true; console.log(`bench:sim: mosquitto exited (${code ?? sig})`); });

  const peerBytes = o.peerClients > 0 ? await measurePeer(port, o.peerClients) : -1;
  if (peerBytes > 0) console.log(`bench:sim: peer MQTT.js: ${Math.round(peerBytes)} bytes of RSS per connected client (${o.peerClients} clients)`);

  const sched = new Scheduler();
  const stats = new FleetStats();
  const devices: SimDevice[] = [];
  const addresses = Array.from({ length: 16 }, (_, k) => `127.0.0.${k + 2}`);
  gc();
  await sleep(200);
  const base = process.memoryUsage();
  let held = 0;
  let bytesPerDevice = 0;
  let heapPerDevice = 0;
  const t0 = Date.now();
  const log = (what: string): void => {
    const m = process.memoryUsage();
    console.log(`${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s  ${what}: devices ${stats.connected}/${devices.length}, out ${stats.out}, acked ${stats.acked}, ` +
      `disconnects ${stats.disconnects}, failed attempts ${stats.failedAttempts}, rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, mosquitto rss ${mb(rssOf(mosq.pid!))}`);
  };
  try {
    for (const target of steps) {
      // Ramp up to the step.
      const perTick = Math.max(1, Math.round(o.ramp / 10));
      while (devices.length < target && !mosqDied) {
        for (let k = 0; k < perTick && devices.length < target; k++) {
          const i = devices.length;
          const d = new SimDevice({
            id: `bench-dev-${i}`.replace('bench-', 'b'), index: i, host: '127.0.0.1', port, localAddress: addresses[i % addresses.length],
            version: 5, qos: o.qos, interval: o.interval, payloadBytes: 0, keepAlive: 60, seed: i + 1, bufferSize: 256,
          }, sched, stats);
          devices.push(d);
          d.start();
        }
        await sleep(100);
      }
      const deadline = Date.now() + 30000 + (target / o.ramp) * 1000;
      let lastLog = 0;
      while (stats.connected < target && Date.now() < deadline && !mosqDied) {
        if (Date.now() - lastLog > 5000) { log(`ramping to ${target}`); lastLog = Date.now(); }
        await sleep(200);
      }
      if (stats.connected < target) {
        log(`step ${target}: not all devices connected`);
        break;
      }
      log(`step ${target}: all connected, holding ${o.holdS} s`);
      const disc = stats.disconnects;
      const holdEnd = Date.now() + o.holdS * 1000;
      lastLog = Date.now();
      while (Date.now() < holdEnd && stats.disconnects === disc && !mosqDied) {
        if (Date.now() - lastLog > 15000) { log(`holding ${target}`); lastLog = Date.now(); }
        await sleep(200);
      }
      if (stats.disconnects !== disc || mosqDied || stats.connected < target) {
        log(`step ${target}: ${stats.disconnects - disc} disconnects during the hold`);
        break;
      }
      gc();
      await sleep(200);
      const m = process.memoryUsage();
      held = target;
      bytesPerDevice = Math.round((m.rss - base.rss) / target);
      heapPerDevice = Math.round((m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers) / target);
      log(`step ${target}: held; ${bytesPerDevice} bytes of RSS per device (JS heap and buffers ${heapPerDevice})`);
    }
  } finally {
    for (const d of devices) { d.stopped = true; d.app.session.stopped = true; d.kill(); }
    sched.stop();
    await sleep(500);
    mosq.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`bench:sim: largest fleet held ${o.holdS} s with no disconnect: ${held} devices (QoS ${o.qos}, one message a minute each); ` +
    `${bytesPerDevice} bytes of RSS per device (JS heap and buffers ${heapPerDevice})` +
    (peerBytes > 0 ? `; MQTT.js client ${Math.round(peerBytes)} bytes per connection, ratio ${(peerBytes / Math.max(1, bytesPerDevice)).toFixed(2)}x` : ''));
  console.log(JSON.stringify({ bench: 'sim', devicesHeld: held, bytesPerDevice }));
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(`bench:sim: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
