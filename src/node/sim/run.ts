// The simulator run: an embedded companion broker (or any broker), a monitor client that
// counts the telemetry the broker delivers, and a fleet of simulated devices, with progress
// and a summary.
import { Driver } from '../../core/driver/driver.js';
import type { Packet } from '../../core/codec/packet.js';
import { Session } from '../../core/session/session.js';
import type { SessionHandler } from '../../core/session/handler.js';
import { SessionOptions, utf8 } from '../../core/session/options.js';
import { SimDevice } from './device.js';
import { SchedClock, Scheduler } from './scheduler.js';
import { FleetStats } from './stats.js';
import { TcpTransport } from './transport.js';
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
  write: (s: string) => void;
}

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
  faultsInjected: number;
  commands: number;
  memoryRss: number;
  heapUsed: number;
}

/** A plain client that counts delivered telemetry and sends fault-injection requests. */
class Monitor implements SessionHandler {
  session: Session;
  driver: Driver;
  received = 0;
  private ready: (() => void) | null = null;
  private failed: ((e: Error) => void) | null = null;
  subscribed = false;

  constructor(host: string, port: number, sched: Scheduler, version: number, private readonly qos: number) {
    const o = new SessionOptions();
    o.version = version;
    o.clientId = utf8(`bench-sim-monitor-${process.pid}`);
    o.keepAlive = 30;
    o.receiveBufferSize = 65536;
    o.sendBufferSize = 16384;
    o.storeBytes = 65536;
    o.inflight = 16;
    o.queueCount = 256;
    o.inboundQos2 = 1000;
    this.session = new Session(o, this, null);
    this.driver = new Driver(this.session, new TcpTransport(host, port), new SchedClock(sched, () => 0.5));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ready = resolve;
      this.failed = reject;
      this.driver.start();
    });
  }

  control(kind: string, params: Record<string, unknown>): void {
    this.session.publishString(`$bench/fault/${kind}`, JSON.stringify(params), 0, false);
  }

  stop(): void {
    this.driver.stop(0);
  }

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) {
      this.failed?.(new Error(`the broker refused the monitor connection (reason 0x${ack.reasonCode.toString(16)})`));
      return;
    }
    if (!this.subscribed) this.session.subscribeString('devices/+/telemetry', this.qos, null);
  }
  onSubscribe(ack: Packet): void {
    if (ack.count > 0 && ack.codes[0] >= 0x80) {
      this.failed?.(new Error(`the broker refused the monitor subscription (0x${ack.codes[0].toString(16)})`));
      return;
    }
    this.subscribed = true;
    const r = this.ready;
    this.ready = null;
    r?.();
  }
  onUnsubscribe(_ack: Packet): void {}
  onPublishDone(_h: number, _code: number): void {}
  onClose(_code: number, _server: Packet | null): void {
    if (!this.subscribed) {
      const f = this.failed;
      this.failed = null;
      f?.(new Error('cannot reach the broker'));
    }
  }
  onMessage(_msg: Packet): void {
    this.received++;
  }
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

export async function runSim(o: SimOptions): Promise<SimSummary> {
  const sched = new Scheduler();
  const stats = new FleetStats();
  let host: string;
  let port: number;
  let brokerName: string;
  let closeBroker: (() => Promise<void>) | null = null;
  let embeddedFaults: (() => number) | null = null;
  if (o.broker === undefined) {
    const { startBroker } = await import('../../broker/index.js');
    const running = await startBroker({
      port: 0, host: '127.0.0.1', maxConnections: o.devices + 16, maxQueued: 1000000, maxInflight: 1000, sysInterval: 0,
      consolePort: o.console ?? null,
    });
    if (running.consoleUrl) o.write(`bench console: ${running.consoleUrl}\n`);
    host = running.host;
    port = running.port;
    brokerName = `embedded xsmqtt broker on ${host}:${port}`;
    closeBroker = running.close;
    embeddedFaults = () => running.broker.stats.faultsFired;
  } else {
    ({ host, port } = parseBrokerUrl(o.broker));
    brokerName = `${host}:${port}`;
  }

  const devices: SimDevice[] = [];
  let monitor: Monitor | null = null;
  const timers: NodeJS.Timeout[] = [];
  let faultsInjected = 0;
  let killXs: (() => void) | null = null;
  const t0 = Date.now();
  const elapsed = (): number => Date.now() - t0;
  try {
    if (o.monitor) {
      monitor = new Monitor(host, port, sched, o.version, o.qos);
      await Promise.race([
        monitor.start(),
        new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`no answer from the broker at ${host}:${port} within 10 s`)), 10000).unref()),
      ]);
    }

    // Progress.
    let lastOut = 0;
    let lastIn = 0;
    let lastAt = Date.now();
    const progressLine = (): string => {
      const now = Date.now();
      const dt = now - lastAt;
      const inNow = monitor ? monitor.received : stats.acked;
      const line = `${(elapsed() / 1000).toFixed(1).padStart(6)}s  devices ${stats.connected}/${o.devices}` +
        `  out ${fmt(rate(stats.out - lastOut, dt))}/s  in ${fmt(rate(inNow - lastIn, dt))}/s` +
        (o.qos > 0 ? `  rtt p50 ${fmt(stats.windowRtt.quantile(0.5), 2)} ms p99 ${fmt(stats.windowRtt.quantile(0.99), 2)} ms` : '') +
        `  reconnects ${stats.reconnects}  errors ${stats.errors}`;
      lastOut = stats.out;
      lastIn = inNow;
      lastAt = now;
      stats.windowRtt.reset();
      return line;
    };
    if (o.progress !== 'none') {
      timers.push(setInterval(() => {
        const line = progressLine();
        if (o.progress === 'tty') o.write(`\r\x1b[K${line}`);
        else o.write(line + '\n');
      }, o.progressMs));
    }

    // Inside XS: the XS process runs the fleet for the duration, drains and reports.
    let xsFleet: { done: Promise<unknown>; kill: () => void } | null = null;
    if (o.xs) {
      xsFleet = await startXsFleet({
        host, port, devices: o.devices, version: o.version, qos: o.qos, interval: o.interval, payloadBytes: o.payloadBytes,
        keepAlive: o.keepAlive, seed: o.seed, ramp: o.ramp, durationMs: o.durationMs,
      }, stats, o.lx106 ? 'lx106' : 'xs');
      killXs = xsFleet.kill;
    }

    // Ramp up.
    const perTick = Math.max(1, Math.ceil(o.ramp / 20));
    let next = 0;
    const addSome = (): void => {
      for (let k = 0; k < perTick && next < o.devices; k++, next++) {
        const i = next;
        const d = new SimDevice({
          id: `sim-${String(i + 1).padStart(6, '0')}`, index: i, host, port,
          localAddress: o.localAddresses.length > 0 ? o.localAddresses[i % o.localAddresses.length] : undefined,
          version: o.version, qos: o.qos, interval: o.interval, payloadBytes: o.payloadBytes,
          keepAlive: o.keepAlive, seed: (o.seed * 1000003 + i + 1) >>> 0, bufferSize: 256,
        }, sched, stats);
        devices.push(d);
        d.start();
      }
    };
    if (o.xs) next = o.devices;
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
    let rnd = (o.seed * 2654435761) >>> 0 || 1;
    const random = (): number => {
      rnd ^= rnd << 13; rnd ^= rnd >>> 17; rnd ^= rnd << 5; rnd >>>= 0;
      return rnd / 4294967296;
    };
    for (const f of o.faults) {
      if (f.kind === 'broker') {
        if (!monitor) throw new Error('--faults with a broker rule needs the monitor client');
        monitor.control(f.brokerKind!, f.params ?? {});
        continue;
      }
      timers.push(setInterval(() => {
        if (o.xs && monitor) {
          // The fleet is inside XS: ask the broker to close a share of the device ids.
          const n = Math.round((o.devices * f.percent) / 100);
          for (let k = 0; k < n; k++) {
            faultsInjected++;
            monitor.control('close', { client: `simxs-${String(1 + Math.floor(random() * o.devices)).padStart(6, '0')}`, count: 1 });
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
          faultsInjected++;
          if (f.kind === 'kill' || !embeddedFaults || !monitor) d.kill();
          else monitor.control('close', { client: d.spec.id, count: 1 });
        }
      }, f.periodMs));
    }

    // Run until the duration is over.
    if (xsFleet) await xsFleet.done;
    const left = o.durationMs - elapsed();
    if (left > 0 && !xsFleet) await new Promise((r) => setTimeout(r, left));

    // Stop: no more telemetry; let what is in flight finish, then disconnect.
    for (const t of timers) clearInterval(t);
    timers.length = 0;
    for (const d of devices) d.app.nextAt = -1;
    const drained = (): boolean => stats.acked + stats.failed >= stats.out && (!monitor || monitor.received >= stats.acked);
    await waitFor(() => (o.qos === 0 ? true : drained()), 5000);
    if (monitor && o.qos === 0) {
      // QoS 0 has no acknowledgement: give the broker a moment to deliver.
      let last = -1;
      await waitFor(() => { const same = monitor!.received === last; last = monitor!.received; return same; }, 3000, 200);
    }
    const runMs = elapsed();
    const mem = process.memoryUsage();
    const summary: SimSummary = {
      sim: 'xsmqtt',
      devices: o.devices,
      durationMs: runMs,
      broker: brokerName,
      qos: o.qos,
      intervalMs: o.interval,
      payloadBytes: o.payloadBytes,
      connected: stats.connected,
      peakConnected: stats.peakConnected,
      everConnected: stats.everConnected,
      reconnects: stats.reconnects,
      disconnects: stats.disconnects,
      failedAttempts: stats.failedAttempts,
      out: stats.out,
      acked: stats.acked,
      failed: stats.failed,
      in: monitor ? monitor.received : -1,
      outPerSec: Math.round(rate(stats.out, runMs) * 10) / 10,
      inPerSec: monitor ? Math.round(rate(monitor.received, runMs) * 10) / 10 : -1,
      p50Ms: Math.round(stats.rtt.quantile(0.5) * 100) / 100,
      p99Ms: Math.round(stats.rtt.quantile(0.99) * 100) / 100,
      errors: stats.errors,
      publishErrors: stats.publishErrors,
      faultsInjected: embeddedFaults ? embeddedFaults() : faultsInjected,
      commands: stats.commands,
      memoryRss: mem.rss,
      heapUsed: mem.heapUsed,
    };
    return summary;
  } finally {
    for (const t of timers) clearInterval(t);
    for (const d of devices) d.stop();
    monitor?.stop();
    await waitFor(() => devices.every((d) => d.transport.socket === null), 3000);
    for (const d of devices) d.kill();
    killXs?.();
    sched.stop();
    if (closeBroker) await closeBroker();
  }
}

export function formatSummary(s: SimSummary, o: SimOptions): string {
  const lines = [
    `summary: ${s.devices} devices for ${(s.durationMs / 1000).toFixed(1)} s` +
      (o.durationDefaulted ? ` (the default --duration ${o.durationMs / 1000}s; --duration changes it)` : ''),
    `  broker      ${s.broker}`,
    `  devices     connected ${s.connected} at the end, peak ${s.peakConnected}, ever ${s.everConnected}; reconnects ${s.reconnects}, disconnects ${s.disconnects}, failed attempts ${s.failedAttempts}`,
    `  telemetry   QoS ${s.qos} every ${s.intervalMs} ms: out ${s.out} (${s.outPerSec}/s), acknowledged ${s.acked}, failed ${s.failed}, in ${s.in < 0 ? 'not counted' : `${s.in} (${s.inPerSec}/s)`}`,
    s.qos > 0 ? `  round trip  p50 ${fmt(s.p50Ms, 2)} ms, p99 ${fmt(s.p99Ms, 2)} ms (publish to ${s.qos === 1 ? 'PUBACK' : 'PUBCOMP'})` : '  round trip  not measured at QoS 0',
    `  errors      ${s.errors} (publish refused ${s.publishErrors}); faults injected ${s.faultsInjected}`,
    `  memory      rss ${(s.memoryRss / 1048576).toFixed(0)} MB, heap ${(s.heapUsed / 1048576).toFixed(0)} MB`,
  ];
  return lines.join('\n') + '\n';
}
