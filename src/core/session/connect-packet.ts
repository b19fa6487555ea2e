// The CONNECT a session sends when a connection is made: its options, the will, MQTT 5's
// limits the client sets for the server (Receive Maximum, Maximum Packet Size, Topic Alias
// Maximum) and the authentication method's first data.
import { PacketType, PropertyId, ReasonCode } from '../codec/constants.js';
import { addProperties } from './options.js';
import type { Session } from './session.js';

export function writeConnect(s: Session): void {
  const o = s.opts;
  const v5 = s.v5;
  // 3.1.1 MQTT-3.1.3-7: a zero-byte client identifier requires a clean session.
  if (!v5 && s.clientIdLen === 0 && !o.cleanStart) {
    s.close(ReasonCode.ClientIdentifierNotValid);
    return;
  }
  const t = s.tx;
  t.reset(PacketType.Connect, o.version);
  t.cleanStart = o.cleanStart;
  t.keepAlive = o.keepAlive;
  t.clientId = s.clientId;
  t.clientIdOff = 0;
  t.clientIdLen = s.clientIdLen;
  if (o.willTopic !== null) {
    t.willFlag = true;
    t.willQos = o.willQos;
    t.willRetain = o.willRetain;
    t.willTopic = o.willTopic;
    t.willTopicOff = 0;
    t.willTopicLen = o.willTopic.length;
    t.willPayload = o.willPayload;
    t.willPayloadOff = 0;
    t.willPayloadLen = o.willPayload.length;
    const w = t.willProps;
    if (w !== null) {
      if (o.willDelay >= 0) w.setNumber(PropertyId.WillDelayInterval, o.willDelay);
      if (o.willMessageExpiry >= 0) w.setNumber(PropertyId.MessageExpiryInterval, o.willMessageExpiry);
      if (o.willPayloadFormat >= 0) w.setNumber(PropertyId.PayloadFormatIndicator, o.willPayloadFormat);
      if (o.willContentType !== null) w.setBytes(PropertyId.ContentType, o.willContentType, 0, o.willContentType.length);
      const x = o.extraProperties;
      if (x !== null && x.will !== null && !addProperties(w, x.will)) {
        s.close(ReasonCode.QuotaExceeded);
        return;
      }
    }
  }
  if (o.username !== null) {
    t.username = o.username;
    t.usernameOff = 0;
    t.usernameLen = o.username.length;
  }
  if (o.password !== null) {
    t.password = o.password;
    t.passwordOff = 0;
    t.passwordLen = o.password.length;
  }
  if (v5) {
    const p = t.props;
    if (o.sessionExpiry > 0) p.setNumber(PropertyId.SessionExpiryInterval, o.sessionExpiry);
    if (s.inQos2.ids.length < 65535) p.setNumber(PropertyId.ReceiveMaximum, s.inQos2.ids.length);
    // MQTT-3.1.2-24: the server must not send more than the receive buffer holds (or the streaming limit).
    if (!o.streamLargePayloads) p.setNumber(PropertyId.MaximumPacketSize, o.receiveBufferSize);
    else if (o.maximumPacketSize > 0) p.setNumber(PropertyId.MaximumPacketSize, o.maximumPacketSize);
    if (o.topicAliasMaximum > 0) p.setNumber(PropertyId.TopicAliasMaximum, o.topicAliasMaximum);
    if (o.requestResponseInformation) p.setNumber(PropertyId.RequestResponseInformation, 1);
    if (!o.requestProblemInformation) p.setNumber(PropertyId.RequestProblemInformation, 0);
    const x = o.extraProperties;
    if (x !== null && x.connect !== null && !addProperties(p, x.connect)) {
      s.close(ReasonCode.QuotaExceeded);
      return;
    }
    const auth = s.auth;
    if (auth !== null) {
      p.setBytes(PropertyId.AuthenticationMethod, auth.method, 0, auth.method.length);
      const rc = auth.begin(p);
      if (rc < 0) {
        s.close(-rc);
        return;
      }
    }
  }
  const n = s.writeTx();
  if (n < 0) {
    // Not encodable (3.1.1 MQTT-3.1.2-22: a password without a user name), or larger than the send buffer.
    s.close(-n);
  }
}
