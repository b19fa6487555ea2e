// mqtt/js's connect options (MQTT.js's names) as the session's options, and the capacities:
// the session allocates everything once, at these sizes.
import { SessionOptions, utf8 } from '../../../src/core/session/options.js';
import { setConnectProperties, setWillProperties } from '../mqtt-properties.js';
import type { ParsedUrl } from './url.js';

export type Payload = string | ArrayBuffer | ArrayBufferView;

export interface ClientOptions {
  clientId?: string;
  keepalive?: number;
  clean?: boolean;
  reconnectPeriod?: number;
  reconnectPeriodMax?: number;
  reconnectJitter?: number;
  connectTimeout?: number;
  username?: string;
  password?: string | ArrayBuffer;
  will?: { topic: string; payload: Payload; qos?: number; retain?: boolean; properties?: Record<string, unknown> };
  resubscribe?: boolean;
  protocolVersion?: number;
  properties?: Record<string, unknown>;
  capacities?: Record<string, number>;
}

/**
 * Default capacities, sized for a device with a 32 KB heap (ESP8266): a message of up to about
 * 1 KB is kept whole in the store (and sent again after a reconnect); a larger one is streamed
 * from the application's payload (see mqtt-js.ts). A 4 KB store holds a few such messages in
 * flight or queued at once.
 */
export const RECEIVE_BUFFER = 1024;
export const SEND_BUFFER = 1024;
export const STORE_BYTES = 4096;

const CAPACITIES = ['receiveBufferSize', 'sendBufferSize', 'storeBytes', 'inflight', 'queueCount', 'subscriptions', 'subscriptionBytes'];

/** The bytes of a payload, copied (kept by the session past the call). */
/* cold */
export function toBytes(v: Payload): Uint8Array {
  if (typeof v === 'string') return utf8(v);
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  return new Uint8Array((v.buffer as ArrayBuffer).slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** The session's options for these client options and URL (user name and password may come from either). */
/* cold */
export function sessionOptions(o: ClientOptions, url: ParsedUrl): SessionOptions {
  const so = new SessionOptions();
  const version = o.protocolVersion ?? 4;
  if (version !== 4 && version !== 5) throw new RangeError('protocolVersion 4 or 5');
  so.version = version;
  so.clientId = utf8(o.clientId ?? 'mqttxs_' + Math.random().toString(16).substr(2, 8));
  so.keepAlive = o.keepalive ?? 60;
  so.cleanStart = o.clean ?? true;
  so.connectTimeout = o.connectTimeout ?? 30000;
  const username = o.username ?? url.username;
  const password = o.password ?? url.password;
  if (username !== undefined) so.username = utf8(username);
  if (password !== undefined) so.password = toBytes(password);
  so.resubscribe = o.resubscribe ?? true;
  const period = o.reconnectPeriod ?? 1000;
  so.backoffBase = period > 0 ? period : 1000;
  so.backoffMax = o.reconnectPeriodMax ?? (so.backoffBase > 60000 ? so.backoffBase : 60000);
  so.backoffJitter = o.reconnectJitter ?? 0.5;
  so.reportQos0 = true;
  so.receiveBufferSize = RECEIVE_BUFFER;
  so.streamLargePayloads = true;
  so.sendBufferSize = SEND_BUFFER;
  so.storeBytes = STORE_BYTES;
  const will = o.will;
  if (will !== undefined) {
    so.willTopic = utf8(will.topic);
    so.willPayload = toBytes(will.payload);
    so.willQos = will.qos ?? 0;
    so.willRetain = will.retain ?? false;
    if (will.properties !== undefined) setWillProperties(so, will.properties);
  }
  if (o.properties !== undefined) setConnectProperties(so, o.properties);
  const cap = o.capacities;
  if (cap !== undefined) {
    const keys = Object.keys(cap);
    for (let i = 0; i < keys.length; i++) {
      if (CAPACITIES.indexOf(keys[i]) < 0) throw new RangeError('unknown capacity ' + keys[i]);
      (so as unknown as Record<string, number>)[keys[i]] = cap[keys[i]];
    }
  }
  return so;
}
