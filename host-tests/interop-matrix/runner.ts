// Runs the feature scenarios for one row (one client, one peer, one protocol version) and
// judges each cell against the deviations the peer and the client document.
import { randomBytes } from 'node:crypto';
import { withTimeout, type ClientAdapter, type Connection, type ConnectOptions, type Version } from './adapter.js';
import { Proxy } from './proxy.js';
import { FEATURES, type Ctx, type Outcome } from './scenarios.js';
import type { Cell, Row } from './table.js';

const SCENARIO_MS = 25000;
export const runTag = randomBytes(3).toString('hex');
let idCounter = 0;

export interface Target { host: string; port: number }

async function runFeature(adapter: ClientAdapter, target: Target, version: Version, f: (typeof FEATURES)[number], rowNo: number): Promise<Cell> {
  const conns: Connection[] = [];
  const proxies: Proxy[] = [];
  const ctx: Ctx = {
    host: target.host, port: target.port, version, adapter,
    topic: (name) => `xsmqtt/${runTag}/${rowNo}/${name}`,
    clientId: (name) => `xs${runTag}${name}${++idCounter}`,
    async connect(o?: Partial<ConnectOptions>) {
      const c = await adapter.connect({ host: target.host, port: target.port, clientId: ctx.clientId('c'), version, clean: true, ...o });
      conns.push(c);
      return c;
    },
    async proxy() {
      const p = new Proxy(target.host, target.port);
      await p.start();
      proxies.push(p);
      return p;
    },
  };
  const t0 = Date.now();
  let outcome: Outcome;
  const lack = adapter.lacks?.[f.id];
  if (lack !== undefined) outcome = { status: 'n/a', note: lack };
  else {
    try {
      outcome = await withTimeout(f.run(ctx), SCENARIO_MS, f.title);
    } catch (e) {
      outcome = { status: 'fail', note: (e as Error).message };
    }
  }
  for (const c of conns) { try { c.destroy(); } catch { /* already closed */ } }
  for (const p of proxies) await p.stop().catch(() => undefined);
  return { outcome, ms: Date.now() - t0 };
}

export function document(cell: Cell, deviations: Record<string, string>): Cell {
  const o = cell.outcome;
  if (o.status !== 'deviation') return cell;
  const docs = o.keys.map((k) => deviations[k]);
  if (docs.every((d) => d !== undefined)) cell.documented = docs.join('; ');
  return cell;
}

/** Runs one row: every feature for one client over one broker and protocol version. */
export async function runRow(system: string, adapter: ClientAdapter, target: Target, version: Version, deviations: Record<string, string>, rowNo: number, log = true, mayRefuse = false): Promise<Row> {
  const row: Row = { system, cells: new Map() };
  // Does this peer speak this version at all? A refusal is shown once, with what the client did.
  const t0 = Date.now();
  try {
    const c = await adapter.connect({ host: target.host, port: target.port, clientId: `xs${runTag}v${++idCounter}`, version, clean: true });
    c.destroy();
  } catch (e) {
    const what = `MQTT ${version === 5 ? '5' : '3.1.1'} refused by the peer; the client reported "${(e as Error).message}" after ${Date.now() - t0} ms`;
    // Only a peer documented without this version may refuse it; otherwise the row fails.
    if (mayRefuse) row.note = what;
    else row.cells.set('connect', { outcome: { status: 'fail', note: what }, ms: Date.now() - t0 });
    return row;
  }
  for (const f of FEATURES) {
    if (f.v5only && version !== 5) continue;
    const cell = document(await runFeature(adapter, target, version, f, rowNo), { ...deviations, ...adapter.deviations });
    row.cells.set(f.id, cell);
    if (log) process.stderr.write(`  ${system} ${f.id}: ${cell.outcome.status} (${cell.ms} ms)${cell.outcome.status === 'fail' ? ` ${cell.outcome.note}` : ''}\n`);
  }
  return row;
}

