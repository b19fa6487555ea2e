// The "client under test" as the matrix sees it: a small adapter over any MQTT client
// (MQTT.js, xsmqtt's Node client, Paho Python behind a driver script, command-line tools).

export type Version = 4 | 5;
export type QoS = 0 | 1 | 2;

export interface V5Properties {
  userProperties?: Record<string, string>;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
}

export interface Will { topic: string; payload: Buffer; qos: QoS; retain?: boolean }

export interface ConnectOptions {
  host: string;
  port: number;
  clientId: string;
  version: Version;
  /** 3.1.1 Clean Session; v5 Clean Start (a persistent v5 session also gets sessionExpiry). */
  clean: boolean;
  /** v5 Session Expiry Interval in seconds (0 when absent). */
  sessionExpiry?: number;
  keepalive?: number;
  will?: Will;
}

export interface Message {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  properties?: V5Properties;
}

export interface ConnackInfo {
  /** undefined when the client does not report it (command-line tools). */
  sessionPresent: boolean | undefined;
  reasonCode: number;
  topicAliasMaximum?: number;
}

export interface PublishResult {
  /** The packet that completed the publish: 'none' for QoS 0. */
  ack: 'none' | 'puback' | 'pubrec' | 'pubcomp' | 'unknown';
  reasonCode?: number;
}

export interface PublishOptions {
  retain?: boolean;
  properties?: V5Properties;
  /** v5: send this Topic Alias with the topic (the adapter may send the alias alone the next time). */
  topicAlias?: number;
}

export interface Connection {
  connack: ConnackInfo;
  /** Granted QoS (or v5 reason code >= 0x80) per filter. */
  subscribe(filter: string, qos: QoS, opts?: { noLocal?: boolean }): Promise<number[]>;
  /** Resolves when the publish is complete for its QoS (PUBACK / PUBCOMP), also across a reconnect. */
  publish(topic: string, payload: Buffer, qos: QoS, opts?: PublishOptions): Promise<PublishResult>;
  /** The first message received (and not yet taken) that matches, waiting at most `ms`. */
  nextMessage(match: (m: Message) => boolean, ms: number): Promise<Message>;
  /** Every message received so far, taken or not. */
  received(): Message[];
  /** Resolves when the network connection has gone (for whatever reason). */
  closed(): Promise<void>;
  /** Graceful DISCONNECT and close. */
  end(): Promise<void>;
  /** Abrupt close: no DISCONNECT (the broker must send the will). */
  destroy(): void;
  /** After a lost connection: connect again with the same options and session, resending
   *  unacknowledged QoS 1/2 publishes. */
  reconnect(): Promise<ConnackInfo>;
}

export type Feature =
  | 'connect' | 'persistent' | 'qos0' | 'qos1' | 'qos2' | 'retained' | 'will' | 'resend'
  | 'v5-properties' | 'v5-alias' | 'v5-nolocal' | 'v5-shared' | 'v5-session-expiry';

export interface ClientAdapter {
  name: string;
  versions: Version[];
  connect(opts: ConnectOptions): Promise<Connection>;
  /** Features this client cannot exercise at all, with the reason (shown as n/a). */
  lacks?: Partial<Record<Feature, string>>;
  /** Deviation key -> what this client does that the spec does not (see scenarios.ts). */
  deviations?: Record<string, string>;
}

/** A FIFO of received messages with waiters; shared by the adapters. */
export class Inbox {
  private all: Message[] = [];
  private untaken: Message[] = [];
  private waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];

  push(m: Message): void {
    this.all.push(m);
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i >= 0) { const [w] = this.waiters.splice(i, 1); w!.resolve(m); return; }
    this.untaken.push(m);
  }

  received(): Message[] { return this.all.slice(); }

  next(match: (m: Message) => boolean, ms: number, what = 'message'): Promise<Message> {
    const i = this.untaken.findIndex(match);
    if (i >= 0) { const [m] = this.untaken.splice(i, 1); return Promise.resolve(m!); }
    return new Promise((resolve, reject) => {
      const w = {
        match,
        resolve: (m: Message) => { clearTimeout(timer); resolve(m); },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no ${what} within ${ms} ms (received: ${this.all.map((m) => `${m.topic}=${m.payload.toString()}`).join(', ') || 'nothing'})`));
      }, ms);
      this.waiters.push(w);
    });
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}
