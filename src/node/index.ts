// xsmqtt on Node: connect() and its types, the transports, and the core's building blocks for
// those who drive a session themselves.
export {
  connect, connectAsync, MqttClient, MqttError, NodeClientClock, parseUrl, propertiesObject, NODE_CAPACITIES,
  DEFAULT_MAXIMUM_PACKET_SIZE, DEFAULT_ACK_TIMEOUT,
} from './client.js';
export type {
  Capacities, ClientClock, ClientEvents, ClientOptions, ConnackInfo, ConnectProperties, DoneCallback, Granted, MessageInfo,
  MessageProperties, OutgoingProperties, PacketCallback, PublishOptions, QoS, SubscribeCallback, SubscribeOptions,
  SubscribeTopics, WillOptions, ServerAddress,
} from './client.js';
export { reasonText } from './reason-text.js';
export { BaseTransport, TcpTransport, TlsTransport, WebSocketTransport, NodeClock } from './transports/index.js';
export type { TcpOptions, TlsOptions, WebSocketOptions, TransportHooks } from './transports/index.js';
export { Session, SessionOptions } from '../core/session/index.js';
export { Driver } from '../core/driver/index.js';
// Power-loss persistence for a session driven directly: its journal over a store, and a file store.
export { SessionJournal, journalSize } from '../core/session/journal.js';
export type { SessionStore } from '../core/session/session-store.js';
export { FileSessionStore } from './file-store.js';
export type { FileStoreOptions } from './file-store.js';

import { connect, connectAsync, MqttClient, MqttError } from './client.js';
import { reasonText } from './reason-text.js';
/** For the MQTT.js habit `import mqtt from 'xsmqtt'; mqtt.connect(url)`. */
const xsmqtt = { connect, connectAsync, MqttClient, MqttError, reasonText };
export default xsmqtt;
