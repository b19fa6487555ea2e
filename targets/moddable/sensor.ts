// The example sensor application: connects, subscribes to <prefix>/cmd/#, and publishes a
// reading to <prefix>/reading every `interval` ms. Readings are written as ASCII digits into
// a buffer made once; nothing is allocated per reading or per received command.
import Timer from 'timer';
import { ProtocolVersion } from '../../src/core/codec/constants.js';
import type { Packet } from '../../src/core/codec/packet.js';
import type { SessionHandler } from '../../src/core/session/handler.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { DeviceClient } from './client.js';

export interface SensorConfig {
  /** Broker IP address (a device resolves names with its DNS module first). */
  broker: string;
  port: number;
  clientId: string;
  prefix: string;
  /** 4 (3.1.1) or 5. */
  version: number;
  qos: number;
  /** ms between readings. */
  interval: number;
  /** Readings to publish before disconnecting; 0: forever. */
  count: number;
}

/** The sensor: replace with a real one (an I2C temperature sensor...). Tenths of a degree. */
export function readSensor(n: number): number {
  return 200 + ((n * 7) % 50);
}

export class SensorApp implements SessionHandler {
  config: SensorConfig;
  client: DeviceClient;
  readingTopic: Uint8Array;
  commandFilter: Uint8Array;
  payload: Uint8Array;
  published: number;
  acknowledged: number;
  commands: number;
  connected: boolean;
  timer: Timer | null;
  /** Called once `count` readings are acknowledged and the client has disconnected. */
  onDone: (() => void) | null;

  /* cold */
  constructor(config: SensorConfig) {
    this.config = config;
    const opts = new SessionOptions();
    opts.version = config.version === 4 ? ProtocolVersion.V311 : ProtocolVersion.V5;
    opts.clientId = utf8(config.clientId);
    opts.keepAlive = 30;
    opts.receiveBufferSize = 1024;
    opts.sendBufferSize = 1024;
    opts.inflight = 8;
    opts.subscriptions = 8;
    this.client = new DeviceClient(config.broker, config.port, opts, this);
    this.readingTopic = utf8(config.prefix + '/reading');
    this.commandFilter = utf8(config.prefix + '/cmd/#');
    this.payload = new Uint8Array(12);
    this.published = 0;
    this.acknowledged = 0;
    this.commands = 0;
    this.connected = false;
    this.timer = null;
    this.onDone = null;
  }

  /* cold */
  start(): void {
    this.client.start();
    const self = this;
    this.timer = Timer.repeat(function (): void { self.publishReading(); }, this.config.interval);
  }

  publishReading(): void {
    if (!this.connected) return;
    if (this.config.count > 0 && this.published >= this.config.count) return;
    const len = writeDecimal(this.payload, readSensor(this.published));
    const rc = this.client.session.publish(this.readingTopic, 0, this.readingTopic.length, this.payload, 0, len, this.config.qos, false);
    if (rc > 0) this.published++;
    if (this.config.qos === 0 && rc > 0) this.done(0);
  }

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) {
      trace('sensor: refused, reason ', ack.reasonCode, '\n');
      return;
    }
    this.connected = true;
    trace('sensor: connected\n');
    this.client.session.subscribe(this.commandFilter, 0, this.commandFilter.length, 1, 0, null);
  }

  onMessage(msg: Packet): void {
    this.commands++;
    trace('sensor: command\n');
  }

  onPublishDone(handle: number, reasonCode: number): void {
    this.done(reasonCode);
  }

  onSubscribe(ack: Packet): void {
  }

  onUnsubscribe(ack: Packet): void {
  }

  onClose(reasonCode: number, server: Packet | null): void {
    this.connected = false;
    if (this.config.count > 0 && this.acknowledged >= this.config.count) {
      if (this.timer !== null) Timer.clear(this.timer);
      this.timer = null;
      const done = this.onDone;
      if (done !== null) done();
    }
  }

  private done(reasonCode: number): void {
    if (reasonCode < 0x80) this.acknowledged++;
    if (this.config.count > 0 && this.acknowledged >= this.config.count) this.client.stop(0);
  }
}

/** Writes n (>= 0) as ASCII decimal at out[0]: the length. */
export function writeDecimal(out: Uint8Array, n: number): number {
  let len = 0;
  let v = n;
  do { len++; v = Math.floor(v / 10); } while (v > 0);
  v = n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return len;
}

/** Starts the sensor application from mcconfig config values (broker=, port=, qos=...). */
/* cold */
export function startSensor(config: Record<string, unknown>, device: string, version: number, interval: number): SensorApp {
  const app = new SensorApp({
    broker: String(config.broker ?? '192.168.1.10'),
    port: Number(config.port ?? 1883),
    clientId: String(config.clientId ?? 'xsmqtt-' + device),
    prefix: String(config.prefix ?? 'xsmqtt/' + device),
    version: Number(config.version ?? version),
    qos: Number(config.qos ?? 1),
    interval: Number(config.interval ?? interval),
    count: 0,
  });
  app.start();
  return app;
}
