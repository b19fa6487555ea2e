// CONNECT: the client id (assigned when empty), authentication, the limits the client asks for
// and the broker's caps on them (session expiry, keep alive), the will, the session limits,
// then the session is started or resumed and CONNACK sent.
import { randomBytes } from 'node:crypto';
import { Packet } from '../core/codec/packet.js';
import { encodeServerPacket } from '../core/codec/server.js';
import { PacketType, PropertyId, ReasonCode } from '../core/codec/constants.js';
import type { Connection } from './connection.js';
import { copy, messageProps, str, wildcardResponseTopic } from './message.js';
import { MAX_PACKET } from './output.js';
import { NEVER, Will } from './session.js';

/** Where a CONNACK is encoded to measure it against a client's Maximum Packet Size. */
const CONNACK_SCRATCH = Buffer.alloc(1024);

/** The byte a bridge marks in its CONNECT's protocol level (mosquitto's try_private). */
const BRIDGE_MARK = 0x80;

/**
 * mosquitto's try_private: a bridge sets 0x80 in a 3.1/3.1.1 CONNECT's protocol level. The mark
 * is taken off before decoding (the codec knows only the standard levels). Returns 1 when it was
 * there, 0 when not, -1 while the level byte has not arrived.
 */
export function takeBridgeMark(buf: Uint8Array, start: number, fill: number): number {
  let i = start + 1;
  while (i < fill && (buf[i] & 0x80) !== 0) i++;
  if (i + 2 >= fill) return -1;
  const level = i + 3 + ((buf[i + 1] << 8) | buf[i + 2]);
  if (level >= fill) return -1;
  const v = buf[level] & ~BRIDGE_MARK;
  if ((buf[level] & BRIDGE_MARK) === 0 || (v !== 3 && v !== 4)) return 0;
  buf[level] = v;
  return 1;
}

export function sendConnack(c: Connection, code: number, present: boolean, assigned?: string): void {
  c.output.send(connack(c, code, present, assigned));
}

function connack(c: Connection, code: number, present: boolean, assigned?: string): Packet {
  const o = c.broker.records.outFor(PacketType.Connack, c.version);
  o.reasonCode = code;
  o.sessionPresent = present;
  if (c.version === 5 && code === 0) {
    const opts = c.broker.opts;
    if (opts.receiveMaximum < 65535) o.props.setNumber(PropertyId.ReceiveMaximum, opts.receiveMaximum);
    if (opts.maxPacketSize < MAX_PACKET) o.props.setNumber(PropertyId.MaximumPacketSize, opts.maxPacketSize);
    if (opts.topicAliasMaximum > 0) o.props.setNumber(PropertyId.TopicAliasMaximum, opts.topicAliasMaximum);
    if (c.keepAliveImposed) o.props.setNumber(PropertyId.ServerKeepAlive, c.keepAlive);
    if (c.sessionExpiryAsked > opts.maxSessionExpiry) o.props.setNumber(PropertyId.SessionExpiryInterval, opts.maxSessionExpiry);
    if (assigned !== undefined) {
      const a = Buffer.from(assigned);
      o.props.setBytes(PropertyId.AssignedClientIdentifier, a, 0, a.length);
    }
  }
  return o;
}

function refuse(c: Connection, code: number): void {
  sendConnack(c, code, false);
  c.close(-1, '', true);
}

/** The keep alive the broker holds the client to; -1 when a 3.1.1 client asks for more than the cap. */
function keepAliveFor(c: Connection, asked: number): number {
  const o = c.broker.opts;
  if (c.version === 5 && o.serverKeepAlive > 0) return o.serverKeepAlive;
  const cap = o.maxKeepAlive;
  if (cap === 0 || (asked !== 0 && asked <= cap)) return asked;
  // 3.1.1 has no Server Keep Alive to say it with (mosquitto refuses the same way).
  return c.version === 5 ? cap : -1;
}

export function handleConnect(c: Connection, p: Packet): void {
  const b = c.broker;
  c.version = p.version;
  c.framer.version = p.version;
  let clientId = str(p.clientId, p.clientIdOff, p.clientIdLen);
  c.clientId = clientId;
  const v5 = p.version === 5;
  let assigned: string | undefined;
  if (clientId === '') {
    // MQTT-3.1.3-6 / -7 (5.0: any clean start), 3.1.1 MQTT-3.1.3-8: a 3.1.1 persistent session needs an id.
    if (!v5 && (!p.cleanStart || p.version === 3)) {
      c.trace('in', p);
      return refuse(c, ReasonCode.ClientIdentifierNotValid);
    }
    clientId = 'xsmqtt-' + randomBytes(8).toString('hex');
    c.clientId = clientId;
    if (v5) assigned = clientId;
  }
  // Traced under the id the connection will have (an assigned one included).
  c.trace('in', p);
  if (b.connections.size > b.opts.maxConnections) {
    b.note(clientId, 'REFUSE', 'connections', `${b.opts.maxConnections} connections open`);
    return refuse(c, ReasonCode.ServerBusy);
  }
  // MQTT 5 section 3.1.2.11.10: Authentication Data without an Authentication Method is a protocol error.
  if (v5 && p.props.has(PropertyId.AuthenticationData) && !p.props.has(PropertyId.AuthenticationMethod)) return refuse(c, ReasonCode.ProtocolError);
  if (v5 && p.willFlag && wildcardResponseTopic(p.willProps!)) return refuse(c, ReasonCode.ProtocolError);
  if (v5 && p.props.has(PropertyId.AuthenticationMethod)) return refuse(c, ReasonCode.BadAuthenticationMethod);
  // Authentication.
  const user = p.usernameLen >= 0 ? str(p.username, p.usernameOff, p.usernameLen) : null;
  c.user = user;
  if (b.passwords) {
    if (user === null) {
      if (!b.opts.allowAnonymous) return refuse(c, ReasonCode.NotAuthorized);
    } else {
      const pass = p.passwordLen >= 0 ? str(p.password, p.passwordOff, p.passwordLen) : '';
      if (!b.passwords.check(user, pass)) return refuse(c, ReasonCode.BadUserNameOrPassword);
    }
  } else if (!b.opts.allowAnonymous && user === null) return refuse(c, ReasonCode.NotAuthorized);
  const refusal = b.faults.take('refuse', clientId);
  if (refusal) {
    b.control.fired(refusal, clientId, `CONNECT refused with 0x${refusal.reason.toString(16)}`);
    return refuse(c, refusal.reason);
  }
  // Limits the client asks for (v5).
  let expiry = p.cleanStart ? 0 : NEVER;
  if (v5) {
    const pr = p.props;
    expiry = pr.has(PropertyId.SessionExpiryInterval) ? pr.get(PropertyId.SessionExpiryInterval) : 0;
    c.sessionExpiryAsked = expiry;
    if (expiry > b.opts.maxSessionExpiry) expiry = b.opts.maxSessionExpiry;
    if (pr.has(PropertyId.ReceiveMaximum)) c.clientReceiveMax = pr.get(PropertyId.ReceiveMaximum);
    if (pr.has(PropertyId.MaximumPacketSize)) c.clientMaxPacket = pr.get(PropertyId.MaximumPacketSize);
    if (pr.has(PropertyId.TopicAliasMaximum)) c.clientAliasMax = pr.get(PropertyId.TopicAliasMaximum);
    if (pr.has(PropertyId.RequestProblemInformation)) c.problemInfo = pr.get(PropertyId.RequestProblemInformation) !== 0;
  }
  const keepAlive = keepAliveFor(c, p.keepAlive);
  if (keepAlive < 0) {
    b.note(clientId, 'REFUSE', 'keep-alive', `keep alive ${p.keepAlive} s, the cap is ${b.opts.maxKeepAlive} s`);
    return refuse(c, ReasonCode.ClientIdentifierNotValid);
  }
  c.keepAlive = keepAlive;
  c.keepAliveImposed = v5 && keepAlive !== p.keepAlive;
  if (v5 && c.clientMaxPacket < MAX_PACKET) {
    const n = encodeServerPacket(connack(c, 0, false, assigned), CONNACK_SCRATCH, 0);
    if (n < 0 || n > c.clientMaxPacket) {
      // MQTT-3.1.2-25: not even a CONNACK fits the client's Maximum Packet Size; nothing can be said, so the connection ends.
      b.note(clientId, 'REFUSE', 'connack-too-large', `Maximum Packet Size ${c.clientMaxPacket}, CONNACK ${n} bytes`);
      c.close(-1, '', false);
      return;
    }
  }
  if (p.willFlag && v5 && p.willProps!.userSeen > b.opts.maxUserProperties) {
    b.note(clientId, 'REFUSE', 'user-properties', `will with ${p.willProps!.userSeen} user properties`);
    return refuse(c, ReasonCode.QuotaExceeded);
  }
  const over = b.table.refusal(clientId, expiry);
  if (over !== null) {
    b.note(clientId, 'REFUSE', over === 'total' ? 'session-total' : 'session-quota', over);
    return refuse(c, ReasonCode.QuotaExceeded);
  }
  let will: Will | null = null;
  if (p.willFlag) {
    will = willOf(c, p);
    if (b.acl && !b.acl.canPublish(user, clientId, will.msg.topic)) return refuse(c, ReasonCode.NotAuthorized);
  }
  const present = b.table.attach(c, p.cleanStart, expiry, will);
  c.connected = true;
  c.framer.maxPacketSize = b.opts.maxPacketSize;
  b.stats.connected++;
  const close = b.faults.take('close', clientId);
  if (close && close.after > 0) c.armClose(close);
  else if (close) {
    // A close rule with after=0 found at CONNECT: accept, then close at once.
    sendConnack(c, 0, present, assigned);
    b.control.fired(close, clientId, 'closed the connection on connect');
    c.close(ReasonCode.AdministrativeAction, 'fault injection', true);
    return;
  }
  const thr = b.faults.peek('throttle', clientId);
  if (thr) c.throttle(thr);
  sendConnack(c, 0, present, assigned);
  b.log(`${clientId} connected (v${c.version}, ${c.label}${present ? ', session resumed' : ''})`);
  if (present) c.session!.resume(c);
}

function willOf(c: Connection, p: Packet): Will {
  const v5 = p.version === 5;
  const wp = p.willProps!;
  return {
    msg: {
      topic: str(p.willTopic, p.willTopicOff, p.willTopicLen), topicBytes: copy(p.willTopic, p.willTopicOff, p.willTopicLen),
      payload: copy(p.willPayload, p.willPayloadOff, p.willPayloadLen), qos: p.willQos, retain: p.willRetain,
      props: v5 ? messageProps(wp) : null, expiresAt: 0, origin: c.clientId,
    },
    delay: v5 && wp.has(PropertyId.WillDelayInterval) ? wp.get(PropertyId.WillDelayInterval) : 0,
    expiry: v5 && wp.has(PropertyId.MessageExpiryInterval) ? wp.get(PropertyId.MessageExpiryInterval) : 0,
  };
}
