// MQTT Explorer's view: every topic seen on '#' as a tree, each with its last message, whether it
// was retained, and its rate (messages in the last second).
import { el } from './dom.js';

const PREVIEW = 120;
const MAX_TOPICS = 5000;

interface TopicState {
  last: string;
  retain: boolean;
  count: number;
  countBefore: number;
  rate: number;
}

interface Node {
  children: Map<string, Node>;
  topic: string;
}

export class TopicTree {
  readonly root = el('div', { id: 'topic-tree' });
  readonly topics = new Map<string, TopicState>();
  private tree: Node = { children: new Map(), topic: '' };
  private changed = false;

  message(topic: string, payload: string, retain: boolean): void {
    let s = this.topics.get(topic);
    if (!s) {
      if (this.topics.size >= MAX_TOPICS) return;
      s = { last: '', retain: false, count: 0, countBefore: 0, rate: 0 };
      this.topics.set(topic, s);
      this.insert(topic);
    }
    s.last = payload.length > PREVIEW ? payload.slice(0, PREVIEW) + '...' : payload;
    s.retain = retain;
    s.count++;
    this.changed = true;
  }

  /** Once a second: rates, and the view redrawn when something moved. */
  tick(): void {
    for (const s of this.topics.values()) {
      const rate = s.count - s.countBefore;
      if (rate !== s.rate) this.changed = true;
      s.rate = rate;
      s.countBefore = s.count;
    }
    if (!this.changed) return;
    this.changed = false;
    this.root.replaceChildren(this.render(this.tree, ''));
  }

  private insert(topic: string): void {
    let n = this.tree;
    const levels = topic.split('/');
    levels.forEach((level, i) => {
      let c = n.children.get(level);
      if (!c) {
        c = { children: new Map(), topic: '' };
        n.children.set(level, c);
      }
      if (i === levels.length - 1) c.topic = topic;
      n = c;
    });
  }

  private render(n: Node, name: string): HTMLElement {
    const li = el('li', {});
    if (name !== '') {
      const s = n.topic !== '' ? this.topics.get(n.topic) : undefined;
      li.append(el('span', { class: 'level' }, name));
      if (s) {
        li.setAttribute('data-topic', n.topic);
        li.append(' ', el('span', { class: 'rate' }, `${s.rate}/s`), s.retain ? el('span', { class: 'retained' }, ' retained') : '',
          ' ', el('code', { class: 'last' }, s.last));
      }
    }
    if (n.children.size > 0) {
      const ul = el('ul', {});
      for (const [k, c] of [...n.children.entries()].sort((a, b) => a[0].localeCompare(b[0]))) ul.append(this.render(c, k));
      li.append(ul);
    }
    return li;
  }
}
