// The verdicts: the integration suite's lines as devices publish them ($bench/results/<device>,
// TAP: "ok N - name", "not ok", "# SKIP reason") and report cards as `xsmqtt grade` publishes
// them ($bench/grade/<client id>, retained JSON), one table each.
import { el } from './dom.js';

export const RESULT_TOPICS = ['$bench/results/#', '$bench/grade/#'];

interface CardVerdict { name: string; outcome: string; reason: string }
interface Card { client: string; clientId: string; verdicts: CardVerdict[]; summary?: { pass: number; fail: number; notExercised: number } }

/** A TAP line's outcome: pass, FAIL or skip; null for a line that is not a test's. */
function tapOutcome(line: string): { outcome: string; name: string } | null {
  const m = /^(not ok|ok) \d+ - (.*?)(?: # SKIP\s*(.*))?$/.exec(line);
  if (m === null) return null;
  return { outcome: m[3] !== undefined ? `skip (${m[3]})` : m[1] === 'ok' ? 'pass' : 'FAIL', name: m[2] };
}

export class Results {
  readonly root = el('div', { id: 'results' });
  private readonly suites = new Map<string, HTMLTableSectionElement>();
  private readonly cards = new Map<string, HTMLElement>();
  private readonly suiteBox = el('div', { id: 'suite-results' });
  private readonly cardBox = el('div', { id: 'report-cards' });

  constructor() {
    this.root.append(el('h3', {}, 'Integration suite'), this.suiteBox, el('h3', {}, 'Report cards'), this.cardBox);
  }

  /** True when the topic was one of the results'. */
  message(topic: string, payload: string): boolean {
    if (topic.startsWith('$bench/results/')) {
      this.suiteLine(topic.slice('$bench/results/'.length), payload);
      return true;
    }
    if (topic.startsWith('$bench/grade/')) {
      try {
        this.card(topic.slice('$bench/grade/'.length), JSON.parse(payload) as Card);
      } catch {
        // Not a card: nothing to show.
      }
      return true;
    }
    return false;
  }

  private suiteLine(device: string, line: string): void {
    const r = tapOutcome(line);
    if (r === null) return;
    let body = this.suites.get(device);
    if (body === undefined) {
      body = el('tbody', {});
      this.suites.set(device, body);
      this.suiteBox.append(el('table', { class: 'suite', 'data-device': device },
        el('caption', {}, `device ${device}`), el('thead', {}, el('tr', {}, el('th', {}, 'scenario'), el('th', {}, 'result'))), body));
    }
    body.append(el('tr', { class: r.outcome === 'pass' ? 'pass' : r.outcome === 'FAIL' ? 'fail' : 'skip' }, el('td', {}, r.name), el('td', {}, r.outcome)));
  }

  private card(id: string, card: Card): void {
    const rows = card.verdicts.map((v) => el('tr', { class: v.outcome === 'pass' ? 'pass' : v.outcome === 'fail' ? 'fail' : 'skip' },
      el('td', {}, v.name), el('td', {}, v.outcome), el('td', {}, v.reason)));
    const s = card.summary;
    const table = el('table', { class: 'card', 'data-client': id },
      el('caption', {}, `${card.client}${s ? `: ${s.pass} pass, ${s.fail} fail, ${s.notExercised} not exercised` : ''}`),
      el('thead', {}, el('tr', {}, el('th', {}, 'check'), el('th', {}, 'outcome'), el('th', {}, 'why'))), el('tbody', {}, ...rows));
    const old = this.cards.get(id);
    if (old !== undefined) old.replaceWith(table);
    else this.cardBox.append(table);
    this.cards.set(id, table);
  }
}
