// A stand-in for Moddable's `embedded:network/dns/resolver/udp` (examples/io/udp/dns, missing
// from the pinned SDK copy) for the mqtt/js example builds: it resolves dotted IPv4 addresses
// only (the tests' broker is 127.0.0.1), asynchronously, as the real one answers.
import Timer from "timer";

export default class Resolver {
	#timers = [];
	constructor(options) {
	}
	resolve({ host, onResolved, onError }) {
		const ok = /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
		this.#timers.push(Timer.set(() => ok ? onResolved?.(host, host) : onError?.(host)));
	}
	close() {
		this.#timers.forEach(t => Timer.clear(t));
		this.#timers = [];
	}
}
