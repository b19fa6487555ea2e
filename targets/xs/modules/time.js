// specifier: time
// Moddable's `time` module on the host XS runtime: the part an adapter uses (ticks, delta).
const host = globalThis.__xsHost;

export default class Time {
  static get ticks() { return Math.floor(host.now()); }
  static delta(start, end) { return (end === undefined ? Math.floor(host.now()) : end) - start; }
}
