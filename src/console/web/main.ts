// The bench console's page: the fleet's charts, the topic tree, a client's timeline, the fault
// form and the suite's and report cards' verdicts, live over the page's own MQTT connection (xsmqtt's core in the browser).
import { FleetCharts, FleetSample } from './charts.js';
import { el, panel } from './dom.js';
import { FaultForm } from './faults-form.js';
import { ConsoleMqtt } from './mqtt.js';
import { Results, RESULT_TOPICS } from './results.js';
import { installStyle } from './style.js';
import { ClientTimeline } from './timeline.js';
import { TopicTree } from './topics.js';

const FLEET_TOPIC = '$bench/console/fleet';

async function main(): Promise<void> {
  installStyle();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/mqtt`;
  const mqtt = new ConsoleMqtt(url);
  const charts = new FleetCharts();
  const tree = new TopicTree();
  const timeline = new ClientTimeline();
  const form = new FaultForm(mqtt);
  const results = new Results();
  const status = el('span', { id: 'status', class: 'down' }, 'connecting');
  mqtt.onState = (up) => {
    status.className = up ? 'up' : 'down';
    status.textContent = up ? `connected as ${mqtt.clientId}` : 'disconnected';
  };
  document.getElementById('app')!.replaceChildren(
    el('h1', {}, 'xsmqtt bench console ', status),
    panel('fleet', 'Fleet', charts.root),
    panel('faults', 'Fault injection', form.root),
    panel('topics', 'Topics', tree.root),
    panel('client', 'Client timeline', timeline.root),
    panel('verdicts', 'Suite results and report cards', results.root));
  // History first, then live samples (those older than the history's last are skipped).
  const history = (await (await fetch('/api/fleet')).json()) as FleetSample[];
  charts.add(history);
  let last = history.length > 0 ? history[history.length - 1].t : 0;
  mqtt.listen((topic, payload, retain) => {
    if (topic === FLEET_TOPIC) {
      const s = JSON.parse(payload) as FleetSample;
      if (s.t > last) {
        last = s.t;
        charts.add([s]);
      }
    } else if (!results.message(topic, payload) && !topic.startsWith('$')) tree.message(topic, payload, retain);
  });
  setInterval(() => tree.tick(), 1000);
  mqtt.start(['#', FLEET_TOPIC, '$bench/events', ...RESULT_TOPICS]);
  // For tests and the curious: the page's parts.
  (window as unknown as Record<string, unknown>).xsmqttConsole = { mqtt, charts, tree, timeline, form, results };
}

void main();
