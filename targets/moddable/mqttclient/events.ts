// The ECMA-419 drop-in's side of the session's events: the records its callbacks receive, and
// the session's handler and observer, which hand each event to the client.
import type { Packet } from '../../../src/core/codec/packet.js';
import { PacketType } from '../../../src/core/codec/constants.js';
import type { PacketObserver, SessionHandler } from '../../../src/core/session/handler.js';

/** What the client does with the session's events. */
export interface EventSink {
  connected(ack: Packet): void;
  message(p: Packet): void;
  published(handle: number, reasonCode: number): void;
  /** A SUBACK or UNSUBACK (operation: its packet type). */
  acked(operation: number, ack: Packet): void;
  lost(reasonCode: number, server: boolean): void;
  control(p: Packet): void;
}

export interface ControlMessage {
  operation: number;
  id: number;
  /** SUBACK / UNSUBACK: one code per item. */
  payload: Uint8Array | undefined;
  /** CONNACK: the return code (MQTT 5: the reason code). */
  returnCode: number;
  /** The reason code of an MQTT 5 acknowledgement (0 in 3.1.1); >= 0x80 when the message failed. */
  reasonCode: number;
  sessionPresent: boolean;
}

export interface ReadableOptions {
  more: boolean;
  topic: string | undefined;
  QoS: number | undefined;
  byteLength: number | undefined;
  retain: boolean | undefined;
}

/** The session's handler and observer: turns its events into the API's callbacks. */
export class Events implements SessionHandler, PacketObserver {
  client: EventSink;

  /* cold */
  constructor(client: EventSink) {
    this.client = client;
  }

  onConnect(ack: Packet): void {
    this.client.connected(ack);
  }

  onMessage(msg: Packet): void {
    this.client.message(msg);
  }

  onPublishDone(handle: number, reasonCode: number): void {
    this.client.published(handle, reasonCode);
  }

  onSubscribe(ack: Packet): void {
    this.client.acked(PacketType.Suback, ack);
  }

  onUnsubscribe(ack: Packet): void {
    this.client.acked(PacketType.Unsuback, ack);
  }

  onClose(reasonCode: number, server: Packet | null): void {
    this.client.lost(reasonCode, server !== null);
  }

  onPacket(p: Packet): void {
    this.client.control(p);
  }
}
