// The matrix as a table: system x feature, printed to the terminal and written as markdown.
import type { Outcome } from './scenarios.js';

export interface Cell { outcome: Outcome; ms: number; documented?: string }
export interface Row { system: string; note?: string; cells: Map<string, Cell> }
export interface Section { title: string; intro: string; rows: Row[] }

export function cellText(c: Cell | undefined, footnotes: string[], system: string): string {
  if (!c) return '—';
  const o = c.outcome;
  const foot = (text: string): string => { footnotes.push(text); return `[${footnotes.length}]`; };
  switch (o.status) {
    case 'pass': return o.note ? `pass ${foot(`${system}: ${o.note}`)}` : 'pass';
    case 'n/a': return `n/a ${foot(`${system}: ${o.note}`)}`;
    case 'fail': return `**FAIL** ${foot(`${system}: ${o.note}`)}`;
    case 'deviation': return c.documented !== undefined
      ? `deviation ${foot(`${system}: ${o.keys.join(', ')}: ${o.observed}. Documented: ${c.documented}`)}`
      : `**FAIL** ${foot(`${system}: undocumented deviation ${o.keys.join(', ')}: ${o.observed}`)}`;
  }
}

export function isFailure(c: Cell): boolean {
  return c.outcome.status === 'fail' || (c.outcome.status === 'deviation' && c.documented === undefined);
}

export function renderMarkdown(sections: Section[], columns: Array<{ id: string; title: string }>, header: string): string {
  const out: string[] = [header, ''];
  for (const s of sections) {
    const footnotes: string[] = [];
    out.push(`### ${s.title}`, '', s.intro, '');
    out.push(`| system | ${columns.map((c) => c.title).join(' | ')} |`);
    out.push(`| --- | ${columns.map(() => '---').join(' | ')} |`);
    for (const r of s.rows) {
      const name = r.note ? `${r.system} ${cellText({ outcome: { status: 'n/a', note: r.note }, ms: 0 }, footnotes, r.system).replace('n/a ', '')}` : r.system;
      out.push(`| ${name} | ${columns.map((c) => cellText(r.cells.get(c.id), footnotes, r.system)).join(' | ')} |`);
    }
    out.push('');
    footnotes.forEach((f, i) => out.push(`${i + 1}. ${f.replace(/\s+/g, ' ')}`));
    out.push('');
  }
  return out.join('\n');
}

/** A compact fixed-width table for the terminal. */
export function renderTerminal(sections: Section[], columns: Array<{ id: string; title: string }>): string {
  const short = (c: Cell | undefined): string => {
    if (!c) return '-';
    const o = c.outcome;
    if (o.status === 'deviation') return c.documented !== undefined ? 'deviation' : 'FAIL(dev)';
    return o.status === 'fail' ? 'FAIL' : o.status;
  };
  const lines: string[] = [];
  for (const s of sections) {
    const w0 = Math.max(6, ...s.rows.map((r) => r.system.length));
    const widths = columns.map((c) => Math.max(c.title.length, 9));
    lines.push('', s.title);
    lines.push([''.padEnd(w0), ...columns.map((c, i) => c.title.padEnd(widths[i]!))].join('  '));
    for (const r of s.rows) lines.push([r.system.padEnd(w0), ...columns.map((c, i) => short(r.cells.get(c.id)).padEnd(widths[i]!))].join('  '));
    for (const r of s.rows) {
      if (r.note) lines.push(`  ${r.system}: ${r.note}`);
      for (const [id, c] of r.cells) {
        const o = c.outcome;
        if (o.status === 'pass' && !o.note) continue;
        const text = o.status === 'deviation' ? `${o.keys.join(', ')}: ${o.observed}` : o.note ?? '';
        lines.push(`  ${r.system} / ${id}: ${short(c)}: ${text.replace(/\s+/g, ' ').slice(0, 400)}`);
      }
    }
  }
  return lines.join('\n');
}
