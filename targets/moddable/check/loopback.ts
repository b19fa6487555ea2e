// A check run in the host XS runtime against a real broker: the device client subscribes to
// its own topic and publishes to it, so every message goes out and comes back through the
// broker, at QoS 0, 1 and 2 in turn. After connect, subscribe and a warm-up, `count` messages
// per QoS are measured with the engine's counters: slots, chunk bytes and collections added.
// Prints one `LOOP {json}` line per QoS, one `HEAP {json}` line, then `DONE`.
import { ProtocolVersion } from '../../../src/core/codec/constants.js';
import type { Packet } from '../../../src/core/codec/packet.js';
import type { SessionHandler } from '../../../src/core/session/handler.js';
import { SessionOptions, utf8 } from '../../../src/core/session/options.js';
import { DeviceClient } from '../client.js';
import { writeDecimal } from '../sensor.js';

export interface LoopbackConfig {
  broker: string;
  port: number;
  version: number;
  clientId: string;
  count: number;
  warmup: number;
  /** Messages out and not yet back, at most. */
  window: number;
  /** Capacities: 'default' (1 KiB buffers, 8 inflight, 8 subscriptions) or 'small' (an ESP8266's). */
  capacities: string;
}

/** Capacities for an ESP8266: what a sensor needs, in a few KiB. */
export function smallCapacities(opts: SessionOptions): void {
  opts.receiveBufferSize = 512;
  opts.sendBufferSize = 512;
  opts.inflight = 4;
  opts.queueCount = 4;
  opts.storeBytes = 1024;
  opts.subscriptions = 4;
  opts.subscriptionBytes = 128;
  opts.filtersPerPacket = 2;
  opts.pendingRequests = 2;
  opts.inboundQos2 = 4;
  opts.topicAliasMaximum = 2;
  opts.outboundAliases = 2;
  opts.aliasBytes = 64;
  opts.userProperties = 1;
  opts.subscriptionIds = 1;
}

const PHASE_IDLE = 0;
const PHASE_WARMUP = 1;
const PHASE_MEASURE = 2;

export class Loopback implements SessionHandler {
  config: LoopbackConfig;
  client: DeviceClient | null;
  topic: Uint8Array;
  filter: Uint8Array;
  payload: Uint8Array;
  qos: number;
  phase: number;
  target: number;
  sent: number;
  received: number;
  bad: number;
  refused: number;
  s0: Float64Array;
  s1: Float64Array;
  base: Float64Array;

  /* cold */
  constructor(config: LoopbackConfig) {
    this.config = config;
    this.client = null;
    this.topic = utf8(`xsmqtt/${config.clientId}/loop`);
    this.filter = utf8(`xsmqtt/${config.clientId}/#`);
    this.payload = new Uint8Array(16);
    this.qos = 0;
    this.phase = PHASE_IDLE;
    this.target = 0;
    this.sent = 0;
    this.received = 0;
    this.bad = 0;
    this.refused = 0;
    this.s0 = new Float64Array(8);
    this.s1 = new Float64Array(8);
    this.base = new Float64Array(8);
  }

  /* cold */
  start(): void {
    gc();
    memoryStats(this.base);
    const opts = new SessionOptions();
    opts.version = this.config.version === 4 ? ProtocolVersion.V311 : ProtocolVersion.V5;
    opts.clientId = utf8(this.config.clientId);
    opts.keepAlive = 30;
    // The default capacities of the footprint figure: 1 KiB buffers, 8 inflight, 8 subscriptions.
    opts.receiveBufferSize = 1024;
    opts.sendBufferSize = 1024;
    opts.inflight = 8;
    opts.subscriptions = 8;
    if (this.config.capacities === 'small') smallCapacities(opts);
    this.client = new DeviceClient(this.config.broker, this.config.port, opts, this);
    this.client.start();
  }

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) {
      print('FAIL connect refused ' + ack.reasonCode);
      __xsHost.exit(1);
      return;
    }
    const c = this.client;
    if (c !== null) c.session.subscribe(this.filter, 0, this.filter.length, 2, 0, null);
  }

  onSubscribe(ack: Packet): void {
    if (ack.codes[0] !== 2) {
      print('FAIL subscribe granted ' + ack.codes[0]);
      __xsHost.exit(1);
      return;
    }
    this.reportHeap();
    this.beginPhase(0);
  }

  /* cold */
  private reportHeap(): void {
    const st = this.s0;
    gc();
    memoryStats(st);
    const b = this.base;
    print('HEAP ' + JSON.stringify({
      slots: st[0] - b[0], chunks: st[1] - b[1], slotSize: st[5], profile: __xsHost.profile,
      reservedSlots: st[6], reservedChunks: st[7], liveSlots: st[0], liveChunks: st[1],
    }));
  }

  /* cold */
  private beginPhase(qos: number): void {
    this.qos = qos;
    this.phase = PHASE_WARMUP;
    this.sent = 0;
    this.received = 0;
    this.target = this.config.warmup;
    this.publishMore();
  }

  private publishMore(): void {
    const c = this.client;
    if (c === null) return;
    while (this.sent < this.target && this.sent - this.received < this.config.window) {
      const len = writeDecimal(this.payload, this.sent);
      const rc = c.session.publish(this.topic, 0, this.topic.length, this.payload, 0, len, this.qos, false);
      if (rc < 0) {
        this.refused++;
        break;
      }
      this.sent++;
    }
  }

  onMessage(msg: Packet): void {
    if (msg.qos !== this.qos) this.bad++;
    this.received++;
    if (this.received < this.target) {
      this.publishMore();
      return;
    }
    if (this.phase === PHASE_WARMUP) {
      this.phase = PHASE_MEASURE;
      this.sent = 0;
      this.received = 0;
      this.target = this.config.count;
      this.settle();
      gc();
      memoryStats(this.s0);
      this.publishMore();
      return;
    }
    if (this.phase === PHASE_MEASURE) {
      this.settle();
      memoryStats(this.s1);
      this.phase = PHASE_IDLE;
      this.endPhase();
    }
  }

  private settle(): void {
    const c = this.client;
    if (c !== null) c.transport.settle();
  }

  /* cold */
  private endPhase(): void {
    const a = this.s0;
    const b = this.s1;
    print('LOOP ' + JSON.stringify({
      version: this.config.version, qos: this.qos, messages: this.received, bad: this.bad, refused: this.refused,
      slots: b[0] - a[0], chunks: b[1] - a[1], collections: b[4] - a[4],
    }));
    if (this.qos < 2) {
      this.beginPhase(this.qos + 1);
      return;
    }
    const c = this.client;
    if (c !== null) c.stop(0);
  }

  onPublishDone(handle: number, reasonCode: number): void {
    if (reasonCode >= 0x80) this.bad++;
    this.publishMore();
  }

  onUnsubscribe(ack: Packet): void {
  }

  onClose(reasonCode: number, server: Packet | null): void {
    if (this.phase === PHASE_IDLE && this.qos === 2) {
      print('STACK ' + JSON.stringify({ peak: __xsHost.stackPeak(false) }));
      print('DONE');
      __xsHost.exit(0);
      return;
    }
    print('FAIL closed ' + reasonCode);
    __xsHost.exit(1);
  }
}
