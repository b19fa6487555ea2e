// The fleet and the embedded broker on one simulated clock (the broker's VirtualClock; the
// devices' timers in the sim's scheduler read the same clock), joined by in-process links. A
// seeded day of device life: keep alive, a broker restart and the reconnect storm, devices
// that nap (their QoS 1 commands expire meanwhile) and devices that die (their sessions
// expire). Nothing reads the wall clock or Math.random, so a seed gives the same event log.
import { Broker } from '../../broker/broker.js';
import { VirtualClock } from '../../broker/clock.js';
import { internalMessage } from '../../broker/message.js';
import type { TraceRecord } from '../../broker/trace.js';
import { ReasonCode } from '../../core/codec/constants.js';
import { Random } from '../../core/app/sensor.js';
import { fleetDeviceSpec, FleetConfig, SimDevice } from './device.js';
import { LinkHub, LinkTransport } from './memory-link.js';
import { RestartWatch, StormReport } from './restart.js';
import { Scheduler } from './scheduler.js';
import type { Sample } from './series.js';
import { FleetStats } from './stats.js';

export interface VirtualOptions {
  devices: number;
  durationMs: number;
  seed: number;
  qos: number;
  /** Telemetry interval, ms. */
  interval: number;
  /** Seconds. */
  keepAlive: number;
  version: number;
  /** Every device keeps a persistent session this many seconds offline. */
  sessionExpiry: number;
  /** The broker restart (ms; -1: none) and how long it refuses connections. */
  restartAt: number;
  downtimeMs: number;
  /** Share of devices that nap (power off for napMs) once, and that die for good. */
  nappers: number;
  napMs: number;
  dead: number;
  /** Every this often each device gets a QoS 1 command that expires after commandExpiry seconds. */
  commandEvery: number;
  commandExpiry: number;
  /** Each event, as one line (packets in and out of the broker, drops, the scenario's own). */
  onEvent: ((line: string) => void) | null;
  /** Called every simulated second with the live numbers (`in` is what the broker acknowledged). */
  onSample: ((s: Sample) => void) | null;
}

export function virtualDefaults(devices: number, durationMs: number, seed: number): VirtualOptions {
  return {
    devices, durationMs, seed, qos: 1, interval: 300000, keepAlive: 60, version: 5, sessionExpiry: 3600,
    restartAt: -2, downtimeMs: 30000, nappers: 0.1, napMs: 600000, dead: 0.05, commandEvery: 3600000, commandExpiry: 60, onEvent: null, onSample: null,
  };
}

export interface VirtualSummary {
  devices: number;
  simulatedMs: number;
  wallMs: number;
  connected: number;
  reconnects: number;
  out: number;
  acked: number;
  failed: number;
  pingreqs: number;
  commandsSent: number;
  commandsDelivered: number;
  messagesExpired: number;
  sessionsExpired: number;
  restart: StormReport | null;
  events: number;
}

/** Runs the scenario to its end (synchronously: simulated time only moves here). */
export function runVirtual(o: VirtualOptions): VirtualSummary {
  const wall0 = performance.now();
  const clock = new VirtualClock(0);
  let events = 0;
  let pingreqs = 0;
  const emit = (line: string): void => {
    events++;
    o.onEvent?.(`${clock.now()} ${line}`);
  };
  const onTrace = (_line: string, r: TraceRecord | null): void => {
    if (r === null) return;
    if (r.type === 'PINGREQ') pingreqs++;
    if (o.onEvent === null) {
      events++;
      return;
    }
    const { t: _t, ...rest } = r;
    emit(JSON.stringify(rest));
  };
  const broker = new Broker({ clock, sysInterval: 0, maxConnections: o.devices + 16, onTrace });
  const hub = new LinkHub(broker, false);
  const sched = new Scheduler(clock);
  const stats = new FleetStats();
  const watch = new RestartWatch(stats, () => clock.now());
  const config: FleetConfig = {
    host: 'memory', port: 0, localAddresses: [], version: o.version, qos: o.qos, interval: o.interval, payloadBytes: 0, keepAlive: o.keepAlive, seed: o.seed,
  };
  const rnd = new Random((o.seed * 2654435761) ^ 0x2545f491);
  const devices: SimDevice[] = [];
  for (let i = 0; i < o.devices; i++) {
    const spec = { ...fleetDeviceSpec(config, i), sessionExpiry: o.sessionExpiry };
    devices.push(new SimDevice(spec, sched, watch, new LinkTransport(hub, `10.0.${i >> 8}.${i & 255}`)));
  }
  // Starts spread over the first second.
  for (const d of devices) clock.after(Math.floor(rnd.next() * 1000), () => d.start());

  const restartAt = o.restartAt === -2 ? Math.floor(o.durationMs * (0.25 + 0.25 * rnd.next())) : o.restartAt;
  if (restartAt >= 0 && restartAt < o.durationMs) {
    clock.after(restartAt, () => {
      emit('sim restart: the broker drops every connection');
      watch.restart();
      hub.down = true;
      for (const c of [...broker.connections]) c.close(ReasonCode.ServerShuttingDown, 'restart', false);
      clock.after(o.downtimeMs, () => {
        emit('sim up: the broker takes connections again');
        hub.down = false;
        watch.up();
      });
    });
  }
  // Nappers and the dead: round(share x devices) of each, chosen and timed from the seed.
  const watched: SimDevice[] = [];
  const order = devices.map((d) => ({ d, r: rnd.next(), at: Math.floor(o.durationMs * (0.05 + 0.85 * rnd.next())) }));
  order.sort((x, y) => x.r - y.r);
  const deadCount = Math.round(o.dead * o.devices);
  const napCount = Math.round(o.nappers * o.devices);
  for (let k = 0; k < deadCount + napCount && k < order.length; k++) {
    const { d, at } = order[k];
    if (k < deadCount) {
      watched.push(d);
      clock.after(at, () => { emit(`sim ${d.spec.id} dies`); d.powerOff(); });
    } else {
      clock.after(at, () => {
        emit(`sim ${d.spec.id} naps`);
        d.powerOff();
        clock.after(o.napMs, () => { emit(`sim ${d.spec.id} wakes`); d.powerOn(); });
      });
    }
  }
  let commandsSent = 0;
  if (o.commandEvery > 0) {
    clock.every(o.commandEvery, () => {
      for (const d of devices) {
        const msg = internalMessage(`devices/${d.spec.id}/cmd`, Buffer.from('ping'), false);
        msg.qos = 1;
        msg.expiresAt = clock.now() + o.commandExpiry * 1000;
        broker.router.route(msg);
        commandsSent++;
      }
    });
  }

  if (o.onSample !== null) {
    const onSample = o.onSample;
    let lastOut = 0;
    let lastAcked = 0;
    const r2 = (n: number): number => Math.round(n * 100) / 100;
    clock.every(1000, () => {
      onSample({
        t: clock.now() / 1000, connected: stats.connected, outPerSec: stats.out - lastOut, inPerSec: stats.acked - lastAcked,
        rttP50: r2(stats.windowRtt.quantile(0.5)), rttP99: r2(stats.windowRtt.quantile(0.99)), reconnects: stats.reconnects, errors: stats.errors,
      });
      lastOut = stats.out;
      lastAcked = stats.acked;
      stats.windowRtt.reset();
    });
  }

  // Session expiry: watched devices' sessions, checked as time moves.
  const hadSession = new Set<string>();
  let sessionsExpired = 0;
  const checkSessions = (): void => {
    for (const d of watched) {
      const id = d.spec.id;
      if (broker.sessions.has(id)) hadSession.add(id);
      else if (hadSession.delete(id)) {
        sessionsExpired++;
        emit(`sim ${id} session expired`);
      }
    }
  };

  for (let guard = 0; guard < 1e9; guard++) {
    const a = sched.next;
    const b = clock.next;
    const t = a < 0 ? b : b < 0 ? a : Math.min(a, b);
    if (t < 0 || t > o.durationMs) break;
    clock.runUntil(t);
    hub.drain();
    sched.runDue(t);
    hub.drain();
    if (watched.length > 0) checkSessions();
  }
  clock.runUntil(o.durationMs);
  hub.drain();
  const summary: VirtualSummary = {
    devices: o.devices,
    simulatedMs: clock.now(),
    wallMs: Math.round(performance.now() - wall0),
    connected: stats.connected,
    reconnects: stats.reconnects,
    out: stats.out,
    acked: stats.acked,
    failed: stats.failed,
    pingreqs,
    commandsSent,
    commandsDelivered: stats.commands,
    messagesExpired: broker.stats.dropped['expired'] ?? 0,
    sessionsExpired,
    restart: watch.report(),
    events,
  };
  for (const d of devices) d.powerOff();
  hub.drain();
  broker.close();
  clock.stop();
  return summary;
}
