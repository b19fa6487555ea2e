// A report card written out: the summary table for the terminal, JUnit XML for CI, JSON for
// the console.
import { counts, ReportCard } from './verdict.js';

const MARK = { pass: 'pass', fail: 'FAIL', 'not exercised': 'not exercised' } as const;

export function cardTable(card: ReportCard): string {
  const head = `report card: ${card.client}` + (card.version > 0 ? ` (client id ${card.clientId}, MQTT ${card.version === 5 ? '5.0' : '3.1.1'})` : '');
  const width = Math.max(...card.verdicts.map((v) => v.name.length));
  const rows = card.verdicts.map((v) => `  ${v.name.padEnd(width)}  ${MARK[v.outcome].padEnd(13)}  ${v.reason}`);
  const evidence = card.verdicts.filter((v) => v.outcome === 'fail' && v.evidence.length > 0)
    .map((v) => `  ${v.name}:\n${v.evidence.map((l) => `    ${l}`).join('\n')}`);
  const n = counts(card);
  return [head, ...rows, ...(evidence.length > 0 ? ['evidence:', ...evidence] : []),
    `passed ${n.pass}, failed ${n.fail}, not exercised ${n.notExercised} (${card.seconds.toFixed(1)} s)`].join('\n') + '\n';
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function cardJunit(card: ReportCard): string {
  const n = counts(card);
  const cases = card.verdicts.map((v) => {
    const open = `    <testcase classname="grade.${xml(card.client)}" name="${xml(v.name)}" time="0">`;
    if (v.outcome === 'pass') return `${open}\n      <system-out>${xml(v.reason)}</system-out>\n    </testcase>`;
    if (v.outcome === 'not exercised') return `${open}\n      <skipped message="${xml(v.reason)}"/>\n    </testcase>`;
    return `${open}\n      <failure message="${xml(v.reason)}">${xml(v.evidence.join('\n'))}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${card.verdicts.length}" failures="${n.fail}" skipped="${n.notExercised}">`,
    `  <testsuite name="report card: ${xml(card.client)}" tests="${card.verdicts.length}" failures="${n.fail}" skipped="${n.notExercised}" errors="0" time="${card.seconds.toFixed(1)}" timestamp="${card.started}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function cardJson(card: ReportCard): string {
  return JSON.stringify({ ...card, summary: counts(card) }, null, 2) + '\n';
}
