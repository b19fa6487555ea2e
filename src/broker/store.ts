// Optional durability (`--store FILE`): retained messages and persistent sessions (subscriptions,
// expiry, queued and unacknowledged QoS 1/2 messages, incoming QoS 2 ids not yet released) written through to SQLite, read back at
// start. The broker keeps its in-memory structures; the store only mirrors the events that
// matter. The default store does nothing (everything stays in memory).
import { createRequire } from 'node:module';
import type { Subscription } from './topic-tree.js';

export interface StoredProps {
  payloadFormat: number;
  contentType: Buffer | null;
  responseTopic: Buffer | null;
  correlationData: Buffer | null;
  user: Buffer[];
}

export interface StoredMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  props: StoredProps | null;
  expiresAt: number;
  origin: string;
}

/** A QoS 1/2 message for a session: queued (pid 0) or in flight (pid, state 0 PUBLISH sent, 1 PUBREL sent). */
export interface StoredOutgoing {
  msg: StoredMessage;
  qos: number;
  retain: boolean;
  subIds: number[] | null;
  pid: number;
  state: number;
}

export interface StoredSession {
  clientId: string;
  /** Session expiry interval, seconds (0xFFFFFFFF: never). */
  expiry: number;
  /** Epoch ms the client went away, 0 if it was connected when the broker stopped. */
  disconnectedAt: number;
  subs: Subscription[];
  /** In the order they were stored: in-flight ones and queued ones (pid 0). */
  messages: { id: number; out: StoredOutgoing }[];
  /** Packet ids of incoming QoS 2 messages delivered (PUBREC sent) and not yet released by PUBREL. */
  qos2In: number[];
}

export interface Store {
  readonly persistent: boolean;
  loadRetained(): StoredMessage[];
  loadSessions(): StoredSession[];
  setRetained(msg: StoredMessage): void;
  clearRetained(topic: string): void;
  saveSession(clientId: string, expiry: number, disconnectedAt: number): void;
  deleteSession(clientId: string): void;
  saveSubscription(sub: Subscription): void;
  deleteSubscription(clientId: string, filter: string): void;
  /** Stores a queued or in-flight message; returns its id. */
  addMessage(clientId: string, out: StoredOutgoing): number;
  /** The message became in flight (pid) or its QoS 2 exchange moved on (state). */
  updateMessage(id: number, pid: number, state: number): void;
  removeMessage(id: number): void;
  /** An incoming QoS 2 message was routed: its packet id is held until PUBREL (MQTT-4.3.3-10). */
  addQos2In(clientId: string, pid: number): void;
  /** Its PUBREL came: the packet id may be reused. */
  removeQos2In(clientId: string, pid: number): void;
  /** Makes every write so far durable now; the broker calls it before writing to any socket, so no ack leaves first. */
  commit(): void;
  close(): void;
}

/** The default: nothing is kept. */
export class MemoryStore implements Store {
  readonly persistent = false;
  loadRetained(): StoredMessage[] { return []; }
  loadSessions(): StoredSession[] { return []; }
  setRetained(): void {}
  clearRetained(): void {}
  saveSession(): void {}
  deleteSession(): void {}
  saveSubscription(): void {}
  deleteSubscription(): void {}
  addMessage(): number { return 0; }
  updateMessage(): void {}
  removeMessage(): void {}
  addQos2In(): void {}
  removeQos2In(): void {}
  commit(): void {}
  close(): void {}
}

interface Statement {
  run(...args: unknown[]): { lastInsertRowid: number | bigint; changes: number };
  all(...args: unknown[]): unknown[];
}
interface Database {
  pragma(s: string): unknown;
  exec(s: string): void;
  prepare(s: string): Statement;
  close(): void;
  readonly inTransaction: boolean;
}

function propsToJson(p: StoredProps | null): string | null {
  if (p === null) return null;
  const b = (x: Buffer | null): string | null => (x === null ? null : x.toString('base64'));
  return JSON.stringify({
    f: p.payloadFormat, ct: b(p.contentType), rt: b(p.responseTopic), cd: b(p.correlationData), u: p.user.map((x) => x.toString('base64')),
  });
}

function propsFromJson(s: string | null): StoredProps | null {
  if (s === null) return null;
  const o = JSON.parse(s) as { f: number; ct: string | null; rt: string | null; cd: string | null; u: string[] };
  const b = (x: string | null): Buffer | null => (x === null ? null : Buffer.from(x, 'base64'));
  return { payloadFormat: o.f, contentType: b(o.ct), responseTopic: b(o.rt), correlationData: b(o.cd), user: o.u.map((x) => Buffer.from(x, 'base64')) };
}

interface MsgRow { topic: string; payload: Buffer; qos: number; retain: number; props: string | null; expires_at: number; origin: string }

function msgFromRow(r: MsgRow): StoredMessage {
  return { topic: r.topic, payload: r.payload, qos: r.qos, retain: r.retain !== 0, props: propsFromJson(r.props), expiresAt: r.expires_at, origin: r.origin };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,
  props TEXT, expires_at INTEGER NOT NULL, origin TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (client_id TEXT PRIMARY KEY, expiry INTEGER NOT NULL, disconnected_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (client_id TEXT NOT NULL, filter TEXT NOT NULL, qos INTEGER NOT NULL, no_local INTEGER NOT NULL,
  rap INTEGER NOT NULL, rh INTEGER NOT NULL, sub_id INTEGER NOT NULL, share TEXT NOT NULL, PRIMARY KEY (client_id, filter));
CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, pid INTEGER NOT NULL, state INTEGER NOT NULL,
  out_qos INTEGER NOT NULL, out_retain INTEGER NOT NULL, sub_ids TEXT, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL,
  retain INTEGER NOT NULL, props TEXT, expires_at INTEGER NOT NULL, origin TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_client ON messages (client_id, id);
CREATE TABLE IF NOT EXISTS qos2_in (client_id TEXT NOT NULL, pid INTEGER NOT NULL, PRIMARY KEY (client_id, pid));
`;

/**
 * SQLite via better-sqlite3, WAL mode. Writes made during one event-loop turn share one
 * transaction, committed when the broker is about to write to a socket, else on setImmediate
 * (and at close): a burst of QoS 1 messages costs one commit, not one each.
 */
export class SqliteStore implements Store {
  readonly persistent = true;
  private db: Database;
  private pending = false;
  private st: Record<string, Statement>;

  constructor(readonly file: string) {
    const require = createRequire(import.meta.url);
    let Ctor: new (file: string) => Database;
    try {
      Ctor = require('better-sqlite3') as new (file: string) => Database;
    } catch (e) {
      // An optional dependency: the broker runs without it, only --store needs it.
      if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
      throw new Error('needs the optional package better-sqlite3, which is not installed (npm install better-sqlite3)');
    }
    this.db = new Ctor(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const p = (s: string): Statement => this.db.prepare(s);
    this.st = {
      retainedAll: p('SELECT * FROM retained'),
      retainedSet: p('INSERT OR REPLACE INTO retained (topic, payload, qos, retain, props, expires_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      retainedDel: p('DELETE FROM retained WHERE topic = ?'),
      sessionsAll: p('SELECT * FROM sessions'),
      sessionSet: p('INSERT OR REPLACE INTO sessions (client_id, expiry, disconnected_at) VALUES (?, ?, ?)'),
      sessionDel: p('DELETE FROM sessions WHERE client_id = ?'),
      subsOf: p('SELECT * FROM subscriptions WHERE client_id = ?'),
      subsDelAll: p('DELETE FROM subscriptions WHERE client_id = ?'),
      subSet: p('INSERT OR REPLACE INTO subscriptions (client_id, filter, qos, no_local, rap, rh, sub_id, share) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      subDel: p('DELETE FROM subscriptions WHERE client_id = ? AND filter = ?'),
      msgsOf: p('SELECT * FROM messages WHERE client_id = ? ORDER BY id'),
      msgsDelAll: p('DELETE FROM messages WHERE client_id = ?'),
      msgAdd: p(`INSERT INTO messages (client_id, pid, state, out_qos, out_retain, sub_ids, topic, payload, qos, retain, props, expires_at, origin)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      msgUpdate: p('UPDATE messages SET pid = ?, state = ? WHERE id = ?'),
      msgDel: p('DELETE FROM messages WHERE id = ?'),
      qos2InOf: p('SELECT pid FROM qos2_in WHERE client_id = ? ORDER BY pid'),
      qos2InDelAll: p('DELETE FROM qos2_in WHERE client_id = ?'),
      qos2InAdd: p('INSERT OR REPLACE INTO qos2_in (client_id, pid) VALUES (?, ?)'),
      qos2InDel: p('DELETE FROM qos2_in WHERE client_id = ? AND pid = ?'),
      orphanQos2In: p('DELETE FROM qos2_in WHERE client_id NOT IN (SELECT client_id FROM sessions)'),
      orphans: p('DELETE FROM messages WHERE client_id NOT IN (SELECT client_id FROM sessions)'),
      orphanSubs: p('DELETE FROM subscriptions WHERE client_id NOT IN (SELECT client_id FROM sessions)'),
    };
    this.st.orphans.run();
    this.st.orphanSubs.run();
    this.st.orphanQos2In.run();
  }

  private closed = false;

  /** Starts the turn's transaction; false once closed (late events after shutdown are ignored). */
  private begin(): boolean {
    if (this.closed) return false;
    if (this.pending) return true;
    this.pending = true;
    this.db.exec('BEGIN');
    setImmediate(() => this.commit());
    return true;
  }

  commit(): void {
    if (!this.pending) return;
    this.pending = false;
    this.db.exec('COMMIT');
  }

  loadRetained(): StoredMessage[] {
    return (this.st.retainedAll.all() as MsgRow[]).map(msgFromRow);
  }

  loadSessions(): StoredSession[] {
    const rows = this.st.sessionsAll.all() as { client_id: string; expiry: number; disconnected_at: number }[];
    return rows.map((r) => {
      const subs = (this.st.subsOf.all(r.client_id) as { filter: string; qos: number; no_local: number; rap: number; rh: number; sub_id: number; share: string }[])
        .map((s): Subscription => ({
          clientId: r.client_id, filter: s.filter, qos: s.qos, noLocal: s.no_local !== 0, retainAsPublished: s.rap !== 0,
          retainHandling: s.rh, subscriptionId: s.sub_id, share: s.share,
        }));
      const messages = (this.st.msgsOf.all(r.client_id) as (MsgRow & { id: number; pid: number; state: number; out_qos: number; out_retain: number; sub_ids: string | null })[])
        .map((m) => ({
          id: m.id,
          out: { msg: msgFromRow(m), qos: m.out_qos, retain: m.out_retain !== 0, subIds: m.sub_ids === null ? null : JSON.parse(m.sub_ids) as number[], pid: m.pid, state: m.state },
        }));
      const qos2In = (this.st.qos2InOf.all(r.client_id) as { pid: number }[]).map((q) => q.pid);
      return { clientId: r.client_id, expiry: r.expiry, disconnectedAt: r.disconnected_at, subs, messages, qos2In };
    });
  }

  setRetained(m: StoredMessage): void {
    if (!this.begin()) return;
    this.st.retainedSet.run(m.topic, m.payload, m.qos, m.retain ? 1 : 0, propsToJson(m.props), m.expiresAt, m.origin);
  }

  clearRetained(topic: string): void {
    if (!this.begin()) return;
    this.st.retainedDel.run(topic);
  }

  saveSession(clientId: string, expiry: number, disconnectedAt: number): void {
    if (!this.begin()) return;
    this.st.sessionSet.run(clientId, expiry, disconnectedAt);
  }

  deleteSession(clientId: string): void {
    if (!this.begin()) return;
    this.st.sessionDel.run(clientId);
    this.st.subsDelAll.run(clientId);
    this.st.msgsDelAll.run(clientId);
    this.st.qos2InDelAll.run(clientId);
  }

  saveSubscription(s: Subscription): void {
    if (!this.begin()) return;
    this.st.subSet.run(s.clientId, s.filter, s.qos, s.noLocal ? 1 : 0, s.retainAsPublished ? 1 : 0, s.retainHandling, s.subscriptionId, s.share);
  }

  deleteSubscription(clientId: string, filter: string): void {
    if (!this.begin()) return;
    this.st.subDel.run(clientId, filter);
  }

  addMessage(clientId: string, o: StoredOutgoing): number {
    if (!this.begin()) return 0;
    const m = o.msg;
    const r = this.st.msgAdd.run(clientId, o.pid, o.state, o.qos, o.retain ? 1 : 0, o.subIds === null ? null : JSON.stringify(o.subIds),
      m.topic, m.payload, m.qos, m.retain ? 1 : 0, propsToJson(m.props), m.expiresAt, m.origin);
    return Number(r.lastInsertRowid);
  }

  updateMessage(id: number, pid: number, state: number): void {
    if (!this.begin()) return;
    this.st.msgUpdate.run(pid, state, id);
  }

  removeMessage(id: number): void {
    if (!this.begin()) return;
    this.st.msgDel.run(id);
  }

  addQos2In(clientId: string, pid: number): void {
    if (!this.begin()) return;
    this.st.qos2InAdd.run(clientId, pid);
  }

  removeQos2In(clientId: string, pid: number): void {
    if (!this.begin()) return;
    this.st.qos2InDel.run(clientId, pid);
  }

  close(): void {
    if (this.closed) return;
    this.commit();
    this.closed = true;
    this.db.close();
  }
}

/** Opens the SQLite store (throws a clear error when better-sqlite3 cannot be loaded). */
export function openStore(file: string | null | undefined): Store {
  if (!file) return new MemoryStore();
  try {
    return new SqliteStore(file);
  } catch (e) {
    // One line: the first of the message (a native module's load error runs on with its require stack).
    throw new Error(`--store ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
}
