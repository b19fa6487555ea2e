// The one polling wait the host tests share, for conditions on another process or a real
// socket that no event announces. It waits for a condition, never for a time: it returns as soon
// as cond() holds, and the bound only turns a hang into a failure that says what was awaited.
// On simulated time (broker/memory-client.ts, session/harness.ts) no wait is needed at all.

/** Resolves once cond() holds, checked every `every` ms; rejects after ms naming what it awaited. */
export async function until(cond: () => boolean, what: string, ms = 5000, every = 10): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
