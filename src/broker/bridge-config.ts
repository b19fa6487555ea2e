// A bridge's settings in mosquitto's model: a `connection` section of a config file, or one
// `--bridge NAME:key=value,...` flag, read by the same key table.
import { hostname } from 'node:os';

export type Direction = 'in' | 'out' | 'both';

/** One `topic PATTERN [in|out|both] [QOS] [LOCAL-PREFIX REMOTE-PREFIX]` line. */
export interface BridgeTopic {
  pattern: string;
  direction: Direction;
  qos: 0 | 1 | 2;
  localPrefix: string;
  remotePrefix: string;
}

export interface BridgeAddress {
  host: string;
  port: number;
}

export interface BridgeConfig {
  name: string;
  addresses: BridgeAddress[];
  topics: BridgeTopic[];
  /** The remote session: false (mosquitto's default) keeps it, and what it queued, across reconnects. */
  cleanSession: boolean;
  /** The bridge's session on this broker; cleanSession's value unless set. */
  localCleanSession: boolean;
  remoteClientId: string;
  localClientId: string;
  /** 3 (mqttv31), 4 (mqttv311, the default) or 5 (mqttv50). */
  protocolVersion: 3 | 4 | 5;
  /** 3.1/3.1.1: CONNECT's protocol level with 0x80 set, mosquitto's mark of a bridge (no echo, retain kept). */
  tryPrivate: boolean;
  /** Reconnect back-off, seconds: from base up to cap with jitter, or constant when jitter is false. */
  restartBase: number;
  restartCap: number;
  restartJitter: boolean;
  keepAlive: number;
  remoteUsername?: string;
  remotePassword?: string;
  localUsername?: string;
  localPassword?: string;
  /** Retained "1"/"0" on this broker when the bridge connects and disconnects. */
  notifications: boolean;
  notificationTopic: string;
}

/** The bridge keys xsmqtt honours (mosquitto's names); `clientid` is mosquitto's old remote_clientid. */
export const BRIDGE_KEYS = [
  'address', 'addresses', 'topic', 'cleansession', 'local_cleansession', 'remote_clientid', 'clientid', 'local_clientid',
  'bridge_protocol_version', 'try_private', 'restart_timeout', 'keepalive_interval', 'remote_username', 'remote_password',
  'local_username', 'local_password', 'notifications', 'notification_topic', 'notifications_local_only', 'round_robin', 'start_type',
];

/** mosquitto bridge keys xsmqtt does not honour (TLS and PSK to the remote, lazy starts, limits). */
export const BRIDGE_REFUSED = 'bridge_alpn bridge_attempt_unsubscribe bridge_bind_address bridge_cafile bridge_capath bridge_certfile bridge_identity bridge_insecure bridge_keyfile bridge_max_packet_size bridge_outgoing_retain bridge_psk bridge_require_ocsp bridge_tls_version idle_timeout threshold';

const VERSIONS: Record<string, 3 | 4 | 5> = { mqttv31: 3, mqttv311: 4, mqttv50: 5 };
const DIRECTIONS = ['in', 'out', 'both'];

function bool(key: string, value: string): boolean {
  if (value !== 'true' && value !== 'false') throw new Error(`${key} takes true or false, not '${value}'`);
  return value === 'true';
}

function seconds(key: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > 65535) throw new Error(`${key}: invalid number of seconds '${text}' (${min} to 65535)`);
  return Number(text);
}

/** mosquitto's words: whitespace-separated, `""` an empty one. */
function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '').map((w) => (w === '""' ? '' : w));
}

function parseAddress(text: string): BridgeAddress {
  const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d+))?$/.exec(text);
  if (m === null) throw new Error(`address: invalid address '${text}' (HOST[:PORT])`);
  const port = m[2] === undefined ? 1883 : Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`address: invalid port in '${text}'`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** mosquitto's topic line: the pattern may be "" only when a prefix gives the topic. */
export function parseBridgeTopic(text: string): BridgeTopic {
  const w = words(text);
  if (w.length === 0 || w.length === 4 || w.length > 5) throw new Error(`topic takes PATTERN [in|out|both] [QOS] [LOCAL-PREFIX REMOTE-PREFIX], not '${text}'`);
  const direction = (w[1] ?? 'out') as Direction;
  if (!DIRECTIONS.includes(direction)) throw new Error(`topic: direction in, out or both, not '${w[1]}'`);
  const qos = Number(w[2] ?? '0');
  if (!/^[012]$/.test(w[2] ?? '0')) throw new Error(`topic: QoS 0, 1 or 2, not '${w[2]}'`);
  const t: BridgeTopic = { pattern: w[0], direction, qos: qos as 0 | 1 | 2, localPrefix: w[3] ?? '', remotePrefix: w[4] ?? '' };
  if (t.pattern === '' && t.localPrefix === '' && t.remotePrefix === '') throw new Error('topic: an empty pattern needs a prefix');
  for (const p of [t.localPrefix, t.remotePrefix]) if (/[+#]/.test(p)) throw new Error(`topic: a prefix holds no wildcard ('${p}')`);
  return t;
}

/** A bridge being read, key by key; finish() checks it whole. */
export class BridgeSection {
  private readonly c: Partial<BridgeConfig> & { topics: BridgeTopic[]; addresses: BridgeAddress[] };

  constructor(readonly name: string) {
    if (!/^[^\s/+#:,]+$/.test(name)) throw new Error(`connection: invalid bridge name '${name}'`);
    this.c = { name, topics: [], addresses: [] };
  }

  /** One key; throws with a one-line message on a bad value. */
  set(key: string, value: string): void {
    const c = this.c;
    switch (key) {
      case 'address': case 'addresses': c.addresses.push(...words(value).map(parseAddress)); return;
      case 'topic': c.topics.push(parseBridgeTopic(value)); return;
      case 'cleansession': c.cleanSession = bool(key, value); return;
      case 'local_cleansession': c.localCleanSession = bool(key, value); return;
      case 'remote_clientid': case 'clientid': c.remoteClientId = value; return;
      case 'local_clientid': c.localClientId = value; return;
      case 'bridge_protocol_version':
        if (VERSIONS[value] === undefined) throw new Error(`bridge_protocol_version takes mqttv31, mqttv311 or mqttv50, not '${value}'`);
        c.protocolVersion = VERSIONS[value];
        return;
      case 'try_private': c.tryPrivate = bool(key, value); return;
      case 'restart_timeout': {
        const w = words(value);
        if (w.length < 1 || w.length > 2) throw new Error('restart_timeout takes BASE CAP or CONSTANT');
        c.restartBase = seconds(key, w[0], 1);
        c.restartCap = seconds(key, w[1] ?? w[0], c.restartBase);
        c.restartJitter = w.length === 2;
        return;
      }
      case 'keepalive_interval': c.keepAlive = seconds(key, value, 0); return;
      case 'remote_username': c.remoteUsername = value; return;
      case 'remote_password': c.remotePassword = value; return;
      case 'local_username': c.localUsername = value; return;
      case 'local_password': c.localPassword = value; return;
      case 'notifications': c.notifications = bool(key, value); return;
      case 'notification_topic': c.notificationTopic = value; return;
      case 'notifications_local_only':
        if (!bool(key, value)) throw new Error('notifications_local_only false is not supported: xsmqtt\'s notifications are local only');
        return;
      case 'round_robin': bool(key, value); return;
      case 'start_type':
        if (value !== 'automatic') throw new Error(`start_type ${value} is not supported: xsmqtt's bridges start automatically`);
        return;
    }
    if (BRIDGE_REFUSED.split(' ').includes(key)) throw new Error(`mosquitto's ${key} cannot be used: not supported by xsmqtt's bridges`);
    throw new Error(`unknown bridge key '${key}'`);
  }

  finish(): BridgeConfig {
    const c = this.c;
    if (c.addresses.length === 0) throw new Error(`connection ${this.name} has no address`);
    if (c.topics.length === 0) throw new Error(`connection ${this.name} has no topic`);
    const clean = c.cleanSession ?? false;
    const remoteClientId = c.remoteClientId ?? `${hostname()}.${this.name}`;
    const base = c.restartBase ?? 5;
    return {
      name: this.name, addresses: c.addresses, topics: c.topics,
      cleanSession: clean, localCleanSession: c.localCleanSession ?? clean,
      remoteClientId, localClientId: c.localClientId ?? `local.${remoteClientId}`,
      protocolVersion: c.protocolVersion ?? 4, tryPrivate: c.tryPrivate ?? true,
      restartBase: base, restartCap: c.restartCap ?? (c.restartBase === undefined ? 30 : base), restartJitter: c.restartJitter ?? true,
      keepAlive: c.keepAlive ?? 60,
      remoteUsername: c.remoteUsername, remotePassword: c.remotePassword, localUsername: c.localUsername, localPassword: c.localPassword,
      notifications: c.notifications ?? true, notificationTopic: c.notificationTopic ?? `$SYS/broker/connection/${remoteClientId}/state`,
    };
  }
}

/** `NAME:key=value,key=value,...` (a comma inside a value written `\,`), as `--bridge` takes it. */
export function parseBridgeSpec(spec: string): BridgeConfig {
  const colon = spec.indexOf(':');
  if (colon <= 0) throw new Error(`bridge '${spec}': expected NAME:key=value,...`);
  const section = new BridgeSection(spec.slice(0, colon));
  for (const part of spec.slice(colon + 1).split(/(?<!\\),/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`bridge '${spec}': expected key=value, got '${part}'`);
    section.set(part.slice(0, eq), part.slice(eq + 1).replace(/\\,/g, ','));
  }
  return section.finish();
}

/** The spec a config file's section stands for, so that file and flag share one setting. */
export function bridgeSpec(name: string, lines: [string, string][]): string {
  return `${name}:${lines.map(([k, v]) => `${k}=${v.replace(/,/g, '\\,')}`).join(',')}`;
}
