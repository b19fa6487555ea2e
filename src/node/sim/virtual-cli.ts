// `xsmqtt sim --virtual-time`: the seeded day (virtual-time.ts) from the command line, its
// summary in words or JSON, and the event log written to a file.
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatStorm } from './restart.js';
import { Series } from './series.js';
import type { SimOptions } from './run.js';
import { runVirtual, virtualDefaults, VirtualSummary } from './virtual-time.js';

export function runVirtualCli(o: SimOptions, write: (s: string) => void): number {
  let flushStats = (): void => undefined;
  const v = virtualDefaults(o.devices, o.durationMs, o.seed);
  v.qos = o.qos;
  v.interval = o.interval;
  v.keepAlive = o.keepAlive;
  v.version = o.version;
  v.downtimeMs = o.downtimeMs;
  if (o.scenario === 'restart') {
    // The storm alone: no naps, deaths or commands; the restart a third of the way through.
    v.restartAt = Math.floor(o.durationMs / 3);
    v.nappers = 0;
    v.dead = 0;
    v.commandEvery = 0;
  }
  let fd = -1;
  let buffered: string[] = [];
  if (o.eventLog !== undefined) {
    fd = openSync(o.eventLog, 'w');
    v.onEvent = (line) => {
      buffered.push(line);
      if (buffered.length >= 4096) {
        writeSync(fd, buffered.join('\n') + '\n');
        buffered = [];
      }
    };
  }
  let statsFd = -1;
  let series: Series | null = null;
  if (o.statsFile !== undefined) {
    const fd = openSync(o.statsFile, 'w');
    statsFd = fd;
    let lines: string[] = [];
    series = new Series((line) => {
      lines.push(line);
      if (lines.length >= 4096) {
        writeSync(fd, lines.join(''));
        lines = [];
      }
    });
    const s = series;
    v.onSample = (sample) => s.add(sample);
    // Whatever is left is written at the end (below).
    flushStats = () => { if (lines.length > 0) writeSync(fd, lines.join('')); };
  }
  if (!o.json) write(`xsmqtt sim: ${o.devices} devices on simulated time for ${o.durationMs / 3600000} h, QoS ${o.qos} every ${o.interval / 1000} s, seed ${o.seed}\n`);
  let s: VirtualSummary;
  try {
    s = runVirtual(v);
  } finally {
    if (statsFd >= 0) {
      flushStats();
      closeSync(statsFd);
    }
    if (fd >= 0) {
      if (buffered.length > 0) writeSync(fd, buffered.join('\n') + '\n');
      closeSync(fd);
    }
  }
  const extra = series !== null ? { series: series.percentiles() } : {};
  if (o.json) write(JSON.stringify({ sim: 'xsmqtt', virtualTime: true, seed: o.seed, ...s, ...extra }) + '\n');
  else write(formatVirtual(s));
  return 0;
}

export function formatVirtual(s: VirtualSummary): string {
  return [
    `summary: ${s.devices} devices, ${(s.simulatedMs / 3600000).toFixed(2)} simulated hours in ${(s.wallMs / 1000).toFixed(1)} s`,
    `  devices     connected ${s.connected} at the end; reconnects ${s.reconnects}; PINGREQs ${s.pingreqs}`,
    `  telemetry   out ${s.out}, acknowledged ${s.acked}, failed ${s.failed}`,
    `  expiry      commands sent ${s.commandsSent}, delivered ${s.commandsDelivered}, expired before delivery ${s.messagesExpired}; sessions expired ${s.sessionsExpired}`,
    `  events      ${s.events}`,
  ].join('\n') + '\n' + (s.restart ? formatStorm(s.restart, 'simulated time') : '');
}
