// What a target implements: a byte transport and a timer. Nothing else is platform code.

/** Events a transport reports, to the driver. */
export interface TransportEvents {
  /** The connection is open. */
  onOpen(): void;
  /** Bytes can be read. */
  onReadable(): void;
  /** Writing may continue after a short write. */
  onWritable(): void;
  /** The connection closed, failed to open, or was closed by close(). */
  onClose(): void;
}

export interface Transport {
  /** Starts connecting; reports onOpen or onClose to events. */
  open(events: TransportEvents): void;
  /** Copies up to len received bytes into buf at off: the count (0 when none are waiting). */
  read(buf: Uint8Array, off: number, len: number): number;
  /** Writes as much of buf[off, off+len) as fits now: the count (the bytes are copied or sent before it returns). */
  write(buf: Uint8Array, off: number, len: number): number;
  /** Closes; onClose follows. */
  close(): void;
}

/** Receives the timer's expiry. */
export interface TimerTarget {
  onTimer(): void;
}

/** Time, one re-armable timer, and randomness (for back-off jitter). */
export interface Clock {
  now(): number;
  /** Arms the timer for absolute time `at` (ms, in now()'s scale), replacing any earlier one. */
  arm(at: number, target: TimerTarget): void;
  disarm(): void;
  /** A number in [0, 1). */
  random(): number;
}
