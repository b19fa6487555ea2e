// How the drop-ins stream a payload larger than the session's send buffer (Session.publishStream):
// their socket transport tells them when the driver has handled each socket event (the session
// may have room for more of the payload then), and feedStream writes the payload's next bytes.
import type TCP from 'embedded:io/socket/tcp';
import type { TransportEvents } from '../../src/core/driver/transport.js';
import type { Session } from '../../src/core/session/session.js';
import { SocketTransport } from './transport.js';

/** What a drop-in hears from its transport. */
export interface TransportOwner {
  /** A connection attempt starts (the transport opens). */
  attempting(): void;
  /** The driver has handled a socket event: writable when the socket reported room. */
  settle(writable: boolean): void;
}

/** The socket transport, telling its owner of connection attempts and of handled socket events. */
export class OwnedTransport extends SocketTransport {
  owner: TransportOwner | null = null;

  /* cold */
  open(events: TransportEvents): void {
    const owner = this.owner;
    if (owner !== null) owner.attempting();
    return super.open(events);
  }

  readable(socket: TCP, bytes: number): void {
    super.readable(socket, bytes);
    const owner = this.owner;
    if (owner !== null) owner.settle(false);
  }

  writableNow(socket: TCP, bytes: number): void {
    super.writableNow(socket, bytes);
    const owner = this.owner;
    if (owner !== null) owner.settle(true);
  }
}

/**
 * Writes buf[off, off+len) into the payload of the streamed message `handle` while it is on the
 * wire and the session takes bytes (each write is handed to the socket, making room for the
 * next): the count taken.
 */
export function feedStream(s: Session, handle: number, buf: Uint8Array, off: number, len: number): number {
  let done = 0;
  for (let guard = 0; guard < 64 && done < len && s.streamHandle() === handle; guard++) {
    const n = s.streamWrite(buf, off + done, len - done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
