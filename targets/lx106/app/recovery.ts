// A client that reports its connections on the console (CONNECTED n, CLOSED reason), for the
// network-recovery tests: with a short keep alive it notices a dead network by itself and
// reconnects with the driver's back-off.
/// <reference path="../../moddable/check/host.d.ts" />
import { ProtocolVersion } from '../../../src/core/codec/constants.js';
import type { Packet } from '../../../src/core/codec/packet.js';
import type { SessionHandler } from '../../../src/core/session/handler.js';
import { SessionOptions, utf8 } from '../../../src/core/session/options.js';
import { DeviceClient } from '../../moddable/client.js';

export interface RecoveryConfig {
  broker: string;
  port: number;
  clientId: string;
  keepAlive: number;
}

export class Recovery implements SessionHandler {
  client: DeviceClient;
  connects: number;

  /* cold */
  constructor(config: RecoveryConfig) {
    const o = new SessionOptions();
    o.version = ProtocolVersion.V5;
    o.clientId = utf8(config.clientId);
    o.keepAlive = config.keepAlive;
    o.backoffBase = 200;
    o.backoffMax = 1000;
    o.connectTimeout = 2000;
    this.connects = 0;
    this.client = new DeviceClient(config.broker, config.port, o, this);
    this.client.start();
  }

  /* cold */
  onConnect(ack: Packet): void {
    this.connects++;
    print('CONNECTED ' + this.connects + ' ' + ack.reasonCode);
  }

  /* cold */
  onClose(reasonCode: number, _server: Packet | null): void {
    print('CLOSED ' + reasonCode);
  }

  onPublishDone(_handle: number, _reasonCode: number): void {}
  onMessage(_msg: Packet): void {}
  onSubscribe(_ack: Packet): void {}
  onUnsubscribe(_ack: Packet): void {}
}
