// What a target provides to run the integration suite: connections for sessions, time, one
// timer, and a console. Everything else (scenarios, faults, results) is the same everywhere.
import { Session } from '../session/session.js';

export interface SuiteTimer {
  onTimer(): void;
}

export interface SuiteHost {
  now(): number;
  /** Calls target.onTimer() at time `at` (ms), replacing an earlier request. */
  schedule(at: number, target: SuiteTimer): void;
  /** Opens a connection for the session (its own transport and driver) and starts it: a link number. */
  open(session: Session): number;
  /** Sends DISCONNECT with reasonCode and stops the link (no reconnect). */
  close(link: number, reasonCode: number): void;
  /** Drops the link's connection with no DISCONNECT, as a device losing power does; no reconnect. */
  abort(link: number): void;
  /** True when the link is stopped and its connection closed. */
  closed(link: number): boolean;
  /** The closed link is not used again: what it holds (session, transport, driver) may be collected. */
  release(link: number): void;
  /** One line on the console. */
  print(line: string): void;
  /** The suite finished. */
  finished(passed: number, failed: number): void;
}
