// `-D command identifier value`: MQTT 5 properties as mosquitto_pub/mosquitto_sub name them,
// checked against the packet they belong to and applied to what the client can send.
import type { Capacities, ClientOptions, MessageProperties, SubscribeOptions, UnsubscribeOptions, UserProperties, WillOptions } from '../client.js';
import { UsageError } from './args.js';

/** The properties MQTT 5 allows on each packet, by mosquitto's names. */
const ALLOWED: Record<string, string[]> = {
  connect: ['session-expiry-interval', 'receive-maximum', 'maximum-packet-size', 'topic-alias-maximum',
    'request-response-information', 'request-problem-information', 'user-property', 'authentication-method', 'authentication-data'],
  publish: ['payload-format-indicator', 'message-expiry-interval', 'topic-alias', 'response-topic', 'correlation-data', 'user-property', 'content-type'],
  subscribe: ['subscription-identifier', 'user-property'],
  unsubscribe: ['user-property'],
  disconnect: ['session-expiry-interval', 'reason-string', 'user-property'],
  will: ['will-delay-interval', 'payload-format-indicator', 'message-expiry-interval', 'content-type', 'response-topic', 'correlation-data', 'user-property'],
  auth: ['authentication-method', 'authentication-data', 'reason-string', 'user-property'],
};

/** What the properties go into. */
export interface PropertyTargets {
  client: ClientOptions & { capacities: Partial<Capacities> };
  publish: MessageProperties;
  subscribe: SubscribeOptions;
  unsubscribe: UnsubscribeOptions;
}

/** -D takes a fourth value for a user property (key and value). */
export function extraPropertyValues(values: string[]): number {
  return values[1] === 'user-property' ? 1 : 0;
}

/** Adds a user property to an MQTT.js-style record (a repeated key keeps every value, in order). */
function withUser(u: UserProperties | undefined, k: string, v: string): UserProperties {
  const out = u ?? {};
  const had = out[k];
  out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  return out;
}

function int(v: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`invalid ${what} value '${v}' (${min} to ${max})`);
  return Number(v);
}

/** Applies one -D; throws UsageError for a property MQTT does not allow there or the client cannot send. */
export function applyProperty(t: PropertyTargets, cmd: string, id: string, vals: string[]): void {
  const allowed = ALLOWED[cmd];
  if (allowed === undefined) throw new UsageError(`invalid property command '${cmd}' (${Object.keys(ALLOWED).join(', ')})`);
  if (!allowed.includes(id)) throw new UsageError(`property '${id}' is not supported for '${cmd}' (MQTT 5 allows: ${allowed.join(', ')})`);
  const v = vals[0];
  const o = t.client;
  const connect = (): NonNullable<ClientOptions['properties']> => (o.properties ??= {});
  const will = (): NonNullable<WillOptions['properties']> => {
    if (o.will === undefined) throw new UsageError('will properties need --will-topic');
    o.will.properties ??= {};
    return o.will.properties;
  };
  switch (`${cmd} ${id}`) {
    case 'connect session-expiry-interval': o.sessionExpiryInterval = int(v, id, 0, 0xffffffff); return;
    case 'connect request-response-information': o.requestResponseInformation = int(v, id, 0, 1) === 1; return;
    case 'connect request-problem-information': o.requestProblemInformation = int(v, id, 0, 1) === 1; return;
    case 'connect receive-maximum': o.capacities.inboundQos2 = int(v, id, 1, 65535); return;
    case 'connect maximum-packet-size': o.maximumPacketSize = int(v, id, 16, 268435460); return;
    case 'connect topic-alias-maximum': o.capacities.topicAliasMaximum = int(v, id, 0, 65535); return;
    case 'publish payload-format-indicator': t.publish.payloadFormatIndicator = int(v, id, 0, 1); return;
    case 'publish message-expiry-interval': t.publish.messageExpiryInterval = int(v, id, 0, 0xffffffff); return;
    case 'publish content-type': t.publish.contentType = v; return;
    case 'publish response-topic': t.publish.responseTopic = v; return;
    case 'publish correlation-data': t.publish.correlationData = Buffer.from(v, 'utf8'); return;
    case 'connect user-property': connect().userProperties = withUser(connect().userProperties, v, vals[1]); return;
    case 'connect authentication-method': connect().authenticationMethod = v; return;
    case 'connect authentication-data': connect().authenticationData = Buffer.from(v, 'utf8'); return;
    case 'publish user-property': t.publish.userProperties = withUser(t.publish.userProperties, v, vals[1]); return;
    // The session assigns topic aliases itself.
    case 'publish topic-alias': int(v, id, 1, 65535); return;
    case 'subscribe subscription-identifier': t.subscribe.subscriptionIdentifier = int(v, id, 1, 268435455); return;
    case 'subscribe user-property': {
      const p = (t.subscribe.properties ??= {});
      p.userProperties = withUser(p.userProperties, v, vals[1]);
      return;
    }
    case 'unsubscribe user-property': {
      const p = (t.unsubscribe.properties ??= {});
      p.userProperties = withUser(p.userProperties, v, vals[1]);
      return;
    }
    case 'will will-delay-interval': will().willDelayInterval = int(v, id, 0, 0xffffffff); return;
    case 'will message-expiry-interval': will().messageExpiryInterval = int(v, id, 0, 0xffffffff); return;
    case 'will payload-format-indicator': will().payloadFormatIndicator = int(v, id, 0, 1); return;
    case 'will content-type': will().contentType = v; return;
    case 'will response-topic': will().responseTopic = v; return;
    case 'will correlation-data': will().correlationData = Buffer.from(v, 'utf8'); return;
    case 'will user-property': will().userProperties = withUser(will().userProperties, v, vals[1]); return;
    default:
      // DISCONNECT and AUTH properties: the client has no way to send them yet.
      throw new UsageError(`property '${id}' is not supported for '${cmd}' by xsmqtt: the client cannot send it yet`);
  }
}
