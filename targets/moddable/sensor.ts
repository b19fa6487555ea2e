// The example sensor application on a Moddable device: the core's SensorApp (src/core/app, the
// same code the host simulator runs on Node, in XS and on the emulated ESP8266) wired onto the
// Moddable socket transport and timer clock, with one Timer for the app's telemetry schedule.
// Telemetry goes to devices/<id>/telemetry, a retained status to devices/<id>/status (its will
// is "offline"), commands come on devices/<id>/cmd (`interval <ms>`, `reboot`, `ping`).
// Everything is allocated here, once.
import Timer from 'timer';
import Time from 'time';
import { Driver } from '../../src/core/driver/driver.js';
import { SessionOptions } from '../../src/core/session/options.js';
import { AppConfig, SensorApp, type AppHost, type AppMonitor } from '../../src/core/app/app.js';
import { SimulatedSensor, type Sensor } from '../../src/core/app/sensor.js';
import { writeInt } from '../../src/core/app/format.js';
import { TimerClock } from './clock.js';
import { SocketTransport } from './transport.js';

/** Longest delay a Moddable timer takes (ms): disarmed means "due in this long". */
const FAR = 0x3fffffff;

export interface SensorConfig {
  /** Broker IP address (a device resolves names with its DNS module first). */
  broker: string;
  port: number;
  /** The client identifier and the <id> in the topics. */
  deviceId: string;
  /** 4 (3.1.1) or 5. */
  version: number;
  qos: number;
  /** ms between readings. */
  interval: number;
}

/** The core app on a device: its AppHost (a Timer, reboot) and monitor (console traces). */
export class SensorDevice implements AppHost, AppMonitor {
  app: SensorApp;
  transport: SocketTransport;
  driver: Driver;
  private timer: Timer;

  /* cold */
  constructor(config: SensorConfig, sensor: Sensor | null = null, capacities: ((o: SessionOptions) => void) | null = null) {
    const opts = new SessionOptions();
    opts.version = config.version === 4 ? 4 : 5;
    opts.keepAlive = 30;
    opts.receiveBufferSize = 1024;
    opts.sendBufferSize = 1024;
    opts.inflight = 8;
    opts.subscriptions = 8;
    // A device's own capacities (targets/esp8266: an ESP8266's).
    if (capacities !== null) capacities(opts);
    const c = new AppConfig();
    c.deviceId = config.deviceId;
    c.interval = config.interval;
    c.qos = config.qos;
    const self = this;
    // A repeating timer stays valid after it fires, so it can be rescheduled forever.
    this.timer = Timer.repeat(function (): void { self.fire(); }, FAR);
    this.app = new SensorApp(opts, c, sensor ?? new SimulatedSensor(1), this);
    this.app.monitor = this;
    this.transport = new SocketTransport(config.broker, config.port, opts.receiveBufferSize, opts.sendBufferSize);
    this.driver = new Driver(this.app.session, this.transport, new TimerClock());
  }

  start(): void {
    this.driver.start();
  }

  stop(reasonCode: number): void {
    this.driver.stop(reasonCode);
  }

  // ---- AppHost ----

  schedule(at: number): void {
    if (at < 0) {
      Timer.schedule(this.timer, FAR, FAR);
      return;
    }
    const delay = at - Time.ticks;
    Timer.schedule(this.timer, delay > 0 ? delay : 0, FAR);
  }

  /* cold */
  reboot(): void {
    // A device would restart; here: disconnect and connect again, outside the command's handler.
    const self = this;
    Timer.set(function (): void {
      self.driver.stop(0);
      Timer.set(function (): void { self.driver.start(); }, 100);
    }, 50);
  }

  private fire(): void {
    Timer.schedule(this.timer, FAR, FAR);
    this.app.tick(Time.ticks);
  }

  // ---- AppMonitor ----

  onConnected(_app: SensorApp, _first: boolean): void {
    trace('sensor: connected\n');
  }

  onClosed(_app: SensorApp, reasonCode: number, wasConnected: boolean): void {
    if (!wasConnected) trace('sensor: connection failed, reason ', reasonCode, '\n');
  }

  onTelemetrySent(_app: SensorApp): void {}

  onTelemetryDone(_app: SensorApp, _reasonCode: number, _roundTrip: number): void {}

  onCommand(_app: SensorApp, kind: number): void {
    trace('sensor: command ', kind, '\n');
  }

  onError(_app: SensorApp, code: number): void {
    trace('sensor: publish refused, reason ', -code, '\n');
  }
}

/** Writes n (>= 0) as ASCII decimal at out[0]: the length (the checks' payloads). */
export function writeDecimal(out: Uint8Array, n: number): number {
  return writeInt(out, 0, n);
}

/** The device's settings from mcconfig config values (broker=, port=, clientId=, version=, qos=, interval=). */
/* cold */
export function sensorConfig(config: Record<string, unknown>, device: string, version: number, interval: number): SensorConfig {
  return {
    broker: String(config.broker ?? '192.168.1.10'),
    port: Number(config.port ?? 1883),
    deviceId: String(config.clientId ?? 'xsmqtt-' + device),
    version: Number(config.version ?? version),
    qos: Number(config.qos ?? 1),
    interval: Number(config.interval ?? interval),
  };
}

/** Starts the sensor application from mcconfig config values. */
/* cold */
export function startSensor(config: Record<string, unknown>, device: string, version: number, interval: number, capacities: ((o: SessionOptions) => void) | null = null): SensorDevice {
  const d = new SensorDevice(sensorConfig(config, device, version, interval), null, capacities);
  d.start();
  return d;
}
