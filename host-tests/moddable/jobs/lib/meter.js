// The footprint job's meter (npm run footprint:moddable): reads the XS heap with Moddable's
// instrumentation and drives the job's round trips; prints one FOOTPRINT line, then ends the
// headless host. The job: connect (MQTT 3.1.1), subscribe, WARMUP round trips, then ROUND_TRIPS
// measured ones: a QoS 1 PUBLISH of PAYLOAD bytes to the subscribed topic, and the next only
// once both its PUBACK and its copy from the broker arrived.
//
// Readings after a forced collection (Debug.gc) give what stays: the modules' load, the job's
// growth. Over the measured round trips collection is turned off, so the counters only grow:
// their growth is every slot and chunk byte allocated there, live or garbage.
// Module-level state is frozen on a device: every variable lives in a Job.
import Instrumentation from "instrumentation";
import Debug from "debug";

export const WARMUP = 8;
export const ROUND_TRIPS = 200;
export const PAYLOAD = 32;

class Reading {
	constructor() {
		this.slotBytes = 0;
		this.chunkBytes = 0;
		this.keys = 0;
		this.collections = 0;
		this.modules = 0;
	}
}

export class Job {
	constructor(client) {
		this.client = client;
		this.slotId = Instrumentation.map("XS Slot Heap Used");
		this.chunkId = Instrumentation.map("XS Chunk Heap Used");
		this.keysId = Instrumentation.map("XS Keys Used");
		this.gcId = Instrumentation.map("XS Garbage Collection Count");
		this.modulesId = Instrumentation.map("XS Modules Loaded");
		this.base = new Reading();
		this.loadedAt = new Reading();
		this.windowStart = new Reading();
		this.windowEnd = new Reading();
		this.end = new Reading();
		this.count = 0;
		this.gotMessage = false;
		this.gotAck = false;
		this.errors = 0;
		this.send = null;
		/** Called before each reading (xsmqtt's transport.settle: a resizable buffer counts its resizes). */
		this.settle = null;
		this.finished = false;
	}
	read(r, collect) {
		if (this.settle)
			this.settle();
		if (collect) {
			Debug.gc();
			Debug.gc();
		}
		r.slotBytes = Instrumentation.get(this.slotId);
		r.chunkBytes = Instrumentation.get(this.chunkId);
		r.keys = Instrumentation.get(this.keysId);
		r.collections = Instrumentation.get(this.gcId);
		r.modules = Instrumentation.get(this.modulesId);
	}
	/** Before the client's modules are imported. */
	begin() {
		this.read(this.base, true);
	}
	/** The client's modules are loaded. */
	loaded() {
		this.read(this.loadedAt, true);
	}
	/** Connected and subscribed: send() publishes one message. */
	start(send) {
		this.send = send;
		this.send();
	}
	/** A message came back (length: its payload's bytes). */
	message(length) {
		if (length !== PAYLOAD)
			this.errors++;
		this.gotMessage = true;
		this.step();
	}
	/** The PUBACK of the message sent. */
	acked() {
		this.gotAck = true;
		this.step();
	}
	error() {
		this.errors++;
	}
	step() {
		if (!this.gotMessage || !this.gotAck || this.finished)
			return;
		this.gotMessage = false;
		this.gotAck = false;
		this.count++;
		if (this.count === WARMUP) {
			this.read(this.windowStart, true);
			Debug.gc(false);
		}
		else if (this.count === WARMUP + ROUND_TRIPS) {
			this.read(this.windowEnd, false);
			Debug.gc(true);
			this.finished = true;
			this.finish();
			return;
		}
		this.send();
	}
	finish() {
		this.read(this.end, true);
		const b = this.base, l = this.loadedAt, s = this.windowStart, w = this.windowEnd, e = this.end;
		trace("FOOTPRINT " + JSON.stringify({
			client: this.client,
			roundTrips: ROUND_TRIPS,
			warmup: WARMUP,
			payload: PAYLOAD,
			errors: this.errors,
			base: {slotBytes: b.slotBytes, chunkBytes: b.chunkBytes, keys: b.keys, modules: b.modules},
			load: {slotBytes: l.slotBytes - b.slotBytes, chunkBytes: l.chunkBytes - b.chunkBytes, keys: l.keys - b.keys, modules: l.modules - b.modules},
			job: {slotBytes: e.slotBytes - l.slotBytes, chunkBytes: e.chunkBytes - l.chunkBytes, keys: e.keys - l.keys},
			window: {slotBytes: w.slotBytes - s.slotBytes, chunkBytes: w.chunkBytes - s.chunkBytes, collections: w.collections - s.collections},
		}) + "\n");
		globalThis.screen.postMessage("exit 0");
	}
	/** The job cannot go on: says why and ends the host with status 1. */
	fail(why) {
		if (this.finished)
			return;
		this.finished = true;
		trace("FOOTPRINT-FAIL " + this.client + ": " + why + "\n");
		globalThis.screen.postMessage("exit 1");
	}
}
