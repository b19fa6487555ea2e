// Several simulator processes: the parent keeps the broker (and the monitor), each child
// (fleet-worker.ts) runs a share of the fleet, on TCP for as many devices as the file limit
// allows and over one pipe per child for the rest. Their counters are summed here.
import { spawn, ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Broker } from '../../broker/broker.js';
import type { FleetConfig } from './device.js';
import type { WorkerConfig } from './fleet-worker.js';
import { MuxServer } from './mux.js';
import { addStats, FleetStats, StatsSnapshot } from './stats.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fleet-worker.js');

/** This process's soft limit on open files (Infinity when unlimited or unknown). */
export function fileLimit(): number {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return Infinity;
  }
}

/** Descriptors kept free for the broker's listener, the monitor, pipes and files. */
const FD_RESERVE = 512;

/** How many of `devices` may use TCP: each costs `perDevice` descriptors in this process. */
export function tcpBudget(devices: number, perDevice: number): number {
  const limit = fileLimit();
  if (limit === Infinity) return devices;
  return Math.max(0, Math.min(devices, Math.floor((limit - FD_RESERVE) / perDevice)));
}

interface Memory { rss: number; heapUsed: number; arrayBuffers: number }

/** A simulator process's memory now and before its first device (after a collection with --expose-gc). */
export interface MemoryFigures extends Memory { devices: number; base: Memory }

interface Child {
  proc: ChildProcess;
  server: MuxServer | null;
  stats: StatsSnapshot | null;
  tcp: number;
  pipe: number;
  ready: boolean;
  memory: ((m: MemoryFigures) => void) | null;
  /** Waiting for the next counters (refresh()). */
  fresh: (() => void) | null;
  exited: Promise<void>;
}

export class WorkerFleet {
  private readonly children: Child[] = [];

  /**
   * Starts `procs` processes for `devices` devices, `tcp` of them on TCP (spread evenly);
   * broker: the embedded broker the others reach over pipes (null: an external broker, TCP only).
   */
  constructor(broker: Broker | null, config: FleetConfig, devices: number, procs: number, tcp: number, ramp: number, execArgv: string[]) {
    let first = 0;
    let tcpLeft = tcp;
    for (let k = 0; k < procs; k++) {
      const count = Math.floor(devices / procs) + (k < devices % procs ? 1 : 0);
      const myTcp = Math.min(count, Math.ceil(tcpLeft / (procs - k)));
      tcpLeft -= myTcp;
      const wc: WorkerConfig = { ...config, first, count, tcp: myTcp, ramp: Math.max(1, Math.ceil(ramp / procs)), statsMs: 500 };
      first += count;
      const proc = spawn(process.execPath, [...execArgv, WORKER, JSON.stringify(wc)], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
      const child: Child = { proc, server: null, stats: null, tcp: 0, pipe: 0, ready: false, memory: null, fresh: null, exited: new Promise((r) => proc.once('exit', () => r())) };
      const onControl = (msg: Record<string, unknown>): void => {
        if (msg.t === 'stats') {
          child.stats = msg.s as StatsSnapshot;
          child.tcp = msg.tcp as number;
          child.pipe = msg.pipe as number;
          const f = child.fresh;
          child.fresh = null;
          f?.();
        } else if (msg.t === 'ready') child.ready = true;
        else if (msg.t === 'memory') child.memory?.(msg as unknown as MemoryFigures);
      };
      child.server = new MuxServer(broker, proc.stdio[3] as Duplex, onControl);
      this.children.push(child);
    }
  }

  get ready(): boolean {
    return this.children.every((c) => c.ready);
  }

  /** Adds every child's last counters to total. */
  addTo(total: FleetStats): void {
    for (const c of this.children) if (c.stats) addStats(total, c.stats);
  }

  links(): { tcp: number; pipe: number } {
    let tcp = 0;
    let pipe = 0;
    for (const c of this.children) {
      tcp += c.tcp;
      pipe += c.pipe;
    }
    return { tcp, pipe };
  }

  get pids(): number[] {
    return this.children.map((c) => c.proc.pid ?? 0);
  }

  /** No more telemetry (what is in flight still completes). */
  stopTelemetry(): void {
    for (const c of this.children) c.server?.control({ t: 'stop' });
  }

  /** Waits for every child's current counters (a child that has exited keeps its last). */
  refresh(): Promise<void> {
    return Promise.all(this.children.map((c) => c.proc.exitCode !== null ? undefined : new Promise<void>((resolve) => {
      c.fresh = resolve;
      c.server?.control({ t: 'report' });
    }))).then(() => undefined);
  }

  /** Each child's memory after a collection (with --expose-gc). */
  measure(): Promise<MemoryFigures[]> {
    return Promise.all(this.children.map((c) => new Promise<MemoryFigures>((resolve) => {
      c.memory = resolve;
      c.server?.control({ t: 'measure' });
    })));
  }

  /** Stops every device (DISCONNECT) and waits for the processes to end (killed after 5 s). */
  async exit(): Promise<void> {
    for (const c of this.children) c.server?.control({ t: 'exit' });
    const timer = setTimeout(() => { for (const c of this.children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL'); }, 5000);
    await Promise.all(this.children.map((c) => c.exited));
    clearTimeout(timer);
    for (const c of this.children) c.server?.closeAll();
  }
}
