// A check run in the host XS runtime: connects with a will, publishes one retained message
// (QoS 1), prints READY once it is acknowledged, then stays connected until the process is
// killed: the broker must then publish the will.
import { ProtocolVersion } from '../../../src/core/codec/constants.js';
import type { Packet } from '../../../src/core/codec/packet.js';
import type { SessionHandler } from '../../../src/core/session/handler.js';
import { SessionOptions, utf8 } from '../../../src/core/session/options.js';
import { DeviceClient } from '../client.js';

export interface WillRetainConfig {
  broker: string;
  port: number;
  version: number;
  clientId: string;
  willTopic: string;
  retainTopic: string;
}

export class WillRetain implements SessionHandler {
  client: DeviceClient;
  retainTopic: Uint8Array;
  payload: Uint8Array;

  /* cold */
  constructor(config: WillRetainConfig) {
    const opts = new SessionOptions();
    opts.version = config.version === 4 ? ProtocolVersion.V311 : ProtocolVersion.V5;
    opts.clientId = utf8(config.clientId);
    opts.keepAlive = 30;
    opts.willTopic = utf8(config.willTopic);
    opts.willPayload = utf8('offline');
    opts.willQos = 1;
    opts.willRetain = false;
    this.retainTopic = utf8(config.retainTopic);
    this.payload = utf8('21.5');
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
    this.client.session.publish(this.retainTopic, 0, this.retainTopic.length, this.payload, 0, this.payload.length, 1, true);
  }

  onPublishDone(handle: number, reasonCode: number): void {
    print(reasonCode < 0x80 ? 'READY' : 'FAIL publish ' + reasonCode);
  }

  onMessage(msg: Packet): void {
  }

  onSubscribe(ack: Packet): void {
  }

  onUnsubscribe(ack: Packet): void {
  }

  onClose(reasonCode: number, server: Packet | null): void {
  }
}
