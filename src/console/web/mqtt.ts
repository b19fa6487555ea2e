// The page's MQTT connection: xsmqtt's own core (Session and Driver) over the browser
// WebSocket transport, to the broker behind the console's /mqtt.
import { Driver } from '../../core/driver/driver.js';
import type { Packet } from '../../core/codec/packet.js';
import { Session } from '../../core/session/session.js';
import { SessionOptions, utf8 } from '../../core/session/options.js';
import type { SessionHandler } from '../../core/session/handler.js';
import { BrowserClock } from '../../browser/clock.js';
import { BrowserWebSocketTransport } from '../../browser/websocket-transport.js';

/** Subscription option: Retain As Published (MQTT 5), so the tree sees each message's flag. */
const RETAIN_AS_PUBLISHED = 0x08;

export type MessageListener = (topic: string, payload: string, retain: boolean) => void;

export class ConsoleMqtt implements SessionHandler {
  readonly session: Session;
  readonly driver: Driver;
  readonly clientId: string;
  connected = false;
  private listeners: MessageListener[] = [];
  private readonly decoder = new TextDecoder();
  onState: (connected: boolean) => void = () => undefined;

  constructor(url: string) {
    const o = new SessionOptions();
    // Console clients may command faults (the broker's --bench-client pattern, bench* by default).
    this.clientId = `bench-console-${Math.random().toString(36).slice(2, 8)}`;
    o.clientId = utf8(this.clientId);
    o.keepAlive = 30;
    o.receiveBufferSize = 256 * 1024;
    o.sendBufferSize = 8192;
    o.storeBytes = 16384;
    o.backoffBase = 500;
    o.backoffMax = 5000;
    this.session = new Session(o, this, null);
    this.driver = new Driver(this.session, new BrowserWebSocketTransport(url), new BrowserClock());
  }

  /** Subscribes (sent once connected, again after each reconnect) and connects. */
  start(filters: string[]): void {
    for (const f of filters) this.session.subscribeString(f, RETAIN_AS_PUBLISHED, null);
    this.driver.start();
  }

  listen(l: MessageListener): void {
    this.listeners.push(l);
  }

  publish(topic: string, payload: string): number {
    return this.session.publishString(topic, payload, 0, false);
  }

  onConnect(ack: Packet): void {
    this.connected = ack.reasonCode === 0;
    this.onState(this.connected);
  }

  onMessage(msg: Packet): void {
    const topic = this.session.topicString(msg);
    // Any bytes: what is not UTF-8 shows as U+FFFD.
    const payload = this.decoder.decode(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen));
    for (const l of this.listeners) l(topic, payload, msg.retain);
  }

  onPublishDone(): void {}
  onSubscribe(): void {}
  onUnsubscribe(): void {}

  onClose(): void {
    this.connected = false;
    this.onState(false);
  }
}
