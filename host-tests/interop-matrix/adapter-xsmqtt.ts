// The xsmqtt Node client (src/node/) as the client under test: the matrix rows for brokers.
import type { Socket } from 'node:net';
import { connect as xsConnect, type MqttClient, type ClientOptions, type MessageInfo } from '../../src/node/index.js';
import { Inbox, withTimeout, type ClientAdapter, type ConnackInfo, type Connection, type ConnectOptions, type Message } from './adapter.js';

function connackOf(c: { sessionPresent: boolean; reasonCode: number; properties?: Record<string, unknown> }): ConnackInfo {
  const tam = c.properties?.topicAliasMaximum;
  return { sessionPresent: c.sessionPresent, reasonCode: c.reasonCode, topicAliasMaximum: typeof tam === 'number' ? tam : undefined };
}

/** Resolves on the next CONNACK; rejects if the connection closes first. */
function nextConnack(client: MqttClient, ms: number): Promise<ConnackInfo> {
  return withTimeout(new Promise<ConnackInfo>((resolve, reject) => {
    let lastError: Error | undefined;
    const onConnect = (c: Parameters<typeof connackOf>[0]): void => { off(); resolve(connackOf(c)); };
    const onError = (e: Error): void => { lastError = e; };
    const onClose = (): void => { off(); reject(lastError ?? new Error('connection closed before CONNACK')); };
    const off = (): void => { client.off('connect', onConnect); client.off('error', onError); client.off('close', onClose); };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  }), ms, 'CONNACK');
}

export const xsmqttClientAdapter: ClientAdapter = {
  name: 'xsmqtt (Node)',
  versions: [4, 5],
  async connect(o: ConnectOptions): Promise<Connection> {
    const opts: ClientOptions = {
      host: o.host, port: o.port, protocolVersion: o.version, clientId: o.clientId, clean: o.clean,
      keepalive: o.keepalive ?? 30, connectTimeout: 5000,
      // Reconnects on its own (the resend scenario cuts the link); jitter off for a quick test.
      reconnectPeriod: 150, reconnectPeriodMax: 500, reconnectJitter: 0, resubscribe: true,
    };
    if (o.version === 5) opts.sessionExpiryInterval = o.sessionExpiry ?? 0;
    if (o.will) opts.will = { topic: o.will.topic, payload: o.will.payload, qos: o.will.qos, retain: o.will.retain ?? false };
    const client = xsConnect(opts);
    const inbox = new Inbox();
    client.on('error', () => { /* reported through the promises */ });
    client.on('message', (topic: string, payload: Buffer, info: MessageInfo) => {
      const m: Message = { topic, payload: Buffer.from(payload), qos: info.qos, retain: info.retain };
      const p = info.properties;
      if (p) {
        const up: Record<string, string> = {};
        for (const [k, v] of Object.entries(p.userProperties ?? {})) up[k] = Array.isArray(v) ? v[v.length - 1]! : v;
        m.properties = {
          userProperties: p.userProperties ? up : undefined, contentType: p.contentType, responseTopic: p.responseTopic,
          correlationData: p.correlationData, payloadFormatIndicator: p.payloadFormatIndicator === undefined ? undefined : p.payloadFormatIndicator === 1,
          messageExpiryInterval: p.messageExpiryInterval,
        };
      }
      inbox.push(m);
    });
    let closedResolve: () => void = () => {};
    let closedP = new Promise<void>((r) => { closedResolve = r; });
    client.on('close', () => closedResolve());
    let connack: ConnackInfo;
    try {
      connack = await nextConnack(client, 6000);
    } catch (e) {
      await client.endAsync(true);
      throw e;
    }
    const conn: Connection = {
      connack,
      async subscribe(filter, qos, so) {
        const g = await withTimeout(client.subscribeAsync(filter, { qos, nl: so?.noLocal ?? false }), 5000, 'SUBACK');
        return g.map((x) => x.qos);
      },
      async publish(topic, payload, qos, po) {
        const p = po?.properties;
        const properties = p || po?.topicAlias !== undefined ? {
          ...(p?.userProperties ? { userProperties: p.userProperties } : {}),
          ...(p?.contentType !== undefined ? { contentType: p.contentType } : {}),
          ...(p?.responseTopic !== undefined ? { responseTopic: p.responseTopic } : {}),
          ...(p?.correlationData !== undefined ? { correlationData: p.correlationData } : {}),
          ...(p?.payloadFormatIndicator !== undefined ? { payloadFormatIndicator: p.payloadFormatIndicator ? 1 : 0 } : {}),
          ...(p?.messageExpiryInterval !== undefined ? { messageExpiryInterval: p.messageExpiryInterval } : {}),
          ...(po?.topicAlias !== undefined ? { topicAlias: po.topicAlias } : {}),
        } : undefined;
        await client.publishAsync(topic, payload, { qos, retain: po?.retain ?? false, properties });
        return { ack: qos === 0 ? 'none' : 'unknown' };
      },
      nextMessage: (match, ms) => inbox.next(match, ms),
      received: () => inbox.received(),
      closed: () => closedP,
      end: () => withTimeout(client.endAsync(), 5000, 'DISCONNECT'),
      destroy() {
        // Abrupt: the socket goes without a DISCONNECT (end(true) would still queue one).
        (client.transport as unknown as { socket: Socket | null }).socket?.destroy();
        void client.endAsync(true);
      },
      async reconnect() {
        // The client reconnects by itself after the cut; wait for that CONNACK.
        closedP = new Promise<void>((r) => { closedResolve = r; });
        if (client.connected) return conn.connack;
        conn.connack = await nextConnack(client, 8000);
        return conn.connack;
      },
    };
    return conn;
  },
};

export async function xsmqttAdapter(): Promise<ClientAdapter | string> {
  return xsmqttClientAdapter;
}
