// Where a device client's RAM goes: each part of a DeviceClient built on its own, at the
// footprint job's capacities, and what each capacity costs. Runs wherever a meter can read
// the XS heap after a collection: Moddable's lin runtime with its instrumentation
// (npm run footprint:moddable) and the host XS runtime (breakdown-xs.ts).
//
// The parts' tables are views into one block made before the readings (not counted): a
// part's figure is its objects, fields and views; the block's bytes are given apart.
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
import { Session, sessionMemory } from '../../../src/core/session/session.js';
import type { SessionHandler } from '../../../src/core/session/handler.js';
import { Subscriptions } from '../../../src/core/session/subscriptions.js';
import { TimerClock } from '../clock.js';
import { SocketTransport } from '../transport.js';

/** Reads the heap after a full collection: out[0] live slots, out[1] chunk bytes. */
export interface HeapMeter {
  read(out: Float64Array): void;
  /** One result line: a part, or a capacity's cost (then `per` says of what). */
  report(name: string, slots: number, chunks: number, per: string): void;
}

/**
 * The footprint job's capacities: one topic, one message in flight, 32-byte payloads. The job
 * app (host-tests/moddable/jobs/xsmqtt/main.js) writes the same numbers itself: importing them
 * from a module shared with this one adds 8 slots to the growth it measures.
 */
export function jobOptions(): SessionOptions {
  const opts = new SessionOptions();
  opts.version = 4;
  opts.clientId = utf8('fp-xsmqtt');
  opts.keepAlive = 0;
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
  return opts;
}

const HANDLER = {
  onConnect(): void {}, onSubscribe(): void {}, onMessage(): void {}, onPublishDone(): void {}, onUnsubscribe(): void {}, onClose(): void {},
} as unknown as SessionHandler;

/** Measures the parts and the capacities' costs; keeps what it builds alive until it returns. */
/* cold */
export function measureParts(meter: HeapMeter): void {
  const before = new Float64Array(2);
  const after = new Float64Array(2);
  const keep: unknown[] = [];
  const block = new Memory(65536);
  keep.push(null);
  const measure = (make: () => unknown): void => {
    meter.read(before);
    keep.push(make());
    meter.read(after);
  };
  const part = (name: string, make: () => unknown): void => {
    measure(make);
    meter.report(name, after[0] - before[0], after[1] - before[1], '');
  };
  const opts = jobOptions();
  part('nothing', () => null);
  part('nothing', () => null);
  part('SessionOptions', () => jobOptions());
  part('Framer', () => new Framer(64, block));
  part('Packet', () => new Packet(1, 0, 0, false, block));
  part('Properties', () => new Properties(0, 0, block));
  part('MessageStore', () => new MessageStore(2, 64, block));
  part('InboundQos2', () => new InboundQos2(1, block));
  part('Subscriptions', () => new Subscriptions(1, 32, block));
  part('OutboundAliases', () => new OutboundAliases(0, 0, block));
  part('InboundAliases', () => new InboundAliases(0, 0, block));
  part('KeepAlive', () => new KeepAlive());
  part('SocketTransport', () => new SocketTransport('127.0.0.1', 1883, 64, 64, undefined, null));
  part('TimerClock', () => new TimerClock());
  part('Session (with its block of ' + sessionMemory(opts, false) + ' B)', () => new Session(opts, HANDLER, null));
  part('Driver (with its session, transport, clock)', () => new Driver(new Session(opts, HANDLER, null), new SocketTransport('127.0.0.1', 1883, 64, 64, undefined, null), new TimerClock()));

  // Each capacity's cost: a session with one more of it, less one without.
  const base = new Float64Array(2);
  measure(() => new Session(opts, HANDLER, null));
  base[0] = after[0] - before[0];
  base[1] = after[1] - before[1];
  const cost = (name: string, per: string, n: number, change: (o: SessionOptions) => void): void => {
    const o = jobOptions();
    change(o);
    measure(() => new Session(o, HANDLER, null));
    meter.report(name, (after[0] - before[0] - base[0]) / n, (after[1] - before[1] - base[1]) / n, per);
  };
  cost('inflight', 'message (with no store bytes)', 8, (o) => { o.inflight += 8; });
  cost('queueCount', 'message (with no store bytes)', 8, (o) => { o.queueCount += 8; });
  cost('storeBytes', 'byte', 1024, (o) => { o.storeBytes += 1024; });
  cost('receiveBufferSize', 'byte', 1024, (o) => { o.receiveBufferSize += 1024; });
  cost('sendBufferSize', 'byte', 1024, (o) => { o.sendBufferSize += 1024; });
  cost('subscriptions', 'subscription (with no filter bytes)', 8, (o) => { o.subscriptions += 8; });
  cost('subscriptionBytes', 'byte', 1024, (o) => { o.subscriptionBytes += 1024; });
  cost('filtersPerPacket', 'filter', 8, (o) => { o.filtersPerPacket += 8; });
  cost('pendingRequests', 'request', 8, (o) => { o.pendingRequests += 8; });
  cost('inboundQos2', 'message', 8, (o) => { o.inboundQos2 += 8; });
  cost('MQTT 5', 'session (no user properties, ids or aliases)', 1, (o) => { o.version = 5; });
  cost('userProperties (MQTT 5)', 'property per record', 4, (o) => { o.version = 5; o.userProperties = 4; });
  cost('topicAliasMaximum (MQTT 5)', 'alias (with no alias bytes)', 8, (o) => { o.version = 5; o.topicAliasMaximum = 8; });
  keep.length = 0;
}
