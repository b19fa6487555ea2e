// What a session tells the keeper of its persistent state (SessionOptions.persistence), at
// each change that must survive power loss, before anything depending on it is sent.
import type { Session } from './session.js';

export interface Persistence {
  /** Called once by the Session constructor: loads the saved state into the session's tables. */
  attach(session: Session): void;
  /** Message slot `slot` of session.store changed (stored, sent with an id, PUBREC, freed). */
  message(slot: number): void;
  /** Inbound QoS 2 packet id now held (delivered, awaiting PUBREL) or released. */
  inbound(id: number, held: boolean): void;
  /** Subscription slot `slot` of session.subs changed. */
  subscription(slot: number): void;
  /** Many changes at once (a CONNACK without a session): save the whole state. */
  snapshot(): void;
}
