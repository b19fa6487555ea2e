// The example sensor application on a Moddable device: the core's SensorApp (src/core/app, the
// same code the host simulator runs on Node, in XS and on the emulated ESP8266) wired onto the
// Moddable socket transport and timer clock, with one Timer for the app's telemetry schedule.
// Telemetry goes to devices/<id>/telemetry, a retained status to devices/<id>/status (its will
// is "offline"), commands come on devices/<id>/cmd (`interval <ms>`, `reboot`, `ping`).
// Everything is allocated here, once. A broker host name, TLS and the broker's credentials come
// from mc/config; resolving names and TLS need modules an app includes when it wants them
// (targets/moddable/manifest_dns.json, manifest_tls.json) and hands over as `SensorNetwork`.
import Timer from 'timer';
import Time from 'time';
import { Driver } from '../../src/core/driver/driver.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { AppConfig, SensorApp, type AppHost, type AppMonitor } from '../../src/core/app/app.js';
import { SimulatedSensor, type Sensor } from '../../src/core/app/sensor.js';
import { writeInt } from '../../src/core/app/format.js';
import { TimerClock } from './clock.js';
import { SocketTransport, isIPv4, type DnsOptions, type SocketConstructor } from './transport.js';
import { FailoverTransport, parseServers } from './failover.js';
import { ServerOrder } from '../../src/core/driver/servers.js';
import type { Transport } from '../../src/core/driver/transport.js';

/** Longest delay a Moddable timer takes (ms): disarmed means "due in this long". */
const FAR = 0x3fffffff;

export interface SensorConfig {
  /** Broker: an IPv4 address, or a host name (resolved through `dns` at each connection attempt). */
  broker: string;
  port: number;
  /** Failover: `host:port` entries tried in turn (`broker` and `port` then unused); empty: `broker` alone. */
  servers: string[];
  /** A new random order of `servers` each round instead of first to last. */
  serversRandom: boolean;
  /** MQTT 5: follow a Server Reference (CONNACK or DISCONNECT 0x9C, 0x9D). */
  followServerReference: boolean;
  /** DNS servers (IPv4 addresses) for a broker host name, and their port. */
  dns: string[];
  dnsPort: number;
  /** TLS to the broker (mc/config `secure`; the app includes targets/moddable/manifest_tls.json). */
  tls: boolean;
  /** The broker's CA certificate: a DER resource of the app ('': Moddable's bundled public CAs). */
  ca: string;
  /** The broker's user name and password ('': none). */
  user: string;
  password: string;
  /** The client identifier and the <id> in the topics. */
  deviceId: string;
  /** 4 (3.1.1) or 5. */
  version: number;
  qos: number;
  /** ms between readings. */
  interval: number;
}

/**
 * The optional network modules an app hands to the sensor: a resolver for host names (the
 * transport's DnsOptions without servers: targets/moddable/dns's UdpResolver with
 * embedded:io/socket/udp, or Moddable's embedded:network/dns/resolver/udp), and TLS
 * (targets/moddable/tls's tlsProvider). null: the app has none.
 */
export interface SensorNetwork {
  dns: { io: DnsOptions['io']; socket: { io: unknown } } | null;
  tls: { socketClass: SocketConstructor; options(host: string, ca: string): Record<string, unknown> } | null;
}

/** The core app on a device: its AppHost (a Timer, reboot) and monitor (console traces). */
export class SensorDevice implements AppHost, AppMonitor {
  app: SensorApp;
  transport: SocketTransport;
  /** With `servers`: the transport the driver uses, over `transport`. */
  failover: FailoverTransport | null;
  driver: Driver;
  private timer: Timer;

  /* cold */
  constructor(config: SensorConfig, sensor: Sensor | null = null, capacities: ((o: SessionOptions) => void) | null = null, network: SensorNetwork | null = null) {
    const opts = new SessionOptions();
    opts.version = config.version === 4 ? 4 : 5;
    if (config.user !== '') opts.username = utf8(config.user);
    // MQTT-3.1.2-22: in 3.1.1 a password needs a user name; 5.0 allows one alone.
    if (config.password !== '' && (config.user !== '' || opts.version === 5)) opts.password = utf8(config.password);
    if (opts.username !== null && !config.tls) trace('sensor: warning: the broker credentials go without TLS\n');
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
    this.transport = sensorTransport(config, network, opts.receiveBufferSize, opts.sendBufferSize);
    this.failover = sensorFailover(config, network, this.transport);
    const t: Transport = this.failover !== null ? this.failover : this.transport;
    this.driver = new Driver(this.app.session, t, new TimerClock());
    if (this.failover !== null) this.failover.attach(this.driver);
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

/**
 * The socket transport for the configuration: TLS when asked (refused, not downgraded, when the
 * app has no TLS), a resolver when the broker is a host name. Throws on a configuration the app
 * cannot serve, so that it stops at start rather than retrying forever.
 */
/* cold */
export function sensorTransport(config: SensorConfig, network: SensorNetwork | null, maxRead: number, maxWrite: number): SocketTransport {
  let dns: DnsOptions | null = null;
  let named = !isIPv4(config.broker);
  for (let i = 0; i < config.servers.length; i++) if (!isIPv4(config.servers[i].split(':')[0])) named = true;
  if (named) {
    const resolver = network !== null ? network.dns : null;
    if (resolver === null) throw new Error('broker ' + config.broker + ' is a host name: the app needs a resolver (targets/moddable/manifest_dns.json)');
    if (config.dns.length === 0) throw new Error('broker ' + config.broker + ' is a host name: no DNS server (dns=)');
    dns = { io: resolver.io, servers: config.dns, socket: resolver.socket, port: config.dnsPort };
  }
  if (!config.tls) return new SocketTransport(config.broker, config.port, maxRead, maxWrite, undefined, null, dns);
  const tls = network !== null ? network.tls : null;
  if (tls === null) throw new Error('secure is on: the app needs TLS (targets/moddable/manifest_tls.json)');
  return new SocketTransport(config.broker, config.port, maxRead, maxWrite, tls.socketClass, tls.options(config.broker, config.ca), dns);
}

/** The failover transport over `socket` for mc/config `servers`, or null without a list. */
/* cold */
export function sensorFailover(config: SensorConfig, network: SensorNetwork | null, socket: SocketTransport): FailoverTransport | null {
  if (config.servers.length === 0) return null;
  const hosts: string[] = [];
  const ports: number[] = [];
  if (!parseServers(config.servers, config.port, hosts, ports)) throw new Error('servers: host:port entries, comma-separated');
  const tls = config.tls && network !== null ? network.tls : null;
  const ca = config.ca;
  const f = new FailoverTransport(socket, hosts, ports, config.serversRandom ? ServerOrder.Random : ServerOrder.InOrder, tls === null ? null : function (host: string): Record<string, unknown> { return tls.options(host, ca); });
  f.list.followReferences = config.followServerReference;
  return f;
}

/** A mc/config flag: true, 1, "true", "1", "yes" or "on". */
/* cold */
export function configFlag(value: unknown, otherwise: boolean): boolean {
  if (value === undefined || value === null || value === '') return otherwise;
  if (value === true || value === 1) return true;
  const s = String(value).toLowerCase();
  return s === 'true' || s === '1' || s === 'yes' || s === 'on';
}

/** A list from mc/config: an array, or a string of comma-separated items. */
/* cold */
export function configList(value: unknown, otherwise: string[]): string[] {
  if (value === undefined || value === null) return otherwise;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i].trim();
    if (item !== '') out.push(item);
  }
  return out;
}

/** Writes n (>= 0) as ASCII decimal at out[0]: the length (the checks' payloads). */
export function writeDecimal(out: Uint8Array, n: number): number {
  return writeInt(out, 0, n);
}

/**
 * The device's settings from mcconfig config values: broker=, port= (default 1883, 8883 with
 * TLS), secure= (TLS; default off), ca= (a DER resource; default: Moddable's bundled CAs), mqttUser=,
 * mqttPassword= (default none: `password=` is the Wi-Fi password on a device), dns= (DNS servers
 * for a broker host name, comma-separated; default 1.1.1.1), dnsPort= (53), clientId=,
 * version=, qos=, interval=; failover: servers= (host:port,host:port,...; broker= and port= then
 * unused), serversOrder= (ordered or random), followServerReference= (MQTT 5 redirection; off).
 */
/* cold */
export function sensorConfig(config: Record<string, unknown>, device: string, version: number, interval: number): SensorConfig {
  // `secure`, not `tls`: Moddable's TLS reads mc/config's `tls` object (its DHE_RSA and ECDHE_RSA
  // suites), which a `tls=` value would replace.
  const tls = configFlag(config.secure, false);
  return {
    broker: String(config.broker ?? '192.168.1.10'),
    port: Number(config.port ?? (tls ? 8883 : 1883)),
    servers: configList(config.servers, []),
    serversRandom: String(config.serversOrder ?? 'ordered') === 'random',
    followServerReference: configFlag(config.followServerReference, false),
    dns: configList(config.dns, ['1.1.1.1']),
    dnsPort: Number(config.dnsPort ?? 53),
    tls,
    ca: String(config.ca ?? ''),
    user: String(config.mqttUser ?? ''),
    password: String(config.mqttPassword ?? ''),
    deviceId: String(config.clientId ?? 'xsmqtt-' + device),
    version: Number(config.version ?? version),
    qos: Number(config.qos ?? 1),
    interval: Number(config.interval ?? interval),
  };
}

/** Starts the sensor application from mcconfig config values. */
/* cold */
export function startSensor(config: Record<string, unknown>, device: string, version: number, interval: number, capacities: ((o: SessionOptions) => void) | null = null, network: SensorNetwork | null = null): SensorDevice {
  const d = new SensorDevice(sensorConfig(config, device, version, interval), null, capacities, network);
  d.start();
  return d;
}
