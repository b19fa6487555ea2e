// Runs the scenarios one after another on a host: a control client (id bench-suite-<device>)
// asks the broker for faults and publishes each result to $bench/results/<device>; the console
// gets TAP (version 13) lines.
import { SessionOptions, utf8 } from '../session/options.js';
import { SuiteClient } from './client.js';
import { SuiteHost, SuiteTimer } from './host.js';
import { Result, SCRATCH_BYTES, Scenario, ScenarioSource, SuiteContext, suiteCapacities } from './scenario.js';

/** A scenario that has not finished in this time fails. */
const SCENARIO_TIMEOUT = 15000;
/** Time for the results and the control client to be acknowledged at the end. */
const FINISH_TIMEOUT = 5000;
/** The longest device id (UTF-8 bytes) whose topics and client ids the suite's buffers hold. */
export const MAX_DEVICE_ID_BYTES = 32;

export const enum RunnerState {
  Connecting = 0,
  Running = 1,
  /** Waiting for the scenario's links to close before the next one. */
  Closing = 2,
  Finishing = 3,
  Done = 4,
  /** The next scenario begins on the next timer call, when nothing refers to the finished one any more. */
  Starting = 5,
}

export class SuiteRunner implements SuiteContext, SuiteTimer {
  host: SuiteHost;
  deviceId: string;
  version: number;
  /** Where the scenarios come from, one at a time: only the running one is in memory. */
  scenarios: ScenarioSource;
  /** The running scenario (`finished` between scenarios). */
  current: Scenario;
  control: SuiteClient;
  resultsTopic: Uint8Array;
  state: number;
  index: number;
  passed: number;
  failed: number;
  skipped: number;
  controlSent: number;
  finishBy: number;
  scheduled: boolean;
  scratch: Uint8Array;
  /** Takes a finished scenario's place as `current`, so the finished one and its clients can be collected. */
  finished: Scenario;

  constructor(host: SuiteHost, deviceId: string, version: number, scenarios: ScenarioSource) {
    this.host = host;
    this.deviceId = deviceId;
    this.version = version;
    this.scenarios = scenarios;
    const o = new SessionOptions();
    o.version = version;
    o.clientId = utf8('bench-suite-' + deviceId);
    o.keepAlive = 30;
    o.connectTimeout = 5000;
    o.backoffBase = 200;
    o.backoffMax = 1000;
    suiteCapacities(o);
    // It only publishes: fault requests and result lines (about 100 bytes each) wait in its
    // store until acknowledged; it receives nothing but acknowledgements.
    o.receiveBufferSize = 128;
    o.inflight = 2;
    o.queueCount = 6;
    o.storeBytes = 768;
    o.subscriptions = 0;
    o.subscriptionBytes = 0;
    o.pendingRequests = 0;
    o.inboundQos2 = 0;
    o.filtersPerPacket = 1;
    this.control = new SuiteClient(o, this);
    this.resultsTopic = utf8('$bench/results/' + deviceId);
    this.state = RunnerState.Connecting;
    this.index = 0;
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
    this.controlSent = 0;
    this.finishBy = 0;
    this.scheduled = false;
    this.scratch = new Uint8Array(SCRATCH_BYTES);
    this.finished = new Scenario('finished');
    this.current = this.finished;
  }

  /* cold */
  start(): void {
    this.host.print('TAP version 13');
    if (utf8(this.deviceId).length > MAX_DEVICE_ID_BYTES) {
      // Every topic and client id of the suite carries the id; the scenarios' buffers are sized for this many bytes.
      this.host.print('Bail out! the device id is longer than ' + MAX_DEVICE_ID_BYTES + ' bytes');
      this.host.finished(0, 1);
      return;
    }
    this.host.print('1..' + this.scenarios.count);
    this.control.link = this.host.open(this.control.session);
    this.finishBy = this.host.now() + SCENARIO_TIMEOUT;
    this.host.schedule(this.finishBy, this);
  }

  // SuiteContext
  poke(): void {
    this.host.schedule(this.host.now(), this);
  }

  /* cold */
  requestFault(kind: string, json: string): number {
    const t = utf8('$bench/fault/' + kind);
    const p = utf8(json);
    this.control.session.publish(t, 0, t.length, p, 0, p.length, 1, false);
    this.controlSent++;
    return this.controlSent;
  }

  controlAcks(): number {
    return this.control.done;
  }

  onTimer(): void {
    const now = this.host.now();
    const st = this.state;
    if (st === RunnerState.Connecting) {
      if (this.control.connacks > 0 && this.control.connackCode === 0) {
        this.state = RunnerState.Running;
        this.begin(now);
      } else if (now >= this.finishBy) {
        this.host.print('Bail out! cannot connect the control client to the broker');
        this.finish(now);
        return;
      }
    }
    if (this.state === RunnerState.Starting) {
      this.state = RunnerState.Running;
      this.begin(now);
    }
    if (this.state === RunnerState.Running) this.stepScenario(now);
    if (this.state === RunnerState.Closing) this.closingStep(now);
    if (this.state === RunnerState.Finishing) {
      if (this.control.done >= this.controlSent || now >= this.finishBy) {
        this.host.close(this.control.link, 0);
        this.state = RunnerState.Done;
        this.host.finished(this.passed, this.failed);
        return;
      }
    }
    if (this.state !== RunnerState.Done) this.armTimer(now);
  }

  private armTimer(now: number): void {
    let at = this.finishBy;
    if (this.state === RunnerState.Running) {
      const s = this.current;
      if (s.wakeAt >= 0 && s.wakeAt < at) at = s.wakeAt;
    } else if (this.state === RunnerState.Closing || this.state === RunnerState.Finishing) {
      // Links close on their own events; look again soon.
      if (now + 50 < at) at = now + 50;
    }
    this.host.schedule(at, this);
  }

  /* cold */
  private begin(now: number): void {
    const s = this.scenarios.create(this.index);
    this.current = s;
    s.ctx = this;
    s.buf = this.scratch;
    s.startedAt = now;
    this.finishBy = now + SCENARIO_TIMEOUT;
    s.begin(now);
  }

  private stepScenario(now: number): void {
    const s = this.current;
    if (s.result === Result.Running) s.step(now);
    if (s.result === Result.Running && now >= this.finishBy) this.timeout(s);
    if (s.result === Result.Running) return;
    this.report(s);
    for (let i = 0; i < s.clientCount; i++) {
      const link = s.clients[i].link;
      if (link >= 0 && !this.host.closed(link)) this.host.close(link, 0);
    }
    this.state = RunnerState.Closing;
    this.finishBy = now + FINISH_TIMEOUT;
  }

  /* cold */
  private timeout(s: Scenario): void {
    s.fail('timed out after ' + SCENARIO_TIMEOUT + ' ms in phase ' + s.phase);
  }

  private closingStep(now: number): void {
    const s = this.current;
    let open = 0;
    for (let i = 0; i < s.clientCount; i++) {
      const link = s.clients[i].link;
      if (link >= 0 && !this.host.closed(link)) open++;
    }
    if (open > 0 && now < this.finishBy) return;
    // A scenario's clients are not used again: let them go (on a device the heap is fixed).
    for (let i = 0; i < s.clientCount; i++) {
      const link = s.clients[i].link;
      if (link >= 0) this.host.release(link);
    }
    s.release();
    this.current = this.finished;
    this.index++;
    if (this.index < this.scenarios.count) {
      this.state = RunnerState.Starting;
      this.finishBy = now;
    } else {
      this.finish(now);
    }
  }

  /* cold */
  private finish(now: number): void {
    const line = '# ' + this.deviceId + ': passed ' + this.passed + ', failed ' + this.failed + ', skipped ' + this.skipped;
    this.host.print(line);
    this.publishResult(line);
    this.state = RunnerState.Finishing;
    this.finishBy = now + FINISH_TIMEOUT;
  }

  /* cold */
  private report(s: Scenario): void {
    const n = this.index + 1;
    let line: string;
    if (s.result === Result.Passed) {
      this.passed++;
      line = 'ok ' + n + ' - ' + s.name;
    } else if (s.result === Result.Skipped) {
      this.skipped++;
      line = 'ok ' + n + ' - ' + s.name + ' # SKIP ' + s.reason;
    } else {
      this.failed++;
      line = 'not ok ' + n + ' - ' + s.name + ' # ' + s.reason;
    }
    this.host.print(line);
    this.publishResult(line);
  }

  /* cold */
  private publishResult(line: string): void {
    if (this.control.connacks === 0) return;
    const p = utf8(line);
    const t = this.resultsTopic;
    if (this.control.session.publish(t, 0, t.length, p, 0, p.length, 1, false) > 0) this.controlSent++;
  }
}
