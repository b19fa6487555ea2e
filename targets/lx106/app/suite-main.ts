// The integration suite on a device: every scenario of src/core/suite against the companion
// broker at `broker:port`, TAP on the console, exit status 0 when all pass.
/// <reference path="../../moddable/check/host.d.ts" />
import Timer from 'timer';
import { DeviceSuiteHost, runDeviceSuite, type SuiteConsole } from '../../moddable/suite-host.js';

export interface SuiteConfig {
  broker: string;
  port: number;
  device: string;
  version: number;
}

/** The emulator's console: `print`, and its exit status once the suite finished. */
class EmulatorConsole implements SuiteConsole {
  failed = -1;

  /* cold */
  line(text: string): void {
    print(text);
  }

  /* cold */
  finished(passed: number, failed: number): void {
    this.failed = failed;
    // Let the last DISCONNECT leave before the device stops.
    const self = this;
    Timer.set(function (): void { __xsHost.exit(self.failed === 0 ? 0 : 1); }, 200);
  }
}

/* cold */
export function runSuite(config: SuiteConfig): DeviceSuiteHost {
  return runDeviceSuite(config, new EmulatorConsole());
}
