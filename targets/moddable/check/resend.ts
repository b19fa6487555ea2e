// A check run in the host XS runtime: a persistent session (clean start off) publishes
// `count` QoS 1 messages on its first connection; when the connection is lost before they are
// acknowledged, the session reconnects and sends them again (DUP) until all are acknowledged.
// Prints `CONNECTED n` on each connection and `ACKED n` when all are acknowledged.
import { ProtocolVersion } from '../../../src/core/codec/constants.js';
import type { Packet } from '../../../src/core/codec/packet.js';
import type { SessionHandler } from '../../../src/core/session/handler.js';
import { SessionOptions, utf8 } from '../../../src/core/session/options.js';
import { DeviceClient } from '../client.js';
import { writeDecimal } from '../sensor.js';

export interface ResendConfig {
  broker: string;
  port: number;
  version: number;
  clientId: string;
  topic: string;
  count: number;
}

export class Resend implements SessionHandler {
  config: ResendConfig;
  client: DeviceClient;
  topic: Uint8Array;
  payload: Uint8Array;
  connections: number;
  acked: number;

  /* cold */
  constructor(config: ResendConfig) {
    this.config = config;
    const opts = new SessionOptions();
    opts.version = config.version === 4 ? ProtocolVersion.V311 : ProtocolVersion.V5;
    opts.clientId = utf8(config.clientId);
    opts.cleanStart = false;
    opts.sessionExpiry = 300;
    opts.keepAlive = 30;
    opts.backoffBase = 50;
    opts.backoffMax = 200;
    opts.inflight = 8;
    opts.queueCount = 16;
    this.topic = utf8(config.topic);
    this.payload = new Uint8Array(8);
    this.connections = 0;
    this.acked = 0;
    this.client = new DeviceClient(config.broker, config.port, opts, this);
  }

  start(): void {
    this.client.start();
  }

  onConnect(ack: Packet): void {
    if (ack.reasonCode !== 0) {
      print('FAIL connect ' + ack.reasonCode);
      __xsHost.exit(1);
      return;
    }
    this.connections++;
    print('CONNECTED ' + this.connections);
    if (this.connections !== 1) return;
    for (let i = 0; i < this.config.count; i++) {
      const len = writeDecimal(this.payload, i);
      const rc = this.client.session.publish(this.topic, 0, this.topic.length, this.payload, 0, len, 1, false);
      if (rc < 0) print('FAIL publish ' + rc);
    }
  }

  onPublishDone(handle: number, reasonCode: number): void {
    if (reasonCode >= 0x80) print('FAIL puback ' + reasonCode);
    this.acked++;
    if (this.acked === this.config.count) print('ACKED ' + this.acked);
  }

  onMessage(msg: Packet): void {
  }

  onSubscribe(ack: Packet): void {
  }

  onUnsubscribe(ack: Packet): void {
  }

  onClose(reasonCode: number, server: Packet | null): void {
    print('CLOSED ' + reasonCode);
  }
}
