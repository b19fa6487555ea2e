#!/usr/bin/python3
"""One Eclipse Paho Python (1.6) connection driven by JSON lines on stdin, events as JSON lines
on stdout: the interop matrix's adapter for Paho Python (adapter-paho-python.ts). Single
threaded: select() over stdin, client.loop() for the network."""
import json, os, select, sys
import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.subscribeoptions import SubscribeOptions

client = None
active = False
version = 4
pending_sub = {}
pending_pub = {}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def props_out(p):
    if p is None:
        return None
    d = {}
    if hasattr(p, "UserProperty"):
        d["userProperties"] = {k: v for (k, v) in p.UserProperty}
    if hasattr(p, "ContentType"):
        d["contentType"] = p.ContentType
    if hasattr(p, "ResponseTopic"):
        d["responseTopic"] = p.ResponseTopic
    if hasattr(p, "CorrelationData"):
        d["correlationData"] = bytes(p.CorrelationData).hex()
    if hasattr(p, "PayloadFormatIndicator"):
        d["payloadFormatIndicator"] = p.PayloadFormatIndicator == 1
    if hasattr(p, "MessageExpiryInterval"):
        d["messageExpiryInterval"] = p.MessageExpiryInterval
    return d


def on_connect(c, u, flags, rc, properties=None):
    tam = getattr(properties, "TopicAliasMaximum", None) if properties is not None else None
    emit({"ev": "connack", "sessionPresent": bool(flags.get("session present")), "rc": int(getattr(rc, "value", rc)), "topicAliasMaximum": tam})


def on_message(c, u, msg):
    emit({"ev": "message", "topic": msg.topic, "payload": msg.payload.hex(), "qos": msg.qos, "retain": bool(msg.retain),
          "properties": props_out(getattr(msg, "properties", None)) if version == 5 else None})


def on_subscribe(c, u, mid, granted, properties=None):
    ident = pending_sub.pop(mid, None)
    emit({"ev": "suback", "id": ident, "granted": [int(getattr(g, "value", g)) for g in granted]})


def on_publish(c, u, mid):
    ident = pending_pub.pop(mid, None)
    if ident is not None:
        emit({"ev": "published", "id": ident})


def handle(cmd):
    global client, active, version
    op = cmd["op"]
    if op == "connect":
        version = cmd["version"]
        if version == 5:
            client = mqtt.Client(cmd["clientId"], protocol=mqtt.MQTTv5, reconnect_on_failure=False)
        else:
            client = mqtt.Client(cmd["clientId"], clean_session=cmd["clean"], protocol=mqtt.MQTTv311, reconnect_on_failure=False)
        client.on_connect = on_connect
        client.on_message = on_message
        client.on_subscribe = on_subscribe
        client.on_publish = on_publish
        client.max_inflight_messages_set(100)
        w = cmd.get("will")
        if w:
            client.will_set(w["topic"], bytes.fromhex(w["payload"]), w["qos"], w.get("retain", False))
        if version == 5:
            cp = Properties(PacketTypes.CONNECT)
            cp.SessionExpiryInterval = cmd.get("sessionExpiry", 0)
            client.connect(cmd["host"], cmd["port"], cmd.get("keepalive", 30), clean_start=cmd["clean"], properties=cp)
        else:
            client.connect(cmd["host"], cmd["port"], cmd.get("keepalive", 30))
        active = True
    elif op == "subscribe":
        if version == 5:
            rc, mid = client.subscribe(cmd["filter"], options=SubscribeOptions(qos=cmd["qos"], noLocal=cmd.get("noLocal", False)))
        else:
            rc, mid = client.subscribe(cmd["filter"], cmd["qos"])
        pending_sub[mid] = cmd["id"]
    elif op == "publish":
        props = None
        p = cmd.get("properties")
        topic = cmd["topic"]
        if version == 5 and (p or cmd.get("topicAlias") is not None):
            props = Properties(PacketTypes.PUBLISH)
            p = p or {}
            if "userProperties" in p:
                props.UserProperty = list(p["userProperties"].items())
            if "contentType" in p:
                props.ContentType = p["contentType"]
            if "responseTopic" in p:
                props.ResponseTopic = p["responseTopic"]
            if "correlationData" in p:
                props.CorrelationData = bytes.fromhex(p["correlationData"])
            if "payloadFormatIndicator" in p:
                props.PayloadFormatIndicator = 1 if p["payloadFormatIndicator"] else 0
            if "messageExpiryInterval" in p:
                props.MessageExpiryInterval = p["messageExpiryInterval"]
            if cmd.get("topicAlias") is not None:
                props.TopicAlias = cmd["topicAlias"]
        info = client.publish(topic, bytes.fromhex(cmd["payload"]), cmd["qos"], cmd.get("retain", False), properties=props)
        if info.rc != mqtt.MQTT_ERR_SUCCESS and info.rc != mqtt.MQTT_ERR_NO_CONN:
            emit({"ev": "publish-error", "id": cmd["id"], "rc": info.rc})
        else:
            pending_pub[info.mid] = cmd["id"]
            if info.is_published():
                on_publish(client, None, info.mid)
    elif op == "disconnect":
        client.disconnect()
        client.loop(0.05)
        active = False
        emit({"ev": "closed"})
    elif op == "reconnect":
        client.reconnect()
        active = True


def main():
    buf = b""
    fd = sys.stdin.fileno()
    while True:
        r, _, _ = select.select([fd], [], [], 0.005 if active else 0.05)
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    try:
                        handle(json.loads(line))
                    except Exception as e:  # reported to the adapter, which fails the scenario
                        emit({"ev": "error", "msg": "%s: %s" % (type(e).__name__, e)})
        if active and client is not None:
            rc = client.loop(0.005)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                global_active_off(rc)


def global_active_off(rc):
    global active
    active = False
    emit({"ev": "closed", "rc": rc})


if __name__ == "__main__":
    main()
