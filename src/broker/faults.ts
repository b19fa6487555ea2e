// Fault injection: rules that make the broker misbehave on purpose towards chosen clients,
// set from `--fault SPEC` flags or at runtime by an authorised bench client publishing to
// `$bench/fault/<kind>` (see README.md). Every rule names a client-id pattern ('*' and '?'
// wildcards), may fire a limited number of times, and is reported each time it fires.

export type FaultKind =
  | 'close' // close the connection now (runtime) or after `after` packets from the client
  | 'drop' // do not send the ack named by `packet` (puback, pubrec, pubcomp, suback, unsuback)
  | 'delay' // send that ack `ms` milliseconds late
  | 'duplicate' // send each outgoing PUBLISH (and PUBREL) twice
  | 'refuse' // answer CONNECT with reason code `reason`
  | 'nopong' // do not answer PINGREQ
  | 'throttle'; // write at most `bps` bytes a second to the client

export const FAULT_KINDS: readonly FaultKind[] = ['close', 'drop', 'delay', 'duplicate', 'refuse', 'nopong', 'throttle'];
const ACK_NAMES = ['puback', 'pubrec', 'pubcomp', 'suback', 'unsuback', 'pubrel', 'connack'];

export interface Fault {
  id: number;
  kind: FaultKind;
  /** Client-id pattern, '*' and '?' wildcards. */
  client: string;
  /** How many more times the rule may fire; -1 for always. */
  count: number;
  /** close: packets from the client before closing (0: now / on connect). */
  after: number;
  /** drop, delay: the packet type name it applies to (lower case). */
  packet: string;
  ms: number;
  reason: number;
  bps: number;
  matcher: RegExp;
}

export function patternToRegExp(pattern: string): RegExp {
  const src = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${src}$`);
}

let nextId = 1;

/**
 * Builds a rule from key/value parameters (strings from a flag, or JSON values). Throws an
 * Error with a one-line message when a parameter is wrong.
 */
export function makeFault(kind: string, params: Record<string, unknown>): Fault {
  if (!FAULT_KINDS.includes(kind as FaultKind)) throw new Error(`unknown fault kind '${kind}' (one of ${FAULT_KINDS.join(', ')})`);
  const num = (key: string, dflt: number): number => {
    const v = params[key];
    if (v === undefined) return dflt;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n) || n < -1) throw new Error(`fault ${kind}: ${key} must be a number`);
    return n;
  };
  for (const key of Object.keys(params)) {
    if (!['client', 'count', 'after', 'packet', 'ms', 'reason', 'bps'].includes(key)) throw new Error(`fault ${kind}: unknown parameter '${key}'`);
  }
  const client = params.client === undefined ? '*' : String(params.client);
  const packet = params.packet === undefined ? '' : String(params.packet).toLowerCase();
  const f: Fault = {
    id: nextId++,
    kind: kind as FaultKind,
    client,
    count: num('count', -1),
    after: num('after', 0),
    packet,
    ms: num('ms', 1000),
    reason: num('reason', 0x87),
    bps: num('bps', 1024),
    matcher: patternToRegExp(client),
  };
  if ((kind === 'drop' || kind === 'delay') && !ACK_NAMES.includes(packet)) {
    throw new Error(`fault ${kind}: packet must be one of ${ACK_NAMES.join(', ')}`);
  }
  if (kind === 'refuse' && (f.reason < 0x80 || f.reason > 0xff)) throw new Error('fault refuse: reason must be 0x80..0xff');
  if (kind === 'throttle' && f.bps <= 0) throw new Error('fault throttle: bps must be positive');
  return f;
}

/** `kind[:key=value,key=value]`, e.g. `drop:packet=puback,client=dev-*,count=1`. */
export function parseFaultSpec(spec: string): Fault {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const params: Record<string, string> = {};
  if (colon >= 0) {
    for (const part of spec.slice(colon + 1).split(',')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`fault '${spec}': expected key=value, got '${part}'`);
      params[part.slice(0, eq)] = part.slice(eq + 1);
    }
  }
  return makeFault(kind, params);
}

export function describeFault(f: Fault): Record<string, unknown> {
  const d: Record<string, unknown> = { id: f.id, kind: f.kind, client: f.client, count: f.count };
  if (f.kind === 'close') d.after = f.after;
  if (f.kind === 'drop' || f.kind === 'delay') d.packet = f.packet;
  if (f.kind === 'delay') d.ms = f.ms;
  if (f.kind === 'refuse') d.reason = f.reason;
  if (f.kind === 'throttle') d.bps = f.bps;
  return d;
}

export class FaultTable {
  rules: Fault[] = [];

  add(f: Fault): void {
    this.rules.push(f);
  }

  /** Removes rules by id, or all when id is undefined; returns how many. */
  clear(id?: number): number {
    const before = this.rules.length;
    this.rules = id === undefined ? [] : this.rules.filter((r) => r.id !== id);
    return before - this.rules.length;
  }

  /** The first live rule of this kind for the client (and packet), consuming one use. */
  take(kind: FaultKind, clientId: string, packet = ''): Fault | null {
    if (this.rules.length === 0) return null;
    for (const r of this.rules) {
      if (r.kind !== kind || r.count === 0) continue;
      if (packet !== '' && r.packet !== packet) continue;
      if (!r.matcher.test(clientId)) continue;
      if (r.count > 0) r.count--;
      return r;
    }
    return null;
  }

  /** A live rule of this kind for the client, without consuming it. */
  peek(kind: FaultKind, clientId: string): Fault | null {
    if (this.rules.length === 0) return null;
    for (const r of this.rules) if (r.kind === kind && r.count !== 0 && r.matcher.test(clientId)) return r;
    return null;
  }
}
