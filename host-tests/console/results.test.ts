// The verdicts on the console: a device's suite lines ($bench/results/<device>) and a report card
// ($bench/grade/<client id>, as `xsmqtt grade --console` publishes it) shown on the page; and the
// grade command serving its card on the console until it is told to end.
import test from 'ava';
import { spawn } from 'node:child_process';
import mqtt from 'mqtt';
import { startBroker } from '../../src/broker/index.js';
import { cardJson } from '../../src/node/grade/report.js';
import { verdict, type ReportCard } from '../../src/node/grade/verdict.js';
import { CLI, client } from '../broker/helpers.js';
import { chromium, shotPath } from './browser.js';

test('the page shows a device\'s suite results and a report card', async (t) => {
  const browser = await chromium(t);
  if (typeof browser === 'string') {
    t.log(`SKIP: ${browser}`);
    t.pass();
    return;
  }
  const b = await startBroker({ port: 0, sysInterval: 0, consolePort: 0 });
  t.teardown(() => b.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 2000 });
  await page.goto(b.consoleUrl!);
  await page.waitForFunction("document.getElementById('status')?.className === 'up'", { timeout: 15000, polling: 100 });
  // Subscribed once the page's SUBACK is in: its session lists the filters.
  await page.waitForFunction('window.xsmqttConsole?.mqtt?.connected === true', { timeout: 15000, polling: 100 });
  await new Promise((r) => setTimeout(r, 300));

  const device = await client(t, b.port, { clientId: 'bench-suite-dev-a' });
  for (const line of ['ok 1 - connect and CONNACK', 'not ok 2 - keep alive', 'ok 3 - QoS 2 duplicate suppression # SKIP no duplicate PUBREL arrived']) {
    await device.publishAsync('$bench/results/dev-a', line, { qos: 1 });
  }
  const card: ReportCard = {
    client: 'a test client', clientId: 'graded-1', version: 5, started: new Date().toISOString(), seconds: 12,
    verdicts: [
      verdict('reconnect', 'pass', 'delays 310, 640, 1290 ms, jittered'),
      verdict('keep-alive', 'fail', 'silent for 3.2 s with keep alive 2 s', ['CONNECT keepalive=2']),
      verdict('will', 'not exercised', 'no will in CONNECT'),
    ],
  };
  b.broker.publishInternal('$bench/grade/graded-1', Buffer.from(cardJson(card)), true);

  const suite = await page.waitForFunction(
    "(() => { const rows = [...document.querySelectorAll('#suite-results table[data-device=\"dev-a\"] tbody tr')].map((r) => r.textContent); return rows.length === 3 && rows; })()",
    { timeout: 10000, polling: 100 }).then((h) => h.jsonValue() as Promise<string[]>);
  t.deepEqual(suite, ['connect and CONNACKpass', 'keep aliveFAIL', 'QoS 2 duplicate suppressionskip (no duplicate PUBREL arrived)']);
  const caption = await page.waitForFunction(
    "document.querySelector('#report-cards table[data-client=\"graded-1\"] caption')?.textContent", { timeout: 10000, polling: 100 })
    .then((h) => h.jsonValue() as Promise<string>);
  t.is(caption, 'a test client: 1 pass, 1 fail, 1 not exercised');
  const outcomes = await page.$$eval('#report-cards table[data-client="graded-1"] tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  t.deepEqual(outcomes, ['pass', 'fail', 'not exercised']);
  const verdicts = await page.$('#verdicts');
  await verdicts!.screenshot({ path: shotPath('verdicts.png') });
});

test('xsmqtt grade --console serves the card, retained on $bench/grade/, until Ctrl-C', async (t) => {
  const child = spawn(process.execPath, [CLI, 'grade', '--port', '0', '--console', '0', '--connect-wait', '1', '--wait'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  let err = '';
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no card line: ${err}`)), 20000);
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /the card is on the bench console: (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  t.regex(err, /bench console: http:\/\/127\.0\.0\.1:\d+\//);
  // Any MQTT client reads it over the console's WebSocket.
  const ws = await mqtt.connectAsync(url.replace(/^http/, 'ws') + 'mqtt', { protocolVersion: 5, reconnectPeriod: 0 });
  t.teardown(() => ws.end(true));
  const got = new Promise<{ topic: string; payload: string; retain: boolean }>((resolve) => {
    ws.on('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), retain: packet.retain }));
  });
  await ws.subscribeAsync('$bench/grade/#', { qos: 0, rap: true });
  const m = await got;
  t.is(m.topic, '$bench/grade/no-client');
  t.true(m.retain);
  const card = JSON.parse(m.payload) as ReportCard & { summary: { notExercised: number } };
  t.is(card.verdicts.length, 10);
  t.is(card.summary.notExercised, 10, 'no client connected: nothing exercised');
  t.regex(out, /not exercised/);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.kill('SIGINT');
  });
  t.is(code, 1, 'no client graded: exit status 1');
});
