// MQTT over TCP (`mqtt://`) and TLS (`mqtts://`): a net or tls socket behind the driver's Transport.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { BaseTransport } from './base.js';

export interface TcpOptions {
  host: string;
  port: number;
}

export interface TlsOptions extends TcpOptions {
  /** Trusted CA certificates (PEM); the system's when absent. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Client certificate and key (PEM). */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Verify the server's certificate (default true); false only when asked. */
  rejectUnauthorized?: boolean;
  /** SNI server name; the host name by default (never an IP address). */
  servername?: string;
  /** Anything else tls.connect accepts. */
  tls?: ConnectionOptions;
}

/** Grace given to the peer to close after our FIN, before the socket is destroyed. */
const END_GRACE = 2000;

export class TcpTransport extends BaseTransport {
  protected socket: Socket | null = null;
  readonly options: TcpOptions;

  constructor(options: TcpOptions) {
    super();
    this.options = options;
  }

  protected createSocket(): Socket {
    return netConnect({ host: this.options.host, port: this.options.port });
  }

  protected readyEvent(): string {
    return 'connect';
  }

  protected connectRaw(gen: number): void {
    const s = this.createSocket();
    this.socket = s;
    s.setNoDelay(true);
    s.once(this.readyEvent(), () => this.opened(gen));
    s.on('data', (chunk: Buffer) => this.received(gen, chunk));
    s.on('drain', () => this.drained(gen));
    s.on('error', (err) => this.failed(gen, err));
    s.on('end', () => { if (gen === this.generation && s.writable) s.end(); });
    s.once('close', () => {
      if (this.socket === s) this.socket = null;
      this.closed(gen);
    });
  }

  protected sendRaw(buf: Buffer): boolean {
    const s = this.socket;
    return s === null ? false : s.write(buf);
  }

  protected sendManyRaw(bufs: Buffer[]): boolean {
    const s = this.socket;
    if (s === null) return false;
    s.cork();
    let more = true;
    for (const b of bufs) more = s.write(b);
    s.uncork();
    return more && s.writableLength < this.highWater;
  }

  protected bufferedRaw(): number {
    const s = this.socket;
    return s === null ? 0 : s.writableLength;
  }

  protected endRaw(): void {
    const s = this.socket;
    if (s === null) return;
    s.end();
    setTimeout(() => s.destroy(), END_GRACE).unref();
  }

  protected destroyRaw(): void {
    this.socket?.destroy();
  }

  protected pauseRaw(pause: boolean): void {
    if (pause) this.socket?.pause();
    else this.socket?.resume();
  }
}

export class TlsTransport extends TcpTransport {
  readonly tlsOptions: TlsOptions;

  constructor(options: TlsOptions) {
    super(options);
    this.tlsOptions = options;
  }

  protected createSocket(): Socket {
    const o = this.tlsOptions;
    const servername = o.servername ?? (isIP(o.host) === 0 ? o.host : undefined);
    return tlsConnect({
      ...o.tls,
      host: o.host,
      port: o.port,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      passphrase: o.passphrase,
      servername,
      rejectUnauthorized: o.rejectUnauthorized ?? true,
    });
  }

  protected readyEvent(): string {
    return 'secureConnect';
  }
}
