// The footprint job (footprint/meter) on an ECMA-419 MQTT client, embedded:network/mqtt/client,
// as Moddable's example uses it: device.network.mqtt from "mqttclient/config". The job's own
// objects (payload, options, receive buffer) are made once, before the measured round trips.
import config from "mc/config";
import { Job, PAYLOAD } from "footprint/meter";

const job = new Job(config.client);
job.begin();
import("mqttclient/config").then(() => {
	job.loaded();
	const MQTTClient = device.network.mqtt.io;
	const topic = "footprint/" + config.client;
	const payload = new Uint8Array(PAYLOAD);
	const inbox = new Uint8Array(PAYLOAD);
	const publish = {topic, QoS: 1};
	let received = 0;
	job.mqtt = new MQTTClient({
		...device.network.mqtt,
		host: config.broker,
		port: Number(config.port),
		id: "fp-" + config.client,
		keepalive: 0,
		onControl(msg) {
			if (MQTTClient.CONNACK === msg.operation)
				this.write(null, {operation: MQTTClient.SUBSCRIBE, items: [{topic, QoS: 1}]});
			else if (MQTTClient.SUBACK === msg.operation)
				job.start(() => this.write(payload, publish));
			else if (MQTTClient.PUBACK === msg.operation)
				job.acked();
		},
		onReadable(count, options) {
			this.read((PAYLOAD === count) ? inbox : count);
			received += count;
			if (!options.more) {
				job.message(received);
				received = 0;
			}
		},
		onError() {
			job.fail("client error");
		}
	});
}, error => job.fail(String(error)));
