// The MQTT.js client (npm `mqtt` 5) as a client under test; it proves the harness and the peers.
import { connect as mqttConnect, type IClientOptions, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import { Inbox, withTimeout, type ClientAdapter, type ConnackInfo, type Connection, type ConnectOptions, type Message, type PublishResult } from './adapter.js';

function connackOf(p: { sessionPresent?: boolean; returnCode?: number; reasonCode?: number; properties?: { topicAliasMaximum?: number } }): ConnackInfo {
  return { sessionPresent: !!p.sessionPresent, reasonCode: p.reasonCode ?? p.returnCode ?? 0, topicAliasMaximum: p.properties?.topicAliasMaximum };
}

function waitConnack(client: MqttClient, ms: number): Promise<ConnackInfo> {
  return withTimeout(new Promise<ConnackInfo>((resolve, reject) => {
    const onConnect = (p: Parameters<Parameters<MqttClient['on']>[1]>[0]): void => { off(); resolve(connackOf(p as never)); };
    const onError = (e: Error): void => { off(); reject(e); };
    const onClose = (): void => { off(); reject(new Error('connection closed before CONNACK')); };
    const off = (): void => { client.off('connect', onConnect); client.off('error', onError); client.off('close', onClose); };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  }), ms, 'CONNACK');
}

export const mqttjsAdapter: ClientAdapter = {
  name: 'MQTT.js 5',
  versions: [4, 5],
  deviations: {
    'resend-without-dup': 'MQTT.js 5.16 resends unacknowledged publishes from its outgoing store after a reconnect without setting DUP (client.js storeDeliver)',
  },
  async connect(o: ConnectOptions): Promise<Connection> {
    const opts: IClientOptions = {
      host: o.host, port: o.port, protocol: 'mqtt', clientId: o.clientId,
      protocolVersion: o.version, clean: o.clean, keepalive: o.keepalive ?? 30,
      reconnectPeriod: 0, connectTimeout: 5000, resubscribe: false,
    };
    if (o.version === 5) opts.properties = { sessionExpiryInterval: o.sessionExpiry ?? 0 };
    if (o.will) opts.will = { topic: o.will.topic, payload: o.will.payload, qos: o.will.qos, retain: o.will.retain ?? false };
    const client = mqttConnect(opts);
    const aliasSent = new Map<string, number>();
    const inbox = new Inbox();
    let closedResolve: () => void = () => {};
    let closedP = new Promise<void>((r) => { closedResolve = r; });
    client.on('close', () => closedResolve());
    client.on('error', () => { /* reported through connack/publish results */ });
    client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const m: Message = { topic, payload: Buffer.from(payload), qos: packet.qos, retain: packet.retain };
      const p = packet.properties;
      if (p) {
        m.properties = {
          userProperties: p.userProperties as Record<string, string> | undefined,
          contentType: p.contentType, responseTopic: p.responseTopic,
          correlationData: p.correlationData, payloadFormatIndicator: p.payloadFormatIndicator,
          messageExpiryInterval: p.messageExpiryInterval,
        };
      }
      inbox.push(m);
    });
    let connack: ConnackInfo;
    try {
      connack = await waitConnack(client, 6000);
    } catch (e) {
      client.end(true);
      throw e;
    }
    const conn: Connection = {
      connack,
      subscribe(filter, qos, so) {
        return withTimeout(new Promise<number[]>((resolve, reject) => {
          client.subscribe(filter, { qos, nl: so?.noLocal ?? false }, (err, granted) => {
            if (err && !granted) reject(err); else resolve((granted ?? []).map((g) => g.qos));
          });
        }), 5000, 'SUBACK');
      },
      publish(topic, payload, qos, po) {
        return new Promise<PublishResult>((resolve, reject) => {
          const properties: Record<string, unknown> = {};
          const pp = po?.properties;
          if (pp) Object.assign(properties, pp);
          let sendTopic = topic;
          if (po?.topicAlias !== undefined) {
            properties.topicAlias = po.topicAlias;
            // The alias alone once the broker knows it (MQTT-3.3.2-12).
            if (aliasSent.get(topic) === po.topicAlias) sendTopic = ''; else aliasSent.set(topic, po.topicAlias);
          }
          client.publish(sendTopic, payload, { qos, retain: po?.retain ?? false, ...(o.version === 5 && Object.keys(properties).length ? { properties } : {}) },
            (err?: Error, packet?: Packet) => {
              if (err) { reject(err); return; }
              const cmd = packet?.cmd;
              const rc = (packet as { reasonCode?: number } | undefined)?.reasonCode;
              resolve({ ack: qos === 0 ? 'none' : cmd === 'puback' || cmd === 'pubcomp' || cmd === 'pubrec' ? cmd : 'unknown', reasonCode: rc });
            });
        });
      },
      nextMessage: (match, ms) => inbox.next(match, ms),
      received: () => inbox.received(),
      closed: () => closedP,
      end: () => withTimeout(new Promise<void>((resolve) => { client.end(false, {}, () => resolve()); }), 5000, 'DISCONNECT'),
      destroy() { client.stream?.destroy(); client.end(true); },
      async reconnect() {
        closedP = new Promise<void>((r) => { closedResolve = r; });
        const p = waitConnack(client, 6000);
        // Without the stores MQTT.js starts afresh and forgets the unacknowledged publishes.
        client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
        conn.connack = await p;
        return conn.connack;
      },
    };
    return conn;
  },
};
