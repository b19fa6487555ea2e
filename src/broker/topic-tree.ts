// The subscription index: a tree with one node per topic level, so a PUBLISH visits only the
// branches its levels can match ('+' and '#' children, and the literal child), never every
// subscription. Shared subscriptions ($share/group/filter) hang off the node of their filter.

import { matchFilter } from '../core/topic/match.js';
import { sharedFilterStart } from '../core/topic/validate.js';

export interface Subscription {
  clientId: string;
  /** The filter as the client sent it ($share/... included). */
  filter: string;
  qos: number;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  /** MQTT 5 subscription identifier, 0 when absent. */
  subscriptionId: number;
  /** The group name for a shared subscription, '' otherwise. */
  share: string;
}

export class SharedGroup {
  members: Subscription[] = [];
  next = 0;
}

class TreeNode {
  // Maps are made when first needed: most nodes of a fleet's tree are leaves with one subscriber.
  children: Map<string, TreeNode> | null = null;
  plus: TreeNode | null = null;
  hash: TreeNode | null = null;
  /** Ordinary subscriptions ending at this node, by client id. */
  subs: Map<string, Subscription> | null = null;
  /** Shared subscriptions ending at this node, by group name. */
  shared: Map<string, SharedGroup> | null = null;
  constructor(readonly parent: TreeNode | null, readonly level: string) {}
  isEmpty(): boolean {
    return (this.children === null || this.children.size === 0) && this.plus === null && this.hash === null
      && (this.subs === null || this.subs.size === 0) && (this.shared === null || this.shared.size === 0);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Splits "$share/group/a/b" into ['group', 'a/b']; ['', filter] for an ordinary filter. The
 * core's parser reads the bytes (a subscription is made rarely; this is not the publish path).
 */
export function splitShared(filter: string): [string, string] {
  const bytes = encoder.encode(filter);
  const start = sharedFilterStart(bytes, 0, bytes.length);
  if (start === 0) return ['', filter];
  return [decoder.decode(bytes.subarray(7, start - 1)), decoder.decode(bytes.subarray(start))];
}

export class TopicTree {
  private root = new TreeNode(null, '');
  count = 0;

  private node(filter: string, create: boolean): TreeNode | null {
    let n = this.root;
    for (const level of filter.split('/')) {
      let c: TreeNode | null | undefined;
      if (level === '+') c = n.plus;
      else if (level === '#') c = n.hash;
      else c = n.children?.get(level);
      if (!c) {
        if (!create) return null;
        c = new TreeNode(n, level);
        if (level === '+') n.plus = c;
        else if (level === '#') n.hash = c;
        else (n.children ??= new Map<string, TreeNode>()).set(level, c);
      }
      n = c;
    }
    return n;
  }

  /** Adds or replaces the client's subscription; true when it replaced one. */
  add(sub: Subscription): boolean {
    const [share, filter] = splitShared(sub.filter);
    const n = this.node(filter, true)!;
    if (share === '') {
      const subs = (n.subs ??= new Map<string, Subscription>());
      const existed = subs.has(sub.clientId);
      subs.set(sub.clientId, sub);
      if (!existed) this.count++;
      return existed;
    }
    const groups = (n.shared ??= new Map<string, SharedGroup>());
    let g = groups.get(share);
    if (!g) {
      g = new SharedGroup();
      groups.set(share, g);
    }
    const i = g.members.findIndex((m) => m.clientId === sub.clientId);
    if (i >= 0) {
      g.members[i] = sub;
      return true;
    }
    g.members.push(sub);
    this.count++;
    return false;
  }

  /** Removes the client's subscription to the filter; true when there was one. */
  remove(clientId: string, fullFilter: string): boolean {
    const [share, filter] = splitShared(fullFilter);
    const n = this.node(filter, false);
    if (!n) return false;
    let removed = false;
    if (share === '') {
      removed = n.subs !== null && n.subs.delete(clientId);
    } else {
      const g = n.shared?.get(share);
      if (g) {
        const i = g.members.findIndex((m) => m.clientId === clientId);
        if (i >= 0) {
          g.members.splice(i, 1);
          removed = true;
          if (g.members.length === 0) n.shared!.delete(share);
          else if (g.next >= g.members.length) g.next = 0;
        }
      }
    }
    if (removed) {
      this.count--;
      this.prune(n);
    }
    return removed;
  }

  private prune(n: TreeNode): void {
    while (n.parent && n.isEmpty()) {
      const p = n.parent;
      if (p.plus === n) p.plus = null;
      else if (p.hash === n) p.hash = null;
      else p.children!.delete(n.level);
      n = p;
    }
  }

  /**
   * Calls visit for each ordinary subscription matching the topic, and visitGroup for each
   * shared group with a matching filter (the caller picks a member).
   */
  match(topic: string, visit: (s: Subscription) => void, visitGroup: (g: SharedGroup) => void): void {
    const levels = topic.split('/');
    // MQTT-4.7.2-1: wildcards at the first level do not match topics starting with '$'.
    const dollar = topic.charCodeAt(0) === 0x24;
    this.walk(this.root, levels, 0, dollar, visit, visitGroup);
  }

  private walk(n: TreeNode, levels: string[], i: number, dollar: boolean, visit: (s: Subscription) => void, visitGroup: (g: SharedGroup) => void): void {
    // Iterative over the literal path, recursive only into wildcard branches (depth <= levels).
    for (;;) {
      const wild = !(dollar && i === 0);
      if (wild && n.hash) emit(n.hash, visit, visitGroup);
      if (i === levels.length) {
        emit(n, visit, visitGroup);
        return;
      }
      if (wild && n.plus) this.walk(n.plus, levels, i + 1, dollar, visit, visitGroup);
      const c = n.children?.get(levels[i]);
      if (!c) return;
      n = c;
      i++;
    }
  }
}

function emit(n: TreeNode, visit: (s: Subscription) => void, visitGroup: (g: SharedGroup) => void): void {
  if (n.subs !== null && n.subs.size > 0) for (const s of n.subs.values()) visit(s);
  if (n.shared !== null && n.shared.size > 0) for (const g of n.shared.values()) visitGroup(g);
}

/**
 * Whether a topic name matches a filter: the core's matcher (src/core/topic/match.ts) on the
 * strings' UTF-8 bytes; the project has one. Used for retained messages and ACL patterns; the
 * tree above is an index that finds the candidates without visiting every subscription.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = Buffer.from(filter);
  const t = Buffer.from(topic);
  return matchFilter(f, 0, f.length, t, 0, t.length);
}

/**
 * True when every topic the filter can match is matched by the pattern (ACL checks on
 * SUBSCRIBE): a relation between two filters, which the core's topic-to-filter matcher is not.
 */
export function filterCovers(pattern: string, filter: string): boolean {
  const p = pattern.split('/');
  const f = filter.split('/');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '#') return true;
    if (i >= f.length) return false;
    if (f[i] === '#') return false;
    if (p[i] === '+') continue;
    if (p[i] !== f[i]) return false;
  }
  return p.length === f.length;
}
