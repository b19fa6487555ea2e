// One simulated device: the example application on its own session and driver, over TCP or an
// in-process link, timed by the fleet's shared scheduler (one timer per device serves both the
// application and the driver, and the device is the driver's clock: no closures per device).
import { Driver } from '../../core/driver/driver.js';
import type { Clock, TimerTarget } from '../../core/driver/transport.js';
import { SessionOptions } from '../../core/session/options.js';
import { AppConfig, AppHost, AppMonitor, SensorApp } from '../../core/app/app.js';
import { Random, SimulatedSensor } from '../../core/app/sensor.js';
import type { SimTransport } from './memory-link.js';
import { Scheduler, Timer } from './scheduler.js';
import { TcpTransport } from './transport.js';

export interface DeviceSpec {
  id: string;
  index: number;
  host: string;
  port: number;
  localAddress?: string;
  version: number;
  qos: number;
  interval: number;
  payloadBytes: number;
  keepAlive: number;
  seed: number;
  /** Small capacities keep a large fleet in memory. */
  bufferSize: number;
  /** A persistent session: CONNECT without clean start, kept this many seconds offline (default: clean, none). */
  sessionExpiry?: number;
}

/** What every device of a fleet shares; fleetDeviceSpec() makes device i's spec from it. */
export interface FleetConfig {
  host: string;
  port: number;
  /** Several brokers: device i uses brokers[i % length] (else host and port). */
  brokers?: { host: string; port: number }[];
  /** Source addresses for TCP (127.0.0.x); empty: the system's choice. */
  localAddresses: string[];
  version: number;
  qos: number;
  interval: number;
  payloadBytes: number;
  keepAlive: number;
  seed: number;
}

export function fleetDeviceSpec(c: FleetConfig, i: number): DeviceSpec {
  const b = c.brokers !== undefined && c.brokers.length > 0 ? c.brokers[i % c.brokers.length] : c;
  return {
    id: `sim-${String(i + 1).padStart(6, '0')}`, index: i, host: b.host, port: b.port,
    localAddress: c.localAddresses.length > 0 ? c.localAddresses[i % c.localAddresses.length] : undefined,
    version: c.version, qos: c.qos, interval: c.interval, payloadBytes: c.payloadBytes,
    keepAlive: c.keepAlive, seed: (c.seed * 1000003 + i + 1) >>> 0, bufferSize: 256,
  };
}

export class SimDevice implements AppHost, Clock {
  readonly app: SensorApp;
  readonly driver: Driver;
  readonly transport: SimTransport;
  private readonly timer: Timer;
  private readonly rnd: Random;
  /** When the application and the driver want to be woken (-1: not). */
  private appAt = -1;
  private driverAt = -1;
  private rebooting = false;
  stopped = false;

  /** transport: an in-process link; default a TCP connection to spec.host:spec.port. */
  constructor(readonly spec: DeviceSpec, readonly sched: Scheduler, monitor: AppMonitor | null, transport: SimTransport | null = null) {
    const opts = new SessionOptions();
    opts.version = spec.version;
    opts.keepAlive = spec.keepAlive;
    opts.cleanStart = spec.sessionExpiry === undefined;
    opts.sessionExpiry = spec.sessionExpiry ?? 0;
    const buf = Math.max(spec.bufferSize, spec.payloadBytes + 128);
    opts.receiveBufferSize = buf;
    opts.sendBufferSize = buf;
    opts.storeBytes = buf * 2;
    opts.inflight = 4;
    opts.queueCount = 4;
    opts.subscriptions = 1;
    opts.subscriptionBytes = 64;
    opts.filtersPerPacket = 1;
    opts.pendingRequests = 1;
    opts.inboundQos2 = 2;
    opts.topicAliasMaximum = 0;
    opts.outboundAliases = 0;
    opts.aliasBytes = 0;
    opts.userProperties = 0;
    opts.subscriptionIds = 1;
    opts.backoffBase = 500;
    opts.backoffMax = 10000;
    const config = new AppConfig();
    config.deviceId = spec.id;
    config.interval = spec.interval;
    config.qos = spec.qos;
    config.payloadBytes = spec.payloadBytes;
    config.seed = spec.seed;
    this.timer = sched.timer(this);
    this.app = new SensorApp(opts, config, new SimulatedSensor(spec.seed), this);
    this.app.monitor = monitor;
    this.transport = transport ?? new TcpTransport(spec.host, spec.port, spec.localAddress);
    this.rnd = new Random(spec.seed ^ 0x5bd1e995);
    this.driver = new Driver(this.app.session, this.transport, this);
  }

  // Clock (the driver's): its one timer target is the driver.
  now(): number {
    return this.sched.now();
  }

  arm(at: number, _target: TimerTarget): void {
    this.driverAt = at;
    this.rearm();
  }

  disarm(): void {
    this.driverAt = -1;
    this.rearm();
  }

  random(): number {
    return this.rnd.next();
  }

  /** The scheduler's timer: the driver's wake-up, then the application's. */
  onTimer(): void {
    const now = this.sched.now();
    if (this.driverAt >= 0 && this.driverAt <= now) {
      this.driverAt = -1;
      this.driver.onTimer();
    }
    if (this.appAt >= 0 && this.appAt <= now) {
      this.appAt = -1;
      this.app.tick(now);
    }
    this.rearm();
  }

  private rearm(): void {
    const a = this.appAt;
    const d = this.driverAt;
    const at = a < 0 ? d : d < 0 ? a : a < d ? a : d;
    if (at < 0) this.timer.disarm();
    else this.timer.arm(at);
  }

  start(): void {
    this.stopped = false;
    this.driver.start();
  }

  /** Normal stop: retained "offline", DISCONNECT. */
  stop(): void {
    this.stopped = true;
    this.appAt = -1;
    this.rearm();
    this.app.goOffline();
    this.driver.stop(0);
  }

  /** Loses power: the connection drops with no DISCONNECT and the device stays off until powerOn(). */
  powerOff(): void {
    this.transport.abort();
    this.stopped = true;
    this.appAt = -1;
    this.rearm();
    this.driver.stop(0);
  }

  powerOn(): void {
    this.start();
  }

  /** Drops the connection with no DISCONNECT (the broker publishes the will). */
  kill(): void {
    this.transport.abort();
  }

  get connected(): boolean {
    return this.app.connected;
  }

  // AppHost
  schedule(at: number): void {
    this.appAt = at;
    this.rearm();
  }

  /** Disconnect, then connect again (the app calls it once its reply to the command is acknowledged). */
  reboot(): void {
    if (this.rebooting) return;
    this.rebooting = true;
    // Outside the session's handler, as a device restarts after the command's turn.
    setImmediate(() => {
      this.driver.stop(0);
      setTimeout(() => {
        this.rebooting = false;
        if (!this.stopped) this.driver.start();
      }, 100);
    });
  }
}
