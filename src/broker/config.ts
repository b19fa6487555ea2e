// mosquitto.conf-style settings for `xsmqtt broker -c FILE`: one `key value` a line, `#` comments.
// Each line becomes the setting a flag gives (settings.ts), so one table serves flags and file.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Acl, PasswordFile } from './auth.js';
import type { ListenOptions } from './index.js';
import { BRIDGE_KEYS, BRIDGE_REFUSED, BridgeSection, bridgeSpec } from './bridge-config.js';
import { NO_PORT, settingsToOptions, SPECS, VALUE_PARSERS } from './settings.js';
import { ParsedArgs, parseOptions, type OptionSpec } from '../node/cli/args.js';

/** A config file that cannot be read or asks what xsmqtt cannot do; the message is one line, `FILE:LINE: ...`. */
export class ConfigError extends Error {}

/** mosquitto's names for settings it shares with xsmqtt; any other key is the flag's long name with underscores. */
const MOSQUITTO_NAMES: Record<string, string> = {
  maxInflight: 'max_inflight_messages', maxQueued: 'max_queued_messages', maxKeepAlive: 'max_keepalive', topicAliasMaximum: 'max_topic_alias',
};

/** Flags a file sets otherwise: listener blocks (listener, port, bind_address, protocol, certfile...) and log_type. */
const NOT_KEYS = ['help', 'config', 'bridge', 'port', 'host', 'tlsPort', 'cert', 'key', 'cafile', 'requireCertificate', 'wsPort', 'verbose'];

/** Each plain key and the flag it stands for, renamed so that value errors name the key. */
export const KEYS = new Map<string, OptionSpec>(SPECS.filter((o) => !NOT_KEYS.includes(o.name)).map((o) => {
  const key = MOSQUITTO_NAMES[o.name] ?? o.long!.slice(2).replace(/-/g, '_');
  return [key, { ...o, short: undefined, long: key }];
}));

/** Values of file names, resolved against the file's directory. */
const PATH_VALUES = ['F', 'FILE'];

/** mosquitto's special values in xsmqtt's terms; null: the default. */
const MOSQUITTO_VALUES: Record<string, Record<string, string | null>> = {
  max_connections: { '-1': null },
  // "No maximum": the client's Receive Maximum (at most 65535) is then the bound.
  max_inflight_messages: { '0': '65535' },
  max_queued_messages: { '0': String(Number.MAX_SAFE_INTEGER) },
  max_packet_size: { '0': null },
};

/** Set per listener in mosquitto, once for every listener in xsmqtt. */
const PER_LISTENER = ['max_connections', 'max_topic_alias'];

/** mosquitto settings xsmqtt honours only at the value it always has. */
const FIXED: Record<string, string> = {
  per_listener_settings: 'false', log_dest: 'stderr', log_timestamp: 'true', max_qos: '2', retain_available: 'true',
};

const LOG_TYPES = ['debug', 'error', 'warning', 'notice', 'information', 'subscribe', 'unsubscribe', 'websockets', 'none', 'all'];

/** mosquitto settings xsmqtt cannot honour, by reason; `name*` stands for a prefix. */
const REFUSED: [string, string][] = [
  ['not supported by xsmqtt\'s bridges', BRIDGE_REFUSED],
  ['plugins are not supported', 'plugin plugin_opt_* auth_plugin auth_opt_* auth_plugin_deny_special_chars global_plugin'],
  ['TLS-PSK is not supported', 'psk_file psk_hint'],
  ['it limits the payload, not the packet (max_packet_size limits the packet)', 'message_size_limit'],
  ['it expires 3.1.1 sessions, which xsmqtt keeps until cleaned (max_session_expiry caps MQTT 5 expiry)', 'persistent_client_expiration'],
  ['not supported by xsmqtt', 'allow_duplicate_messages allow_zero_length_clientid auto_id_prefix autosave_interval autosave_on_changes check_retain_source clientid_prefixes connection_messages include_dir log_facility log_timestamp_format max_inflight_bytes max_queued_bytes memory_limit pid_file queue_qos0_messages set_tcp_nodelay upgrade_outgoing_qos user bind_interface http_dir mount_point socket_domain use_username_as_clientid websockets_log_level websockets_headers_size capath ciphers ciphers_tls1.3 crlfile dhparamfile tls_engine tls_engine_kpass_sha1 tls_keyform tls_version use_identity_as_username use_subject_as_username'],
];

function refusal(key: string): string | null {
  for (const [why, keys] of REFUSED) {
    for (const k of keys.split(' ')) if (k.endsWith('*') ? key.startsWith(k.slice(0, -1)) : key === k) return why;
  }
  return null;
}

/** A mosquitto listener; without an address it listens on every IPv4 interface. */
interface Listener {
  line: number; port: string; host: string; websockets: boolean;
  cert?: string; key?: string; cafile?: string; requireCertificate?: string;
}

const EVERY_INTERFACE = '0.0.0.0';
const KIND_NAMES: Record<string, string> = { port: 'TCP', tlsPort: 'TLS', wsPort: 'WebSocket' };
const PORT_SPEC = SPECS.find((o) => o.name === 'port')!;

/** One more value of a setting: the last counts, or all of a repeatable one, as with flags. */
function add(out: ParsedArgs, name: string, value: string): void {
  const list = out.seen.get(name);
  if (list === undefined) out.seen.set(name, [[value]]);
  else list.push([value]);
}

/** Reads a file's lines into settings; `fail` throws for a line. */
class ConfigReader {
  readonly out = new ParsedArgs();
  private readonly dir: string;
  private listeners: Listener[] = [];
  /** mosquitto's default listener, made by `port` or `bind_address`. */
  private fallback: Listener | null = null;
  private persistence = { line: 0, on: false, location: '.', file: 'mosquitto.db' };
  private perListener = new Map<string, [string, number]>();
  /** The bridge a `connection` line opened: its keys follow it, as in mosquitto. */
  private bridge: { line: number; section: BridgeSection; lines: [string, string][] } | null = null;

  constructor(private readonly file: string) {
    this.dir = dirname(resolve(file));
  }

  private fail(line: number, message: string): never {
    throw new ConfigError(`${this.file}:${line}: ${message}`);
  }

  /** A value checked as the flag checks it (a UsageError names the key). */
  private checked(line: number, spec: OptionSpec, value: string): string {
    try {
      parseOptions([spec], [spec.long!, value]);
      if (VALUE_PARSERS[spec.name]) VALUE_PARSERS[spec.name](value);
    } catch (e) {
      this.fail(line, `${spec.long}: ${(e as Error).message.replace(`for ${spec.long} `, '')}`);
    }
    return PATH_VALUES.includes(spec.values?.[0] ?? '') ? resolve(this.dir, value) : value;
  }

  private bool(line: number, key: string, value: string): string {
    if (value !== 'true' && value !== 'false') this.fail(line, `${key} takes true or false, not '${value}'`);
    return value;
  }

  private defaultListener(line: number): Listener {
    return (this.fallback ??= { line, port: '1883', host: EVERY_INTERFACE, websockets: false });
  }

  /** The listener a listener setting applies to: the last one, else the default one. */
  private current(line: number): Listener {
    return this.listeners[this.listeners.length - 1] ?? this.defaultListener(line);
  }

  read(n: number, key: string, value: string): void {
    const why = refusal(key);
    if (why !== null) this.fail(n, `mosquitto's ${key} cannot be used: ${why}`);
    if (value === '') this.fail(n, `${key} needs a value`);
    if (key === 'connection' || BRIDGE_KEYS.includes(key)) return this.readBridge(n, key, value);
    switch (key) {
      case 'listener': {
        const [port, host, extra] = value.split(/\s+/);
        if (extra !== undefined) this.fail(n, 'listener takes PORT [ADDRESS]');
        if (host?.startsWith('/')) this.fail(n, 'unix socket listeners are not supported');
        this.listeners.push({ line: n, port: this.checked(n, { ...PORT_SPEC, long: key }, port), host: host ?? EVERY_INTERFACE, websockets: false });
        return;
      }
      case 'port': this.defaultListener(n).port = this.checked(n, { ...PORT_SPEC, long: key }, value); return;
      case 'bind_address': this.defaultListener(n).host = value; return;
      case 'protocol':
        if (value !== 'mqtt' && value !== 'websockets') this.fail(n, `protocol takes mqtt or websockets, not '${value}'`);
        this.current(n).websockets = value === 'websockets';
        return;
      case 'certfile': this.current(n).cert = resolve(this.dir, value); return;
      case 'keyfile': this.current(n).key = resolve(this.dir, value); return;
      case 'cafile': this.current(n).cafile = resolve(this.dir, value); return;
      case 'require_certificate': this.current(n).requireCertificate = this.bool(n, key, value); return;
      case 'persistence': this.persistence = { ...this.persistence, line: n, on: this.bool(n, key, value) === 'true' }; return;
      case 'persistence_file': this.persistence.file = value; return;
      case 'persistence_location': this.persistence.location = value; return;
      case 'log_type':
        if (!LOG_TYPES.includes(value)) this.fail(n, `log_type takes one of ${LOG_TYPES.join(', ')}, not '${value}'`);
        // xsmqtt's log has one level (connections and errors): any type but none turns it on.
        if (value !== 'none') add(this.out, 'verbose', 'true');
        return;
    }
    if (FIXED[key] !== undefined) {
      if (value !== FIXED[key]) this.fail(n, `${key} ${value} is not supported: xsmqtt always has ${key} ${FIXED[key]}`);
      return;
    }
    const spec = KEYS.get(key);
    if (spec === undefined) this.fail(n, `unknown key '${key}'`);
    const special = MOSQUITTO_VALUES[key]?.[value];
    if (special === null) return;
    const v = special ?? value;
    if (key === 'max_packet_size' && /^\d+$/.test(v) && Number(v) < 20) this.fail(n, 'max_packet_size below 20 bytes is refused, as mosquitto does');
    if (PER_LISTENER.includes(key)) {
      const [before, at] = this.perListener.get(key) ?? [v, n];
      if (before !== v) this.fail(n, `${key} ${value} after ${before} at line ${at}: mosquitto sets it per listener, xsmqtt once for all`);
      this.perListener.set(key, [v, at]);
    }
    add(this.out, spec.name, spec.values === undefined ? this.bool(n, key, v) : this.checked(n, spec, v));
  }

  /** A bridge key: `connection NAME` starts a section (and ends the one before), the others fill it. */
  private readBridge(n: number, key: string, value: string): void {
    try {
      if (key === 'connection') {
        this.finishBridge();
        this.bridge = { line: n, section: new BridgeSection(value), lines: [] };
        return;
      }
      if (this.bridge === null) this.fail(n, `${key} outside a connection section`);
      this.bridge.section.set(key, value);
      this.bridge.lines.push([key, value]);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      this.fail(n, (e as Error).message);
    }
  }

  /** The open bridge checked whole (a missing address or topic names its `connection` line) and kept as a --bridge value. */
  private finishBridge(): void {
    const b = this.bridge;
    if (b === null) return;
    this.bridge = null;
    try {
      b.section.finish();
    } catch (e) {
      this.fail(b.line, (e as Error).message);
    }
    add(this.out, 'bridge', bridgeSpec(b.section.name, b.lines));
  }

  /** The listeners as xsmqtt's: one each of TCP, TLS and WebSocket, on one address. */
  private finishListeners(): void {
    const all = [...(this.fallback ? [this.fallback] : []), ...this.listeners].sort((a, b) => a.line - b.line);
    if (all.length === 0) return;
    const taken = new Set<string>();
    for (const l of all) {
      const tls = l.cert !== undefined || l.key !== undefined || l.cafile !== undefined || l.requireCertificate === 'true';
      if (tls && l.websockets) this.fail(l.line, 'WebSocket over TLS is not supported');
      if (tls && (l.cert === undefined || l.key === undefined)) this.fail(l.line, 'a TLS listener needs certfile and keyfile');
      if (l.requireCertificate === 'true' && l.cafile === undefined) this.fail(l.line, 'require_certificate needs cafile');
      if (l.host !== all[0].host) this.fail(l.line, `listener on ${l.host} after one on ${all[0].host}: xsmqtt's listeners share one address`);
      const kind = tls ? 'tlsPort' : l.websockets ? 'wsPort' : 'port';
      if (taken.has(kind)) this.fail(l.line, `a second ${KIND_NAMES[kind]} listener: xsmqtt has one each of TCP, TLS and WebSocket`);
      taken.add(kind);
      add(this.out, kind, l.port);
      if (!tls) continue;
      add(this.out, 'cert', l.cert!);
      add(this.out, 'key', l.key!);
      if (l.cafile !== undefined) add(this.out, 'cafile', l.cafile);
      if (l.requireCertificate === 'true') add(this.out, 'requireCertificate', 'true');
    }
    add(this.out, 'host', all[0].host);
    if (!taken.has('port')) add(this.out, 'port', NO_PORT);
    // mosquitto 2: a file that defines a listener turns anonymous access off unless it allows it.
    if (!this.out.has('allowAnonymous')) add(this.out, 'allowAnonymous', 'false');
  }

  finish(): ParsedArgs {
    this.finishBridge();
    this.finishListeners();
    const p = this.persistence;
    if (p.on && this.out.has('store')) this.fail(p.line, 'persistence and store both name the store: give one');
    if (p.on) add(this.out, 'store', resolve(this.dir, p.location, p.file));
    return this.out;
  }
}

/** The settings a config file gives, named as the flags'; paths resolved against its directory. */
export function configSettings(text: string, file: string): ParsedArgs {
  const reader = new ConfigReader(file);
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const space = line.search(/\s/);
    reader.read(i + 1, space < 0 ? line : line.slice(0, space), space < 0 ? '' : line.slice(space).trim());
  });
  return reader.finish();
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function loadConfigSettings(path: string): ParsedArgs {
  return configSettings(readText(path), path);
}

/**
 * The options a config file gives startBroker, its password and ACL files loaded. log_type,
 * trace and trace_file are the command's output, not options: only `xsmqtt broker -c` reads them.
 */
export function parseConfig(text: string, file: string): ListenOptions {
  const s = settingsToOptions(configSettings(text, file));
  try {
    if (s.passwordFile) s.options.passwords = PasswordFile.load(s.passwordFile);
    if (s.aclFile) s.options.acl = Acl.load(s.aclFile);
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  return s.options;
}

export function loadConfig(path: string): ListenOptions {
  return parseConfig(readText(path), path);
}
