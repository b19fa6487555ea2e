// The driver and the interfaces a target implements.
export { Driver, DriverState } from './driver.js';
export type { Transport, TransportEvents, Clock, TimerTarget } from './transport.js';
