// Time for the Node client: the driver's Clock plus the client's own timers (acknowledgement
// and end deadlines), so that a test can run a client on virtual time.
import type { Clock } from '../../core/driver/transport.js';
import { NodeClock } from '../transports/clock.js';

export interface ClientClock extends Clock {
  /** Calls fn once after ms; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
  /** Stops every timer for good (the client has ended). */
  dispose(): void;
}

/** Real time: performance.now() and setTimeout. */
export class NodeClientClock extends NodeClock implements ClientClock {
  after(ms: number, fn: () => void): () => void {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  }
}
