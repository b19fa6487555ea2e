// Programmatic API: startBroker(options) listens on TCP (and optionally TLS and WebSocket)
// and returns the ports and a close(). Tests and the host simulator start it in-process.
import { createServer as createNetServer, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createHttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Broker, BrokerOptions } from './broker.js';
import { openStore } from './store.js';
import { Bridge } from './bridge.js';
import type { BridgeConfig } from './bridge-config.js';

export { Broker, Connection, Session } from './broker.js';
export { RealClock, VirtualClock } from './clock.js';
export type { BrokerClock, Timer } from './clock.js';
export { StreamLink } from './link.js';
export type { ByteTap, Link, LinkPeer } from './link.js';
export type { BrokerOptions, Message } from './broker.js';
export type { BrokerStats } from './stats.js';
export { parseFaultSpec, makeFault } from './faults.js';
export { parseConfig, loadConfig, ConfigError } from './config.js';
export { Acl, PasswordFile, addUser, hashPassword } from './auth.js';
export { MemoryStore, SqliteStore, openStore } from './store.js';
export type { Store } from './store.js';
export type { LimitOptions, SessionQuota } from './limits.js';
export { Bridge } from './bridge.js';
export { parseBridgeSpec } from './bridge-config.js';
export type { BridgeConfig, BridgeTopic } from './bridge-config.js';

export interface ListenOptions extends BrokerOptions {
  /** TCP port (0: any free port); default 1883. null: no TCP listener. */
  port?: number | null;
  /** Address to listen on; default 127.0.0.1 (loopback). */
  host?: string;
  tlsPort?: number | null;
  cert?: string;
  key?: string;
  cafile?: string;
  requireCertificate?: boolean;
  wsPort?: number | null;
  /** The bench console's HTTP port (0: any free port), on `host`; null or absent: none. */
  consolePort?: number | null;
  /** SQLite file keeping retained messages and persistent sessions across restarts (`--store`); default none. */
  storeFile?: string | null;
  /** Bridges to other brokers (`--bridge`, `connection` sections), started once the listeners are up. */
  bridges?: BridgeConfig[];
}

export interface RunningBroker {
  broker: Broker;
  port: number;
  tlsPort: number;
  wsPort: number;
  host: string;
  bridges: Bridge[];
  /** The bench console's address (http://host:port/), or null. */
  consoleUrl: string | null;
  close(): Promise<void>;
}

function listen(server: Server | ReturnType<typeof createHttpServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startBroker(options: ListenOptions = {}): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  const broker = new Broker(options.storeFile ? { ...options, store: openStore(options.storeFile) } : options);
  const servers: { close(cb: () => void): void }[] = [];
  let port = -1;
  let tlsPort = -1;
  let wsPort = -1;
  let consoleUrl: string | null = null;
  const onSocket = (label: string) => (s: Socket) => {
    s.setNoDelay(true);
    broker.accept(s, label);
  };
  try {
    if (options.port !== null) {
      const server = createNetServer(onSocket('tcp'));
      servers.push(server);
      port = await listen(server, options.port ?? 1883, host);
    }
    if (options.tlsPort !== undefined && options.tlsPort !== null) {
      if (!options.cert || !options.key) throw new Error('a TLS listener needs --cert and --key');
      const server = createTlsServer({
        cert: readFileSync(options.cert),
        key: readFileSync(options.key),
        ca: options.cafile ? readFileSync(options.cafile) : undefined,
        requestCert: options.requireCertificate ?? false,
        rejectUnauthorized: options.requireCertificate ?? false,
      }, (s) => broker.accept(s, 'tls'));
      servers.push(server);
      tlsPort = await listen(server as unknown as Server, options.tlsPort, host);
    }
    if (options.wsPort !== undefined && options.wsPort !== null) {
      const http = createHttpServer((_req, res) => {
        res.writeHead(426);
        res.end('MQTT over WebSocket only\n');
      });
      // Loaded only when a WebSocket listener is asked for.
      const { WebSocketServer, createWebSocketStream } = await import('ws');
      const wss = new WebSocketServer({
        server: http,
        handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
      });
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        broker.accept(stream, 'ws', req.socket.remoteAddress ?? '');
      });
      servers.push({ close: (cb) => { for (const c of wss.clients) c.terminate(); wss.close(); http.close(cb); } });
      wsPort = await listen(http, options.wsPort, host);
    }
    if (options.consolePort !== undefined && options.consolePort !== null) {
      // Loaded only when the console is asked for.
      const { startConsole } = await import('../console/server.js');
      const running = await startConsole(broker, { port: options.consolePort, host });
      consoleUrl = running.url;
      servers.push({ close: (cb) => { void running.close().then(cb); } });
    }
  } catch (e) {
    broker.close();
    for (const s of servers) s.close(() => undefined);
    throw e;
  }
  const bridges: Bridge[] = [];
  try {
    for (const c of options.bridges ?? []) {
      const b = new Bridge(broker, c);
      b.start();
      bridges.push(b);
    }
  } catch (e) {
    await Promise.all(bridges.map((b) => b.stop()));
    broker.close();
    for (const s of servers) s.close(() => undefined);
    throw e;
  }
  return {
    broker, port, tlsPort, wsPort, host, bridges, consoleUrl,
    close: async () => {
      await Promise.all(bridges.map((b) => b.stop()));
      broker.close();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
