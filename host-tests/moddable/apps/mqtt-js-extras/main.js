// What xsmqtt's mqtt/js does beyond Moddable's, driven by host-tests/moddable/mqtt-js.test.ts
// through the broker: messages published while offline and QoS 1 messages left unacknowledged
// arrive after the reconnect, reconnects back off (each 'reconnect' prints the ms since the
// 'close'), MQTT 5 properties both ways (config version=5). Commands come on <base>/cmd.
import * as mqtt from "mqtt/js";
import config from "mc/config";
import Time from "time";

const version = Number(config.version);
const id = "mqttjs-x" + version;
const base = "xsmqtt/js/" + id;

function print(...args) {
	trace(args.map(String).join(" ") + "\n");
}

let connects = 0;
let offlines = 0;
let closedAt = 0;

const options = { clientId: id, clean: false, reconnectPeriod: 400, keepalive: 30, protocolVersion: version };
if (version === 5) options.properties = { sessionExpiryInterval: 300 };
const client = mqtt.connect("mqtt://127.0.0.1:" + config.port, options);

function published(name) {
	return err => print("published", name, err === null ? "null" : err === undefined ? "undefined" : err.message);
}

client.on("connect", connack => {
	connects++;
	print("connect", connects, connack.sessionPresent);
	if (connects === 1) {
		client.subscribe({ [base + "/cmd"]: 1, [base + "/out/#"]: 1 }, (err, granted) => {
			print("subscribed", err, granted.map(g => g.topic + ":" + g.qos).join(","));
		});
	}
});
client.on("offline", () => {
	offlines++;
	print("offline", client.connected);
	if (offlines === 1) {
		for (let i = 1; i <= 3; i++) client.publish(base + "/out/offline-" + i, "offline-" + i, { qos: 1 }, published("offline-" + i));
	}
});
client.on("close", () => {
	closedAt = Time.ticks;
	print("close");
});
client.on("reconnect", () => print("reconnect", Time.ticks - closedAt, client.reconnecting));
client.on("error", err => print("error", err.message));
client.on("end", () => print("end"));
client.on("disconnect", packet => print("disconnect", packet.reasonCode));
client.on("message", (topic, message, packet) => {
	const text = String.fromArrayBuffer(message);
	let line = "message " + topic + " " + text;
	if (packet?.properties) {
		const p = packet.properties;
		line += " props contentType=" + p.contentType + " user=" + JSON.stringify(p.userProperties) + " expiry=" + p.messageExpiryInterval +
			" response=" + p.responseTopic + " correlation=" + (p.correlationData ? String.fromArrayBuffer(p.correlationData) : undefined);
	}
	print(line);
	if (topic !== base + "/cmd") return;
	if (text === "unacked") {
		client.publish(base + "/out/unacked-1", "unacked-1", { qos: 1 }, published("unacked-1"));
		client.publish(base + "/out/unacked-2", "unacked-2", { qos: 1 }, published("unacked-2"));
	}
	else if (text === "props") {
		client.publish(base + "/out/props", "with properties", {
			qos: 1,
			properties: { contentType: "text/plain", userProperties: { a: "1" }, messageExpiryInterval: 60, responseTopic: base + "/reply", correlationData: "c1" },
		}, published("props"));
	}
	else if (text === "end")
		client.end(false, {}, () => print("ended", client.connected));
});
