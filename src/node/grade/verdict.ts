// A report card's entries: each check passes, fails with the packets that show it, or was not
// exercised, with the reason.

export type Outcome = 'pass' | 'fail' | 'not exercised';

export interface Verdict {
  id: string;
  name: string;
  outcome: Outcome;
  /** One line: what was seen, or why it was not exercised. */
  reason: string;
  /** Trace lines (packets, faults) that show it. */
  evidence: string[];
}

export interface ReportCard {
  /** What was graded (the command, or the name given with --name). */
  client: string;
  clientId: string;
  /** 3, 4 or 5; 0 when no client connected. */
  version: number;
  started: string;
  seconds: number;
  verdicts: Verdict[];
}

/** The checks, in the order of the card. */
export const CHECKS: readonly [string, string][] = [
  ['reconnect', 'reconnects with back-off and jitter'],
  ['resubscribe', 'resubscribes when the session was not kept'],
  ['resend', 'resends unacknowledged QoS 1/2 with DUP and the same packet id'],
  ['qos2-exactly-once', 'QoS 2 exactly once under duplicated PUBLISH and PUBREL'],
  ['keep-alive', 'keeps the connection alive within 1.5x its keep alive'],
  ['receive-maximum', "respects the broker's Receive Maximum"],
  ['maximum-packet-size', "respects the broker's Maximum Packet Size"],
  ['topic-alias-maximum', "respects the broker's Topic Alias Maximum"],
  ['will', 'sets a will'],
  ['clean-disconnect', 'ends with a clean DISCONNECT'],
];

export function verdict(id: string, outcome: Outcome, reason: string, evidence: string[] = []): Verdict {
  const entry = CHECKS.find(([k]) => k === id);
  return { id, name: entry ? entry[1] : id, outcome, reason, evidence };
}

export function counts(card: ReportCard): { pass: number; fail: number; notExercised: number } {
  const n = (o: Outcome): number => card.verdicts.filter((v) => v.outcome === o).length;
  return { pass: n('pass'), fail: n('fail'), notExercised: n('not exercised') };
}
