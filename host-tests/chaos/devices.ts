// The chaos run's publishers: the simulator's devices (the example application on the xsmqtt
// session, as `xsmqtt sim` runs them), each telemetry message followed from publish() to its
// completion, so that "acknowledged" means the device got its PUBACK (QoS 1) or PUBCOMP (QoS 2).
import type { Packet } from '../../src/core/codec/packet.js';
import { SimDevice } from '../../src/node/sim/device.js';
import { Scheduler } from '../../src/node/sim/scheduler.js';

export interface ChaosDeviceSpec {
  id: string;
  index: number;
  host: string;
  port: number;
  version: number;
  qos: number;
  /** Clean start false with a session that outlives the connection (MQTT 5: expiry 3600 s). */
  persistent: boolean;
  interval: number;
  seed: number;
}

export class ChaosDevice {
  readonly sim: SimDevice;
  /** Telemetry handed to the session and not finished yet: handle -> sequence number. */
  readonly pending = new Map<number, number>();
  /** Sequence numbers of the acknowledged telemetry. */
  readonly acked: number[] = [];
  sent = 0;
  /** Finished with a failure code (not acknowledged, so not owed), by reason code. */
  failed = 0;
  readonly failCodes = new Map<number, number>();
  /** publish() refused it at once (the device's queue was full). */
  refused = 0;
  connects = 0;
  /** Connections where a persistent session was expected and the broker had none. */
  sessionLost = 0;

  constructor(readonly spec: ChaosDeviceSpec, sched: Scheduler) {
    this.sim = new SimDevice({
      id: spec.id, index: spec.index, host: spec.host, port: spec.port, version: spec.version, qos: spec.qos,
      interval: spec.interval, payloadBytes: 0, keepAlive: 10, seed: spec.seed, bufferSize: 256,
    }, sched, null);
    const app = this.sim.app;
    // Read at each connection: the device's sessions and timing for a run full of cuts.
    const o = app.session.opts;
    o.cleanStart = !spec.persistent;
    o.sessionExpiry = spec.persistent ? 3600 : 0;
    o.connectTimeout = 5000;
    o.backoffMax = 2000;
    const publishTelemetry = app.publishTelemetry.bind(app);
    app.publishTelemetry = (now: number): number => {
      const h = publishTelemetry(now);
      if (h > 0) {
        this.sent++;
        this.pending.set(h, app.seq);
      } else {
        this.refused++;
      }
      return h;
    };
    const onPublishDone = app.onPublishDone.bind(app);
    app.onPublishDone = (h: number, code: number): void => {
      const seq = this.pending.get(h);
      if (seq !== undefined) {
        this.pending.delete(h);
        if (code < 0x80) this.acked.push(seq);
        else {
          this.failed++;
          this.failCodes.set(code, (this.failCodes.get(code) ?? 0) + 1);
        }
      }
      onPublishDone(h, code);
    };
    const onConnect = app.onConnect.bind(app);
    app.onConnect = (ack: Packet): void => {
      if (ack.reasonCode === 0) {
        if (this.connects > 0 && spec.persistent && !ack.sessionPresent) this.sessionLost++;
        this.connects++;
      }
      onConnect(ack);
    };
  }

  get id(): string {
    return this.spec.id;
  }

  start(): void {
    this.sim.start();
  }

  /** No more telemetry; what is in flight goes on. */
  quiet(): void {
    this.sim.app.nextAt = -1;
  }

  stop(): void {
    this.sim.stop();
  }
}
