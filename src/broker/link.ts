// What a connection's protocol handling needs of the byte stream under it, and no more: the
// connection is fed bytes and peer-closes, and writes through a Link. A Node stream (TCP, TLS,
// WebSocket) is one kind of link; a test or the simulator can give another, with no socket.
import type { Duplex } from 'node:stream';

export interface Link {
  /** Sends bytes to the peer (the link may hold them; see `buffered`). */
  write(chunk: Uint8Array): void;
  /** Bytes written and not yet taken by the peer: counted against the broker's high water mark. */
  readonly buffered: number;
  /** Stops delivering received bytes (back-pressure on a publisher) until resume(). */
  pause(): void;
  resume(): void;
  /** Sends what was written, then closes. */
  end(): void;
  /** Closes now. */
  destroy(): void;
}

/** The receiving side of a link: what the connection is told. */
export interface LinkPeer {
  receive(chunk: Uint8Array): void;
  /** The peer closed, or the link failed. */
  peerClosed(): void;
}

/** How long a link that was ended may take to flush before it is destroyed. */
const END_GRACE_MS = 500;

/** A Node Duplex (net.Socket, tls.TLSSocket, a WebSocket stream) as a link. */
export class StreamLink implements Link {
  constructor(private readonly stream: Duplex) {}

  /** Delivers the stream's bytes and its end to peer. */
  bind(peer: LinkPeer): void {
    const s = this.stream;
    s.on('data', (chunk: Buffer) => peer.receive(chunk));
    const closed = (): void => {
      peer.peerClosed();
      s.destroy();
    };
    s.on('error', closed);
    s.on('close', closed);
    s.on('end', closed);
  }

  write(chunk: Uint8Array): void {
    this.stream.write(chunk);
  }

  get buffered(): number {
    return this.stream.writableLength;
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  end(): void {
    this.stream.end();
    // A peer that does not read would hold the socket open for ever.
    const t = setTimeout(() => this.stream.destroy(), END_GRACE_MS);
    t.unref();
  }

  destroy(): void {
    this.stream.on('error', () => undefined);
    this.stream.destroy();
  }
}

/** Sees every byte a connection receives and sends (the console's capture); costs nothing when unset. */
export interface ByteTap {
  bytes(conn: { readonly clientId: string; readonly address: string }, dir: 'in' | 'out', chunk: Uint8Array): void;
}

/** A link whose written bytes a tap sees first; `conn` is set once the connection exists. */
export class TappedLink implements Link {
  conn: { readonly clientId: string; readonly address: string } | null = null;

  constructor(private readonly inner: Link, private readonly tap: ByteTap) {}

  write(chunk: Uint8Array): void {
    if (this.conn) this.tap.bytes(this.conn, 'out', chunk);
    this.inner.write(chunk);
  }

  get buffered(): number {
    return this.inner.buffered;
  }

  pause(): void {
    this.inner.pause();
  }

  resume(): void {
    this.inner.resume();
  }

  end(): void {
    this.inner.end();
  }

  destroy(): void {
    this.inner.destroy();
  }
}
