// The bench console as a person uses it: the broker started with --console, clients publishing,
// the page opened in headless chromium; a fault injected through the page's form; the charts,
// the topic tree, a client's timeline and its exports checked for what the run did; screenshots
// saved under build/console/.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import type { Page } from 'puppeteer-core';
import { startBroker } from '../../src/broker/index.js';
import { CLI, client, startCli } from '../broker/helpers.js';
import { until as untilEvent } from '../node/helpers.js';
import { chromium, shotPath } from './browser.js';

/** Polls a JavaScript expression in the page (where the DOM is) until it is truthy (bounded): its value. */
async function until<T>(page: Page, what: string, expr: string, ms = 15000): Promise<T> {
  const h = await page.waitForFunction(expr, { timeout: ms, polling: 100 }).catch(() => {
    throw new Error(`the page never showed ${what}`);
  });
  return (await h.jsonValue()) as T;
}

test('the console shows the fleet, the topics, a client timeline and an injected fault', async (t) => {
  const browser = await chromium(t);
  if (typeof browser === 'string') {
    t.log(`SKIP: ${browser}`);
    t.pass();
    return;
  }
  const b = await startBroker({ port: 0, sysInterval: 0, consolePort: 0 });
  t.teardown(() => b.close());
  t.truthy(b.consoleUrl);
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1400 });
  await page.goto(b.consoleUrl!);
  await until(page, 'its MQTT connection', "document.getElementById('status')?.className === 'up'");
  // The page's client: xsmqtt's core in the browser, over the console's WebSocket.
  const pageConn = [...b.broker.connections].find((c) => c.label === 'console');
  t.regex(pageConn?.clientId ?? '', /^bench-console-/);

  // A subscriber at QoS 1 (the broker's deliveries to it give the round trip) and two devices.
  const sub = await client(t, b.port, { clientId: 'sub-1' });
  await sub.subscribeAsync('fleet/#', { qos: 1 });
  const devs = await Promise.all(['dev-1', 'dev-2'].map((id) => client(t, b.port, { clientId: id, protocolVersion: 5 })));
  await devs[0].publishAsync('fleet/dev-1/status', 'online', { qos: 1, retain: true });
  let n = 0;
  const timer = setInterval(() => {
    n++;
    for (const [i, d] of devs.entries()) d.publish(`fleet/dev-${i + 1}/temp`, JSON.stringify({ n, c: 20 + i }), { qos: 1 });
  }, 100);
  t.teardown(() => clearInterval(timer));

  // The form, as a person fills it: one dropped PUBACK towards dev-2.
  await page.select('#fault-form select[name=kind]', 'drop');
  await page.click('#fault-form input[name=client]', { count: 3 });
  await page.type('#fault-form input[name=client]', 'dev-2');
  await page.type('#fault-form input[name=packet]', 'puback');
  await page.click('#fault-add');
  const status = await until<string>(page, 'the broker accepting the rule',
    `(document.getElementById('fault-status')?.textContent ?? '').includes('"event"') && document.getElementById('fault-status').textContent`);
  t.regex(status, /"event":"added".*"kind":"drop".*"client":"dev-2"/);
  const mark = await until<string>(page, 'the fault marker', `document.querySelector('#fault-marks li')?.textContent`);
  t.regex(mark, /drop #\d+ dev-2/);

  // Charts: data points for connected clients, messages in and out, and the round trip.
  const figures = await until<Record<string, number>>(page, 'chart data', `(() => {
    const plots = window.xsmqttConsole.charts.plots;
    const max = (p, s) => Math.max(0, ...plots[p].data[s].map((v) => v ?? 0));
    const f = { points: plots[0].data[0].length, connected: max(0, 1), in: max(1, 1), out: max(1, 2), p50: max(2, 1), p99: max(2, 2) };
    // Two points at least: the charts add one a second, and a loaded machine may be read after the first.
    return f.points >= 2 && f.connected >= 4 && f.in > 0 && f.out > 0 && f.p99 > 0 ? f : null;
  })()`);
  t.log(`charts: ${JSON.stringify(figures)}`);
  t.true(figures!.points >= 2);

  // The topic tree: the topics published, the retained one flagged, a rate.
  await until(page, 'the topics', `document.querySelector('[data-topic="fleet/dev-2/temp"]') !== null`);
  const status1 = await page.$eval('[data-topic="fleet/dev-1/status"]', (e) => e.textContent ?? '');
  t.regex(status1, /retained/);
  t.regex(status1, /online/);
  const temp = await until<string>(page, 'a topic rate', `(() => {
    const text = document.querySelector('[data-topic="fleet/dev-1/temp"]')?.textContent ?? '';
    return /[1-9]\\d*\\/s/.test(text) ? text : '';
  })()`);
  t.regex(temp, /"n":\d+/);

  // dev-2's timeline: CONNECT, CONNACK, PUBLISH and PUBACK from the trace, and the fault.
  await until(page, 'dev-2 in the client list', `[...document.querySelectorAll('#timeline-client option')].some((o) => o.value === 'dev-2')`);
  await page.select('#timeline-client', 'dev-2');
  const types = await until<string[]>(page, "dev-2's packets", `(() => {
    const ts = [...document.querySelectorAll('#timeline-rows tr[data-type]')].map((r) => r.getAttribute('data-type'));
    return ts.includes('PUBACK') && ts.includes('FAULT') ? ts : null;
  })()`);
  for (const type of ['CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'FAULT']) t.true(types!.includes(type), type);
  await page.screenshot({ path: shotPath('console.png'), fullPage: true });
  await (await page.$('#client'))!.screenshot({ path: shotPath('timeline.png') });

  // The exports the page links to.
  const exported = (await page.evaluate(`(async () => {
    const jsonl = await (await fetch(document.getElementById('export-jsonl').href)).text();
    const pcap = new Uint8Array(await (await fetch(document.getElementById('export-pcapng').href)).arrayBuffer());
    return { lines: jsonl.trim().split('\\n').map((l) => JSON.parse(l).type), magic: Array.from(pcap.subarray(0, 4)) };
  })()`)) as { lines: string[]; magic: number[] };
  t.is(exported.lines[0], 'CONNECT');
  t.true(exported.lines.includes('PUBACK'));
  t.deepEqual(exported.magic, [0x0a, 0x0d, 0x0d, 0x0a]);
});

test('`xsmqtt broker --console 0` prints the console address, which serves the page; a bad port is one line and exit 2', async (t) => {
  const { child, err } = await startCli(t, ['-p', '0', '--console', '0']);
  const line = /bench console: (http:\/\/127\.0\.0\.1:\d+\/)/;
  await untilEvent(child.stderr!, 'data', () => line.test(err()));
  const url = line.exec(err())![1];
  const page = await (await fetch(url)).text();
  t.regex(page, /<script src="\/console.js">/);
  const script = await fetch(new URL('/console.js', url));
  t.is(script.status, 200);
  t.true((await script.text()).length > 10000);
  const bad = spawnSync(process.execPath, [CLI, 'broker', '--console', '70000'], { encoding: 'utf8' });
  t.is(bad.status, 2);
  t.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  t.regex(bad.stderr, /--console/);
});

