// `make interop`: starts every peer on loopback, runs every feature scenario, prints the matrix,
// writes it to MATRIX.md and exits non-zero on any failing cell that is not a documented deviation.
// Flags: --only a,b (rows whose name contains a or b), --brokers / --clients / --cluster /
// --bridges (one section), --out FILE.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningBroker } from '../peers/proc.js';
import type { Version } from './adapter.js';
import { mqttjsAdapter } from './adapter-mqttjs.js';
import { clusterMarkdown, runCluster } from './cluster.js';
import { runTests, testSectionMarkdown, type TestSection } from './test-section.js';
import { runRow } from './runner.js';
import { FEATURES } from './scenarios.js';
import { BROKERS, CLIENTS, companionBroker, xsmqttAdapter, type BrokerSystem } from './systems.js';
import { isFailure, renderMarkdown, renderTerminal, type Row, type Section } from './table.js';

function parseArgs(argv: string[]): { only?: string[]; sections: Set<string>; out?: string } {
  const r: { only?: string[]; sections: Set<string>; out?: string } = { sections: new Set(['brokers', 'clients', 'cluster', 'bridges']) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') r.only = (argv[++i] ?? '').toLowerCase().split(',');
    else if (a === '--brokers') r.sections = new Set(['brokers']);
    else if (a === '--clients') r.sections = new Set(['clients']);
    else if (a === '--cluster') r.sections = new Set(['cluster']);
    else if (a === '--bridges') r.sections = new Set(['bridges']);
    else if (a === '--out') r.out = argv[++i];
  }
  return r;
}

const selected = (only: string[] | undefined, name: string): boolean => !only || only.some((o) => name.toLowerCase().includes(o));

let clusterFailed = false;
let bridgesFailed = false;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const sections: Section[] = [];
  let rowNo = 0;

  if (args.sections.has('brokers')) {
    const xs = await xsmqttAdapter();
    const client = typeof xs === 'string' ? mqttjsAdapter : xs;
    const section: Section = {
      title: 'Brokers the xsmqtt client works with',
      intro: typeof xs === 'string'
        ? `Client under test: **MQTT.js 5, standing in** (${xs}). Each broker is started on a free loopback port with its own configuration and stopped afterwards.`
        : `Client under test: ${client.name}. Each broker is started on a free loopback port with its own configuration and stopped afterwards.`,
      rows: [],
    };
    const brokers: BrokerSystem[] = [...BROKERS, companionBroker()];
    for (const b of brokers) {
      if (!selected(args.only, b.name)) continue;
      const missing = await b.missing();
      if (missing !== null) {
        const row: Row = { system: b.name, cells: new Map() };
        if (b.required) row.cells.set('connect', { outcome: { status: 'fail', note: missing }, ms: 0 });
        else row.note = missing;
        section.rows.push(row);
        continue;
      }
      process.stderr.write(`starting ${b.name}\n`);
      let broker: RunningBroker | undefined;
      try {
        const t0 = Date.now();
        broker = await b.start();
        process.stderr.write(`  ${b.name} listening on ${broker.host}:${broker.port} after ${Date.now() - t0} ms\n`);
        for (const v of [4, 5] as Version[]) {
          if (!client.versions.includes(v)) continue;
          section.rows.push(await runRow(`${b.name} (${v === 5 ? 'v5' : 'v3.1.1'})`, client, broker, v, b.deviations, ++rowNo, true, v === 5 && !b.v5));
        }
      } catch (e) {
        section.rows.push({ system: b.name, cells: new Map([['connect', { outcome: { status: 'fail', note: `could not start: ${(e as Error).message.slice(0, 300)}` }, ms: 0 }]]) });
      } finally {
        if (broker) await broker.stop();
      }
    }
    sections.push(section);
  }

  if (args.sections.has('clients')) {
    const companion = companionBroker();
    const companionMissing = await companion.missing();
    const target: BrokerSystem = companionMissing === null ? companion : BROKERS[0]!;
    const section: Section = {
      title: 'Clients the companion broker serves',
      intro: companionMissing === null
        ? `Broker under test: ${companion.name}.`
        : `Broker under test: **mosquitto 2.0, standing in** (${companionMissing}).`,
      rows: [],
    };
    let broker: RunningBroker | undefined;
    try {
      broker = await target.start();
      for (const c of CLIENTS) {
        const a = await c.adapter();
        if (typeof a === 'string') {
          const row: Row = { system: c.name, cells: new Map() };
          if (c.required) row.cells.set('connect', { outcome: { status: 'fail', note: a }, ms: 0 });
          else row.note = a;
          section.rows.push(row);
          continue;
        }
        if (!selected(args.only, a.name)) continue;
        for (const v of a.versions) {
          section.rows.push(await runRow(`${a.name} (${v === 5 ? 'v5' : 'v3.1.1'})`, a, broker, v, target.deviations, ++rowNo));
        }
      }
    } finally {
      if (broker) await broker.stop();
    }
    sections.push(section);
  }

  let cluster = '';
  if (args.sections.has('cluster') && selected(args.only, 'RabbitMQ cluster')) {
    process.stderr.write('starting a three-node RabbitMQ cluster\n');
    try {
      const r = await runCluster(undefined, (line) => process.stderr.write(`  ${line}\n`));
      cluster = clusterMarkdown(r);
      // Every device back on a live node and no acknowledged QoS 1 message lost, or the run fails.
      if (r.movedOff !== r.onKilled || r.connectedAtEnd !== r.options.devices || r.qos[1].lost > 0) clusterFailed = true;
    } catch (e) {
      cluster = clusterMarkdown((e as Error).message.split('\n')[0]);
      clusterFailed = true;
    }
  }

  let bridges = '';
  if (args.sections.has('bridges') && selected(args.only, 'bridges and failover')) {
    process.stderr.write('bridges and failover: host-tests/bridge and host-tests/failover\n');
    const section: TestSection = {
      title: 'Bridges and failover',
      intro: 'The companion broker bridging into mosquitto 2.0 and mosquitto bridging into it (`connection` sections, both directions, topic prefixes, QoS 1/2, retained messages, restarts of either side, loop prevention with MQTT 5 no local and try_private), and the client moving between servers (`servers`, a killed broker, server redirection), from `host-tests/bridge` and `host-tests/failover` run in this `make interop`.',
      outcomes: [],
    };
    try {
      section.outcomes = await runTests(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), ['dist/host-tests/bridge/*.test.js', 'dist/host-tests/failover/*.test.js']);
      if (section.outcomes.some((o) => o.status === 'FAIL')) bridgesFailed = true;
    } catch (e) {
      section.error = (e as Error).message;
      bridgesFailed = true;
    }
    bridges = testSectionMarkdown(section);
  }

  const columns = FEATURES.map((f) => ({ id: f.id, title: f.title }));
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const seconds = Math.round((Date.now() - started) / 1000);
  const header = `<!-- written by \`make interop\` (host-tests/interop-matrix/run.ts); do not edit by hand -->\n## Interoperability matrix\n\nLast measured ${when} on ${process.platform}/${process.arch}, Node ${process.version}, in ${seconds} s. ` +
    'Cells: pass; **FAIL**; deviation (the peer departs from the specification in a documented way, and the note says what the client did); n/a (the feature cannot be exercised with this peer, with the reason); — (not applicable to this protocol version).';
  const md = renderMarkdown(sections, columns, header) + (cluster === '' ? '' : `\n${cluster}`) + (bridges === '' ? '' : `\n${bridges}`);
  const here = dirname(fileURLToPath(import.meta.url));
  // Only a full run replaces the committed MATRIX.md; a partial one (--only, --brokers, --clients) needs --out.
  const partial = args.only !== undefined || args.sections.size < 4;
  const out = args.out ?? (partial ? undefined : join(here, '..', '..', '..', 'host-tests', 'interop-matrix', 'MATRIX.md'));
  if (out !== undefined) writeFileSync(out, md);
  process.stdout.write(renderTerminal(sections, columns) + (cluster === '' ? '' : `\n\n${cluster}`) + (bridges === '' ? '' : `\n\n${bridges}`) + `\n\n${out !== undefined ? `written to ${out}` : 'partial run: MATRIX.md left as it was (--out FILE writes this table)'} (${seconds} s)\n`);
  const failures = sections.flatMap((s) => s.rows.flatMap((r) => [...r.cells.values()])).filter(isFailure).length;
  if (failures) process.stdout.write(`${failures} failing cell(s)\n`);
  if (clusterFailed) process.stdout.write('the cluster run failed (see its section)\n');
  if (bridgesFailed) process.stdout.write('a bridge or failover test failed (see its section)\n');
  return failures || clusterFailed || bridgesFailed ? 1 : 0;
}

main().then((code) => { process.exit(code); }, (e: unknown) => { process.stderr.write(`interop: ${(e as Error).stack ?? String(e)}\n`); process.exit(2); });
