// The footprint job (footprint/meter) on xsmqtt's device client: DeviceClient (Session, Driver,
// SocketTransport, TimerClock) with MQTT 3.1.1. Topic and payload bytes are made once, before
// the measured round trips; the handler is one object.
import config from "mc/config";
import { Job, PAYLOAD } from "footprint/meter";

/** Capacities for the job alone: one topic, one message in flight, 32-byte payloads. */
function jobCapacities(opts) {
	opts.receiveBufferSize = 64;
	opts.sendBufferSize = 64;
	opts.inflight = 1;
	opts.queueCount = 1;
	opts.storeBytes = 64;
	opts.subscriptions = 1;
	opts.subscriptionBytes = 32;
	opts.filtersPerPacket = 1;
	opts.pendingRequests = 1;
	opts.inboundQos2 = 1;
	opts.topicAliasMaximum = 0;
	opts.outboundAliases = 0;
	opts.aliasBytes = 0;
	opts.userProperties = 0;
	opts.subscriptionIds = 0;
}

/** The example sensor app's capacities (targets/moddable/sensor.ts). */
function sensorCapacities(opts) {
	opts.receiveBufferSize = 1024;
	opts.sendBufferSize = 1024;
	opts.inflight = 8;
	opts.subscriptions = 8;
}

const job = new Job(config.client);
job.begin();
Promise.all([import("targets/moddable/client"), import("src/core/session/options")]).then(([{ DeviceClient }, { SessionOptions, utf8 }]) => {
	job.loaded();
	const opts = new SessionOptions();
	opts.version = 4;
	opts.clientId = utf8("fp-" + config.client);
	opts.keepAlive = 0;
	if ("sensor" === config.capacities)
		sensorCapacities(opts);
	else
		jobCapacities(opts);
	const topic = utf8("footprint/" + config.client);
	const payload = new Uint8Array(PAYLOAD);
	const handler = {
		onConnect(ack) {
			if (0 !== ack.reasonCode)
				return void job.fail("connection refused " + ack.reasonCode);
			client.session.subscribe(topic, 0, topic.length, 1, 0, null);
		},
		onSubscribe(ack) {
			if (1 !== ack.codes[0])
				return void job.fail("subscribe granted " + ack.codes[0]);
			job.start(send);
		},
		onMessage(msg) {
			job.message(msg.payloadLen);
		},
		onPublishDone(handle, reasonCode) {
			if (0 !== reasonCode)
				job.error();
			job.acked();
		},
		onUnsubscribe(ack) {
		},
		onClose(reasonCode, server) {
			job.fail("connection closed " + reasonCode);
		},
	};
	function send() {
		if (client.session.publish(topic, 0, topic.length, payload, 0, PAYLOAD, 1, false) < 0)
			job.fail("publish refused");
	}
	const client = new DeviceClient(config.broker, Number(config.port), opts, handler);
	job.mqtt = client;
	job.settle = () => client.transport.settle();
	client.start();
}, error => job.fail(String(error)));
