// The session table: sessions by client id, how a connection starts, resumes or takes one
// over, and how one ends: at once, after its expiry interval, or after its will delay (wills
// and expiry live here because each decides the other's fate). Every deadline is on the
// broker's clock. Persistent sessions come back from the store at start.
import { ReasonCode } from '../core/codec/constants.js';
import type { Broker } from './broker.js';
import type { Connection } from './connection.js';
import { SessionLimits } from './limits.js';
import { NEVER, Outgoing, Session, Will } from './session.js';

export class Sessions {
  readonly all = new Map<string, Session>();
  readonly limits: SessionLimits;

  constructor(private readonly broker: Broker) {
    this.limits = new SessionLimits(broker.opts.maxPersistentSessions, broker.opts.sessionQuotas);
  }

  get(clientId: string): Session | undefined {
    return this.all.get(clientId);
  }

  /** Starts or resumes the session of a connection that passed CONNECT checks; returns sessionPresent. */
  attach(conn: Connection, clean: boolean, expiry: number, will: Will | null): boolean {
    const id = conn.clientId;
    let s = this.all.get(id);
    if (s && s.conn) {
      const old = s.conn;
      // MQTT-3.1.4-3: the existing connection is closed (v5: DISCONNECT 0x8E).
      old.takenOver = true;
      const oldWill = s.will;
      s.will = null;
      old.close(ReasonCode.SessionTakenOver, 'session taken over', false);
      if (oldWill && (clean || oldWill.delay === 0)) this.publishWill(oldWill);
    }
    if (s && s.willTimer) {
      s.willTimer.cancel();
      s.willTimer = null;
      // MQTT-3.1.3-9: a reconnect within the will delay cancels the will; a clean start ends the session, which sends it.
      if (clean && s.will) this.publishWill(s.will);
      s.will = null;
    }
    if (s && s.expiryTimer) {
      s.expiryTimer.cancel();
      s.expiryTimer = null;
    }
    let present = false;
    if (s && clean) {
      this.destroy(s);
      s = undefined;
    }
    if (s) present = true;
    else {
      s = new Session(this.broker, id);
      this.all.set(id, s);
    }
    s.conn = conn;
    s.user = conn.user;
    this.setExpiry(s, expiry);
    s.will = will;
    conn.session = s;
    if (s.persisted) this.broker.store.saveSession(id, expiry, 0);
    return present;
  }

  /** Whether one more persistent session for clientId would pass a limit: the reason, or null. */
  refusal(clientId: string, expiry: number): string | null {
    return expiry === 0 ? null : this.limits.check(clientId);
  }

  /** Sets a session's expiry interval; a session with one (persistent) counts against the session limits. */
  setExpiry(s: Session, expiry: number): void {
    s.expiry = expiry;
    this.limits.set(s.clientId, expiry !== 0 && this.all.get(s.clientId) === s);
  }

  destroy(s: Session): void {
    s.clear();
    if (this.all.get(s.clientId) === s) this.forget(s);
  }

  /** Takes the session out of the table, the limits and the store. */
  private forget(s: Session): void {
    this.all.delete(s.clientId);
    this.limits.set(s.clientId, false);
    this.broker.store.deleteSession(s.clientId);
  }

  /** The connection of a session ended; `sendWill` false after a normal DISCONNECT. */
  detach(conn: Connection, sendWill: boolean): void {
    const s = conn.session;
    if (!s || s.conn !== conn) return;
    s.conn = null;
    // An offline session's queue only drops; it holds no publisher back.
    s.unblock();
    const will = sendWill ? s.will : null;
    s.will = null;
    if (will) {
      const delay = Math.min(will.delay, s.expiry);
      if (delay === 0) this.publishWill(will);
      else {
        s.will = will;
        s.willTimer = this.broker.clock.after(delay * 1000, () => {
          s.willTimer = null;
          s.will = null;
          this.publishWill(will);
        });
      }
    }
    if (s.expiry === 0) {
      if (!s.willTimer) this.destroy(s);
      else {
        // The will is still pending: keep the session (subscriptions off) until it goes.
        s.unsubscribeAll();
        this.forget(s);
      }
    } else {
      if (this.broker.store.persistent) this.broker.store.saveSession(s.clientId, s.expiry, this.broker.clock.now());
      if (s.expiry !== NEVER) this.armExpiry(s, s.expiry * 1000);
    }
  }

  private armExpiry(s: Session, ms: number): void {
    s.expiryTimer = this.broker.clock.after(ms, () => {
      s.expiryTimer = null;
      if (s.conn) return;
      if (s.willTimer) {
        s.willTimer.cancel();
        s.willTimer = null;
        if (s.will) this.publishWill(s.will);
        s.will = null;
      }
      this.destroy(s);
    });
  }

  private publishWill(w: Will): void {
    if (w.expiry > 0) w.msg.expiresAt = this.broker.clock.now() + w.expiry * 1000;
    this.broker.router.route(w.msg);
  }

  /** Reads persistent sessions back from the store; expired ones are deleted. */
  restore(): void {
    const b = this.broker;
    const now = b.clock.now();
    for (const r of b.store.loadSessions()) {
      const gone = r.disconnectedAt === 0 ? now : r.disconnectedAt;
      const left = r.expiry === NEVER ? 0 : gone + r.expiry * 1000 - now;
      if (r.expiry === 0 || (r.expiry !== NEVER && left <= 0)) {
        b.store.deleteSession(r.clientId);
        continue;
      }
      const s = new Session(b, r.clientId);
      s.expiry = r.expiry;
      for (const sub of r.subs) {
        s.subs.set(sub.filter, sub);
        b.router.tree.add(sub);
      }
      let maxPid = 0;
      for (const { id, out: o } of r.messages) {
        const out: Outgoing = { ...o, msg: { ...o.msg, topicBytes: Buffer.from(o.msg.topic) }, sid: id };
        if (o.pid > 0 && !s.inflight.has(o.pid)) {
          s.inflight.set(o.pid, out);
          if (o.pid > maxPid) maxPid = o.pid;
        } else {
          out.pid = 0;
          out.state = 0;
          s.queue.push(out);
        }
      }
      s.nextPid = maxPid >= 65535 ? 1 : maxPid + 1;
      for (const pid of r.qos2In) s.qos2In.add(pid);
      this.all.set(r.clientId, s);
      this.limits.set(r.clientId, true);
      if (r.expiry !== NEVER) this.armExpiry(s, left);
    }
  }

  /** Stops every session's timers (the broker shuts down). */
  stop(): void {
    for (const s of this.all.values()) {
      s.expiryTimer?.cancel();
      s.willTimer?.cancel();
    }
  }
}
