// `xsmqtt sim --xs`: the simulated devices run inside the host XS runtime (targets/xs), each the
// example application (src/core/app) on its own session, driver and embedded:io/socket/tcp
// socket (targets/moddable's transport and clock). The host runtime has 16 sockets, as a device
// has a few, so the fleet is split over XS processes of at most DEVICES_PER_XS devices. Each
// reports its counters as `STATS {json}` lines, summed into FleetStats.
// `xsmqtt sim --lx106`: the same bundle, one device per emulated ESP8266 (the targets/lx106
// firmware under QEMU, src/node/bridge/emulator.ts), each QEMU process with a bridge of its own.
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetStats } from './stats.js';
import { xsMissing, XS_BIN } from './xs-suite.js';
import { lx106Missing, spawnLx106 } from '../bridge/emulator.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const MODDABLE = join(ROOT, 'build/moddable/targets/moddable');
const CORE = join(ROOT, 'dist/src/core');

export { xsMissing };

/** Devices per XS process (the host runtime has 16 sockets; one spare for a reconnect). */
export const DEVICES_PER_XS = 14;

/**
 * Most devices `--lx106` boots: each is a QEMU process emulating the lx106 CPU instruction by
 * instruction (one ESP8266 runs one device), and a few dozen is what two cores carry.
 */
export const LX106_MAX_DEVICES = 32;

/** Where the fleet's devices run: the host XS runtime, or emulated ESP8266s. */
export type FleetRuntime = 'xs' | 'lx106';

interface Runtime {
  perProcess: number;
  name: string;
  spawn(args: string[]): ChildProcess;
}

const RUNTIMES: Record<FleetRuntime, Runtime> = {
  xs: { perProcess: DEVICES_PER_XS, name: 'an XS runtime', spawn: (args) => spawn(XS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] }) },
  lx106: { perProcess: 1, name: 'an emulated ESP8266', spawn: (args) => spawnLx106(args) },
};

/** What is missing to run the fleet on this runtime (one line), or null. */
export function fleetMissing(runtime: FleetRuntime): string | null {
  if (runtime === 'xs') return xsMissing();
  const missing = lx106Missing();
  if (missing !== undefined) return missing;
  if (!existsSync(join(MODDABLE, 'transport.js'))) return `${MODDABLE}/transport.js is missing: run make check-moddable`;
  return null;
}

export interface XsFleetSpec {
  /** Index of this process's first device. */
  first: number;
  host: string;
  port: number;
  devices: number;
  version: number;
  qos: number;
  interval: number;
  payloadBytes: number;
  keepAlive: number;
  seed: number;
  ramp: number;
  durationMs: number;
}

function entry(s: XsFleetSpec): string {
  const q = JSON.stringify;
  return `
import Timer from 'timer';
import Time from 'time';
import { Driver } from ${q(join(CORE, 'driver/driver.js'))};
import { SessionOptions } from ${q(join(CORE, 'session/options.js'))};
import { AppConfig, SensorApp } from ${q(join(CORE, 'app/app.js'))};
import { SimulatedSensor } from ${q(join(CORE, 'app/sensor.js'))};
import { SocketTransport } from ${q(join(MODDABLE, 'transport.js'))};
import { TimerClock } from ${q(join(MODDABLE, 'clock.js'))};
const S = ${q(s)};
const FAR = 0x3fffffff;
const BUCKETS = 700, BASE = 0.01, STEP = Math.log(1.03);
const st = { connected: 0, peak: 0, ever: 0, connects: 0, reconnects: 0, disconnects: 0, failedAttempts: 0, out: 0, acked: 0, failed: 0, publishErrors: 0, closeErrors: 0, commands: 0, rtt: {} };
const monitor = {
  onConnected(app, first) { st.connected++; st.connects++; if (first) st.ever++; else st.reconnects++; if (st.connected > st.peak) st.peak = st.connected; },
  onClosed(app, code, was) { if (!was) { st.failedAttempts++; return; } st.connected--; st.disconnects++; if (code >= 0x80 && code !== 0x98) st.closeErrors++; },
  onTelemetrySent() { st.out++; },
  onTelemetryDone(app, code, rtt) {
    if (code >= 0x80) { st.failed++; return; }
    st.acked++;
    if (rtt >= 0) { const i = rtt <= BASE ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(rtt / BASE) / STEP) + 1); st.rtt[i] = (st.rtt[i] || 0) + 1; }
  },
  onCommand() { st.commands++; },
  onError() { st.publishErrors++; },
};
class Device {
  constructor(i) {
    const o = new SessionOptions();
    o.version = S.version; o.keepAlive = S.keepAlive;
    const buf = Math.max(256, S.payloadBytes + 128);
    o.receiveBufferSize = buf; o.sendBufferSize = buf; o.storeBytes = buf * 2;
    o.inflight = 4; o.queueCount = 4; o.subscriptions = 1; o.subscriptionBytes = 64; o.filtersPerPacket = 1; o.pendingRequests = 1;
    o.inboundQos2 = 2; o.topicAliasMaximum = 0; o.outboundAliases = 0; o.aliasBytes = 0; o.userProperties = 0; o.subscriptionIds = 1;
    o.backoffBase = 500; o.backoffMax = 10000;
    const c = new AppConfig();
    c.deviceId = 'simxs-' + String(S.first + i + 1).padStart(6, '0');
    c.interval = S.interval; c.qos = S.qos; c.payloadBytes = S.payloadBytes; c.seed = (S.seed * 1000003 + S.first + i + 1) >>> 0;
    const self = this;
    this.timer = Timer.repeat(function () { Timer.schedule(self.timer, FAR, FAR); self.app.tick(Time.ticks); }, FAR);
    this.app = new SensorApp(o, c, new SimulatedSensor(c.seed), this);
    this.app.monitor = monitor;
    this.driver = new Driver(this.app.session, new SocketTransport(S.host, S.port, buf, buf), new TimerClock());
  }
  schedule(at) { if (at < 0) Timer.schedule(this.timer, FAR, FAR); else { const d = at - Time.ticks; Timer.schedule(this.timer, d > 0 ? d : 0, FAR); } }
  reboot() { const self = this; Timer.set(function () { self.driver.stop(0); Timer.set(function () { self.driver.start(); }, 100); }, 50); }
}
function report(kind) {
  print(kind + ' ' + JSON.stringify(st));
  st.rtt = {};
}
export default function main() {
  const devices = [];
  const t0 = Time.ticks;
  const perTick = Math.max(1, Math.ceil(S.ramp / 20));
  const ramp = Timer.repeat(function () {
    for (let k = 0; k < perTick && devices.length < S.devices; k++) { const d = new Device(devices.length); devices.push(d); d.driver.start(); }
    if (devices.length >= S.devices) Timer.clear(ramp);
  }, 50);
  const stats = Timer.repeat(function () { report('STATS'); }, 250);
  Timer.set(function () {
    for (const d of devices) { d.app.nextAt = -1; Timer.schedule(d.timer, FAR, FAR); }
    const until = Time.ticks + 5000;
    const drain = Timer.repeat(function () {
      if (st.acked + st.failed < st.out && Time.ticks < until) return;
      Timer.clear(drain);
      Timer.clear(stats);
      report('FINAL');
      for (const d of devices) { d.app.goOffline(); d.driver.stop(0); }
      Timer.set(function () { __xsHost.exit(0); }, 500);
    }, 20);
  }, Math.max(0, S.durationMs - (Time.ticks - t0)));
}
`;
}

const COUNTERS = ['connected', 'peak', 'ever', 'connects', 'reconnects', 'disconnects', 'failedAttempts', 'out', 'acked', 'failed', 'publishErrors', 'closeErrors', 'commands'] as const;
type Report = Record<(typeof COUNTERS)[number], number>;

/**
 * Starts the fleet over XS processes (runtime 'xs') or emulated ESP8266s ('lx106'). done resolves
 * when they have all exited (after their FINAL reports).
 */
export async function startXsFleet(spec: Omit<XsFleetSpec, 'first'>, stats: FleetStats, runtime: FleetRuntime = 'xs'): Promise<{ done: Promise<unknown>; kill: () => void }> {
  const rt = RUNTIMES[runtime];
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-sim-xs-'));
  const children: ChildProcess[] = [];
  const reports: Report[] = [];
  const sum = (): void => {
    const total = Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Report;
    for (const r of reports) for (const k of COUNTERS) total[k] += r[k];
    stats.connected = total.connected;
    stats.peakConnected = Math.max(stats.peakConnected, total.connected);
    stats.everConnected = total.ever;
    stats.connects = total.connects;
    stats.reconnects = total.reconnects;
    stats.disconnects = total.disconnects;
    stats.failedAttempts = total.failedAttempts;
    stats.out = total.out;
    stats.acked = total.acked;
    stats.failed = total.failed;
    stats.publishErrors = total.publishErrors;
    stats.closeErrors = total.closeErrors;
    stats.commands = total.commands;
  };
  const dones: Promise<number>[] = [];
  try {
    for (let first = 0, p = 0; first < spec.devices; first += rt.perProcess, p++) {
      const part: XsFleetSpec = { ...spec, first, devices: Math.min(rt.perProcess, spec.devices - first) };
      const result = await build({
        stdin: { contents: entry(part), resolveDir: ROOT, sourcefile: 'sim-entry.js', loader: 'js' },
        bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false,
        external: ['timer', 'time', 'embedded:*'], logLevel: 'silent',
      });
      const file = join(dir, `bundle-${p}.js`);
      writeFileSync(file, result.outputFiles[0].text);
      const child: ChildProcess = rt.spawn(['--profile', 'host', file]);
      children.push(child);
      const idx = reports.length;
      reports.push(Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Report);
      let pending = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        pending += d;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          const sp = line.indexOf(' ');
          const kind = line.slice(0, sp);
          if (kind !== 'STATS' && kind !== 'FINAL') continue;
          const r = JSON.parse(line.slice(sp + 1)) as Report & { rtt: Record<string, number> };
          reports[idx] = r;
          for (const [k, n] of Object.entries(r.rtt)) {
            stats.rtt.counts[Number(k)] += n;
            stats.rtt.total += n;
            stats.windowRtt.counts[Number(k)] += n;
            stats.windowRtt.total += n;
          }
          sum();
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      dones.push(new Promise<number>((resolvePromise, reject) => {
        child.on('error', reject);
        child.on('close', (code) => {
          if (code !== 0) reject(new Error(`${rt.name} exited with ${code}: ${stderr.trim().split('\n').slice(0, 3).join(' / ')}`));
          else resolvePromise(code);
        });
      }));
    }
  } catch (e) {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const done = Promise.all(dones).finally(() => rmSync(dir, { recursive: true, force: true }));
  return { done, kill: () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); } };
}
