// Where xsmqtt's device client's RAM goes, on Moddable's lin runtime (npm run footprint:moddable):
// targets/moddable/check/parts measures each part and each capacity's cost with Moddable's
// instrumentation after forced collections; one PART line per result, then the host ends.
import Instrumentation from "instrumentation";
import Debug from "debug";
import { measureParts } from "targets/moddable/check/parts";

const slotId = Instrumentation.map("XS Slot Heap Used");
const chunkId = Instrumentation.map("XS Chunk Heap Used");
/** Bytes of a slot on this host (64-bit); the PART lines count slots. */
const HOST_SLOT = 32;

try {
	measureParts({
		read(out) {
			Debug.gc();
			Debug.gc();
			out[0] = Instrumentation.get(slotId) / HOST_SLOT;
			out[1] = Instrumentation.get(chunkId);
		},
		report(name, slots, chunks, per) {
			trace("PART " + JSON.stringify({ name, slots, chunks, per }) + "\n");
		},
	});
	globalThis.screen.postMessage("exit 0");
}
catch (e) {
	trace("PARTS-FAIL " + e + "\n");
	globalThis.screen.postMessage("exit 1");
}
