// A resolver with the shape of ECMA-419's embedded:network/dns/resolver/udp that knows only
// IPv4 literals and localhost (tests run offline, against a broker on 127.0.0.1).
import Timer from "timer";

class Resolver {
	constructor(options) {
	}
	close() {
	}
	resolve(options) {
		const host = options.host;
		const address = ("localhost" === host) ? "127.0.0.1" : host;
		const literal = /^\d+\.\d+\.\d+\.\d+$/.test(address);
		Timer.set(() => {
			if (literal)
				options.onResolved?.call(this, host, address);
			else
				options.onError?.call(this, new Error("unresolved"));
		});
	}
}

export default Resolver;
