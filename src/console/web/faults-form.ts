// Fault injection as a form: a rule (kind, client-id pattern, count and the kind's parameters)
// published to $bench/fault/<kind>, or $bench/fault/clear; the broker's answers on $bench/events.
import { el } from './dom.js';
import type { ConsoleMqtt } from './mqtt.js';

/** Each kind's own parameters (src/broker/faults.ts). */
const KINDS: Record<string, string[]> = {
  drop: ['packet'], delay: ['packet', 'ms'], duplicate: [], close: ['after'], refuse: ['reason'], nopong: [], throttle: ['bps'],
};
const PLACEHOLDERS: Record<string, string> = { packet: 'puback', ms: '1000', after: '0', reason: '135', bps: '1024' };

export class FaultForm {
  readonly root = el('form', { id: 'fault-form' });
  private readonly kind = el('select', { name: 'kind' });
  private readonly client = el('input', { name: 'client', value: '*', size: '12' });
  private readonly count = el('input', { name: 'count', value: '1', size: '4' });
  private readonly params = el('span', {});
  private readonly status = el('div', { id: 'fault-status' });

  constructor(private readonly mqtt: ConsoleMqtt) {
    for (const k of Object.keys(KINDS)) this.kind.append(el('option', { value: k }, k));
    this.kind.addEventListener('change', () => this.showParams());
    const clear = el('button', { type: 'button', id: 'fault-clear' }, 'clear all rules');
    clear.addEventListener('click', () => this.send('clear', {}));
    this.root.append(el('label', {}, 'kind ', this.kind), ' ', el('label', {}, 'client ', this.client), ' ',
      el('label', {}, 'count ', this.count), ' ', this.params, ' ', el('button', { type: 'submit', id: 'fault-add' }, 'inject'), ' ', clear, this.status);
    this.root.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    mqtt.listen((topic, payload) => {
      if (topic === '$bench/events' && !payload.includes('"event":"fault"')) this.status.textContent = payload;
    });
    this.showParams();
  }

  private showParams(): void {
    this.params.replaceChildren(...KINDS[this.kind.value].map((p) =>
      el('label', {}, `${p} `, el('input', { name: p, placeholder: PLACEHOLDERS[p], size: '8' }))));
  }

  private submit(): void {
    const rule: Record<string, string | number> = { client: this.client.value || '*' };
    if (this.count.value !== '') rule.count = Number(this.count.value);
    for (const input of this.params.querySelectorAll('input')) {
      const v = input.value || input.placeholder;
      rule[input.name] = input.name === 'packet' ? v : Number(v);
    }
    this.send(this.kind.value, rule);
  }

  private send(what: string, body: Record<string, unknown>): void {
    const rc = this.mqtt.publish(`$bench/fault/${what}`, JSON.stringify(body));
    this.status.textContent = rc < 0 ? `not sent (${rc})` : `sent $bench/fault/${what} ${JSON.stringify(body)}`;
  }
}
