// The on-device integration suite.
export { SuiteRunner } from './runner.js';
export { SuiteLinks } from './links.js';
export type { SuiteLink } from './links.js';
export type { SuiteHost, SuiteTimer } from './host.js';
export { Scenario, Result, ScenarioList } from './scenario.js';
export type { ScenarioSource } from './scenario.js';
export type { SuiteContext } from './scenario.js';
export { SuiteClient } from './client.js';
export { allScenarios } from './scenarios.js';
