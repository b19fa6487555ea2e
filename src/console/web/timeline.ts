// One client's timeline: every packet in and out from the broker's trace (ids, flags, reason
// codes, time since the first), the faults that hit it, what the device reported of itself
// (the simulator's devices), and the exports (JSON lines, pcapng).
import { el } from './dom.js';

interface TraceRecord {
  t: string;
  client: string;
  /** 'device': what an xsmqtt device of the simulator reported of itself. */
  dir: 'in' | 'out' | 'note' | 'device';
  type: string;
  [key: string]: unknown;
}

const REFRESH_MS = 2000;
const hex = (n: unknown): string => `0x${Number(n).toString(16).padStart(2, '0')}`;

/** The packet's details in the trace's own words. */
function details(r: TraceRecord): string {
  if (r.dir === 'device') return String(r.detail ?? '');
  const parts: string[] = [];
  if (r.type === 'PUBLISH') parts.push(`q${String(r.qos)}`);
  if (r.id !== undefined) parts.push(`id=${String(r.id)}`);
  if (r.dup) parts.push('dup');
  if (r.retain) parts.push('retain');
  if (r.topic !== undefined) parts.push(`t=${String(r.topic)}`);
  if (r.rc !== undefined) parts.push(`rc=${hex(r.rc)}`);
  if (r.codes) parts.push(`codes=${(r.codes as number[]).map(hex).join(',')}`);
  if (r.filters) parts.push((r.filters as string[]).join(' '));
  if (r.type === 'CONNECT') parts.push(`v${String(r.version)} ka=${String(r.keepAlive)}${r.clean ? ' clean' : ''}${r.will ? ` will=${String(r.will)}` : ''}`);
  if (r.sessionPresent) parts.push('sp');
  if (r.bytes !== undefined) parts.push(`${String(r.bytes)}B`);
  if (r.why !== undefined) parts.push(`${String(r.why)} ${String(r.detail ?? '')}`);
  return parts.join(' ');
}

export class ClientTimeline {
  readonly root = el('div', { id: 'timeline' });
  private readonly select = el('select', { id: 'timeline-client' });
  private readonly table = el('table', { id: 'timeline-rows' });
  private readonly exports = el('span', { class: 'exports' });
  private client = '';

  constructor() {
    this.select.append(el('option', { value: '' }, '(choose a client)'));
    this.select.addEventListener('change', () => this.show(this.select.value));
    this.root.append(el('label', {}, 'client ', this.select), ' ', this.exports, this.table);
    setInterval(() => void this.refresh(), REFRESH_MS);
    void this.refresh();
  }

  /** Shows a client's timeline (the test and the client list call it). */
  show(client: string): void {
    this.client = client;
    this.select.value = client;
    const q = `client=${encodeURIComponent(client)}`;
    this.exports.replaceChildren(
      el('a', { href: `/api/timeline.jsonl?${q}`, download: '', id: 'export-jsonl' }, 'JSON lines'), ' ',
      el('a', { href: `/api/capture.pcapng?${q}`, download: '', id: 'export-pcapng' }, 'pcapng'));
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    const clients = (await (await fetch('/api/clients')).json()) as string[];
    const have = new Set([...this.select.options].map((o) => o.value));
    for (const c of clients) if (!have.has(c)) this.select.append(el('option', { value: c }, c));
    if (this.client === '') return;
    const recs = (await (await fetch(`/api/timeline?client=${encodeURIComponent(this.client)}`)).json()) as TraceRecord[];
    const t0 = recs.length > 0 ? Date.parse(recs[0].t) : 0;
    const head = el('tr', {}, el('th', {}, '+ms'), el('th', {}, ''), el('th', {}, 'packet'), el('th', {}, 'details'));
    const rows = recs.map((r) => el('tr', { class: `dir-${r.dir}`, 'data-type': r.type },
      el('td', {}, String(Date.parse(r.t) - t0)),
      el('td', {}, r.dir === 'in' ? '->' : r.dir === 'out' ? '<-' : r.dir === 'device' ? 'dev' : '!!'),
      el('td', {}, r.type),
      el('td', {}, details(r))));
    this.table.replaceChildren(head, ...rows);
  }
}
