// The bridge of one emulated device: a FIFO pair (DIR/to_dev, DIR/from_dev) that the device
// opens over QEMU semihosting, carried to real TCP connections on the host. The device opens
// and closes connections itself (frames of protocol.ts), so the bridge follows its reconnects;
// `cut()` kills the link the way a dead broker or a dead network would.
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClosedReason, decodeConnect, encodeFrame, FRAME_MAX_PAYLOAD, FrameKind, FrameReader } from './protocol.js';

export interface BridgeOptions {
  /** Where every connection goes, whatever address the device asks for (default: as asked). */
  target?: { host: string; port: number };
  /** Directory for the FIFO pair (default: a new temporary directory, removed by close()). */
  dir?: string;
}

export interface BridgeStats {
  connects: number;
  refused: number;
  bytesToDevice: number;
  bytesFromDevice: number;
}

interface Connection {
  socket: Socket;
  open: boolean;
  /** silent cut: the connection is gone but the device is not told (a dead network) */
  blackholed: boolean;
}

/**
 * Events: 'connect' (socket, host, port) when the device opens a connection, 'open' (socket)
 * once it is established, 'close' (socket, by: 'device' | 'peer' | 'cut'), 'error' (Error)
 * for a link failure.
 */
export class Bridge extends EventEmitter {
  readonly dir: string;
  readonly stats: BridgeStats = { connects: 0, refused: 0, bytesToDevice: 0, bytesFromDevice: 0 };
  private readonly ownsDir: boolean;
  private readonly target?: { host: string; port: number };
  private readonly reader = new FrameReader();
  private readonly connections = new Map<number, Connection>();
  private toDevice?: Socket;
  private fromDevice?: Socket;
  private fds: number[] = [];
  private networkDown = false;
  private closed = false;

  constructor(options: BridgeOptions = {}) {
    super();
    this.target = options.target;
    this.ownsDir = options.dir === undefined;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'xsmqtt-bridge-'));
    const toDev = join(this.dir, 'to_dev');
    const fromDev = join(this.dir, 'from_dev');
    rmSync(toDev, { force: true });
    rmSync(fromDev, { force: true });
    execFileSync('mkfifo', [toDev, fromDev]);
    // Read-write and non-blocking: neither open waits for the device, and the device's own
    // opens never block the emulator; the FIFOs stay open across the device's reconnects.
    const flags = constants.O_RDWR | constants.O_NONBLOCK;
    const toFd = openSync(toDev, flags);
    const fromFd = openSync(fromDev, flags);
    this.fds = [toFd, fromFd];
    this.toDevice = new Socket({ fd: toFd, readable: false, writable: true });
    this.fromDevice = new Socket({ fd: fromFd, readable: true, writable: false });
    this.toDevice.on('error', (e) => this.fail(e));
    this.fromDevice.on('error', (e) => this.fail(e));
    this.fromDevice.on('data', (chunk: Buffer) => this.onDeviceBytes(chunk));
  }

  /** The arguments that give the device this link (see targets/lx106/semihost.c). */
  get deviceArgs(): string[] {
    return ['--link', this.dir];
  }

  /** Connections the device has open now. */
  get openConnections(): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.open && !c.blackholed) n++;
    return n;
  }

  /**
   * Cuts every connection. 'reset' (default): the device is told at once, as when the broker
   * dies. 'silent': the connection is dropped and the device is told nothing, as when the
   * network dies; it must notice by itself (keep alive) and reconnect.
   */
  cut(mode: 'reset' | 'silent' = 'reset'): void {
    for (const [id, c] of this.connections) {
      if (c.blackholed) continue;
      c.socket.destroy();
      if (mode === 'reset') {
        this.connections.delete(id);
        this.send(FrameKind.Closed, id, Buffer.from([ClosedReason.Cut]));
      } else {
        c.blackholed = true;
      }
      this.emit('close', id, 'cut');
    }
  }

  /** While the network is down, the device's connection attempts are refused. */
  setNetwork(up: boolean): void {
    this.networkDown = !up;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections.values()) c.socket.destroy();
    this.connections.clear();
    this.toDevice?.destroy();
    this.fromDevice?.destroy();
    // net.Socket closes the fds it was given when destroyed; close any it did not adopt.
    for (const fd of this.fds) {
      try { closeSync(fd); } catch { /* already closed by the socket */ }
    }
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.emit('error', e);
  }

  private send(kind: FrameKind, id: number, payload?: Uint8Array): void {
    if (this.closed || !this.toDevice) return;
    this.toDevice.write(encodeFrame(kind, id, payload));
  }

  private onDeviceBytes(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      switch (frame.kind) {
        case FrameKind.Connect: this.onConnect(frame.socket, frame.payload); break;
        case FrameKind.Data: this.onData(frame.socket, frame.payload); break;
        case FrameKind.Close: this.onClose(frame.socket); break;
        default: this.fail(new Error(`bridge: unknown frame kind ${frame.kind} from the device`));
      }
    }
  }

  private onConnect(id: number, payload: Buffer): void {
    const old = this.connections.get(id);
    if (old) {
      // The device reused a socket number without closing: it has restarted.
      old.socket.destroy();
      this.connections.delete(id);
    }
    const asked = decodeConnect(payload);
    const { host, port } = this.target ?? asked;
    this.stats.connects++;
    this.emit('connect', id, host, port);
    if (this.networkDown) {
      this.stats.refused++;
      this.send(FrameKind.Closed, id, Buffer.from([ClosedReason.Refused]));
      return;
    }
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const c: Connection = { socket, open: false, blackholed: false };
    this.connections.set(id, c);
    socket.on('connect', () => {
      if (this.connections.get(id) !== c) return;
      c.open = true;
      this.send(FrameKind.Connected, id);
      this.emit('open', id);
    });
    socket.on('data', (data: Buffer) => {
      if (this.connections.get(id) !== c || c.blackholed) return;
      this.stats.bytesToDevice += data.length;
      for (let off = 0; off < data.length; off += FRAME_MAX_PAYLOAD) {
        this.send(FrameKind.DataIn, id, data.subarray(off, off + FRAME_MAX_PAYLOAD));
      }
    });
    socket.on('error', () => { /* reported by 'close' */ });
    socket.on('close', () => {
      if (this.connections.get(id) !== c || c.blackholed) return;
      this.connections.delete(id);
      if (!c.open) this.stats.refused++;
      this.send(FrameKind.Closed, id, Buffer.from([c.open ? ClosedReason.PeerClosed : ClosedReason.Refused]));
      this.emit('close', id, 'peer');
    });
  }

  private onData(id: number, payload: Buffer): void {
    const c = this.connections.get(id);
    if (!c || c.blackholed) return;
    this.stats.bytesFromDevice += payload.length;
    c.socket.write(Buffer.from(payload));
  }

  // The device closed: confirm with the one closed frame of this connection, after which the
  // device may reuse the socket number. When the bridge already sent it (the peer closed, or a
  // reset cut), the connection is gone and nothing more is sent.
  private onClose(id: number): void {
    const c = this.connections.get(id);
    if (!c) return;
    this.connections.delete(id);
    if (!c.blackholed) {
      c.socket.end();
      this.emit('close', id, 'device');
    }
    this.send(FrameKind.Closed, id, Buffer.from([ClosedReason.PeerClosed]));
  }
}
