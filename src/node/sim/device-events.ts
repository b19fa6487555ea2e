// What each device of the simulator reports of itself to the bench console, beside the counts:
// its connections made and lost, telemetry sent and acknowledged (with the round trip), commands,
// refusals. The console joins them to the broker's trace of the same client, so a timeline shows
// both sides (a device's back-off after a drop, say, between the broker's packets).
import type { AppMonitor, SensorApp } from '../../core/app/app.js';
import type { Recorder } from '../../console/recorder.js';

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

export class DeviceEvents implements AppMonitor {
  constructor(private readonly next: AppMonitor, private readonly recorder: Recorder) {}

  onConnected(app: SensorApp, first: boolean): void {
    this.next.onConnected(app, first);
    this.recorder.deviceEvent(app.config.deviceId, 'connected', first ? 'first connection' : 'reconnected');
  }

  onClosed(app: SensorApp, reasonCode: number, wasConnected: boolean): void {
    this.next.onClosed(app, reasonCode, wasConnected);
    this.recorder.deviceEvent(app.config.deviceId, wasConnected ? 'connection lost' : 'attempt failed', `rc=${hex(reasonCode)}`);
  }

  onTelemetrySent(app: SensorApp): void {
    this.next.onTelemetrySent(app);
    this.recorder.deviceEvent(app.config.deviceId, 'telemetry', 'published');
  }

  onTelemetryDone(app: SensorApp, reasonCode: number, roundTrip: number): void {
    this.next.onTelemetryDone(app, reasonCode, roundTrip);
    this.recorder.deviceEvent(app.config.deviceId, reasonCode < 0x80 ? 'telemetry acknowledged' : 'telemetry failed',
      `rc=${hex(reasonCode)}${roundTrip >= 0 ? ` after ${roundTrip.toFixed(1)} ms` : ''}`);
  }

  onCommand(app: SensorApp, kind: number): void {
    this.next.onCommand(app, kind);
    this.recorder.deviceEvent(app.config.deviceId, 'command', `kind ${kind}`);
  }

  onError(app: SensorApp, code: number): void {
    this.next.onError(app, code);
    this.recorder.deviceEvent(app.config.deviceId, 'publish refused', `rc=${hex(-code)}`);
  }
}
