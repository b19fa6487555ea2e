import { Harness, enc, testOptions } from './harness.js';
import * as P from './packets.js';
import { SessionOptions } from '../../src/core/session/index.js';

/** A harness whose session is connected (CONNECT checked byte-exact, CONNACK given). */
export function connected(opts: SessionOptions = testOptions(), connackSpec: P.PacketSpec = {}, sessionPresent = false): Harness {
  const h = new Harness(opts).start();
  h.expect(expectedConnect(opts));
  h.respond(P.connack(0, sessionPresent, { v: opts.version, ...connackSpec }));
  return h;
}

/** Publishes through the session under test; the handle publish() returns. */
export function pub(h: Harness, topic: string, payload: string, qos: number, retain = false): number {
  const t = enc(topic);
  const p = enc(payload);
  return h.session.publish(t, 0, t.length, p, 0, p.length, qos, retain);
}

export function expectedConnect(opts: SessionOptions, extra: P.ConnectSpec = {}): Uint8Array {
  // Maximum Packet Size: the receive buffer, or with streaming the streaming limit (absent when none).
  const maxPacket = opts.streamLargePayloads ? opts.maximumPacketSize : opts.receiveBufferSize;
  const build = opts.streamLargePayloads ? (spec: P.ConnectSpec) => P.connect({ clientId: 'c1', ...spec }) : P.defaultConnect;
  return build({ v: opts.version, clean: opts.cleanStart, keepAlive: opts.keepAlive,
    props: opts.version === 5 ? { [0x21]: opts.inboundQos2, ...(maxPacket > 0 ? { [0x27]: maxPacket } : {}), [0x22]: opts.topicAliasMaximum, ...(opts.sessionExpiry > 0 ? { [0x11]: opts.sessionExpiry } : {}) } as P.Props : {},
    ...extra });
}

/** Reconnects after a cut: advances past the back-off, checks CONNECT, answers CONNACK. */
export function reconnect(h: Harness, opts: SessionOptions, sessionPresent: boolean, connackSpec: P.PacketSpec = {}): void {
  h.waitReconnect();
  h.expect(expectedConnect(opts));
  h.respond(P.connack(0, sessionPresent, { v: opts.version, ...connackSpec }));
}
