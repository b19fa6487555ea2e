// The console's HTTP server: the page, its history as JSON, a client's timeline as JSON lines
// or pcapng, and MQTT over WebSocket at /mqtt (the page's own connection to the broker).
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Broker } from '../broker/broker.js';
import { PAGE_HTML, pageScript } from './page.js';
import { writePcapng } from './pcapng.js';
import { Recorder } from './recorder.js';

export interface ConsoleOptions {
  /** 0: any free port. */
  port: number;
  /** Default 127.0.0.1: the console commands faults, so it stays on loopback unless asked. */
  host?: string;
}

export interface RunningConsole {
  port: number;
  url: string;
  recorder: Recorder;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, file?: string): void {
  const headers: Record<string, string> = { 'content-type': type, 'cache-control': 'no-store' };
  if (file) headers['content-disposition'] = `attachment; filename="${file}"`;
  res.writeHead(status, headers);
  res.end(body);
}

/** The path of a request's URL; '' when it does not parse. */
function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://console').pathname;
  } catch {
    return '';
  }
}

/** A file name made of a client id's safe characters. */
const fileSafe = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_') || 'client';

function route(rec: Recorder, script: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://console');
  const client = url.searchParams.get('client') ?? '';
  switch (url.pathname) {
    case '/': return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
    case '/console.js': return send(res, 200, 'text/javascript; charset=utf-8', script);
    case '/api/fleet': return send(res, 200, 'application/json', JSON.stringify(rec.fleet.samples));
    case '/api/clients': return send(res, 200, 'application/json', JSON.stringify(rec.timelines.clients()));
    case '/api/timeline': return send(res, 200, 'application/json', JSON.stringify(rec.timelines.of(client)));
    case '/api/timeline.jsonl':
      return send(res, 200, 'application/x-ndjson', rec.timelines.of(client).map((r) => JSON.stringify(r) + '\n').join(''), `${fileSafe(client)}.jsonl`);
    case '/api/capture.pcapng':
      return send(res, 200, 'application/vnd.tcpdump.pcap', writePcapng(rec.capture.streamsOf(client)), `${fileSafe(client)}.pcapng`);
    default: return send(res, 404, 'text/plain', 'not found\n');
  }
}

/** Serves the console for a broker; the broker's trace and bytes are recorded from now on. */
export async function startConsole(broker: Broker, o: ConsoleOptions): Promise<RunningConsole> {
  const host = o.host ?? '127.0.0.1';
  const script = await pageScript();
  const recorder = new Recorder(broker);
  const http = createServer((req, res) => {
    // A bad request (an unparsable URL, say) is answered, never a crash of the broker.
    try {
      route(recorder, script, req, res);
    } catch (e) {
      if (!res.headersSent) send(res, 400, 'text/plain', `${(e as Error).message}\n`);
      else res.destroy();
    }
  });
  const { WebSocketServer, createWebSocketStream } = await import('ws');
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathOf(req.url) !== '/mqtt') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      broker.accept(createWebSocketStream(ws), 'console', req.socket.remoteAddress ?? '');
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, host, () => resolve((http.address() as AddressInfo).port));
  }).catch((e: unknown) => {
    recorder.stop();
    throw e;
  });
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    port, url: `http://${shown}:${port}/`, recorder,
    close: () => new Promise<void>((resolve) => {
      recorder.stop();
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      http.close(() => resolve());
    }),
  };
}
