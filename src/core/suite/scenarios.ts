// The integration-suite scenarios. Each is a small state machine over one to three
// clients; it asks the companion broker for the faults it needs over $bench/fault/... and
// checks that each fault fired: a broker without fault injection gets SKIP, never a pass.
import { ReasonCode } from '../codec/constants.js';
import { SessionOptions, utf8 } from '../session/options.js';
import { SuiteClient } from './client.js';
import { Scenario, ScenarioSource } from './scenario.js';

const SETTLE_MS = 300;
const EMPTY = new Uint8Array(0);

/** CONNECT with Clean Start: CONNACK 0 and no session present (MQTT-3.2.2-2). */
export class ConnectClean extends Scenario {
  c: SuiteClient | null = null;
  constructor() { super('connect with clean start'); }
  /* cold */
  begin(_now: number): void {
    this.c = this.client(this.options('clean'));
    this.open(this.c);
  }
  step(_now: number): void {
    const c = this.c;
    if (c === null || c.connacks === 0) return;
    if (c.connackCode !== 0) return this.fail('CONNACK refused the connection');
    if (c.sessionPresent) return this.fail('session present after a clean start (MQTT-3.2.2-2)');
    this.pass();
  }
}

/** A persistent session survives a disconnect: the second CONNACK says session present (MQTT-3.2.2-3). */
export class ConnectPersistent extends Scenario {
  c: SuiteClient | null = null;
  constructor() { super('connect with a persistent session'); }
  /* cold */
  begin(_now: number): void {
    const o = this.options('persistent');
    o.cleanStart = false;
    o.sessionExpiry = 300;
    this.c = this.client(o);
    this.open(this.c);
  }
  step(_now: number): void {
    const c = this.c;
    if (c === null) return;
    const host = this.context().host;
    if (this.phase === 0 && c.connacks >= 1) {
      if (c.connackCode !== 0) return this.fail('CONNACK refused the connection');
      host.close(c.link, 0);
      this.phase = 1;
    }
    if (this.phase === 1 && host.closed(c.link)) {
      this.phase = 2;
      this.open(c);
    }
    if (this.phase === 2 && c.connacks >= 2) {
      if (!c.sessionPresent) return this.fail('no session present on reconnecting to a persistent session');
      this.pass();
    }
  }
}

/** SUBSCRIBE two filters: SUBACK grants QoS 1 and 2; UNSUBSCRIBE: UNSUBACK Success. */
export class SubscribeUnsubscribe extends Scenario {
  c: SuiteClient | null = null;
  a: Uint8Array = EMPTY;
  b: Uint8Array = EMPTY;
  constructor() { super('subscribe and unsubscribe with reason codes'); }
  /* cold */
  begin(_now: number): void {
    this.a = this.topic('sub/a');
    this.b = this.topic('sub/b/#');
    this.c = this.client(this.options('sub'));
    this.open(this.c);
  }
  step(_now: number): void {
    const c = this.c;
    if (c === null) return;
    const s = c.session;
    if (this.phase === 0 && c.connacks >= 1) {
      s.subscribeAdd(this.a, 0, this.a.length, 1, 0, null);
      s.subscribeAdd(this.b, 0, this.b.length, 2, 0, null);
      s.subscribeSend();
      this.phase = 1;
    }
    if (this.phase === 1 && c.subacks >= 1) {
      if (c.subCount !== 2) return this.fail('SUBACK does not carry one code per filter (MQTT-3.9.3-1)');
      if (c.subCodes[0] !== 1 || c.subCodes[1] !== 2) return this.fail('SUBACK did not grant QoS 1 and QoS 2');
      if (s.unsubscribe(this.a, 0, this.a.length) < 0) return this.fail('unsubscribe refused locally');
      this.phase = 2;
    }
    if (this.phase === 2 && c.unsubacks >= 1) {
      if (this.v5() && (c.unsubCount !== 1 || c.unsubCodes[0] !== ReasonCode.Success)) return this.fail('UNSUBACK is not Success');
      this.pass();
    }
  }
}

/** Ten messages at one QoS, to a subscription of QoS 2: all received once, in order, at that QoS. */
const QOS_FLOW_MESSAGES = 10;
const QOS_FLOW_BYTES = 16;

export class QosFlow extends Scenario {
  qos: number;
  c: SuiteClient | null = null;
  t: Uint8Array = EMPTY;
  constructor(qos: number) {
    super(qos === 0 ? 'publish and receive QoS 0' : qos === 1 ? 'publish and receive QoS 1' : 'publish and receive QoS 2');
    this.qos = qos;
  }
  /* cold */
  begin(_now: number): void {
    this.t = this.topic('qos' + this.qos);
    const o = this.options('qos' + this.qos);
    this.storeFor(o, QOS_FLOW_MESSAGES, this.t, QOS_FLOW_BYTES);
    this.c = this.client(o);
    this.open(this.c);
  }
  step(now: number): void {
    const c = this.c;
    if (c === null) return;
    if (this.phase === 0 && c.connacks >= 1) {
      c.session.subscribe(this.t, 0, this.t.length, 2, 0, null);
      this.phase = 1;
    }
    if (this.phase === 1 && c.subacks >= 1) {
      if (c.subCodes[0] >= 0x80) return this.fail('subscription refused');
      for (let i = 0; i < QOS_FLOW_MESSAGES; i++) {
        if (this.publishSeq(c, this.t, i, QOS_FLOW_BYTES, this.qos, false) < 0) return this.fail('publish refused locally');
      }
      this.phase = 2;
    }
    if (this.phase === 2 && c.received >= QOS_FLOW_MESSAGES && (this.qos === 0 || c.done >= QOS_FLOW_MESSAGES)) {
      this.phase = 3;
      this.after(now, SETTLE_MS);
    }
    if (this.phase === 3 && now >= this.wakeAt) {
      if (c.received !== QOS_FLOW_MESSAGES) return this.fail('a message was delivered more than once');
      if (c.outOfOrder !== 0) return this.fail('messages arrived out of order (MQTT-4.6.0-2)');
      if (c.lastQos !== this.qos) return this.fail('the delivered QoS is not the published QoS');
      if (c.doneFailed !== 0) return this.fail('the broker refused a publish');
      this.pass();
    }
  }
}

/** A client that publishes nothing: no store, small buffers, `subscriptions` filters. */
/* cold */
function lightOptions(o: SessionOptions, subscriptions: number): SessionOptions {
  o.receiveBufferSize = 128;
  o.sendBufferSize = 128;
  o.inflight = 0;
  o.queueCount = 0;
  o.storeBytes = 0;
  o.subscriptions = subscriptions;
  o.subscriptionBytes = subscriptions > 0 ? 64 : 0;
  o.filtersPerPacket = 1;
  o.pendingRequests = subscriptions > 0 ? 1 : 0;
  return o;
}

/**
 * A retained message is delivered, with the retain flag, to a later subscription (MQTT-3.3.1-6,
 * -9). One client publishes it, then subscribes: one session besides the control client.
 */
export class RetainedOnSubscribe extends Scenario {
  c: SuiteClient | null = null;
  t: Uint8Array = EMPTY;
  constructor() { super('retained message on subscribe'); }
  /* cold */
  begin(_now: number): void {
    this.t = this.topic('retained');
    this.c = this.client(this.options('retained'));
    this.open(this.c);
  }
  step(_now: number): void {
    const c = this.c;
    if (c === null) return;
    if (this.phase === 0 && c.connacks >= 1) {
      this.publishSeq(c, this.t, 0, 8, 1, true);
      this.phase = 1;
    }
    if (this.phase === 1 && c.done >= 1) {
      c.session.subscribe(this.t, 0, this.t.length, 1, 0, null);
      this.phase = 2;
    }
    if (this.phase === 2 && c.received >= 1) {
      if (!c.lastRetain) return this.fail('the retained message arrived without the retain flag (MQTT-3.3.1-9)');
      if (c.lastLen !== 8 || c.lastPayload[0] !== 0) return this.fail('the retained payload differs');
      // Clear it: an empty retained message (MQTT-3.3.1-10).
      c.session.publish(this.t, 0, this.t.length, this.buf, 0, 0, 1, true);
      this.phase = 3;
    }
    if (this.phase === 3 && c.done >= 2) this.pass();
  }
}

/** An abrupt close makes the broker publish the will (MQTT-3.1.2-8). */
export class WillOnAbruptClose extends Scenario {
  w: SuiteClient | null = null;
  v: SuiteClient | null = null;
  t: Uint8Array = EMPTY;
  constructor() { super('will message on abrupt close'); }
  /* cold */
  begin(_now: number): void {
    this.t = this.topic('will');
    this.w = this.client(lightOptions(this.options('will-watch'), 1));
    const o = lightOptions(this.options('will-victim'), 0);
    o.willTopic = this.t;
    const payload = new Uint8Array(5);
    payload[0] = 0;
    payload[1] = 0x67;
    o.willPayload = payload;
    o.willQos = 1;
    this.v = this.client(o);
    this.open(this.w);
  }
  step(_now: number): void {
    const w = this.w;
    const v = this.v;
    if (w === null || v === null) return;
    const host = this.context().host;
    if (this.phase === 0 && w.connacks >= 1) {
      w.session.subscribe(this.t, 0, this.t.length, 1, 0, null);
      this.phase = 1;
    }
    if (this.phase === 1 && w.subacks >= 1) {
      this.open(v);
      this.phase = 2;
    }
    if (this.phase === 2 && v.connacks >= 1) {
      host.abort(v.link);
      this.phase = 3;
    }
    if (this.phase === 3 && w.received >= 1) {
      if (w.lastLen !== 5 || w.lastPayload[1] !== 0x67) return this.fail('the will payload differs');
      this.pass();
    }
  }
}

/** The broker stops answering PINGREQ: the client closes (0x8D) within 1.5 keep alives and reconnects. */
export class KeepAliveRecovery extends Scenario {
  v: SuiteClient | null = null;
  constructor() { super('keep-alive recovery when PINGRESP stops'); }
  /* cold */
  begin(_now: number): void {
    const o = this.options('keepalive');
    o.keepAlive = 1;
    this.v = this.client(o);
    this.fault('nopong', 'keepalive', '"count":1');
  }
  step(_now: number): void {
    const v = this.v;
    if (v === null) return;
    if (this.phase === 0 && this.faultAcked()) {
      this.open(v);
      this.phase = 1;
    }
    if (this.phase === 1 && v.closes === 0 && v.pingresps > 0) {
      return this.skipNoFault('the broker answered PINGREQ');
    }
    if (this.phase === 1 && v.closes >= 1) {
      if (v.connacks < 1) return this.fail('the connection closed before CONNACK');
      if (v.closeCode !== ReasonCode.KeepAliveTimeout) return this.fail('the connection did not end by keep-alive timeout (0x8D)');
      this.phase = 2;
    }
    if (this.phase === 2 && v.connacks >= 2) this.pass();
  }
}

/**
 * A QoS 1 message whose PUBACK is lost is resent with DUP after reconnecting to the session
 * (MQTT-4.4.0-1). The client subscribes to its own topic: the message coming back shows the
 * broker has it while its PUBACK is held back.
 */
/** How long a close fault may take once acknowledged. */
const CLOSE_WAIT_MS = 2000;

export class ReconnectDupResend extends Scenario {
  v: SuiteClient | null = null;
  t: Uint8Array = EMPTY;
  constructor() { super('reconnect with DUP resend'); }
  /* cold */
  begin(_now: number): void {
    this.t = this.topic('dup');
    const o = this.options('dup-victim');
    o.cleanStart = false;
    o.sessionExpiry = 300;
    this.v = this.client(o);
    this.open(this.v);
  }
  /** The close fault, once acknowledged, has CLOSE_WAIT_MS to act (a small frame: the ESP8266's stack is 256 slots). */
  closeMissing(now: number): boolean {
    const v = this.v;
    if (v === null || v.closes > 0 || !this.faultAcked()) return false;
    if (this.wakeAt < 0) this.after(now, CLOSE_WAIT_MS);
    return now >= this.wakeAt;
  }
  step(now: number): void {
    const v = this.v;
    if (v === null) return;
    if (this.phase === 0 && v.connacks >= 1) {
      v.session.subscribe(this.t, 0, this.t.length, 1, 0, null);
      this.phase = 1;
    }
    if (this.phase === 1 && v.subacks >= 1) {
      // Faults asked from here, not from methods of their own: the request's send path is deep (the driver's header).
      this.fault('drop', 'dup-victim', '"packet":"puback","count":1');
      this.phase = 2;
    }
    if (this.phase === 2 && this.faultAcked()) {
      this.publishSeq(v, this.t, 0, 8, 1, false);
      this.phase = 3;
    }
    if (this.phase === 3 && v.received >= 1) {
      if (v.done !== 0) return this.skipNoFault('the broker sent the PUBACK it was asked to drop');
      this.fault('close', 'dup-victim', '"count":1');
      this.phase = 4;
    }
    if (this.phase === 4 && this.closeMissing(now)) return this.skipNoFault('the broker did not close the connection it was asked to close');
    if (this.phase === 4 && v.connacks >= 2) {
      if (!v.sessionPresent) return this.fail('no session present after reconnecting');
      if (v.dupResends < 1) return this.fail('the unacknowledged message was not marked for resend with DUP (MQTT-3.3.1-1)');
      this.phase = 5;
    }
    if (this.phase === 5 && v.done >= 1) {
      if (v.doneFailed !== 0) return this.fail('the resent message was refused');
      this.pass();
    }
  }
}

/** The broker sends each QoS 2 PUBLISH and PUBREL twice: each message is delivered once (MQTT-4.3.3-10). */
export class Qos2DuplicateSuppression extends Scenario {
  c: SuiteClient | null = null;
  t: Uint8Array = EMPTY;
  constructor() { super('QoS 2 duplicate suppression (duplicated PUBLISH and PUBREL)'); }
  /* cold */
  begin(_now: number): void {
    this.t = this.topic('qos2dup');
    // One client publishes to its own subscription; the broker doubles what it sends to it.
    this.c = this.client(this.options('q2d-sub'));
    this.fault('duplicate', 'q2d-sub', '"count":6');
  }
  step(now: number): void {
    const c = this.c;
    if (c === null) return;
    if (this.phase === 0 && this.faultAcked()) {
      this.open(c);
      this.phase = 1;
    }
    if (this.phase === 1 && c.connacks >= 1) {
      c.session.subscribe(this.t, 0, this.t.length, 2, 0, null);
      this.phase = 2;
    }
    if (this.phase === 2 && c.subacks >= 1) {
      for (let i = 0; i < 3; i++) this.publishSeq(c, this.t, i, 8, 2, false);
      this.phase = 3;
    }
    if (this.phase === 3 && c.received >= 3 && c.done >= 3) {
      this.phase = 4;
      this.after(now, SETTLE_MS);
    }
    if (this.phase === 4 && now >= this.wakeAt) {
      if (c.received !== 3) return this.fail('a duplicated QoS 2 message was delivered twice');
      // Each PUBREL comes twice when the fault fired; one each means nothing was duplicated.
      if (c.pubrels <= 3) return this.skipNoFault('no PUBREL came twice');
      if (c.outOfOrder !== 0) return this.fail('messages arrived out of order');
      if (c.closes !== 0) return this.fail('the subscriber lost its connection');
      this.pass();
    }
  }
}

/** Two and a half times the client's 256-byte receive buffer: it arrives in three pieces. */
const STREAM_BYTES = 640;

/** A PUBLISH larger than the receive buffer arrives in chunks, intact, on a live connection. */
export class StreamedPayload extends Scenario {
  c: SuiteClient | null = null;
  t: Uint8Array = EMPTY;
  constructor() { super('payload larger than the receive buffer (streamed)'); }
  /* cold */
  begin(_now: number): void {
    this.t = this.topic('stream');
    // One client sends the large message to its own subscription: a send buffer and a store
    // that hold it, a 256-byte receive buffer it arrives through in pieces. MQTT 3.1.1: no
    // Maximum Packet Size, so the broker sends what is larger than the buffer.
    const o = this.options('stream');
    o.version = 4;
    o.sendBufferSize = STREAM_BYTES + 64;
    o.storeBytes = STREAM_BYTES + 64;
    o.receiveBufferSize = 256;
    o.streamLargePayloads = true;
    this.c = this.client(o);
    this.open(this.c);
  }
  /** Publishes the STREAM_BYTES pattern (byte i is i & 0xff); the payload is kept only until the store has copied it. */
  /* cold */
  publishPattern(c: SuiteClient): number {
    const b = new Uint8Array(STREAM_BYTES);
    for (let i = 0; i < STREAM_BYTES; i++) b[i] = i & 0xff;
    return c.session.publish(this.t, 0, this.t.length, b, 0, STREAM_BYTES, 1, false);
  }
  step(now: number): void {
    const c = this.c;
    if (c === null) return;
    if (this.phase === 0 && c.connacks >= 1) {
      c.session.subscribe(this.t, 0, this.t.length, 1, 0, null);
      this.phase = 1;
    }
    if (this.phase === 1 && c.subacks >= 1) {
      if (this.publishPattern(c) < 0) return this.fail('publish refused locally');
      this.phase = 2;
    }
    if (this.phase === 2 && c.streamed >= 1) {
      this.phase = 3;
      this.after(now, SETTLE_MS);
    }
    if (this.phase === 2 && c.closes > 0) return this.fail('the subscriber lost its connection on a large PUBLISH');
    if (this.phase === 3 && now >= this.wakeAt) {
      if (c.streamTotal !== STREAM_BYTES || c.streamBytes !== STREAM_BYTES) return this.fail('the streamed payload length differs');
      if (c.streamBad !== 0) return this.fail('streamed payload bytes differ');
      if (c.chunks < 2) return this.fail('the payload was not streamed in chunks');
      if (c.closes !== 0) return this.fail('the subscriber lost its connection after the streamed PUBLISH');
      this.pass();
    }
  }
}

/** MQTT 5 topic aliases: repeated publishes to one topic use an alias and arrive with the topic. */
export class TopicAliases extends Scenario {
  c: SuiteClient | null = null;
  t: Uint8Array = EMPTY;
  constructor() { super('topic aliases'); }
  /* cold */
  begin(_now: number): void {
    if (!this.v5()) {
      this.skip('MQTT 5 only');
      return;
    }
    this.t = this.topic('alias/a/rather/long/topic/name');
    // One client publishes to its own subscription: aliases out, and in when the broker uses them.
    const o = this.options('alias');
    o.outboundAliases = 4;
    o.topicAliasMaximum = 4;
    o.aliasBytes = 128;
    this.c = this.client(o);
    this.open(this.c);
  }
  step(_now: number): void {
    const c = this.c;
    if (c === null) return;
    if (this.phase === 0 && c.connacks >= 1) {
      c.session.subscribe(this.t, 0, this.t.length, 1, 0, null);
      this.phase = 1;
    }
    if (this.phase === 1 && c.subacks >= 1) {
      if (c.session.outAliases.limit === 0) return this.fail('the broker allows no topic aliases (Topic Alias Maximum 0)');
      for (let i = 0; i < 5; i++) this.publishSeq(c, this.t, i, 8, 1, false);
      this.phase = 2;
    }
    if (this.phase === 2 && c.received >= 5 && c.done >= 5) {
      if (c.session.outAliases.count < 1) return this.fail('no alias was assigned');
      if (c.outOfOrder !== 0) return this.fail('messages arrived out of order');
      if (c.doneFailed !== 0) return this.fail('the broker refused an aliased publish');
      this.pass();
    }
  }
}

const WINDOW = 16;
const FLOW_MESSAGES = 12;

/** The broker's Receive Maximum bounds the QoS 1/2 messages in flight (MQTT-4.9.0-2); all complete. */
export class ReceiveMaximumFlow extends Scenario {
  v: SuiteClient | null = null;
  t: Uint8Array = EMPTY;
  constructor() { super('receive-maximum flow control'); }
  /* cold */
  begin(_now: number): void {
    if (!this.v5()) {
      // MQTT 3.1.1 has no Receive Maximum.
      this.skip('MQTT 5 only');
      return;
    }
    this.t = this.topic('flow');
    const o = this.options('flow');
    o.inflight = WINDOW;
    this.storeFor(o, FLOW_MESSAGES, this.t, 8);
    this.v = this.client(o);
    this.fault('delay', 'flow', '"packet":"pubrec","ms":100,"count":' + FLOW_MESSAGES);
  }
  step(_now: number): void {
    const v = this.v;
    if (v === null) return;
    if (this.phase === 0 && this.faultAcked()) {
      this.open(v);
      this.phase = 1;
    }
    if (this.phase === 1 && v.connacks >= 1) {
      if (v.session.limits.receiveMaximum >= WINDOW) return this.skip('the broker Receive Maximum is not below 16: start it with the suite profile (receive maximum 4)');
      for (let i = 0; i < FLOW_MESSAGES; i++) {
        if (this.publishSeq(v, this.t, i, 8, 2, false) < 0) return this.fail('publish refused locally');
      }
      v.sample();
      this.phase = 2;
    }
    if (this.phase === 2) {
      v.sample();
      if (v.closes > 0) return this.fail('the connection closed (receive maximum exceeded?)');
      if (v.maxInflight > v.session.limits.receiveMaximum) return this.fail('more messages in flight than the broker Receive Maximum');
      if (v.done >= FLOW_MESSAGES) {
        if (v.doneFailed !== 0) return this.fail('a message failed');
        // A window that never filled did not put the limit to the test.
        if (v.maxInflight < v.session.limits.receiveMaximum) return this.skip('the window never filled: the Receive Maximum was not put to the test');
        this.pass();
      }
    }
  }
}

/** A SUBSCRIBE the broker's ACL forbids is refused: 0x87 Not authorized (0x80 in 3.1.1). */
export class RefusedSubscription extends Scenario {
  c: SuiteClient | null = null;
  f: Uint8Array = EMPTY;
  constructor() { super('refused subscription (0x87) under an ACL'); }
  /* cold */
  begin(_now: number): void {
    // forbidden/<device>/#: outside suite/#, which is all the suite profile's ACL allows.
    this.f = utf8('forbidden/' + this.context().deviceId + '/#');
    this.c = this.client(this.options('acl'));
    this.open(this.c);
  }
  step(_now: number): void {
    const c = this.c;
    if (c === null) return;
    if (this.phase === 0 && c.connacks >= 1) {
      c.session.subscribe(this.f, 0, this.f.length, 1, 0, null);
      this.phase = 1;
    }
    if (this.phase === 1 && c.subacks >= 1) {
      const want = this.v5() ? ReasonCode.NotAuthorized : 0x80;
      if (c.subCodes[0] !== want) return this.fail(this.v5() ? 'SUBACK is not 0x87 Not authorized' : 'SUBACK is not 0x80 Failure');
      this.pass();
    }
  }
}

/** The suite, in order. */
/* cold */
/** Every scenario of the suite, in order, each made when the runner reaches it. */
export class AllScenarios implements ScenarioSource {
  count: number;

  /* cold */
  constructor() {
    this.count = 15;
  }

  /* cold */
  create(index: number): Scenario {
    switch (index) {
      case 0: return new ConnectClean();
      case 1: return new ConnectPersistent();
      case 2: return new SubscribeUnsubscribe();
      case 3: return new QosFlow(0);
      case 4: return new QosFlow(1);
      case 5: return new QosFlow(2);
      case 6: return new RetainedOnSubscribe();
      case 7: return new WillOnAbruptClose();
      case 8: return new KeepAliveRecovery();
      case 9: return new ReconnectDupResend();
      case 10: return new Qos2DuplicateSuppression();
      case 11: return new StreamedPayload();
      case 12: return new TopicAliases();
      case 13: return new ReceiveMaximumFlow();
      default: return new RefusedSubscription();
    }
  }
}

/* cold */
export function allScenarios(): ScenarioSource {
  return new AllScenarios();
}
