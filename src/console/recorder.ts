// What the console shows, recorded from a running broker: its bytes (capture), each client's
// packets (timelines) and the fleet's figures each second, published live on $bench/console/fleet.
import type { Broker } from '../broker/broker.js';
import type { Timer } from '../broker/clock.js';
import type { TraceRecord } from '../broker/trace.js';
import { Capture } from './capture.js';
import { Fleet, FleetSample } from './fleet.js';
import { Timelines } from './timeline.js';

export const FLEET_TOPIC = '$bench/console/fleet';

interface FaultEvent {
  id: number;
  kind: string;
  client: string;
  detail: string;
  t: string;
}

export class Recorder {
  readonly capture: Capture;
  readonly timelines = new Timelines();
  readonly fleet: Fleet;
  private readonly timer: Timer;
  private readonly onFault = (e: FaultEvent): void => this.faultFired(e);

  constructor(private readonly broker: Broker) {
    this.capture = new Capture(() => broker.clock.now());
    this.fleet = new Fleet(broker.stats);
    broker.tap = this.capture;
    const previous = broker.onTrace;
    broker.onTrace = (line, rec) => {
      if (previous) previous(line, rec);
      if (rec) this.record(rec);
    };
    broker.on('fault', this.onFault);
    this.timer = broker.clock.every(1000, () => this.tick());
  }

  stop(): void {
    this.timer.cancel();
    this.broker.off('fault', this.onFault);
  }

  private record(rec: TraceRecord): void {
    this.timelines.add(rec);
    this.fleet.packet(rec, this.broker.clock.now());
  }

  /** What a device reported of itself (the simulator's devices do), joined to its timeline. */
  deviceEvent(clientId: string, what: string, detail: string): void {
    this.timelines.add({ t: new Date(this.broker.clock.now()).toISOString(), client: clientId, dir: 'device', type: what, detail });
  }

  private faultFired(e: FaultEvent): void {
    this.fleet.fault(Date.parse(e.t), `${e.kind} #${e.id} ${e.client}`);
    this.timelines.add({ t: e.t, client: e.client, dir: 'note', type: 'FAULT', why: e.kind, detail: `#${e.id} ${e.detail}` });
  }

  private tick(): void {
    const s: FleetSample = this.fleet.sample(this.broker.clock.now(), this.broker.stats);
    if (!this.broker.closed) this.broker.publishInternal(FLEET_TOPIC, Buffer.from(JSON.stringify(s)), false);
  }
}
