// Command-line clients as clients under test: mosquitto_sub/mosquitto_pub and Eclipse Paho C
// (paho_c_sub/paho_c_pub async, paho_cs_sub/paho_cs_pub sync). A "connection" is a subscriber
// process (restarted with every filter so far on each subscribe, with the same client id and
// session flags); each publish is a publisher process of its own.
import { existsSync } from 'node:fs';
import { startProcess, type Proc } from '../peers/proc.js';
import { Inbox, withTimeout, type ClientAdapter, type ConnackInfo, type Connection, type ConnectOptions, type Message, type PublishOptions, type QoS, type V5Properties } from './adapter.js';

interface Flavor {
  name: string;
  sub: string;
  pub: string;
  subArgs(o: ConnectOptions, filters: Array<{ filter: string; qos: QoS }>): string[];
  pubArgs(o: ConnectOptions, id: string, topic: string, payload: Buffer, qos: QoS, po?: PublishOptions): string[];
  /** Feeds one output line of the subscriber; returns what it meant. */
  parse(line: string, st: ParseState): { connack?: number; suback?: number[]; message?: Message } | undefined;
  lacks: ClientAdapter['lacks'];
}

interface ParseState { filter?: string }

const common = (o: ConnectOptions): string[] => ['-h', o.host, '-p', String(o.port), '-k', String(o.keepalive ?? 30)];

const mosquittoFlavor: Flavor = {
  name: 'mosquitto_sub/pub 2.0', sub: 'mosquitto_sub', pub: 'mosquitto_pub',
  subArgs(o, filters) {
    const a = [...common(o), '-i', o.clientId, '-V', o.version === 5 ? 'mqttv5' : 'mqttv311', '-d',
      '-F', '@@MSG|%q|%r|%t|%x|%C|%D|%E|%F|%R|%P'];
    if (!o.clean) a.push('-c');
    if (o.version === 5 && !o.clean) a.push('-x', String(o.sessionExpiry ?? 0));
    for (const f of filters) a.push('-t', f.filter);
    a.push('-q', String(Math.max(...filters.map((f) => f.qos))));
    if (o.will) a.push('--will-topic', o.will.topic, '--will-payload', o.will.payload.toString(), '--will-qos', String(o.will.qos), ...(o.will.retain ? ['--will-retain'] : []));
    return a;
  },
  pubArgs(o, id, topic, payload, qos, po) {
    const a = [...common(o), '-i', id, '-V', o.version === 5 ? 'mqttv5' : 'mqttv311', '-t', topic, '-q', String(qos)];
    if (payload.length) a.push('-m', payload.toString('latin1')); else a.push('-n');
    if (po?.retain) a.push('-r');
    const p = po?.properties;
    if (p && o.version === 5) {
      for (const [k, v] of Object.entries(p.userProperties ?? {})) a.push('-D', 'publish', 'user-property', k, v);
      if (p.contentType !== undefined) a.push('-D', 'publish', 'content-type', p.contentType);
      if (p.responseTopic !== undefined) a.push('-D', 'publish', 'response-topic', p.responseTopic);
      if (p.correlationData !== undefined) a.push('-D', 'publish', 'correlation-data', p.correlationData.toString('latin1'));
      if (p.payloadFormatIndicator !== undefined) a.push('-D', 'publish', 'payload-format-indicator', p.payloadFormatIndicator ? '1' : '0');
      if (p.messageExpiryInterval !== undefined) a.push('-D', 'publish', 'message-expiry-interval', String(p.messageExpiryInterval));
    }
    return a;
  },
  parse(line) {
    let m = /received CONNACK \((\d+)\)/.exec(line);
    if (m) return { connack: Number(m[1]) };
    m = /^Subscribed \(mid: \d+\): (.*)$/.exec(line);
    if (m) return { suback: m[1]!.split(',').map((s) => Number(s.trim())) };
    if (line.startsWith('@MSG|')) {
      const f = line.split('|');
      const props: V5Properties = {};
      if (f[5]) props.contentType = f[5];
      if (f[6]) props.correlationData = Buffer.from(f[6], 'latin1');
      if (f[7]) props.messageExpiryInterval = Number(f[7]);
      if (f[8]) props.payloadFormatIndicator = f[8] === '1';
      if (f[9]) props.responseTopic = f[9];
      if (f[10]) props.userProperties = Object.fromEntries(f.slice(10).join('|').split(' ').map((kv) => { const i = kv.indexOf(':'); return [kv.slice(0, i), kv.slice(i + 1)]; }));
      return { message: { qos: Number(f[1]), retain: f[2] === '1', topic: f[3]!, payload: Buffer.from(f[4]!, 'hex'), properties: props } };
    }
    return undefined;
  },
  lacks: {
    resend: 'a command-line client is one process per connection: there is no connection to resume with unacknowledged publishes',
    'v5-alias': 'mosquitto_pub sends one publish per connection, so a topic alias is never reused',
    'v5-nolocal': 'publisher and subscriber are separate processes, so there is no own message to suppress',
  },
};

function pahoFlavor(kind: 'c' | 'cs'): Flavor {
  return {
    name: kind === 'c' ? 'Paho C async (paho_c_sub/pub)' : 'Paho C sync (paho_cs_sub/pub)',
    sub: `paho_${kind}_sub`, pub: `paho_${kind}_pub`,
    subArgs(o, filters) {
      const f = filters[filters.length - 1]!;
      const a = [...common(o), '-i', o.clientId, '-V', o.version === 5 ? '5' : '311', '--trace', 'protocol', '-t', f.filter, '-q', String(f.qos)];
      if (o.will) a.push('--will-topic', o.will.topic, '--will-payload', o.will.payload.toString(), '--will-qos', String(o.will.qos), ...(o.will.retain ? ['--will-retain'] : []));
      return a;
    },
    pubArgs(o, id, topic, payload, qos, po) {
      const a = [...common(o), '-i', id, '-V', o.version === 5 ? '5' : '311', '-t', topic, '-q', String(qos)];
      if (payload.length) a.push('-m', payload.toString('latin1')); else a.push('-n');
      if (po?.retain) a.push('-r');
      return a;
    },
    parse(line, st) {
      let m = /<- CONNACK rc: (\d+)/.exec(line);
      if (m) return { connack: Number(m[1]) };
      if (/<- SUBACK msgid/.test(line)) return { suback: [] };
      // The subscriber prints the topic only for wildcard filters; the protocol trace has the
      // flags and the (short) payload. Scenario filters are exact topics.
      m = /<- PUBLISH msgid: \d+ qos: (\d) retained: (\d) payload len\((\d+)\): ?(.*)$/.exec(line);
      if (m) return { message: { topic: st.filter ?? '', qos: Number(m[1]), retain: m[2] === '1', payload: Buffer.from(m[4]!.slice(0, Number(m[3])), 'latin1') } };
      return undefined;
    },
    lacks: {
      persistent: `paho_${kind}_sub has no option to connect without a clean session`,
      resend: 'a command-line client is one process per connection: there is no connection to resume with unacknowledged publishes',
      'v5-properties': `paho_${kind}_pub sets only user properties and message expiry, and paho_${kind}_sub prints only user properties`,
      'v5-alias': `paho_${kind}_pub sends one publish per connection, so a topic alias is never reused`,
      'v5-nolocal': 'publisher and subscriber are separate processes, so there is no own message to suppress',
      'v5-session-expiry': `paho_${kind}_sub has no option to connect without a clean session`,
    },
  };
}

function cliAdapter(fl: Flavor): ClientAdapter {
  return {
    name: fl.name,
    versions: [4, 5],
    lacks: fl.lacks,
    async connect(o: ConnectOptions): Promise<Connection> {
      const inbox = new Inbox();
      const filters: Array<{ filter: string; qos: QoS }> = [{ filter: `xsmqtt/cli-idle/${o.clientId}`, qos: 0 }];
      let proc: Proc | undefined;
      let pubCount = 0;
      const pubs = new Set<Proc>();
      // Starts the subscriber with every filter so far; resolves at its CONNACK (and SUBACK).
      const startSub = (): Promise<{ connack: number; suback: number[] }> => {
        // stdbuf: the tools' stdio is block-buffered on a pipe; lines must arrive as they are printed.
        const p = startProcess('stdbuf', ['-oL', '-eL', fl.sub, ...fl.subArgs(o, filters)]);
        proc = p;
        const last = filters[filters.length - 1]!.filter;
        const st: ParseState = { filter: last.startsWith('$share/') ? last.split('/').slice(2).join('/') : last };
        let buf = '';
        let connack: number | undefined;
        return withTimeout(new Promise((resolve, reject) => {
          const onData = (b: Buffer): void => {
            buf += b.toString('latin1');
            let i: number;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i); buf = buf.slice(i + 1);
              const r = fl.parse(line, st);
              if (!r) continue;
              if (r.connack !== undefined) { connack = r.connack; if (connack !== 0) reject(new Error(`CONNACK ${connack}`)); }
              if (r.suback && connack !== undefined) resolve({ connack, suback: r.suback });
              if (r.message) inbox.push(r.message);
            }
          };
          p.child.stdout?.on('data', onData);
          p.child.stderr?.on('data', onData);
          void p.exited.then((code) => reject(new Error(`${fl.sub} exited (${code}) before SUBACK: ${p.output().slice(-300)}`)));
        }), 6000, `${fl.sub} SUBACK`);
      };
      let first: { connack: number; suback: number[] };
      try { first = await startSub(); } catch (e) { await proc?.kill(); throw e; }
      const conn: Connection = {
        connack: { sessionPresent: undefined, reasonCode: first.connack } as ConnackInfo,
        async subscribe(filter, qos) {
          filters.push({ filter, qos });
          await proc?.stop(3000, 'SIGINT');
          const r = await startSub();
          const granted = r.suback[r.suback.length - 1];
          return [granted ?? qos];
        },
        async publish(topic, payload, qos, po) {
          const p = startProcess(fl.pub, fl.pubArgs(o, `${o.clientId}p${++pubCount}`, topic, payload, qos, po));
          pubs.add(p);
          const code = await withTimeout(p.exited, 8000, `${fl.pub}`).finally(() => { void p.stop(1000); pubs.delete(p); });
          if (code !== 0) throw new Error(`${fl.pub} exited ${code}: ${p.output().slice(-300)}`);
          return { ack: qos === 0 ? 'none' : 'unknown' };
        },
        nextMessage: (match, ms) => inbox.next(match, ms),
        received: () => inbox.received(),
        closed: async () => { await proc?.exited; },
        async end() { await proc?.stop(3000, 'SIGINT'); },
        destroy() { void proc?.kill(); for (const p of pubs) void p.kill(); },
        async reconnect() { throw new Error('a command-line client cannot reconnect'); },
      };
      return conn;
    },
  };
}

export function cliMissing(bins: string[], pkg: string): string | null {
  for (const b of bins) if (!['/usr/bin', '/usr/local/bin'].some((d) => existsSync(`${d}/${b}`))) return `${b} is not installed (Debian package ${pkg})`;
  return null;
}

export const mosquittoCliAdapter = cliAdapter(mosquittoFlavor);
export const pahoCAsyncAdapter = cliAdapter(pahoFlavor('c'));
export const pahoCSyncAdapter = cliAdapter(pahoFlavor('cs'));
