// The fleet over time, with uPlot: connected clients and reconnects, PUBLISH in and out a
// second, QoS 1/2 round trip p50/p99; each fault that fired is a red line on every chart's
// time axis and a line in the list below them.
import uPlot from 'uplot';
import { clockText, el } from './dom.js';
import type { FleetSample } from '../fleet-sample.js';

export type { FleetSample };

const HISTORY = 3600;
const WIDTH = 560;

interface ChartSpec {
  title: string;
  series: { label: string; stroke: string; pick: (s: FleetSample) => number | null }[];
}

const SPECS: ChartSpec[] = [
  { title: 'clients', series: [
    { label: 'connected', stroke: '#2a7ab0', pick: (s) => s.connected },
    { label: 'reconnects/s', stroke: '#d08a1c', pick: (s) => s.reconnects }] },
  { title: 'messages a second', series: [
    { label: 'in', stroke: '#3b9c4a', pick: (s) => s.inPerS },
    { label: 'out', stroke: '#7a4bb0', pick: (s) => s.outPerS }] },
  { title: 'QoS 1/2 round trip, ms', series: [
    { label: 'p50', stroke: '#2a7ab0', pick: (s) => s.rttP50 },
    { label: 'p99', stroke: '#c0392b', pick: (s) => s.rttP99 }] },
];

export class FleetCharts {
  readonly root = el('div', { class: 'charts' });
  readonly plots: uPlot[] = [];
  readonly samples: FleetSample[] = [];
  /** Fault times (seconds) and what fired. */
  readonly faults: { t: number; text: string }[] = [];
  private readonly faultList = el('ul', { id: 'fault-marks' });

  constructor() {
    const marks = (u: uPlot): void => this.drawFaults(u);
    for (const spec of SPECS) {
      const box = el('div', { class: 'chart' });
      this.root.append(box);
      const opts: uPlot.Options = {
        title: spec.title, width: WIDTH, height: 180,
        series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, spanGaps: false }))],
        axes: [{}, { size: 50 }],
        scales: { x: { time: true } },
        hooks: { draw: [marks] },
      };
      this.plots.push(new uPlot(opts, this.data(spec), box));
    }
    this.root.append(el('h3', {}, 'faults fired'), this.faultList);
  }

  add(samples: FleetSample[]): void {
    for (const s of samples) {
      this.samples.push(s);
      for (const f of s.faults) {
        this.faults.push({ t: f.t / 1000, text: f.text });
        this.faultList.append(el('li', { class: 'fault-mark' }, `${clockText(f.t)} ${f.text}`));
      }
    }
    if (this.samples.length > HISTORY) this.samples.splice(0, this.samples.length - HISTORY);
    SPECS.forEach((spec, i) => this.plots[i].setData(this.data(spec)));
  }

  private data(spec: ChartSpec): uPlot.AlignedData {
    const xs = this.samples.map((s) => s.t / 1000);
    return [xs, ...spec.series.map((se) => this.samples.map(se.pick))];
  }

  private drawFaults(u: uPlot): void {
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#e03030';
    ctx.lineWidth = 2;
    for (const f of this.faults) {
      const x = Math.round(u.valToPos(f.t, 'x', true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  }
}
