// The packets a connected client sends, besides acks: PUBLISH (topic aliases, ACL, the
// $bench/ and $SYS/ prefixes, QoS 2 ids held until PUBREL), SUBSCRIBE and UNSUBSCRIBE, and
// DISCONNECT. The answer to each is decided here and written by the connection's output.
import { Packet } from '../core/codec/packet.js';
import { PacketType, PropertyId, ReasonCode } from '../core/codec/constants.js';
import type { Connection } from './connection.js';
import { copy, Message, messageProps, str, wildcardResponseTopic } from './message.js';
import { splitShared } from './topic-tree.js';
import type { Subscription } from './topic-tree.js';

/** The topic of a PUBLISH, through the client's topic aliases; null when the connection was closed for it. */
function topicOf(c: Connection, p: Packet): string | null {
  if (c.version !== 5 || !p.props.has(PropertyId.TopicAlias)) return str(p.topic, p.topicOff, p.topicLen);
  const alias = p.props.get(PropertyId.TopicAlias);
  // MQTT-3.3.2-9, -10: within our Topic Alias Maximum.
  if (alias > c.broker.opts.topicAliasMaximum) {
    c.trace('in', p);
    c.close(ReasonCode.TopicAliasInvalid, 'topic alias out of range', true);
    return null;
  }
  c.aliasIn ??= new Map();
  if (p.topicLen > 0) {
    const topic = str(p.topic, p.topicOff, p.topicLen);
    c.aliasIn.set(alias, topic);
    return topic;
  }
  const t = c.aliasIn.get(alias);
  if (t === undefined) {
    c.trace('in', p);
    c.close(ReasonCode.ProtocolError, 'unknown topic alias', true);
    return null;
  }
  return t;
}

/** A client's message, after ACL checks: $bench control, $SYS refused, else routed. Returns matches (-1 refused). */
function publishFrom(c: Connection, msg: Message): number {
  const b = c.broker;
  if (msg.topic.startsWith('$bench/')) {
    if (msg.topic.startsWith('$bench/fault/') && b.control.isBenchClient(c)) {
      b.control.command(c, msg.topic, msg.payload);
      return 1;
    }
    // The integration suite reports each device's results here; anyone may read them.
    if (msg.topic.startsWith('$bench/results/')) return b.router.route(msg);
    return -1;
  }
  if (msg.topic.startsWith('$SYS/')) return -1;
  return b.router.route(msg);
}

export function handlePublish(c: Connection, p: Packet): void {
  const b = c.broker;
  const s = c.session!;
  b.stats.publishReceived++;
  // MQTT-3.3.4-6: a client does not send subscription identifiers.
  if (c.version === 5 && p.props.subIdCount > 0) {
    c.trace('in', p);
    c.close(ReasonCode.ProtocolError, 'subscription identifier in PUBLISH', true);
    return;
  }
  if (c.version === 5 && wildcardResponseTopic(p.props)) {
    c.trace('in', p);
    c.close(ReasonCode.ProtocolError, 'wildcard in the Response Topic', true);
    return;
  }
  const topic = topicOf(c, p);
  if (topic === null) return;
  c.trace('in', p, topic);
  const qos = p.qos;
  const pid = p.packetId;
  if (qos === 2) {
    if (s.qos2In.has(pid)) {
      // MQTT-4.3.3-10 (5.0) / 4.3.3 method B: a resent QoS 2 PUBLISH is not delivered again.
      c.output.sendAck(PacketType.Pubrec, pid, 0);
      return;
    }
    // MQTT-3.3.4-7: more unreleased QoS 2 messages than our Receive Maximum.
    if (s.qos2In.size >= b.opts.receiveMaximum) {
      c.close(ReasonCode.ReceiveMaximumExceeded, 'receive maximum exceeded', true);
      return;
    }
  }
  let code = 0;
  if (b.acl && !b.acl.canPublish(c.user, c.clientId, topic)) code = ReasonCode.NotAuthorized;
  else if (c.version === 5 && p.props.userSeen > b.opts.maxUserProperties) {
    // More user properties than maxUserProperties: refused whole, never forwarded cut.
    code = ReasonCode.QuotaExceeded;
    b.note(c.clientId, 'REFUSE', 'user-properties', `${p.props.userSeen} user properties t=${topic}`);
  } else {
    const props = c.version === 5 ? p.props : null;
    const exp = props && props.has(PropertyId.MessageExpiryInterval) ? props.get(PropertyId.MessageExpiryInterval) : 0;
    const msg: Message = {
      topic, topicBytes: p.topicLen > 0 ? copy(p.topic, p.topicOff, p.topicLen) : Buffer.from(topic), payload: copy(p.payload, p.payloadOff, p.payloadLen),
      qos, retain: p.retain, props: props ? messageProps(props) : null, expiresAt: exp > 0 ? b.clock.now() + exp * 1000 : 0, origin: c.clientId,
    };
    b.quotaDrops = 0;
    const n = publishFrom(c, msg);
    if (n < 0) code = ReasonCode.NotAuthorized;
    else if (n === 0 && c.version === 5) code = ReasonCode.NoMatchingSubscribers;
    // Every matching subscriber's queue was full: nobody will get it (README.md, Limits).
    else if (n > 0 && b.quotaDrops === n && !msg.retain) code = ReasonCode.QuotaExceeded;
  }
  if (code === ReasonCode.NotAuthorized) b.log(`${c.clientId}: PUBLISH to ${topic} refused`);
  if (qos === 1) c.output.sendAck(PacketType.Puback, pid, code);
  else if (qos === 2) {
    if (code < 0x80) s.holdQos2In(pid);
    c.output.sendAck(PacketType.Pubrec, pid, code);
  }
}

export function handleSubscribe(c: Connection, p: Packet): void {
  const b = c.broker;
  const s = c.session!;
  const v5 = c.version === 5;
  const subId = v5 && p.props.subIdCount > 0 ? p.props.subscriptionId(0) : 0;
  const codes: number[] = [];
  const retainedFor: [Subscription, string][] = [];
  let refusal = '';
  for (let i = 0; i < p.count; i++) {
    const filter = str(p.filter[i], p.filterOffset(i), p.filterLength(i));
    const opt = p.options[i];
    const qos = opt & 3;
    const [share, plain] = splitShared(filter);
    const shared = plain !== filter;
    if (b.acl && !b.acl.canSubscribe(c.user, c.clientId, plain)) {
      codes.push(v5 ? b.opts.subscribeDeniedCode : 0x80);
      refusal = 'not authorised by the ACL';
      continue;
    }
    // A new filter past the per-client limit; replacing an existing subscription is always allowed.
    const max = b.opts.maxSubscriptionsPerClient;
    if (s.subs.size >= max && !s.subs.has(filter)) {
      codes.push(v5 ? ReasonCode.QuotaExceeded : 0x80);
      refusal = 'too many subscriptions';
      b.note(c.clientId, 'REFUSE', 'subscriptions', `${max} subscriptions held, f=${filter}`);
      continue;
    }
    const sub: Subscription = {
      clientId: c.clientId, filter, qos, noLocal: c.bridge || (v5 && (opt & 4) !== 0), retainAsPublished: c.bridge || (v5 && (opt & 8) !== 0),
      retainHandling: v5 ? (opt >> 4) & 3 : 0, subscriptionId: subId, share,
    };
    const existed = s.subscribe(sub);
    codes.push(qos);
    // MQTT-3.3.1-9..-11: retain handling 0 always, 1 for a new subscription, 2 never; none for shared (4.8.2).
    if (!shared && (sub.retainHandling === 0 || (sub.retainHandling === 1 && !existed))) retainedFor.push([sub, plain]);
  }
  const o = b.records.outFor(PacketType.Suback, c.version, codes.length);
  o.packetId = p.packetId;
  for (const x of codes) o.addCode(x);
  if (v5 && c.problemInfo && refusal !== '') c.output.reason(o, refusal);
  c.output.sendControl(o, 'suback');
  for (const [sub, filter] of retainedFor) b.router.sendRetained(s, sub, filter);
}

export function handleUnsubscribe(c: Connection, p: Packet): void {
  const s = c.session!;
  const codes: number[] = [];
  for (let i = 0; i < p.count; i++) {
    const filter = str(p.filter[i], p.filterOffset(i), p.filterLength(i));
    codes.push(s.unsubscribe(filter) ? 0 : ReasonCode.NoSubscriptionExisted);
  }
  const o = c.broker.records.outFor(PacketType.Unsuback, c.version, codes.length);
  o.packetId = p.packetId;
  for (const x of codes) o.addCode(x);
  c.output.sendControl(o, 'unsuback');
}

export function handleDisconnect(c: Connection, p: Packet): void {
  const s = c.session!;
  const b = c.broker;
  if (c.version === 5 && p.props.has(PropertyId.SessionExpiryInterval)) {
    const e = p.props.get(PropertyId.SessionExpiryInterval);
    // MQTT-3.14.2-2: not from zero to non-zero.
    if (s.expiry === 0 && e !== 0) {
      c.close(ReasonCode.ProtocolError, 'session expiry cannot be set after a zero one', true);
      return;
    }
    b.table.setExpiry(s, Math.min(e, b.opts.maxSessionExpiry));
  }
  // MQTT-3.14.4-3: a normal DISCONNECT discards the will; 0x04 asks for it.
  const sendWill = c.version === 5 && p.reasonCode === ReasonCode.DisconnectWithWillMessage;
  c.output.flush();
  c.finish(sendWill);
  c.link.end();
}
