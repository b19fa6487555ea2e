// One second of the fleet, as the broker's side computes it and the page draws it: on
// $bench/console/fleet each second and in /api/fleet's history. Shared by both sides, so it
// imports nothing (the page is built without Node's types).

export interface FleetSample {
  /** ms since the epoch, at the end of the second. */
  t: number;
  connected: number;
  inPerS: number;
  outPerS: number;
  /** Round trip of QoS 1/2 deliveries in this second, ms; null when none completed. */
  rttP50: number | null;
  rttP99: number | null;
  reconnects: number;
  /** Faults that fired in this second: when (ms since the epoch) and "kind #id client". */
  faults: { t: number; text: string }[];
}
