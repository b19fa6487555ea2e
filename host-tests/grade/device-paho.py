# A device for the report card on Paho Python (1.x or 2.x): subscribes to its commands at
# QoS 2, prints each message, publishes telemetry at QoS 1 every 500 ms, disconnects on SIGINT.
# The broker in MQTT_HOST and MQTT_PORT.
import json, os, signal, sys, time
import paho.mqtt.client as mqtt

cid = 'grade-paho-%d' % os.getpid()
kwargs = {'client_id': cid, 'protocol': mqtt.MQTTv5}
if hasattr(mqtt, 'CallbackAPIVersion'):
    kwargs['callback_api_version'] = mqtt.CallbackAPIVersion.VERSION1
c = mqtt.Client(**kwargs)
c.will_set('grade/%s/status' % cid, 'offline', qos=1)

def on_connect(client, userdata, flags, rc, properties=None):
    client.subscribe('grade/%s/cmd/#' % cid, qos=2)

def on_message(client, userdata, msg):
    sys.stdout.write('message %s %s\n' % (msg.topic, msg.payload.decode('utf-8', 'replace')))
    sys.stdout.flush()

c.on_connect = on_connect
c.on_message = on_message
running = [True]
signal.signal(signal.SIGINT, lambda *a: running.__setitem__(0, False))
c.connect(os.environ.get('MQTT_HOST', '127.0.0.1'), int(os.environ.get('MQTT_PORT', '1883')), keepalive=2, clean_start=True)
c.loop_start()
seq = 0
while running[0]:
    seq += 1
    c.publish('grade/%s/telemetry' % cid, json.dumps({'seq': seq, 'pad': 'x' * 280}), qos=1)
    time.sleep(0.5)
c.disconnect()
c.loop_stop()
