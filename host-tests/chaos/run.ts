// `npm run chaos [-- --faults N --seed S --minutes M --rate R --devices N --interval MS --no-suite]`:
// one chaos run (chaos.ts), a table of what happened, and as the last line a JSON summary. Exits
// 1 when an acknowledged message was lost, a QoS 2 message arrived twice or the broker crashed.
import { FAULT_NAMES } from './faults.js';
import { CHAOS_DEFAULTS, ChaosOptions, ChaosResult, QosCounts, runChaos } from './chaos.js';

const USAGE = 'usage: chaos [--faults N] [--seed S] [--minutes M] [--rate FAULTS_PER_S] [--devices PER_QOS] [--interval MS] [--drain S] [--no-suite] [--without cut,kill,drop,delay,duplicate,close]';

export function parseChaosArgs(argv: string[]): Partial<ChaosOptions> {
  const o: Partial<ChaosOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-suite') { o.suite = false; continue; }
    if (a === '--without') {
      const kinds = (argv[++i] ?? '').split(',');
      const bad = kinds.filter((k) => !(FAULT_NAMES as readonly string[]).includes(k));
      if (bad.length > 0) throw new Error(`--without: unknown fault '${bad.join(',')}' (one of ${FAULT_NAMES.join(' ')})\n${USAGE}`);
      o.without = kinds;
      continue;
    }
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number\n${USAGE}`);
    switch (a) {
      case '--faults': o.faults = Math.floor(v); break;
      case '--seed': o.seed = Math.floor(v); break;
      case '--minutes': o.maxMs = v * 60000; break;
      case '--rate': o.rate = Math.max(0.1, v); break;
      case '--devices': o.devicesPerQos = Math.max(1, Math.floor(v)); break;
      case '--interval': o.intervalMs = Math.max(10, Math.floor(v)); break;
      case '--drain': o.drainMs = v * 1000; break;
      default: throw new Error(`unknown option '${a}'\n${USAGE}`);
    }
  }
  return o;
}

export function formatChaos(r: ChaosResult, o: ChaosOptions): string {
  const rows: string[] = [];
  const kinds = Object.entries(r.faultsByKind).sort((a, b) => b[1] - a[1]);
  rows.push(`faults injected: ${r.faults} (budget ${o.faults}, seed ${o.seed})`);
  for (const [k, n] of kinds) rows.push(`  ${k.padEnd(22)} ${String(n).padStart(7)}`);
  const head = ['', 'queue full', 'sent', 'acknowledged', 'failed', 'delivered', 'lost', 'duplicates'];
  const line = (name: string, c: QosCounts): string =>
    [name, c.queueFull, c.sent, c.acked, c.notAcked, c.delivered, c.lost, c.duplicates].map((x, i) => String(x).padStart(i === 0 ? 6 : 13)).join('');
  rows.push(head.map((x, i) => x.padStart(i === 0 ? 6 : 13)).join(''));
  rows.push(line('QoS 1', r.qos1));
  rows.push(line('QoS 2', r.qos2));
  for (const [name, c] of [['QoS 1', r.qos1], ['QoS 2', r.qos2]] as const) {
    if (c.notAcked > 0) rows.push(`  ${name} failed, by reason code: ${JSON.stringify(c.failCodes)}`);
  }
  rows.push(`reconnects ${r.reconnects}, broker restarts ${r.brokerRestarts}, broker crashes ${r.brokerCrashes.length}, persistent sessions lost ${r.sessionsLost}`);
  rows.push(`integration suite: ${r.suiteRuns} runs, scenarios passed ${r.suitePassed}, failed ${r.suiteFailed} (under faults; informational)`);
  const sf = Object.entries(r.suiteFailures).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} x${n}`);
  if (sf.length > 0) rows.push(`  failed scenarios: ${sf.join('; ')}`);
  rows.push(`drained: ${r.drained ? 'yes' : 'NO (telemetry still unfinished or missing at the end of the drain)'}; ${(r.durationMs / 1000).toFixed(1)} s`);
  if (r.lostKeys.length > 0) rows.push(`FINDING lost acknowledged messages (device:seq): ${r.lostKeys.join(' ')}`);
  if (r.duplicateKeys.length > 0) {
    rows.push(`FINDING QoS 2 messages delivered twice (device:seq): ${r.duplicateKeys.join(' ')}`);
    const since = (t: number): string => {
      const before = r.restartTimes.filter((x) => x <= t);
      return before.length === 0 ? 'no broker restart before' : `${t - before[before.length - 1]} ms after a broker restart`;
    };
    for (const d of r.duplicateDetails) rows.push(`  ${d} (${since(Number(/again .* at (\d+)$/.exec(d)?.[1] ?? 0))})`);
  }
  for (const c of r.brokerCrashes) rows.push(`FINDING broker crashed (code ${c.code}, signal ${c.signal}): ${c.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  if (r.sessionsLost > 0) rows.push(`FINDING the broker lost ${r.sessionsLost} persistent session(s) a client reconnected to`);
  for (const e of r.controlErrors) rows.push(`error from the broker on a fault request: ${e}`);
  if (r.faults < o.faults) rows.push(`note: the wall-clock cap ended the run before the fault budget was spent`);
  return rows.join('\n');
}

export function chaosJson(r: ChaosResult): string {
  return JSON.stringify({
    bench: 'chaos', faults: r.faults, lost: r.lost, qos2Duplicates: r.qos2Duplicates, qos1Duplicates: r.qos1Duplicates,
    sent: r.qos1.sent + r.qos2.sent, acked: r.qos1.acked + r.qos2.acked, delivered: r.qos1.delivered + r.qos2.delivered,
    reconnects: r.reconnects, brokerRestarts: r.brokerRestarts, brokerCrashes: r.brokerCrashes.length, sessionsLost: r.sessionsLost,
    drained: r.drained, seconds: Math.round(r.durationMs / 1000),
  });
}

async function main(): Promise<number> {
  let opts: Partial<ChaosOptions>;
  try {
    opts = parseChaosArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  const o: ChaosOptions = { ...CHAOS_DEFAULTS, ...opts, log: (l) => process.stdout.write(l + '\n'), signal: abort.signal };
  process.stdout.write(`chaos: ${o.faults} faults at up to ${o.rate}/s, ${o.devicesPerQos} devices per QoS every ${o.intervalMs} ms, seed ${o.seed}, cap ${(o.maxMs / 60000).toFixed(1)} min\n`);
  const r = await runChaos(o);
  process.stdout.write(formatChaos(r, o) + '\n' + chaosJson(r) + '\n');
  return r.lost > 0 || r.qos2Duplicates > 0 || r.brokerCrashes.length > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`chaos: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
