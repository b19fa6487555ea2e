// The integration suite on a device: every scenario of src/core/suite against the companion
// broker at `broker:port`, TAP on the console, exit status 0 when all pass.
import { allScenarios } from '../../../src/core/suite/scenarios.js';
import { SuiteRunner } from '../../../src/core/suite/runner.js';
import { DeviceSuiteHost } from './suite-host.js';

export interface SuiteConfig {
  broker: string;
  port: number;
  device: string;
  version: number;
}

/* cold */
export function runSuite(config: SuiteConfig): DeviceSuiteHost {
  const host = new DeviceSuiteHost(config.broker, config.port);
  const runner = new SuiteRunner(host, config.device, config.version, allScenarios());
  runner.start();
  return host;
}
