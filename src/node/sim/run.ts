// The simulator run: an embedded companion broker (or any broker), a monitor client that
// counts the telemetry the broker delivers, and a fleet of simulated devices, with progress
// and a summary.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Broker } from '../../broker/broker.js';
import type { Recorder } from '../../console/recorder.js';
import type { AppMonitor } from '../../core/app/app.js';
import { DeviceEvents } from './device-events.js';
import { fleetDeviceSpec, FleetConfig, SimDevice } from './device.js';
import { LinkHub, LinkTransport } from './memory-link.js';
import { Monitor } from './monitor.js';
import { Percentiles, Sample, Series } from './series.js';
import { formatStorm, RestartWatch, StormReport } from './restart.js';
import { tcpBudget, WorkerFleet } from './procs.js';
import { Scheduler } from './scheduler.js';
import { addStats, FleetStats } from './stats.js';
import { startXsFleet } from './xs-fleet.js';

export interface FaultPlan {
  /** 'disconnect': the broker closes P % of connected devices each period; 'kill': devices drop their own connection (the will fires); 'broker': a raw broker fault rule. */
  kind: 'disconnect' | 'kill' | 'broker';
  percent: number;
  periodMs: number;
  /** For 'broker': the fault kind and its parameters, as `$bench/fault/<kind>` takes them. */
  brokerKind?: string;
  params?: Record<string, string>;
}

export interface SimOptions {
  devices: number;
  /** mqtt://host:port of an existing broker; undefined starts the embedded one. */
  broker?: string;
  qos: number;
  interval: number;
  payloadBytes: number;
  durationMs: number;
  durationDefaulted: boolean;
  faults: FaultPlan[];
  json: boolean;
  version: number;
  /** New connections per second while ramping up. */
  ramp: number;
  seed: number;
  keepAlive: number;
  /** Source addresses to spread connections over (127.0.0.x); empty: let the system choose. */
  localAddresses: string[];
  /** 'tty' redraws one line, 'lines' prints a line per period, 'none' is quiet. */
  progress: 'tty' | 'lines' | 'none';
  progressMs: number;
  /** Run the devices inside the host XS runtime (or, with lx106, on emulated ESP8266s). */
  xs: boolean;
  /** With xs: each device on an emulated ESP8266 (targets/lx106 under QEMU). */
  lx106?: boolean;
  /** Count delivered telemetry with a monitor subscription (off for very large fleets). */
  monitor: boolean;
  /** The embedded broker's bench console HTTP port (0: any free one); undefined or null: none. */
  console?: number | null;
  /** tcp: every device on TCP; memory: in-process links (embedded broker); auto: TCP as far as the file limit allows, links beyond. */
  link: 'tcp' | 'memory' | 'auto';
  /** Simulator processes holding the devices (1: this one); 0 chooses (several above 20,000 devices). */
  procs: number;
  /** Node flags for the simulator processes (--expose-gc, --max-old-space-size=...). */
  procArgv?: string[];
  /** 'restart': a third of the way through, the broker drops every connection and refuses new ones for downtimeMs. */
  scenario: 'none' | 'restart';
  downtimeMs: number;
  /** Everything on one simulated clock (virtual-time.ts). */
  virtualTime: boolean;
  /** One JSON line a second of the live numbers. */
  statsFile?: string;
  /** With virtualTime: a file for the event log. */
  eventLog?: string;
  write: (s: string) => void;
}

/** Devices on each kind of link: TCP sockets, in-process links, links over a simulator process's pipe. */
export interface LinkCounts { tcp: number; memory: number; pipe: number }

export interface SimSummary {
  sim: 'xsmqtt';
  devices: number;
  durationMs: number;
  broker: string;
  qos: number;
  intervalMs: number;
  payloadBytes: number;
  connected: number;
  peakConnected: number;
  everConnected: number;
  reconnects: number;
  disconnects: number;
  failedAttempts: number;
  out: number;
  acked: number;
  failed: number;
  in: number;
  outPerSec: number;
  inPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  publishErrors: number;
  /** Faults that took effect: the sum of the two below. */
  faultsInjected: number;
  /** Fired by the embedded broker (its own count: rules that fired, connections it closed). */
  faultsOnBroker: number;
  /** Connections the devices dropped themselves (kill:, or disconnect: emulated against an external broker). */
  faultsOnDevices: number;
  commands: number;
  memoryRss: number;
  heapUsed: number;
  procs: number;
  links: LinkCounts;
  /** With --stats-file: percentiles of the per-second series. */
  series?: Record<string, Percentiles>;
  /** With --scenario restart: the reconnect storm. */
  restart?: StormReport | null;
}

export function parseBrokerUrl(url: string): { host: string; port: number } {
  const m = /^(?:mqtt|tcp):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(url);
  if (!m) throw new Error(`--broker: expected mqtt://host[:port], got '${url}'`);
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  const port = m[2] ? Number(m[2]) : 1883;
  if (port <= 0 || port > 65535) throw new Error(`--broker: bad port in '${url}'`);
  return { host, port };
}

function fmt(n: number, digits = 0): string {
  return n < 0 ? '-' : n.toFixed(digits);
}

function rate(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  return new Promise((resolve) => {
    const until = Date.now() + timeoutMs;
    const check = (): void => {
      if (cond()) resolve(true);
      else if (Date.now() >= until) resolve(false);
      else setTimeout(check, stepMs);
    };
    check();
  });
}

/** How many simulator processes: one below 20,000 devices, else one per 50,000 (at least two). */
function chooseProcs(o: SimOptions): number {
  if (o.procs > 0) return o.procs;
  return o.devices <= 20000 ? 1 : Math.max(2, Math.ceil(o.devices / 50000));
}

export async function runSim(o: SimOptions): Promise<SimSummary> {
  const sched = new Scheduler();
  const local = new FleetStats();
  let host = '';
  let port = 0;
  let brokerName = '';
  let broker: Broker | null = null;
  let closeBroker: (() => Promise<void>) | null = null;
  let recorder: Recorder | null = null;
  // While the broker is down (a restart), connections are refused.
  let down = false;
  if (o.broker === undefined) {
    const running = await listenEmbedded(o.devices, () => down, o.console ?? null);
    if (running.consoleUrl !== null) o.write(`bench console: ${running.consoleUrl}\n`);
    host = '127.0.0.1';
    port = running.port;
    brokerName = `embedded xsmqtt broker on ${host}:${port}`;
    closeBroker = running.close;
    broker = running.broker;
    recorder = running.recorder;
  }
  const targets = o.broker === undefined ? [{ host, port }] : o.broker.split(',').map(parseBrokerUrl);
  if (o.broker !== undefined) {
    ({ host, port } = targets[0]);
    brokerName = targets.map((t) => `${t.host}:${t.port}`).join(', ');
  }
  const config: FleetConfig = {
    host, port, brokers: targets, localAddresses: o.localAddresses, version: o.version, qos: o.qos, interval: o.interval,
    payloadBytes: o.payloadBytes, keepAlive: o.keepAlive, seed: o.seed,
  };
  const procs = o.xs ? 1 : chooseProcs(o);
  // A TCP device costs a descriptor for its socket and, with the embedded broker in this
  // process, one for the broker's end; devices in other processes cost only the broker's.
  const perTcp = broker !== null && procs === 1 ? 2 : broker !== null ? 1 : procs === 1 ? 1 : 0;
  const tcp = o.xs || o.link === 'tcp' || broker === null ? o.devices : o.link === 'memory' ? 0 : perTcp === 0 ? o.devices : tcpBudget(o.devices, perTcp);
  const hub = broker !== null && procs === 1 && tcp < o.devices ? new LinkHub(broker) : null;
  let workers: WorkerFleet | null = null;
  const stats = (): FleetStats => {
    if (workers === null) return local;
    const total = new FleetStats();
    addStats(total, local);
    workers.addTo(total);
    return total;
  };
  const links = (): LinkCounts => {
    if (workers !== null) {
      const w = workers.links();
      return { tcp: w.tcp, memory: 0, pipe: w.pipe };
    }
    const n = o.xs ? o.devices : devices.length;
    return { tcp: Math.min(n, tcp), memory: Math.max(0, n - tcp), pipe: 0 };
  };

  const statsFd = o.statsFile !== undefined ? openSync(o.statsFile, 'w') : -1;
  const series = o.statsFile !== undefined ? new Series((line) => writeSync(statsFd, line)) : null;
  const watch = o.scenario === 'restart' ? new RestartWatch(local, () => sched.now()) : null;
  // Devices in this process tell the console what they did (those in other processes do not).
  const deviceMonitor: AppMonitor = recorder !== null ? new DeviceEvents(watch ?? local, recorder) : watch ?? local;
  const devices: SimDevice[] = [];
  // One monitor per broker; the first also sends fault requests.
  const monitors: Monitor[] = [];
  let monitor: Monitor | null = null;
  const received = (): number => monitors.reduce((n, m) => n + m.received, 0);
  const timers: NodeJS.Timeout[] = [];
  let faultsInjected = 0;
  let killXs: (() => void) | null = null;
  const t0 = Date.now();
  const elapsed = (): number => Date.now() - t0;
  try {
    if (o.monitor) {
      for (const [k, b] of targets.entries()) {
        const m = new Monitor(b.host, b.port, sched, o.version, o.qos, k);
        monitors.push(m);
        await Promise.race([
          m.start(),
          new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`cannot reach the broker at ${b.host}:${b.port}: timeout (no CONNACK within 10 s)`)), 10000).unref()),
        ]);
      }
      monitor = monitors[0];
    }

    // Progress: the live line and, with --stats-file, the same numbers as a JSON line.
    let lastOut = 0;
    let lastIn = 0;
    let lastAt = Date.now();
    const sample = (): Sample => {
      const now = Date.now();
      const dt = now - lastAt;
      const st = stats();
      const inNow = monitor ? received() : st.acked;
      const r2 = (n: number): number => Math.round(n * 100) / 100;
      const s: Sample = {
        t: r2(elapsed() / 1000), connected: st.connected, outPerSec: r2(rate(st.out - lastOut, dt)), inPerSec: r2(rate(inNow - lastIn, dt)),
        rttP50: r2(st.windowRtt.quantile(0.5)), rttP99: r2(st.windowRtt.quantile(0.99)), reconnects: st.reconnects, errors: st.errors,
      };
      lastOut = st.out;
      lastIn = inNow;
      lastAt = now;
      local.windowRtt.reset();
      return s;
    };
    const progressLine = (s: Sample): string => `${s.t.toFixed(1).padStart(6)}s  devices ${s.connected}/${o.devices}` +
      `  out ${fmt(s.outPerSec)}/s  in ${fmt(s.inPerSec)}/s` +
      (o.qos > 0 ? `  rtt p50 ${fmt(s.rttP50, 2)} ms p99 ${fmt(s.rttP99, 2)} ms` : '') +
      `  reconnects ${s.reconnects}  errors ${s.errors}`;
    if (o.progress !== 'none' || series !== null) {
      timers.push(setInterval(() => {
        const s = sample();
        series?.add(s);
        if (o.progress === 'none') return;
        const line = progressLine(s);
        if (o.progress === 'tty') o.write(`\r\x1b[K${line}`);
        else o.write(line + '\n');
      }, series !== null ? 1000 : o.progressMs));
    }

    // Inside XS: the XS process runs the fleet for the duration, drains and reports.
    let xsFleet: { done: Promise<unknown>; kill: () => void } | null = null;
    if (o.xs) {
      xsFleet = await startXsFleet({
        host, port, devices: o.devices, version: o.version, qos: o.qos, interval: o.interval, payloadBytes: o.payloadBytes,
        keepAlive: o.keepAlive, seed: o.seed, ramp: o.ramp, durationMs: o.durationMs,
      }, local, o.lx106 ? 'lx106' : 'xs');
      killXs = xsFleet.kill;
    }

    // Ramp up: here, or in the simulator processes.
    const perTick = Math.max(1, Math.ceil(o.ramp / 20));
    let next = 0;
    const addSome = (): void => {
      for (let k = 0; k < perTick && next < o.devices; k++, next++) {
        const i = next;
        const d = new SimDevice(fleetDeviceSpec(config, i), sched, deviceMonitor, i < tcp || hub === null ? null : new LinkTransport(hub, '127.0.0.1'));
        devices.push(d);
        d.start();
      }
    };
    if (procs > 1) {
      workers = new WorkerFleet(broker, config, o.devices, procs, tcp, o.ramp, o.procArgv ?? []);
      next = o.devices;
    } else if (o.xs) next = o.devices;
    else addSome();
    if (next < o.devices) {
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          addSome();
          if (next >= o.devices || elapsed() >= o.durationMs) {
            clearInterval(t);
            resolve();
          }
        }, 50);
        timers.push(t);
      });
    }

    // Faults.
    const random = seededRandom(o.seed);
    for (const f of o.faults) {
      if (f.kind === 'broker') {
        if (!monitor) throw new Error('--faults with a broker rule needs the monitor client');
        monitor.control(f.brokerKind!, f.params ?? {});
        continue;
      }
      timers.push(setInterval(() => {
        if ((o.xs || workers !== null) && monitor) {
          // The fleet is in other processes: ask the broker to close a share of the device ids.
          const n = Math.round((o.devices * f.percent) / 100);
          for (let k = 0; k < n; k++) {
            const id = 1 + Math.floor(random() * o.devices);
            monitor.control('close', { client: `${o.xs ? 'simxs' : 'sim'}-${String(id).padStart(6, '0')}`, count: 1 });
          }
          return;
        }
        const up = devices.filter((d) => d.connected);
        const n = Math.round((up.length * f.percent) / 100);
        for (let k = 0; k < n && up.length > 0; k++) {
          const j = Math.floor(random() * up.length);
          const d = up[j];
          up[j] = up[up.length - 1];
          up.pop();
          if (f.kind === 'kill' || broker === null || !monitor) {
            faultsInjected++;
            d.kill();
          } else monitor.control('close', { client: d.spec.id, count: 1 });
        }
      }, f.periodMs));
    }

    if (watch !== null && broker !== null) {
      const b = broker;
      timers.push(setTimeout(() => {
        watch.restart();
        down = true;
        if (hub !== null) hub.down = true;
        for (const c of [...b.connections]) if (!c.clientId.startsWith('bench-sim-monitor')) c.close(0x8b, 'restart', false);
        timers.push(setTimeout(() => {
          down = false;
          if (hub !== null) hub.down = false;
          watch.up();
        }, o.downtimeMs));
      }, Math.max(0, o.durationMs / 3 - elapsed())));
    }

    // Run until the duration is over.
    if (xsFleet) await xsFleet.done;
    const left = o.durationMs - elapsed();
    if (left > 0 && !xsFleet) await new Promise((r) => setTimeout(r, left));

    // Stop: no more telemetry; let what is in flight finish, then disconnect.
    for (const t of timers) clearInterval(t);
    timers.length = 0;
    for (const d of devices) d.app.nextAt = -1;
    workers?.stopTelemetry();
    const drained = (): boolean => {
      const st = stats();
      return st.acked + st.failed >= st.out && (!monitor || received() >= st.acked);
    };
    if (workers !== null) {
      for (let k = 0; k < 50; k++) {
        await workers.refresh();
        if (o.qos === 0 || drained()) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } else await waitFor(() => (o.qos === 0 ? true : drained()), 5000);
    if (monitor && o.qos === 0) {
      // QoS 0 has no acknowledgement: give the broker a moment to deliver.
      let last = -1;
      await waitFor(() => { const same = received() === last; last = received(); return same; }, 3000, 200);
    }
    const runMs = elapsed();
    const mem = process.memoryUsage();
    const st = stats();
    const summary: SimSummary = {
      sim: 'xsmqtt',
      devices: o.devices,
      durationMs: runMs,
      broker: brokerName,
      qos: o.qos,
      intervalMs: o.interval,
      payloadBytes: o.payloadBytes,
      connected: st.connected,
      peakConnected: st.peakConnected,
      everConnected: st.everConnected,
      reconnects: st.reconnects,
      disconnects: st.disconnects,
      failedAttempts: st.failedAttempts,
      out: st.out,
      acked: st.acked,
      failed: st.failed,
      in: monitor ? received() : -1,
      outPerSec: Math.round(rate(st.out, runMs) * 10) / 10,
      inPerSec: monitor ? Math.round(rate(received(), runMs) * 10) / 10 : -1,
      p50Ms: Math.round(st.rtt.quantile(0.5) * 100) / 100,
      p99Ms: Math.round(st.rtt.quantile(0.99) * 100) / 100,
      errors: st.errors,
      publishErrors: st.publishErrors,
      faultsInjected: (broker !== null ? broker.stats.faultsFired : 0) + faultsInjected,
      faultsOnBroker: broker !== null ? broker.stats.faultsFired : 0,
      faultsOnDevices: faultsInjected,
      commands: st.commands,
      memoryRss: mem.rss,
      heapUsed: mem.heapUsed,
      procs,
      links: links(),
      restart: watch?.report() ?? null,
      ...(series !== null ? { series: series.percentiles() } : {}),
    };
    return summary;
  } finally {
    for (const t of timers) clearInterval(t);
    for (const d of devices) d.stop();
    for (const m of monitors) m.stop();
    await workers?.exit();
    await waitFor(() => devices.every((d) => d.transport.idle), 3000);
    for (const d of devices) d.kill();
    killXs?.();
    if (statsFd >= 0) closeSync(statsFd);
    sched.stop();
    if (closeBroker) await closeBroker();
  }
}

/** The embedded broker on a loopback port, refusing connections while down() says so. */
async function listenEmbedded(devices: number, down: () => boolean, consolePort: number | null): Promise<{ broker: Broker; port: number; consoleUrl: string | null; recorder: Recorder | null; close: () => Promise<void> }> {
  const { Broker: BrokerClass } = await import('../../broker/broker.js');
  const { createServer } = await import('node:net');
  const broker = new BrokerClass({ maxConnections: devices + 16, maxQueued: 1000000, maxInflight: 1000, sysInterval: 0 });
  const server = createServer((s) => {
    if (down()) {
      s.destroy();
      return;
    }
    s.setNoDelay(true);
    broker.accept(s, 'tcp');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  // Loaded only when the console is asked for.
  const bench = consolePort === null ? null : await (await import('../../console/server.js')).startConsole(broker, { port: consolePort, host: '127.0.0.1' });
  return {
    broker, port, consoleUrl: bench === null ? null : bench.url, recorder: bench === null ? null : bench.recorder,
    close: async () => {
      if (bench !== null) await bench.close();
      broker.close();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** xorshift32 from a seed, in [0, 1). */
function seededRandom(seed: number): () => number {
  let rnd = (seed * 2654435761) >>> 0 || 1;
  return (): number => {
    rnd ^= rnd << 13; rnd ^= rnd >>> 17; rnd ^= rnd << 5; rnd >>>= 0;
    return rnd / 4294967296;
  };
}

export function formatSummary(s: SimSummary, o: SimOptions): string {
  const lines = [
    `summary: ${s.devices} devices for ${(s.durationMs / 1000).toFixed(1)} s` +
      (o.durationDefaulted ? ` (the default --duration ${o.durationMs / 1000}s; --duration changes it)` : ''),
    `  broker      ${s.broker}`,
    `  devices     connected ${s.connected} at the end, peak ${s.peakConnected}, ever ${s.everConnected}; reconnects ${s.reconnects}, disconnects ${s.disconnects}, failed attempts ${s.failedAttempts}`,
    `  telemetry   QoS ${s.qos} every ${s.intervalMs} ms: out ${s.out} (${s.outPerSec}/s), acknowledged ${s.acked}, failed ${s.failed}, in ${s.in < 0 ? 'not counted' : `${s.in} (${s.inPerSec}/s)`}`,
    s.qos > 0 ? `  round trip  p50 ${fmt(s.p50Ms, 2)} ms, p99 ${fmt(s.p99Ms, 2)} ms (publish to ${s.qos === 1 ? 'PUBACK' : 'PUBCOMP'})` : '  round trip  not measured at QoS 0',
    `  errors      ${s.errors} (publish refused ${s.publishErrors}); faults injected ${s.faultsInjected}` +
      (s.faultsInjected > 0 ? ` (by the broker ${s.faultsOnBroker}, by the devices dropping their own connection ${s.faultsOnDevices})` : ''),
    `  links       ${s.links.tcp} TCP, ${s.links.memory} in-process, ${s.links.pipe} over simulator-process pipes; ${s.procs} simulator process${s.procs === 1 ? '' : 'es'}`,
    ...(s.restart ? [formatStorm(s.restart, 'real time').trimEnd()] : []),
    `  memory      rss ${(s.memoryRss / 1048576).toFixed(0)} MB, heap ${(s.heapUsed / 1048576).toFixed(0)} MB${s.procs > 1 ? ' (this process: the broker)' : ''}`,
  ];
  return lines.join('\n') + '\n';
}
