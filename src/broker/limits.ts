// Limits against hostile or runaway clients, with their defaults: bytes before CONNECT, slow
// packets, filters and user properties per packet, subscriptions per client, persistent sessions (in total and per
// client-id pattern) and connections per source address. README.md "Limits" explains each.
import { patternToRegExp } from './faults.js';

export interface SessionQuota {
  /** Client-id pattern, '*' and '?' wildcards. */
  pattern: string;
  /** Persistent sessions allowed for client ids matching it. */
  max: number;
}

export interface LimitOptions {
  /** Largest packet buffered before CONNECT (the CONNECT itself); default 65536. */
  maxConnectSize?: number;
  /** Milliseconds a started packet may take before it must arrive at minByteRate; default 30000. */
  packetTimeout?: number;
  /** Bytes a second a packet taking longer than packetTimeout must average; default 1024. */
  minByteRate?: number;
  /** Topic filters in one SUBSCRIBE or UNSUBSCRIBE (more: DISCONNECT 0x97); default 10000. */
  maxFiltersPerPacket?: number;
  /** Subscriptions one session may hold (a new filter beyond it: SUBACK 0x97, 3.1.1: 0x80); default 1000. */
  maxSubscriptionsPerClient?: number;
  /** User properties on one message (more: refused, PUBACK/PUBREC or CONNACK 0x97); default 1024. */
  maxUserProperties?: number;
  /** Persistent sessions in total (more: CONNACK 0x97, 3.1.1: 0x03); default 100000. */
  maxPersistentSessions?: number;
  /** Persistent sessions per client-id pattern; default none. */
  sessionQuotas?: SessionQuota[];
  /** Connections open at once from one source address (0: no limit); default 0. */
  maxConnectionsPerAddress?: number;
}

export const LIMIT_DEFAULTS: Required<LimitOptions> = {
  maxConnectSize: 65536,
  packetTimeout: 30000,
  minByteRate: 1024,
  maxFiltersPerPacket: 10000,
  maxSubscriptionsPerClient: 1000,
  maxUserProperties: 1024,
  maxPersistentSessions: 100000,
  sessionQuotas: [],
  maxConnectionsPerAddress: 0,
};

/** Counts persistent sessions by client id, in total and for each quota's pattern. */
export class SessionLimits {
  private ids = new Set<string>();
  private rules: { pattern: string; matcher: RegExp; max: number; count: number }[];

  constructor(private readonly maxTotal: number, quotas: SessionQuota[]) {
    this.rules = quotas.map((q) => ({ pattern: q.pattern, matcher: patternToRegExp(q.pattern), max: q.max, count: 0 }));
  }

  get count(): number {
    return this.ids.size;
  }

  has(clientId: string): boolean {
    return this.ids.has(clientId);
  }

  /** Why one more persistent session for clientId would pass a limit ('total' or 'quota PATTERN'), or null when it fits. */
  check(clientId: string): string | null {
    if (this.ids.has(clientId)) return null;
    if (this.ids.size >= this.maxTotal) return 'total';
    for (const r of this.rules) if (r.count >= r.max && r.matcher.test(clientId)) return `quota ${r.pattern}`;
    return null;
  }

  /** Records whether clientId's session is persistent now. */
  set(clientId: string, persistent: boolean): void {
    if (persistent === this.ids.has(clientId)) return;
    if (persistent) this.ids.add(clientId);
    else this.ids.delete(clientId);
    const d = persistent ? 1 : -1;
    for (const r of this.rules) if (r.matcher.test(clientId)) r.count += d;
  }
}

/** Open connections per source address. */
export class AddressCounter {
  private open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more from addr; false (and not counted) when that passes the limit. */
  enter(addr: string): boolean {
    if (this.max <= 0) return true;
    const n = this.open.get(addr) ?? 0;
    if (n >= this.max) return false;
    this.open.set(addr, n + 1);
    return true;
  }

  leave(addr: string): void {
    if (this.max <= 0) return;
    const n = this.open.get(addr) ?? 0;
    if (n <= 1) this.open.delete(addr);
    else this.open.set(addr, n - 1);
  }
}

/** `PATTERN=N` (a --session-quota flag); throws an Error with a one-line message when malformed. */
export function parseSessionQuota(spec: string): SessionQuota {
  const eq = spec.lastIndexOf('=');
  const max = eq > 0 ? spec.slice(eq + 1) : '';
  if (!/^\d+$/.test(max)) throw new Error(`PATTERN=N expected, not '${spec}'`);
  return { pattern: spec.slice(0, eq), max: Number(max) };
}
