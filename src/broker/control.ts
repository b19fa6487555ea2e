// Fault injection at run time: which clients may command it ($bench/fault/<kind>,
// $bench/fault/clear, $bench/fault/list), the rules it adds, and the report of each fault that
// fires (trace line, 'fault' event, $bench/events message). The rules themselves are faults.ts.
import { ReasonCode } from '../core/codec/constants.js';
import type { Broker } from './broker.js';
import type { Connection } from './connection.js';
import { describeFault, Fault, FaultTable, makeFault } from './faults.js';
import { faultLine } from './trace.js';

function globToRegExp(pattern: string): RegExp {
  return new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
}

export class BenchControl {
  readonly faults = new FaultTable();
  private readonly benchMatchers: RegExp[];

  constructor(private readonly broker: Broker, faults: Fault[]) {
    for (const f of faults) this.faults.add(f);
    this.benchMatchers = broker.opts.benchClients.map(globToRegExp);
  }

  /** Whether the connection may command faults (a bench user, or a bench client id when users are not checked). */
  isBenchClient(conn: Connection): boolean {
    const b = this.broker;
    if (conn.user !== null && b.opts.benchUsers.includes(conn.user)) return true;
    if (b.passwords && conn.user === null) return false;
    return this.benchMatchers.some((m) => m.test(conn.clientId));
  }

  /** Reports a fault that fired: trace line, 'fault' event and a $bench/events message. */
  fired(f: Fault, clientId: string, detail: string): void {
    const b = this.broker;
    b.stats.faultsFired++;
    const text = `${f.kind} #${f.id} ${detail}`;
    if (b.onTrace) b.onTrace(faultLine(clientId, text, b.clock.now()), null);
    const event = { event: 'fault', id: f.id, kind: f.kind, client: clientId, detail, t: new Date(b.clock.now()).toISOString() };
    b.emit('fault', event);
    b.router.publishInternal('$bench/events', Buffer.from(JSON.stringify(event)), false);
  }

  /** Handles a PUBLISH to $bench/fault/<kind>, clear or list from an authorised client. */
  command(conn: Connection, topic: string, payload: Buffer): void {
    const what = topic.slice('$bench/fault/'.length);
    let reply: Record<string, unknown>;
    try {
      const text = payload.toString('utf8').trim();
      const params = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error('payload must be a JSON object');
      if (what === 'clear') {
        const id = params.id === undefined ? undefined : Number(params.id);
        reply = { event: 'cleared', count: this.faults.clear(id) };
      } else if (what === 'list') {
        reply = { event: 'list', faults: this.faults.rules.map(describeFault) };
      } else {
        const f = makeFault(what, params);
        reply = { event: 'added', fault: describeFault(f) };
        this.add(f);
      }
    } catch (e) {
      reply = { event: 'error', topic, error: e instanceof Error ? e.message : String(e) };
    }
    this.broker.log(`control from ${conn.clientId}: ${JSON.stringify(reply)}`);
    this.broker.router.publishInternal('$bench/events', Buffer.from(JSON.stringify(reply)), false);
  }

  /**
   * Registers a rule at runtime. `close` with after=0 closes the matching connected clients
   * now and is not kept; `close` after N and `throttle` also apply to connected clients.
   */
  add(f: Fault): void {
    const targets = [...this.broker.connections].filter((c) => c.connected && !c.closed && f.matcher.test(c.clientId) && !this.isBenchClient(c));
    if (f.kind === 'close' && f.after === 0) {
      for (const c of targets) {
        if (f.count === 0) break;
        if (f.count > 0) f.count--;
        this.fired(f, c.clientId, 'closed the connection');
        c.close(ReasonCode.AdministrativeAction, 'fault injection', true);
      }
      return;
    }
    this.faults.add(f);
    if (f.kind === 'close') for (const c of targets) c.armClose(f);
    if (f.kind === 'throttle') for (const c of targets) c.throttle(f);
  }
}
