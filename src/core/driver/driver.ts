// The one pump between a session and a byte transport: received bytes and time in, bytes out
// (with partial writes and back-pressure), the next wake-up armed, reconnects run with the
// session's back-off. Targets implement only Transport and Clock.
import { Session, SessionState } from '../session/session.js';
import { Clock, Transport, TransportEvents, TimerTarget } from './transport.js';

export const enum DriverState {
  Stopped = 0,
  Opening = 1,
  Open = 2,
  /** Waiting for the back-off delay before the next attempt. */
  Waiting = 3,
  Closing = 4,
}

export class Driver implements TransportEvents, TimerTarget {
  session: Session;
  transport: Transport;
  clock: Clock;
  state: number;
  /** When the next connection attempt is due (Waiting). */
  reconnectAt: number;
  /** The transport refused part of a write: wait for onWritable. */
  blocked: boolean;
  /** Inside a pump: a wake() from a handler is folded into it. */
  pumping: boolean;
  /** Connection attempts started, and connections lost (for tests and statistics). */
  attempts: number;

  constructor(session: Session, transport: Transport, clock: Clock) {
    this.session = session;
    this.transport = transport;
    this.clock = clock;
    this.state = DriverState.Stopped;
    this.reconnectAt = -1;
    this.blocked = false;
    this.pumping = false;
    this.attempts = 0;
    session.notifier = this;
  }

  /** Connects, and keeps reconnecting until stop(). */
  start(): void {
    if (this.state !== DriverState.Stopped && this.state !== DriverState.Waiting) return;
    this.session.start();
    this.open();
  }

  /** Sends DISCONNECT (reasonCode) when connected, closes, and stops reconnecting. */
  stop(reasonCode: number): void {
    this.session.disconnect(reasonCode);
    if (this.state === DriverState.Waiting) {
      this.state = DriverState.Stopped;
      this.clock.disarm();
      return;
    }
    this.pump();
  }

  private open(): void {
    this.state = DriverState.Opening;
    this.blocked = false;
    this.attempts++;
    this.transport.open(this);
  }

  onOpen(): void {
    if (this.state !== DriverState.Opening) return;
    this.state = DriverState.Open;
    this.session.connectionMade(this.clock.now());
    this.pump();
  }

  // `return this.pump()`: tail calls, so that on XS the pump runs in the callback's frame (stack depth).
  onReadable(): void {
    if (this.state !== DriverState.Open) return;
    return this.pump();
  }

  onWritable(): void {
    this.blocked = false;
    if (this.state === DriverState.Open || this.state === DriverState.Closing) return this.pump();
  }

  onClose(): void {
    if (this.state === DriverState.Stopped) return;
    this.clock.disarm();
    const delay = this.session.connectionLost(this.clock.now(), this.clock.random());
    if (delay < 0) {
      this.state = DriverState.Stopped;
      return;
    }
    this.state = DriverState.Waiting;
    this.reconnectAt = this.clock.now() + delay;
    this.clock.arm(this.reconnectAt, this);
  }

  onTimer(): void {
    const now = this.clock.now();
    if (this.state === DriverState.Waiting) {
      if (now >= this.reconnectAt) this.open();
      else this.clock.arm(this.reconnectAt, this);
      return;
    }
    if (this.state !== DriverState.Open) return;
    this.session.tick(now);
    this.pump();
  }

  /** The session has something to send (publish, subscribe... called by the application). */
  wake(): void {
    if (this.state === DriverState.Open || this.state === DriverState.Closing) return this.pump();
  }

  /** Reads, processes, writes, until nothing moves; then arms the timer or closes. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const s = this.session;
    const f = s.framer;
    const now = this.clock.now();
    for (let guard = 0; guard < 1000; guard++) {
      let moved = false;
      if (this.state === DriverState.Open && s.state !== SessionState.Idle) {
        // Back-pressure: read only into free receive space; the session stops taking packets
        // while its send buffer is full, so unread bytes stay with the transport.
        let room = f.space();
        if (room > 0 && !s.closeWanted) {
          const n = this.transport.read(f.buf, f.fill, room);
          if (n > 0) {
            f.commit(n);
            room -= n;
            moved = true;
          }
        }
        s.process(now);
        // Packets taken from a full receive buffer (held back while the send buffer was full)
        // make room to read again: the transport will not say readable a second time.
        if (f.space() > room) moved = true;
      }
      if (!this.blocked && s.pending() > 0) {
        const len = s.pending();
        const w = this.transport.write(s.out, s.outStart, len);
        if (w > 0) {
          s.written(w);
          moved = true;
        }
        if (w < len) this.blocked = true;
        if (w > 0) s.pump();
      }
      if (!moved) break;
    }
    this.pumping = false;
    if (s.closeWanted && s.pending() === 0 && this.state === DriverState.Open) {
      this.state = DriverState.Closing;
      this.clock.disarm();
      this.transport.close();
      return;
    }
    if (this.state === DriverState.Open) {
      const at = s.nextWake();
      if (at >= 0) this.clock.arm(at, this);
      else this.clock.disarm();
    }
  }
}
