// The example sensor application.
export { SensorApp, AppConfig, Command } from './app.js';
export type { AppHost, AppMonitor } from './app.js';
export { Reading, Random, SimulatedSensor } from './sensor.js';
export type { Sensor } from './sensor.js';
