// Footprint figures on a device: the heap one connected client takes (default capacities:
// 1 KiB buffers, 8 inflight, 8 subscriptions), measured as growth beyond what was live before
// it was created, and the time of sequential QoS 1 round trips (PUBLISH to PUBACK) in the
// device's own clock (emulated time on lx106). One line: FOOTPRINT {json}.
/// <reference path="../../moddable/check/host.d.ts" />
import { ProtocolVersion } from '../../../src/core/codec/constants.js';
import type { Packet } from '../../../src/core/codec/packet.js';
import type { SessionHandler } from '../../../src/core/session/handler.js';
import { SessionOptions, utf8 } from '../../../src/core/session/options.js';
import { DeviceClient } from '../../moddable/client.js';

declare const __xsHost: { exit(code: number): void; profile: string; now(): number };

export interface FootprintConfig {
  broker: string;
  port: number;
  clientId: string;
  version: number;
  roundTrips: number;
}

export class Footprint implements SessionHandler {
  config: FootprintConfig;
  client: DeviceClient | null;
  topic: Uint8Array;
  payload: Uint8Array;
  base: Float64Array;
  after: Float64Array;
  times: Float64Array;
  sentAt: number;
  done: number;

  /* cold */
  constructor(config: FootprintConfig) {
    this.config = config;
    this.client = null;
    this.topic = utf8(`xsmqtt/${config.clientId}/rtt`);
    this.payload = new Uint8Array(16);
    this.base = new Float64Array(8);
    this.after = new Float64Array(8);
    this.times = new Float64Array(config.roundTrips);
    this.sentAt = 0;
    this.done = 0;
  }

  /* cold */
  start(): void {
    gc();
    memoryStats(this.base);
    const opts = new SessionOptions();
    opts.version = this.config.version === 4 ? ProtocolVersion.V311 : ProtocolVersion.V5;
    opts.clientId = utf8(this.config.clientId);
    opts.keepAlive = 30;
    opts.receiveBufferSize = 1024;
    opts.sendBufferSize = 1024;
    opts.inflight = 8;
    opts.subscriptions = 8;
    this.client = new DeviceClient(this.config.broker, this.config.port, opts, this);
    this.client.start();
  }

  /* cold */
  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) {
      print('FAIL connect refused ' + ack.reasonCode);
      __xsHost.exit(1);
      return;
    }
    const c = this.client;
    if (c !== null) c.session.subscribe(this.topic, 0, this.topic.length, 1, 0, null);
  }

  /* cold */
  onSubscribe(_ack: Packet): void {
    const c = this.client;
    if (c !== null) c.transport.settle();
    gc();
    memoryStats(this.after);
    this.next();
  }

  next(): void {
    const c = this.client;
    if (c === null) return;
    this.sentAt = __xsHost.now();
    if (c.session.publish(this.topic, 0, this.topic.length, this.payload, 0, this.payload.length, 1, false) < 0) {
      print('FAIL publish refused');
      __xsHost.exit(1);
    }
  }

  onPublishDone(_handle: number, reasonCode: number): void {
    if (reasonCode !== 0) {
      print('FAIL puback ' + reasonCode);
      __xsHost.exit(1);
      return;
    }
    this.times[this.done++] = __xsHost.now() - this.sentAt;
    if (this.done < this.times.length) this.next();
    else this.report();
  }

  onMessage(_msg: Packet): void {}
  onUnsubscribe(_ack: Packet): void {}
  onClose(_reasonCode: number, _server: Packet | null): void {}

  /* cold */
  report(): void {
    const t = Array.from(this.times).sort((a, b) => a - b);
    const b = this.base;
    const a = this.after;
    const slots = a[0] - b[0];
    const chunks = a[1] - b[1];
    print('FOOTPRINT ' + JSON.stringify({
      profile: __xsHost.profile, slotSize: a[5], clientSlots: slots, clientChunkBytes: chunks,
      clientHeapBytes: slots * a[5] + chunks, roundTrips: t.length,
      qos1RoundTripMedianMs: t[t.length >> 1], qos1RoundTripMinMs: t[0], qos1RoundTripMaxMs: t[t.length - 1],
    }));
    const c = this.client;
    if (c !== null) c.stop(0);
    __xsHost.exit(0);
  }
}
