// MQTT over WebSocket (`ws://`, `wss://`): binary frames, subprotocol `mqtt`, with the `ws` package.
import WebSocket from 'ws';
import { BaseTransport } from './base.js';
import type { TlsOptions } from './tcp.js';

export interface WebSocketOptions extends Partial<TlsOptions> {
  /** ws:// or wss:// URL with path (e.g. ws://127.0.0.1:8080/mqtt). */
  url: string;
  /** Sent as Sec-WebSocket-Protocol; `mqtt` by default. */
  protocol?: string;
  /** Anything else the ws package's client accepts (headers, agent...). */
  ws?: WebSocket.ClientOptions;
}

export class WebSocketTransport extends BaseTransport {
  private socket: WebSocket | null = null;
  readonly options: WebSocketOptions;
  private readonly afterSend = (): void => this.drained(this.generation);

  constructor(options: WebSocketOptions) {
    super();
    this.options = options;
  }

  protected connectRaw(gen: number): void {
    const o = this.options;
    const wsOptions: WebSocket.ClientOptions & { servername?: string } = {
      ...o.ws,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      passphrase: o.passphrase,
      servername: o.servername,
      rejectUnauthorized: o.rejectUnauthorized ?? true,
      perMessageDeflate: false,
    };
    const ws = new WebSocket(o.url, o.protocol ?? 'mqtt', wsOptions);
    ws.binaryType = 'nodebuffer';
    this.socket = ws;
    ws.once('open', () => this.opened(gen));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      if (Array.isArray(data)) for (const d of data) this.received(gen, d);
      else this.received(gen, Buffer.isBuffer(data) ? data : Buffer.from(data));
    });
    ws.on('error', (err) => this.failed(gen, err));
    ws.once('close', () => {
      if (this.socket === ws) this.socket = null;
      this.closed(gen);
    });
  }

  protected sendRaw(buf: Buffer): boolean {
    const ws = this.socket;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(buf, { binary: true }, this.afterSend);
    return ws.bufferedAmount < this.highWater;
  }

  protected sendManyRaw(bufs: Buffer[]): boolean {
    // One frame for the batch: MQTT packets may span frames, and fewer frames cost less.
    return this.sendRaw(Buffer.concat(bufs));
  }

  protected bufferedRaw(): number {
    return this.socket === null ? 0 : this.socket.bufferedAmount;
  }

  protected endRaw(): void {
    const ws = this.socket;
    if (ws === null) return;
    ws.close(1000);
    setTimeout(() => ws.terminate(), 2000).unref();
  }

  protected destroyRaw(): void {
    this.socket?.terminate();
  }

  protected pauseRaw(pause: boolean): void {
    if (pause) this.socket?.pause();
    else this.socket?.resume();
  }
}
