// The example sensor application for esp8266: Wi-Fi comes up before main() (Moddable's network
// setup, from the ssid and password config values); the broker address and the rest come
// from mcconfig config values (broker=, port=, qos=, interval=, version=, clientId=).
import config from 'mc/config';
import type { SessionOptions } from 'src/core/session/options';
import { startSensor } from 'targets/moddable/sensor';

/** An ESP8266's capacities: 512-byte buffers, 4 inflight, 4 subscriptions, a 1 KiB store, no topic aliases. */
export function esp8266Capacities(o: SessionOptions): void {
  o.receiveBufferSize = 512;
  o.sendBufferSize = 512;
  o.inflight = 4;
  o.queueCount = 4;
  o.storeBytes = 1024;
  o.subscriptions = 4;
  o.subscriptionBytes = 128;
  o.filtersPerPacket = 2;
  o.pendingRequests = 2;
  o.inboundQos2 = 4;
  o.topicAliasMaximum = 0;
  o.outboundAliases = 0;
  o.aliasBytes = 0;
  o.userProperties = 1;
  o.subscriptionIds = 1;
}

export default function main(): void {
  startSensor(config, 'esp8266', 4, 10000, esp8266Capacities);
}
