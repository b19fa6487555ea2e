// The client session's public surface.
export { Session, SessionState } from './session.js';
export type { Notifier } from './session.js';
export { SessionOptions, OverflowPolicy, utf8 } from './options.js';
export type { SessionHandler, MessageHandler, AuthMethod, PacketObserver } from './handler.js';
export { StreamAborted } from './handler.js';
export { backoffDelay } from './backoff.js';
export { KeepAlive } from './keepalive.js';
