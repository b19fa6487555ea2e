// The one pump between a session and a byte transport: received bytes and time in, bytes out
// (with partial writes and back-pressure), the next wake-up armed, reconnects run with the
// session's back-off. Targets implement only Transport and Clock.
//
// Stack depth on XS, said once for the core: a device's XS stack holds a few hundred slots (256
// on the ESP8266) and a received message runs socket callback -> driver -> session -> codec ->
// the application's handler, which may publish. So the hot paths end in tail calls
// (`return f()`), which XS runs in the caller's frame, and read arena and property fields
// directly where an accessor would add a frame. The comments that say "tail call" or "no call"
// refer here.
import { Session, SessionState } from '../session/session.js';
import { Clock, Transport, TransportEvents, TimerTarget } from './transport.js';
import type { ServerList } from './servers.js';

export const enum DriverState {
  Stopped = 0,
  Opening = 1,
  Open = 2,
  /** Waiting for the back-off delay before the next attempt. */
  Waiting = 3,
  Closing = 4,
}

/**
 * Driver.bits: the state in the low three bits and two flags. One number costs one heap slot
 * on XS, where three properties cost three.
 */
const enum Bits {
  State = 7,
  /** The transport refused part of a write: wait for onWritable. */
  Blocked = 8,
  /** Inside a pump: a wake() from a handler is folded into it. */
  Pumping = 16,
}

export class Driver implements TransportEvents, TimerTarget {
  session: Session;
  transport: Transport;
  clock: Clock;
  /** When the next connection attempt is due (Waiting). */
  reconnectAt: number;
  /** State and flags (Bits). */
  private bits: number;
  /** Failover: the servers the transport connects to, chosen here; null: the transport's one server. */
  servers: ServerList | null;

  constructor(session: Session, transport: Transport, clock: Clock) {
    this.session = session;
    this.transport = transport;
    this.clock = clock;
    this.reconnectAt = -1;
    this.bits = DriverState.Stopped;
    this.servers = null;
    session.notifier = this;
  }

  // Outside code reads the state; inside, the bits are used directly (no accessor call in a frame).
  /** A DriverState. */
  get state(): number {
    return this.bits & Bits.State;
  }

  private setState(state: DriverState): void {
    this.bits += state - (this.bits & Bits.State);
  }

  /** Connects, and keeps reconnecting until stop(). */
  start(): void {
    const state = this.bits & Bits.State;
    if (state !== DriverState.Stopped && state !== DriverState.Waiting) return;
    this.session.start();
    if (this.servers !== null && state === DriverState.Stopped) this.servers.start(this.clock.random());
    this.open();
  }

  /**
   * Sends DISCONNECT (reasonCode) when connected, closes, and stops reconnecting. While the
   * connection is still opening there is nothing to say DISCONNECT on: it is abandoned.
   */
  stop(reasonCode: number): void {
    const state = this.bits & Bits.State;
    if (state === DriverState.Opening || state === DriverState.Waiting) return this.abort();
    this.session.disconnect(reasonCode);
    this.pump();
  }

  /**
   * Stops at once, without DISCONNECT (the server publishes the will): no more reconnects, and
   * the connection or the attempt to open one is closed (onClose follows) or the wait ended.
   */
  abort(): void {
    this.session.stop();
    const state = this.bits & Bits.State;
    if (state === DriverState.Waiting) {
      this.setState(DriverState.Stopped);
      this.clock.disarm();
    } else if (state !== DriverState.Stopped) {
      this.transport.close();
    }
  }

  private open(): void {
    this.setState(DriverState.Opening);
    this.bits -= this.bits & Bits.Blocked;
    if (this.servers !== null) this.servers.opening();
    this.transport.open(this);
  }

  onOpen(): void {
    if ((this.bits & Bits.State) !== DriverState.Opening) return;
    this.setState(DriverState.Open);
    this.session.connectionMade(this.clock.now());
    this.pump();
  }

  // `return this.pump()`: tail calls (stack depth, above).
  onReadable(): void {
    if ((this.bits & Bits.State) !== DriverState.Open) return;
    return this.pump();
  }

  onWritable(): void {
    this.bits -= this.bits & Bits.Blocked;
    const state = this.bits & Bits.State;
    if (state === DriverState.Open || state === DriverState.Closing) return this.pump();
  }

  onClose(): void {
    if ((this.bits & Bits.State) === DriverState.Stopped) return;
    this.clock.disarm();
    const s = this.session;
    const list = this.servers;
    // Read before connectionLost resets them: whether CONNACK accepted, and why it ended.
    const accepted = s.state === SessionState.Connected;
    const code = s.closeCode;
    let delay = s.connectionLost(this.clock.now(), this.clock.random());
    if (delay < 0) {
      this.setState(DriverState.Stopped);
      return;
    }
    if (list !== null && list.closed(accepted, code, s.rx, this.clock.random())) {
      // The next server goes at once: the back-off counts rounds over the list, not attempts.
      delay = 0;
      if (s.attempt > 0) s.attempt -= 1;
    }
    this.setState(DriverState.Waiting);
    this.reconnectAt = this.clock.now() + delay;
    this.clock.arm(this.reconnectAt, this);
  }

  onTimer(): void {
    const now = this.clock.now();
    if ((this.bits & Bits.State) === DriverState.Waiting) {
      if (now >= this.reconnectAt) this.open();
      else this.clock.arm(this.reconnectAt, this);
      return;
    }
    if ((this.bits & Bits.State) !== DriverState.Open) return;
    this.session.tick(now);
    this.pump();
  }

  /** The session has something to send (publish, subscribe... called by the application). */
  wake(): void {
    const state = this.bits & Bits.State;
    if (state === DriverState.Open || state === DriverState.Closing) return this.pump();
  }

  /** Reads, processes, writes, until nothing moves; then arms the timer or closes. */
  pump(): void {
    if ((this.bits & Bits.Pumping) !== 0) return;
    this.bits += Bits.Pumping;
    const s = this.session;
    const now = this.clock.now();
    for (let guard = 0; guard < 1000; guard++) {
      let moved = false;
      if ((this.bits & Bits.State) === DriverState.Open && s.state !== SessionState.Idle) {
        // Back-pressure: read only into free receive space; the session stops taking packets
        // while its send buffer is full, so unread bytes stay with the transport.
        let room = s.receiveRoom();
        if (room > 0 && !s.closeWanted) {
          const n = this.transport.read(s.receiveBuffer(), s.receiveAt(), room);
          if (n > 0) {
            s.received(n);
            room -= n;
            moved = true;
          }
        }
        s.process(now);
        // Packets taken from a full receive buffer (held back while the send buffer was full)
        // make room to read again: the transport will not say readable a second time.
        if (s.receiveRoom() > room) moved = true;
      }
      if ((this.bits & Bits.Blocked) === 0 && s.unsent() > 0) {
        const len = s.unsent();
        const w = this.transport.write(s.sendBuffer(), s.sendAt(), len);
        if (w > 0) {
          s.written(w);
          moved = true;
        }
        if (w < len) this.bits += Bits.Blocked - (this.bits & Bits.Blocked);
        if (w > 0) s.sendDue();
      }
      if (!moved) break;
    }
    this.bits -= Bits.Pumping;
    if (s.closeWanted && s.unsent() === 0 && (this.bits & Bits.State) === DriverState.Open) {
      this.setState(DriverState.Closing);
      this.clock.disarm();
      this.transport.close();
      return;
    }
    if ((this.bits & Bits.State) === DriverState.Open) {
      const at = s.nextWake();
      if (at >= 0) this.clock.arm(at, this);
      else this.clock.disarm();
    }
  }
}
