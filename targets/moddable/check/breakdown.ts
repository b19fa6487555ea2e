// A check run in the host XS runtime: where a session's heap goes. Builds each part of a
// DeviceClient on its own (after a collection) with the footprint job's capacities and prints
// `PART {name, slots, chunks}` per part, then `BREAKDOWN {json}` with the totals.
import { Framer } from '../../../src/core/codec/framer.js';
import { Memory } from '../../../src/core/codec/memory.js';
import { Packet } from '../../../src/core/codec/packet.js';
import { Properties } from '../../../src/core/codec/properties.js';
import { Driver } from '../../../src/core/driver/driver.js';
import { InboundAliases, OutboundAliases } from '../../../src/core/session/aliases.js';
import { InboundQos2 } from '../../../src/core/session/inbound-qos2.js';
import { KeepAlive } from '../../../src/core/session/keepalive.js';
import { MessageStore } from '../../../src/core/session/message-store.js';
import { SessionOptions, utf8 } from '../../../src/core/session/options.js';
import { Session } from '../../../src/core/session/session.js';
import { Subscriptions } from '../../../src/core/session/subscriptions.js';
import { TimerClock } from '../clock.js';
import { SocketTransport } from '../transport.js';

const before = new Float64Array(8);
const after = new Float64Array(8);
const keep: unknown[] = [];

function part(name: string, make: () => unknown): number {
  gc();
  memoryStats(before);
  keep.push(make());
  gc();
  memoryStats(after);
  const slots = after[0] - before[0] - 0;
  const chunks = after[1] - before[1];
  print('PART ' + JSON.stringify({ name, slots, chunks }));
  return slots;
}

/* cold */
export function breakdown(): void {
  const opts = new SessionOptions();
  opts.version = 4;
  opts.clientId = utf8('fp-xsmqtt');
  opts.receiveBufferSize = 64;
  opts.sendBufferSize = 64;
  opts.inflight = 1;
  opts.queueCount = 1;
  opts.storeBytes = 64;
  opts.subscriptions = 1;
  opts.subscriptionBytes = 32;
  opts.filtersPerPacket = 1;
  opts.pendingRequests = 1;
  opts.inboundQos2 = 1;
  opts.topicAliasMaximum = 0;
  opts.outboundAliases = 0;
  opts.aliasBytes = 0;
  opts.userProperties = 0;
  opts.subscriptionIds = 0;
  const handler = { onConnect() {}, onSubscribe() {}, onMessage() {}, onPublishDone() {}, onUnsubscribe() {}, onClose() {} };
  part('nothing', () => null);
  part('SessionOptions', () => new SessionOptions());
  part('Memory(4096)', () => new Memory(4096));
  part('Framer', () => new Framer(64, new Memory(4096)));
  part('Packet', () => new Packet(1, 0, 0, false, new Memory(4096)));
  part('Properties', () => new Properties(0, 0, new Memory(4096)));
  part('MessageStore', () => new MessageStore(2, 64, new Memory(4096)));
  part('InboundQos2', () => new InboundQos2(1, new Memory(4096)));
  part('Subscriptions', () => new Subscriptions(1, 32, new Memory(4096)));
  part('OutboundAliases', () => new OutboundAliases(0, 0, new Memory(4096)));
  part('InboundAliases', () => new InboundAliases(0, 0, new Memory(4096)));
  part('KeepAlive', () => new KeepAlive());
  const s = part('Session', () => new Session(opts, handler as never, null));
  part('SocketTransport', () => new SocketTransport('127.0.0.1', 1883, 64, 64, undefined, null));
  part('TimerClock', () => new TimerClock());
  const d = part('Session+Driver', () => {
    const session = new Session(opts, handler as never, null);
    return new Driver(session, new SocketTransport('127.0.0.1', 1883, 64, 64, undefined, null), new TimerClock());
  });
  print('BREAKDOWN ' + JSON.stringify({ session: s, client: d }));
  __xsHost.exit(0);
}
