// The footprint job (footprint/meter) on an MQTT.js-style client, mqtt/js, as Moddable's example
// uses it. The payload is an ArrayBuffer (mqtt/js copies a typed array's bytes, not a buffer's);
// the job's options and callbacks are made once, before the measured round trips.
import config from "mc/config";
import { Job, PAYLOAD } from "footprint/meter";

const job = new Job(config.client);
job.begin();
import("mqtt/js").then(mqtt => {
	job.loaded();
	const topic = "footprint/" + config.client;
	const payload = new ArrayBuffer(PAYLOAD);
	const options = {qos: 1};
	const done = err => {
		if (err)
			job.error();
		job.acked();
	};
	const client = mqtt.connect(`mqtt://${config.broker}:${config.port}`, {clientId: "fp-" + config.client, keepalive: 0, reconnectPeriod: 0});
	job.mqtt = client;
	client.on("connect", () => {
		client.subscribe(topic, {qos: 1}, (err, granted) => {
			if (err || (1 !== granted[0].qos))
				return void job.fail("subscribe refused");
			job.start(() => client.publish(topic, payload, options, done));
		});
	});
	client.on("message", (t, message) => job.message(message.byteLength));
	client.on("error", err => job.fail("client error " + err));
}, error => job.fail(String(error)));
