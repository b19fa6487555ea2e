// One simulated device: the example application on its own session, driver and TCP
// connection, timed by the fleet's shared scheduler.
import { Driver } from '../../core/driver/driver.js';
import { SessionOptions } from '../../core/session/options.js';
import { AppConfig, AppHost, AppMonitor, SensorApp } from '../../core/app/app.js';
import { Random, SimulatedSensor } from '../../core/app/sensor.js';
import { SchedClock, Scheduler, Timer } from './scheduler.js';
import { TcpTransport } from './transport.js';

export interface DeviceSpec {
  id: string;
  index: number;
  host: string;
  port: number;
  localAddress?: string;
  version: number;
  qos: number;
  interval: number;
  payloadBytes: number;
  keepAlive: number;
  seed: number;
  /** Small capacities keep a large fleet in memory. */
  bufferSize: number;
}

export class SimDevice implements AppHost {
  readonly app: SensorApp;
  readonly driver: Driver;
  readonly transport: TcpTransport;
  private readonly appTimer: Timer;
  private rebooting = false;
  stopped = false;

  constructor(readonly spec: DeviceSpec, readonly sched: Scheduler, monitor: AppMonitor | null) {
    const opts = new SessionOptions();
    opts.version = spec.version;
    opts.keepAlive = spec.keepAlive;
    opts.cleanStart = true;
    const buf = Math.max(spec.bufferSize, spec.payloadBytes + 128);
    opts.receiveBufferSize = buf;
    opts.sendBufferSize = buf;
    opts.storeBytes = buf * 2;
    opts.inflight = 4;
    opts.queueCount = 4;
    opts.subscriptions = 1;
    opts.subscriptionBytes = 64;
    opts.filtersPerPacket = 1;
    opts.pendingRequests = 1;
    opts.inboundQos2 = 2;
    opts.topicAliasMaximum = 0;
    opts.outboundAliases = 0;
    opts.aliasBytes = 0;
    opts.userProperties = 0;
    opts.subscriptionIds = 1;
    opts.backoffBase = 500;
    opts.backoffMax = 10000;
    const config = new AppConfig();
    config.deviceId = spec.id;
    config.interval = spec.interval;
    config.qos = spec.qos;
    config.payloadBytes = spec.payloadBytes;
    config.seed = spec.seed;
    this.appTimer = sched.timer({ onTimer: () => this.app.tick(this.sched.now()) });
    this.app = new SensorApp(opts, config, new SimulatedSensor(spec.seed), this);
    this.app.monitor = monitor;
    this.transport = new TcpTransport(spec.host, spec.port, spec.localAddress);
    const rnd = new Random(spec.seed ^ 0x5bd1e995);
    this.driver = new Driver(this.app.session, this.transport, new SchedClock(sched, () => rnd.next()));
  }

  start(): void {
    this.stopped = false;
    this.driver.start();
  }

  /** Normal stop: retained "offline", DISCONNECT. */
  stop(): void {
    this.stopped = true;
    this.appTimer.disarm();
    this.app.goOffline();
    this.driver.stop(0);
  }

  /** Drops the TCP connection with no DISCONNECT (the broker publishes the will). */
  kill(): void {
    this.transport.abort();
  }

  get connected(): boolean {
    return this.app.connected;
  }

  // AppHost
  schedule(at: number): void {
    if (at < 0) this.appTimer.disarm();
    else this.appTimer.arm(at);
  }

  reboot(): void {
    if (this.rebooting) return;
    this.rebooting = true;
    // Once the reply is acknowledged (else it would be sent again after the restart, at least
    // once): disconnect, then connect again.
    const until = Date.now() + 2000;
    const settle = (): void => {
      if (this.app.session.store.inflight > 0 && Date.now() < until) {
        setTimeout(settle, 10);
        return;
      }
      this.driver.stop(0);
      setTimeout(() => {
        this.rebooting = false;
        if (!this.stopped) this.driver.start();
      }, 100);
    };
    setImmediate(settle);
  }
}
