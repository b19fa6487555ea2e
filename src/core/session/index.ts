// The client session's public surface.
export { NO_ROOM, Session, SessionState } from './session.js';
export type { FramerMaker, Notifier } from './session.js';
export { SessionOptions, OverflowPolicy, utf8 } from './options.js';
export type { SessionHandler, MessageHandler, AuthMethod, PacketObserver } from './handler.js';
export { backoffDelay } from './backoff.js';
export { KeepAlive, keepAliveLapsed } from './keepalive.js';
export { freePacketId, followingPacketId } from './packet-id.js';
export type { PacketIdTable } from './packet-id.js';
