// The friendly Node API over the core, as MQTT.js shapes it: connect(url, options) returns a
// client with publish/subscribe/unsubscribe/end (callbacks) and their Async forms (promises),
// events, strings and Buffers, over TCP, TLS or WebSocket. The parts live in ./client/.
export { MqttClient, connect, connectAsync } from './client/mqtt-client.js';
export type { PacketCallback, SubscribeCallback, DoneCallback, SubscribeTopics } from './client/mqtt-client.js';
export { MqttError, reasonText } from './client/errors.js';
export { parseUrl, makeTransport } from './client/endpoint.js';
export type { ClientTransport, Endpoint } from './client/endpoint.js';
export { NodeClientClock } from './client/clock.js';
export type { ClientClock } from './client/clock.js';
export { propertiesObject } from './client/properties.js';
export { NODE_CAPACITIES, DEFAULT_MAXIMUM_PACKET_SIZE, DEFAULT_ACK_TIMEOUT } from './client/options.js';
export type {
  Capacities, ClientEvents, ClientOptions, ConnackInfo, ConnectProperties, Granted, MessageInfo, MessageProperties, OutgoingProperties, ServerAddress,
  PublishOptions, QoS, SubscribeOptions, UnsubscribeOptions, UserProperties, WillOptions,
} from './client/options.js';
