// Node transports for the driver: TCP, TLS, WebSocket; and the Node clock.
export { BaseTransport, DEFAULT_HIGH_WATER } from './base.js';
export type { TransportHooks } from './base.js';
export { TcpTransport, TlsTransport } from './tcp.js';
export type { TcpOptions, TlsOptions } from './tcp.js';
export { WebSocketTransport } from './websocket.js';
export type { WebSocketOptions } from './websocket.js';
export { NodeClock } from './clock.js';
