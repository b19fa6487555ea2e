// Reconnect delays: exponential from `base` up to `max`, with a random share (`jitter`) so
// that many devices cut off together do not all come back at once. Randomness is an input;
// the attempt count is the caller's (a session keeps it with its other numbers).

/** The delay in ms before attempt `attempt` (0 first), given random in [0, 1): base * 2^attempt capped at max, of which `jitter` is random. */
export function backoffDelay(base: number, max: number, jitter: number, attempt: number, random: number): number {
  let d = base;
  for (let i = 0; i < attempt && d < max; i++) d *= 2;
  if (d > max) d = max;
  return Math.floor(d * (1 - jitter) + d * jitter * random);
}
