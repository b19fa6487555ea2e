// The example sensor application: reads a Sensor, publishes telemetry at an interval and QoS,
// keeps a retained online/offline status (the offline one is its will), and obeys commands on
// devices/<id>/cmd (`interval <ms>`, `reboot`, `ping`), answering with MQTT 5 request/response
// when the command carries a Response Topic (else on devices/<id>/reply). The same source runs
// on the devices, in XS on the host and on Node; time and timers come from its host.
import { PropertyId, ProtocolVersion, ReasonCode } from '../codec/constants.js';
import { Chunk, Packet } from '../codec/packet.js';
import { Session } from '../session/session.js';
import { SessionHandler } from '../session/handler.js';
import { SessionOptions, utf8 } from '../session/options.js';
import { Reading, Sensor } from './sensor.js';
import { equalBytes, parseUint, startsWith, writeBytes, writeCenti, writeInt } from './format.js';

export class AppConfig {
  deviceId: string;
  /** Milliseconds between telemetry messages. */
  interval: number;
  qos: number;
  /** Telemetry payload size: the JSON reading padded with spaces to this many bytes (0: as is). */
  payloadBytes: number;
  /** Publish the first telemetry after a random share of the interval (spreads a fleet out). */
  spreadStart: boolean;
  /** Seeds the start offset. */
  seed: number;
  constructor() {
    this.deviceId = 'device';
    this.interval = 10000;
    this.qos = 1;
    this.payloadBytes = 0;
    this.spreadStart = true;
    this.seed = 1;
  }
}

/** What the host provides: a timer for the application, and a reboot. */
export interface AppHost {
  /** Calls app.tick(now) at time `at` (ms), replacing an earlier request; -1 cancels. */
  schedule(at: number): void;
  /** Restart the device (on the host: disconnect and connect again); called once the reply to the reboot command is acknowledged. */
  reboot(): void;
}

/** Optional observer, for the simulator's statistics and the tests (called with no allocation). */
export interface AppMonitor {
  onConnected(app: SensorApp, first: boolean): void;
  /** The connection ended (wasConnected: false after a failed attempt). */
  onClosed(app: SensorApp, reasonCode: number, wasConnected: boolean): void;
  onTelemetrySent(app: SensorApp): void;
  /** A QoS 1/2 telemetry message was acknowledged (reasonCode < 0x80) or failed; roundTrip in ms (-1 unknown). */
  onTelemetryDone(app: SensorApp, reasonCode: number, roundTrip: number): void;
  onCommand(app: SensorApp, kind: number): void;
  /** publish() refused a message (negated reason code). */
  onError(app: SensorApp, code: number): void;
}

export const enum Command {
  Unknown = 0,
  Interval = 1,
  Reboot = 2,
  Ping = 3,
}

const TRACKED = 64;

export class SensorApp implements SessionHandler {
  session: Session;
  config: AppConfig;
  sensor: Sensor;
  host: AppHost;
  monitor: AppMonitor | null;
  reading: Reading;

  telemetryTopic: Uint8Array;
  statusTopic: Uint8Array;
  cmdTopic: Uint8Array;
  replyTopic: Uint8Array;
  idBytes: Uint8Array;
  payload: Uint8Array;
  reply: Uint8Array;

  connected: boolean;
  subscribed: boolean;
  interval: number;
  nextAt: number;
  seq: number;
  /** Send times of telemetry in flight, by handle (ring). */
  sentHandle: Float64Array;
  sentAt: Float64Array;
  /** Counters. */
  connects: number;
  published: number;
  acked: number;
  failed: number;
  commands: number;
  /** The reply to a reboot command, awaiting its acknowledgement (0: none): the device restarts once the reply is delivered, so it is not sent again after the restart. */
  rebootReply: number;

  constructor(opts: SessionOptions, config: AppConfig, sensor: Sensor, host: AppHost) {
    this.config = config;
    this.sensor = sensor;
    this.host = host;
    this.monitor = null;
    this.reading = new Reading();
    const id = config.deviceId;
    this.idBytes = utf8(id);
    this.telemetryTopic = utf8('devices/' + id + '/telemetry');
    this.statusTopic = utf8('devices/' + id + '/status');
    this.cmdTopic = utf8('devices/' + id + '/cmd');
    this.replyTopic = utf8('devices/' + id + '/reply');
    // Room for the JSON reading, or the padded size asked for.
    this.payload = new Uint8Array(config.payloadBytes > 96 + this.idBytes.length ? config.payloadBytes : 96 + this.idBytes.length);
    this.reply = new Uint8Array(64);
    opts.clientId = this.idBytes;
    // The will: a retained "offline" status, published by the broker when the device vanishes.
    opts.willTopic = this.statusTopic;
    opts.willPayload = utf8('offline');
    opts.willQos = 1;
    opts.willRetain = true;
    this.session = new Session(opts, this, null);
    this.connected = false;
    this.subscribed = false;
    this.interval = config.interval;
    this.nextAt = -1;
    this.seq = 0;
    this.sentHandle = new Float64Array(TRACKED);
    this.sentAt = new Float64Array(TRACKED);
    this.connects = 0;
    this.published = 0;
    this.acked = 0;
    this.failed = 0;
    this.commands = 0;
    this.rebootReply = 0;
  }

  // ---- SessionHandler ----

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) return;
    const first = this.connects === 0;
    this.connects++;
    this.connected = true;
    const s = this.session;
    s.publish(this.statusTopic, 0, this.statusTopic.length, ONLINE, 0, ONLINE.length, 1, true);
    if (!this.subscribed) {
      // The session subscribes again by itself after a connection without a session.
      s.subscribe(this.cmdTopic, 0, this.cmdTopic.length, 1, 0, null);
      this.subscribed = true;
    }
    const now = s.now;
    let first_at = now + this.interval;
    if (first && this.config.spreadStart) {
      // A share of the interval from the seed, so a fleet does not publish in step.
      const spread = ((this.config.seed * 2654435761) >>> 0) % (this.interval > 0 ? this.interval : 1);
      first_at = now + spread;
    }
    this.nextAt = first_at;
    this.host.schedule(this.nextAt);
    if (this.monitor !== null) this.monitor.onConnected(this, first);
  }

  onPublishDone(handle: number, reasonCode: number): void {
    if (handle === this.rebootReply) {
      this.rebootReply = 0;
      this.host.reboot();
      return;
    }
    const k = handle % TRACKED;
    if (this.sentHandle[k] !== handle) return;
    this.sentHandle[k] = 0;
    const rtt = this.session.now - this.sentAt[k];
    if (reasonCode < 0x80) this.acked++;
    else this.failed++;
    if (this.monitor !== null) this.monitor.onTelemetryDone(this, reasonCode, rtt);
  }

  onSubscribe(_ack: Packet): void {}

  onUnsubscribe(_ack: Packet): void {}

  onClose(reasonCode: number, _server: Packet | null): void {
    const was = this.connected;
    this.connected = false;
    this.nextAt = -1;
    this.host.schedule(-1);
    if (this.monitor !== null) this.monitor.onClosed(this, reasonCode, was);
  }

  onMessage(msg: Packet): void {
    if (!equalBytes(msg.topic, msg.topicOff, msg.topicLen, this.cmdTopic, 0, this.cmdTopic.length)) return;
    // A streamed command is longer than any command: ignored.
    if (msg.chunk !== Chunk.Whole) return;
    this.onCommand(msg);
  }

  // ---- Timer ----

  /** The host's timer fired: publish telemetry when due. */
  tick(now: number): void {
    if (!this.connected || this.nextAt < 0) return;
    if (now >= this.nextAt) {
      this.publishTelemetry(now);
      this.nextAt += this.interval;
      if (this.nextAt <= now) this.nextAt = now + this.interval;
    }
    this.host.schedule(this.nextAt);
  }

  /** Reads the sensor and publishes one telemetry message: its handle, or a negated reason code. */
  publishTelemetry(now: number): number {
    const r = this.reading;
    this.sensor.read(now, r);
    this.seq++;
    const n = this.formatReading(r);
    const s = this.session;
    const qos = this.config.qos;
    const h = s.publish(this.telemetryTopic, 0, this.telemetryTopic.length, this.payload, 0, n, qos, false);
    if (h < 0) {
      if (this.monitor !== null) this.monitor.onError(this, h);
      return h;
    }
    this.published++;
    if (qos > 0) {
      const k = h % TRACKED;
      this.sentHandle[k] = h;
      this.sentAt[k] = now;
    }
    if (this.monitor !== null) this.monitor.onTelemetrySent(this);
    return h;
  }

  /** {"id":"<id>","seq":N,"t":21.53,"h":40.12,"b":97} padded with spaces to payloadBytes. */
  formatReading(r: Reading): number {
    const b = this.payload;
    let o = writeBytes(b, 0, P_ID, P_ID.length);
    o = writeBytes(b, o, this.idBytes, this.idBytes.length);
    o = writeBytes(b, o, P_SEQ, P_SEQ.length);
    o = writeInt(b, o, this.seq);
    o = writeBytes(b, o, P_T, P_T.length);
    o = writeCenti(b, o, r.temperature);
    o = writeBytes(b, o, P_H, P_H.length);
    o = writeCenti(b, o, r.humidity);
    o = writeBytes(b, o, P_B, P_B.length);
    o = writeInt(b, o, r.battery);
    b[o++] = 0x7d;
    const want = this.config.payloadBytes;
    while (o < want) b[o++] = 0x20;
    return o;
  }

  // ---- Commands ----

  private onCommand(msg: Packet): void {
    const p = msg.payload;
    const off = msg.payloadOff;
    const len = msg.payloadLen;
    let kind = Command.Unknown;
    let n = 0;
    const out = this.reply;
    if (startsWith(p, off, len, C_INTERVAL)) {
      const ms = parseUint(p, off + C_INTERVAL.length, len - C_INTERVAL.length);
      if (ms >= 100) {
        kind = Command.Interval;
        this.interval = ms;
        if (this.connected) {
          this.nextAt = this.session.now + ms;
          this.host.schedule(this.nextAt);
        }
        n = writeBytes(out, 0, R_OK_INTERVAL, R_OK_INTERVAL.length);
        n = writeInt(out, n, ms);
      } else {
        n = writeBytes(out, 0, R_BAD, R_BAD.length);
      }
    } else if (startsWith(p, off, len, C_REBOOT)) {
      kind = Command.Reboot;
      n = writeBytes(out, 0, R_OK_REBOOT, R_OK_REBOOT.length);
    } else if (startsWith(p, off, len, C_PING)) {
      kind = Command.Ping;
      n = writeBytes(out, 0, R_PONG, R_PONG.length);
    } else {
      n = writeBytes(out, 0, R_UNKNOWN, R_UNKNOWN.length);
    }
    this.commands++;
    const s = this.session;
    // MQTT 5 section 4.10: answer on the Response Topic with the Correlation Data.
    const reply = s.opts.version === ProtocolVersion.V5 && msg.props.has(PropertyId.ResponseTopic)
      ? s.respond(msg, out, 0, n, 1)
      : s.publish(this.replyTopic, 0, this.replyTopic.length, out, 0, n, 1, false);
    if (this.monitor !== null) this.monitor.onCommand(this, kind);
    if (kind !== Command.Reboot) return;
    // The restart waits for the reply's acknowledgement (onPublishDone); a reply that could not be queued waits for nothing.
    if (reply > 0) this.rebootReply = reply;
    else this.host.reboot();
  }

  /** Marks the device offline (retained) and disconnects normally: the will is not sent. */
  goOffline(): void {
    const s = this.session;
    if (this.connected) s.publish(this.statusTopic, 0, this.statusTopic.length, OFFLINE, 0, OFFLINE.length, 1, true);
    s.disconnect(ReasonCode.Success);
  }
}

const ONLINE = asciiBytes('online');
const OFFLINE = asciiBytes('offline');
const P_ID = asciiBytes('{"id":"');
const P_SEQ = asciiBytes('","seq":');
const P_T = asciiBytes(',"t":');
const P_H = asciiBytes(',"h":');
const P_B = asciiBytes(',"b":');
const C_INTERVAL = asciiBytes('interval');
const C_REBOOT = asciiBytes('reboot');
const C_PING = asciiBytes('ping');
const R_OK_INTERVAL = asciiBytes('ok interval ');
const R_OK_REBOOT = asciiBytes('ok reboot');
const R_PONG = asciiBytes('pong');
const R_BAD = asciiBytes('error bad interval');
const R_UNKNOWN = asciiBytes('error unknown command');

/* cold */
function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
