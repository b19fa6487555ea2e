// A chaos run: the companion broker as a child process on a SQLite store, the simulator's
// devices (QoS 1 and QoS 2) and the integration suite talking to it through a proxy that cuts
// connections at random bytes, the broker's own fault rules (drop, delay, duplicate, close)
// and kill -9 with a restart on the same store, until a budget of injected faults is spent.
// A checker subscriber counts what arrives; after a drain, every acknowledged message must
// have arrived, QoS 2 ones exactly once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allScenarios } from '../../src/core/suite/scenarios.js';
import { SuiteRunner } from '../../src/core/suite/runner.js';
import { SUITE_ACL, SUITE_RECEIVE_MAXIMUM } from '../../src/node/sim/device-test.js';
import { Scheduler } from '../../src/node/sim/scheduler.js';
import { NodeSuiteHost } from '../../src/node/sim/suite-host.js';
import { BrokerCrash, BrokerProcess, brokerSnapshot } from '../bench/broker-process.js';
import { Checker } from './checker.js';
import { FaultControl } from './control.js';
import { ChaosProxy, Direction } from './cut-proxy.js';
import { ChaosDevice } from './devices.js';
import { FaultPicker, Random } from './faults.js';

export interface ChaosOptions {
  /** Faults to inject (each counted when it happened: a cut, a rule firing, a kill). */
  faults: number;
  seed: number;
  /** Wall-clock cap on the injection phase, ms. */
  maxMs: number;
  /** Fault attempts a second. */
  rate: number;
  /** Devices per QoS. */
  devicesPerQos: number;
  intervalMs: number;
  /** Run the integration suite over and over beside the devices. */
  suite: boolean;
  /** How long the drain may take, ms. */
  drainMs: number;
  progressMs: number;
  log: (line: string) => void;
  /** Fault kinds left out (FAULT_NAMES: cut kill drop delay duplicate close). */
  without: string[];
  /** Ends the injection and the drain early (Ctrl-C). */
  signal?: AbortSignal;
}

export const CHAOS_DEFAULTS: ChaosOptions = {
  faults: 1000, seed: 1, maxMs: 600000, rate: 4, devicesPerQos: 6, intervalMs: 100, suite: true, drainMs: 60000,
  progressMs: 10000, log: () => undefined, without: [],
};

export interface QosCounts {
  /** Taken by the device's session (publish() gave a handle). */
  sent: number;
  acked: number;
  /** Finished with a failure reason code: not owed. By code in failCodes (hex: count). */
  notAcked: number;
  failCodes: Record<string, number>;
  /** publish() refused at once: the device's queue was full while it was offline or stalled. */
  queueFull: number;
  /** Distinct messages the checker got. */
  delivered: number;
  lost: number;
  duplicates: number;
}

export interface ChaosResult {
  faults: number;
  faultsByKind: Record<string, number>;
  qos1: QosCounts;
  qos2: QosCounts;
  lost: number;
  qos1Duplicates: number;
  qos2Duplicates: number;
  /** The first lost and QoS 2 duplicated (device:seq) keys; how those duplicates arrived. */
  lostKeys: string[];
  duplicateKeys: string[];
  duplicateDetails: string[];
  /** Date.now() of each broker restart (to set beside the duplicates' times). */
  restartTimes: number[];
  reconnects: number;
  brokerRestarts: number;
  brokerCrashes: BrokerCrash[];
  /** Reconnections to a persistent session the broker no longer had. */
  sessionsLost: number;
  /** Every acknowledged message arrived and no telemetry was still unfinished at the end. */
  drained: boolean;
  suiteRuns: number;
  suitePassed: number;
  suiteFailed: number;
  /** Failed scenario names and how often (the suite expects a clean link: informational). */
  suiteFailures: Record<string, number>;
  controlErrors: string[];
  durationMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runChaos(opts: Partial<ChaosOptions>): Promise<ChaosResult> {
  const o: ChaosOptions = { ...CHAOS_DEFAULTS, ...opts };
  const t0 = Date.now();
  const rnd = new Random(o.seed);
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-chaos-'));
  const acl = join(dir, 'acl.txt');
  writeFileSync(acl, SUITE_ACL);
  const snap = brokerSnapshot();
  const broker = new BrokerProcess(snap.command, [
    '--store', join(dir, 'broker.db'), '--sys-interval', '0', '--max-queued', '100000', '--max-inflight', '64',
    '--receive-maximum', String(SUITE_RECEIVE_MAXIMUM), '--acl-file', acl,
  ]);
  const sched = new Scheduler();
  const byKind: Record<string, number> = {};
  const count = (kind: string): void => { byKind[kind] = (byKind[kind] ?? 0) + 1; };
  let proxy: ChaosProxy | null = null;
  let ctlProxy: ChaosProxy | null = null;
  let control: FaultControl | null = null;
  let checker: Checker | null = null;
  const devices: ChaosDevice[] = [];
  const suiteRef: { host: NodeSuiteHost | null } = { host: null };
  let stopping = false;
  let restarts = 0;
  const restartTimes: number[] = [];
  let restarting: Promise<void> | null = null;
  /** A restart that failed ends the run with its error. */
  let fatal: Error | null = null;
  const timers: NodeJS.Timeout[] = [];
  const suite = { runs: 0, passed: 0, failed: 0, failures: {} as Record<string, number> };

  const restart = (kill: boolean): Promise<void> => {
    if (restarting) return restarting;
    restarting = (async () => {
      if (kill) await broker.kill9();
      await sleep(rnd.int(800));
      const port = await broker.start();
      restarts++;
      restartTimes.push(Date.now());
      proxy!.upstreamPort = port;
      ctlProxy!.upstreamPort = port;
    })().catch((e: Error) => { fatal = e; }).finally(() => { restarting = null; });
    return restarting;
  };

  try {
    const port = await broker.start();
    broker.onCrash = () => { if (!stopping) void restart(false); };
    proxy = new ChaosProxy(port);
    ctlProxy = new ChaosProxy(port);
    await proxy.listen();
    await ctlProxy.listen();
    proxy.onCut = (d: Direction) => count(d === 'up' ? 'cut client->broker' : 'cut broker->client');

    const tag = `${process.pid % 100000}`;
    control = new FaultControl('127.0.0.1', ctlProxy.port, sched, `bench-chaos-${tag}`);
    control.onFired = (kind) => count(kind);
    await withTimeout(control.start(), 30000, 'the bench control client did not connect');
    const qosOf = new Map<string, number>();
    for (let i = 0; i < o.devicesPerQos * 2; i++) {
      const qos = 1 + (i % 2);
      const id = `chaos-dev-${tag}-${String(i + 1).padStart(2, '0')}`;
      qosOf.set(id, qos);
      devices.push(new ChaosDevice({
        id, index: i, host: '127.0.0.1', port: proxy.port, version: (i >> 1) % 2 === 0 ? 5 : 4, qos,
        persistent: qos === 2 || (i >> 1) % 3 === 0, interval: o.intervalMs, seed: (o.seed * 7919 + i) >>> 0,
      }, sched));
    }
    const checkerId = `chaos-check-${tag}`;
    checker = new Checker('127.0.0.1', proxy.port, sched, checkerId, (id) => qosOf.get(id) ?? -1);
    await withTimeout(checker.start(), 30000, 'the checker did not subscribe');
    for (const d of devices) d.start();

    if (o.suite) {
      void (async () => {
        for (let run = 0; !stopping; run++) {
          const h = new NodeSuiteHost('127.0.0.1', proxy!.port, (line) => {
            const m = /^not ok \d+ - (.*?) #/.exec(line);
            if (m) suite.failures[m[1]] = (suite.failures[m[1]] ?? 0) + 1;
          });
          suiteRef.host = h;
          new SuiteRunner(h, `sc${tag}`, run % 2 === 0 ? 5 : 4, allScenarios()).start();
          const r = await h.done;
          h.shutdown();
          if (stopping) break;
          suite.runs++;
          suite.passed += r.passed;
          suite.failed += r.failed;
        }
      })();
    }

    // Injection.
    const picker = new FaultPicker(rnd, devices.map((d) => ({ id: d.id, qos: d.spec.qos })), checkerId, o.without);
    const injected = (): number => Object.values(byKind).reduce((a, b) => a + b, 0);
    let lastKill = Date.now();
    const progress = (phase: string): void => {
      const s = totals(devices, checker!);
      o.log(`${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s ${phase}: faults ${injected()}/${o.faults}, sent ${s.sent}, acked ${s.acked}, ` +
        `delivered ${s.delivered}, reconnects ${reconnects(devices, checker!)}, broker restarts ${restarts}, suite runs ${suite.runs}`);
    };
    timers.push(setInterval(() => progress(stopping ? 'drain' : 'chaos'), o.progressMs));
    let ruleBase = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        if (injected() >= o.faults || Date.now() - t0 >= o.maxMs || o.signal?.aborted || fatal) {
          clearInterval(tick);
          resolve();
          return;
        }
        if (restarting) return;
        const f = picker.next();
        if (!f) return;
        const pendingRules = control!.requested - control!.firedTotal - ruleBase;
        // At least one kill in any run of some size, half way through at the latest.
        const killDue = restarts === 0 && o.faults >= 20 && injected() >= o.faults / 2 && !o.without.includes('kill');
        if ((f.kind === 'kill' && Date.now() - lastKill > 4000) || killDue) {
          lastKill = Date.now();
          ruleBase = control!.requested - control!.firedTotal;
          count('kill -9');
          void restart(true);
        } else if (f.kind === 'rule' && pendingRules < 20) {
          control!.request(f.rule!, f.params!);
        } else if (o.without.includes('cut')) {
          return;
        } else if (rnd.next() < 0.2) {
          // The next connection: its CONNECT, CONNACK, SUBSCRIBE or first PUBLISH.
          proxy!.armNext(rnd.next() < 0.5 ? 'up' : 'down', rnd.int(80));
        } else {
          proxy!.armLive((n) => rnd.int(n), rnd.next() < 0.5 ? 'up' : 'down', rnd.int(600));
        }
      }, Math.max(10, Math.round(1000 / o.rate)));
      timers.push(tick);
    });

    // Drain: no more faults or telemetry; a reset of every connection sends again whatever a
    // fault held back; then wait until every message is finished and every acknowledged one is in.
    stopping = true;
    progress('chaos over');
    while (restarting) await restarting;
    if (fatal) throw fatal;
    control.clear();
    suiteRef.host?.shutdown();
    for (const d of devices) d.quiet();
    await sleep(500);
    proxy.resetAll();
    const drainStart = Date.now();
    let lastReset = drainStart;
    let lastDone = -1;
    let drained = false;
    while (Date.now() - drainStart < o.drainMs && !o.signal?.aborted) {
      const missing = owed(devices, checker).length;
      const unfinished = devices.reduce((a, d) => a + d.pending.size, 0);
      if (missing === 0 && unfinished === 0) {
        drained = true;
        break;
      }
      if (missing + unfinished !== lastDone) {
        lastDone = missing + unfinished;
        lastReset = Date.now();
      } else if (Date.now() - lastReset > 10000) {
        proxy.resetAll();
        lastReset = Date.now();
      }
      await sleep(200);
    }
    const lostKeys = owed(devices, checker);
    const q = (qos: number): QosCounts => {
      const ds = devices.filter((d) => d.spec.qos === qos);
      const failCodes: Record<string, number> = {};
      for (const d of ds) for (const [c, n] of d.failCodes) failCodes[`0x${c.toString(16)}`] = (failCodes[`0x${c.toString(16)}`] ?? 0) + n;
      return {
        sent: ds.reduce((a, d) => a + d.sent, 0),
        acked: ds.reduce((a, d) => a + d.acked.length, 0),
        notAcked: ds.reduce((a, d) => a + d.failed, 0),
        failCodes,
        queueFull: ds.reduce((a, d) => a + d.refused, 0),
        delivered: checker!.unique[qos],
        lost: lostKeys.filter((k) => qosOf.get(k.slice(0, k.lastIndexOf(':'))) === qos).length,
        duplicates: checker!.duplicates[qos],
      };
    };
    const qos1 = q(1);
    const qos2 = q(2);
    return {
      faults: injected(), faultsByKind: byKind, qos1, qos2, lost: qos1.lost + qos2.lost,
      qos1Duplicates: qos1.duplicates, qos2Duplicates: qos2.duplicates,
      lostKeys: lostKeys.slice(0, 10), duplicateKeys: checker.duplicateKeys[2].slice(), duplicateDetails: checker.duplicateDetails[2].slice(), restartTimes,
      reconnects: reconnects(devices, checker), brokerRestarts: restarts, brokerCrashes: broker.crashes.slice(),
      sessionsLost: checker.sessionLost + devices.reduce((a, d) => a + d.sessionLost, 0),
      drained, suiteRuns: suite.runs, suitePassed: suite.passed, suiteFailed: suite.failed, suiteFailures: suite.failures,
      controlErrors: control.errors.slice(), durationMs: Date.now() - t0,
    };
  } finally {
    stopping = true;
    for (const t of timers) clearInterval(t);
    suiteRef.host?.shutdown();
    for (const d of devices) d.stop();
    checker?.stop();
    control?.stop();
    await sleep(300);
    for (const d of devices) d.sim.kill();
    sched.stop();
    await proxy?.close();
    await ctlProxy?.close();
    if (restarting) await (restarting as Promise<void>).catch(() => undefined);
    await broker.stop();
    snap.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Acknowledged messages the checker has not seen, as device:seq. */
function owed(devices: ChaosDevice[], checker: Checker): string[] {
  const out: string[] = [];
  for (const d of devices) for (const seq of d.acked) if (!checker.has(d.id, seq)) out.push(`${d.id}:${seq}`);
  return out;
}

function totals(devices: ChaosDevice[], checker: Checker): { sent: number; acked: number; delivered: number } {
  return {
    sent: devices.reduce((a, d) => a + d.sent, 0),
    acked: devices.reduce((a, d) => a + d.acked.length, 0),
    delivered: checker.unique[1] + checker.unique[2],
  };
}

function reconnects(devices: ChaosDevice[], checker: Checker): number {
  return devices.reduce((a, d) => a + Math.max(0, d.connects - 1), 0) + Math.max(0, checker.connects - 1);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms); }),
  ]);
}
