// `npm run bench:sim`: a fleet of simulated devices (each the example application on its own
// session and driver, QoS 1, one message a minute) held for 60 s against the embedded broker.
// The broker runs in this process; the devices in simulator processes (src/node/sim/procs.ts),
// on TCP for as many as the broker's file limit allows and over each process's one pipe for
// the rest. Every message must be acknowledged and no device may disconnect, else the exit
// code is 1. Memory per device is the simulator processes' RSS growth over their devices; the
// peer is MQTT.js, its RSS per connected client measured in another process in the same run.
// Human lines go to stderr; stdout has one JSON line.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startBroker } from '../../src/broker/index.js';
import type { FleetConfig } from '../../src/node/sim/device.js';
import { fileLimit, tcpBudget, WorkerFleet } from '../../src/node/sim/procs.js';
import { FleetStats } from '../../src/node/sim/stats.js';

interface Options { devices: number; holdS: number; ramp: number; interval: number; qos: number; procs: number; peerClients: number; tcp: number; rampTimeoutS: number }

const USAGE = '--devices N --hold S --ramp N/s --ramp-timeout S --interval MS --qos Q --procs N --tcp N --peer-clients N';

function parse(argv: string[]): Options {
  const o: Options = { devices: 100000, holdS: 60, ramp: 4000, interval: 60000, qos: 1, procs: 2, peerClients: 2000, tcp: -1, rampTimeoutS: 60 };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    switch (argv[i]) {
      case '--devices': o.devices = v; break;
      case '--hold': o.holdS = v; break;
      case '--ramp': o.ramp = v; break;
      case '--interval': o.interval = v; break;
      case '--qos': o.qos = v; break;
      case '--procs': o.procs = v; break;
      case '--tcp': o.tcp = v; break;
      case '--ramp-timeout': o.rampTimeoutS = v; break;
      case '--peer-clients': o.peerClients = v; break;
      default: throw new Error(`unknown option ${argv[i]} (${USAGE})`);
    }
    if (!(v >= 0)) throw new Error(`${argv[i]}: expected a number (${USAGE})`);
  }
  if (!(o.devices > 0) || !(o.holdS > 0) || !(o.procs >= 1) || !(o.ramp > 0)) throw new Error(`bad --devices, --hold, --procs or --ramp (${USAGE})`);
  return o;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.(); };
const mb = (n: number): string => `${(n / 1048576).toFixed(0)} MB`;
const say = (s: string): void => { process.stderr.write(s + '\n'); };

/** In a child process: n MQTT.js clients connected to port; prints RSS bytes per connected client. */
async function peerChild(port: number, n: number): Promise<void> {
  gc();
  await sleep(200);
  gc();
  const before = process.memoryUsage().rss;
  const clients: mqtt.MqttClient[] = [];
  for (let i = 0; i < n; i++) {
    clients.push(mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `peer-${i}`, reconnectPeriod: 0, keepalive: 60 }));
    if (i % 200 === 199) await sleep(50);
  }
  for (let k = 0; k < 200 && clients.some((c) => !c.connected); k++) await sleep(50);
  gc();
  await sleep(200);
  gc();
  const after = process.memoryUsage().rss;
  const connected = clients.filter((c) => c.connected).length;
  process.stdout.write(JSON.stringify({ connected, bytes: connected > 0 ? (after - before) / connected : -1 }) + '\n');
  for (const c of clients) c.end(true);
  await sleep(300);
  process.exit(0);
}

function measurePeer(port: number, n: number): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--peer-child', String(port), String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.on('close', () => {
      try {
        resolve((JSON.parse(out.trim().split('\n')[0]) as { bytes: number }).bytes);
      } catch {
        resolve(-1);
      }
    });
  });
}

async function main(): Promise<number> {
  const o = parse(process.argv.slice(2));
  const running = await startBroker({ port: 0, host: '127.0.0.1', maxConnections: o.devices + o.peerClients + 16, sysInterval: 0 });
  const limit = fileLimit();
  // Each TCP device costs one descriptor here (the broker's end); the rest go over pipes.
  const tcp = o.tcp >= 0 ? Math.min(o.tcp, o.devices) : tcpBudget(o.devices, 1);
  say(`bench:sim: embedded broker on 127.0.0.1:${running.port}; ${o.devices} devices in ${o.procs} simulator processes, ${tcp} on TCP ` +
    `(file limit ${limit}), ${o.devices - tcp} over the processes' pipes; QoS ${o.qos} every ${o.interval / 1000} s; hold ${o.holdS} s`);

  const peerBytes = o.peerClients > 0 ? await measurePeer(running.port, o.peerClients) : -1;
  if (peerBytes > 0) say(`bench:sim: peer MQTT.js: ${Math.round(peerBytes)} bytes of RSS per connected client (${o.peerClients} clients, own process)`);

  const config: FleetConfig = {
    host: '127.0.0.1', port: running.port, localAddresses: Array.from({ length: 16 }, (_, k) => `127.0.0.${k + 2}`),
    version: 5, qos: o.qos, interval: o.interval, payloadBytes: 0, keepAlive: 60, seed: 1,
  };
  const heap = Math.max(2048, Math.ceil((o.devices / o.procs) * 40000 / 1048576) + 512);
  const fleet = new WorkerFleet(running.broker, config, o.devices, o.procs, tcp, o.ramp, ['--expose-gc', `--max-old-space-size=${heap}`]);
  const t0 = Date.now();
  const stats = async (): Promise<FleetStats> => {
    await fleet.refresh();
    const s = new FleetStats();
    fleet.addTo(s);
    return s;
  };
  const log = (what: string, s: FleetStats): void => {
    const l = fleet.links();
    say(`${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s  ${what}: devices ${s.connected}/${o.devices} (TCP ${l.tcp}, pipe ${l.pipe}), out ${s.out}, acked ${s.acked}, ` +
      `failed ${s.failed}, disconnects ${s.disconnects}, failed attempts ${s.failedAttempts}, broker rss ${mb(process.memoryUsage().rss)}`);
  };
  let held = 0;
  let bytesPerDevice = 0;
  let ok = false;
  try {
    // Ramp up: every device connected, within the ramp time and --ramp-timeout more.
    const deadline = Date.now() + o.rampTimeoutS * 1000 + (o.devices / o.ramp) * 1000;
    let s = await stats();
    let lastLog = 0;
    while (s.connected < o.devices && Date.now() < deadline) {
      if (Date.now() - lastLog > 5000) { log('ramping', s); lastLog = Date.now(); }
      await sleep(500);
      s = await stats();
    }
    if (s.connected < o.devices) {
      log('not every device connected', s);
      return 1;
    }
    log(`all connected, holding ${o.holdS} s`, s);
    const disc = s.disconnects;
    const holdEnd = Date.now() + o.holdS * 1000;
    lastLog = Date.now();
    while (Date.now() < holdEnd && s.disconnects === disc) {
      if (Date.now() - lastLog > 15000) { log('holding', s); lastLog = Date.now(); }
      await sleep(500);
      s = await stats();
    }
    if (s.disconnects !== disc || s.connected < o.devices) {
      log(`${s.disconnects - disc} disconnects during the hold`, s);
      return 1;
    }
    // Stop publishing; every message out must be acknowledged.
    fleet.stopTelemetry();
    for (let k = 0; k < 100; k++) {
      s = await stats();
      if (s.acked + s.failed >= s.out) break;
      await sleep(100);
    }
    log('held', s);
    const figures = await fleet.measure();
    let grown = 0;
    let heapGrown = 0;
    for (const f of figures) {
      grown += f.rss - f.base.rss;
      heapGrown += f.heapUsed + f.arrayBuffers - f.base.heapUsed - f.base.arrayBuffers;
    }
    bytesPerDevice = Math.round(grown / o.devices);
    say(`bench:sim: ${bytesPerDevice} bytes of RSS per device (JS heap and buffers ${Math.round(heapGrown / o.devices)}) over ${figures.length} processes` +
      (peerBytes > 0 ? `; MQTT.js ${Math.round(peerBytes)} bytes per connection: ratio ${(peerBytes / Math.max(1, bytesPerDevice)).toFixed(2)}x` : ''));
    if (s.out === 0 || s.acked !== s.out || s.failed !== 0) {
      say(`bench:sim: not every message was acknowledged (out ${s.out}, acked ${s.acked}, failed ${s.failed})`);
      return 1;
    }
    held = o.devices;
    say(`bench:sim: ${held} devices held ${o.holdS} s, ${s.out} messages, all acknowledged, p50 ${s.rtt.quantile(0.5).toFixed(2)} ms p99 ${s.rtt.quantile(0.99).toFixed(2)} ms`);
    ok = true;
    return 0;
  } finally {
    await fleet.exit();
    await running.close();
    process.stdout.write(JSON.stringify({ bench: 'sim', devicesHeld: held, bytesPerDevice, peerBytesPerConnection: Math.round(peerBytes) }) + '\n');
    if (!ok) say('bench:sim: failed');
  }
}

if (process.argv[2] === '--peer-child') {
  void peerChild(Number(process.argv[3]), Number(process.argv[4]));
} else {
  main().then((code) => process.exit(code), (e: unknown) => {
    say(`bench:sim: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
