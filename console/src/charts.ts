/**
 * Live time-series cards on uPlot: a rolling window of points, the latest values as text (readable in
 * a narrow window and by the browser test), and "not available yet" while the runtime reports nothing.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el } from './dom';

/** 5 minutes of points at one health poll every 2 s. */
const WINDOW_POINTS = 150;
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

export interface SeriesSpec {
  /** Stable key, used in `data-series` attributes. */
  readonly key: string;
  readonly label: string;
  /** Which y scale: charts with two units (files and bytes) put the second on the right. */
  readonly scale?: 'y' | 'y2';
}

export interface ChartSpec {
  /** Stable key, used in the card's `data-chart` attribute. */
  readonly key: string;
  readonly title: string;
  readonly unit: string;
  readonly format: (value: number) => string;
  readonly series: readonly SeriesSpec[];
  readonly y2Format?: (value: number) => string;
  /** The y axis spans at least [0, minMax], so a flat line at 0 has sensible ticks. @default 1 */
  readonly minMax?: number;
  /** Shown under the title, e.g. where the numbers come from. */
  readonly note?: string;
}

export class LiveChart {
  readonly card: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly valuesLine: HTMLElement;
  private readonly noteLine: HTMLElement;
  private readonly empty: HTMLElement;
  private plot?: uPlot;
  private spec: ChartSpec;
  private xs: number[] = [];
  private ys: Array<Array<number | null>> = [];
  private seenData = false;

  constructor(spec: ChartSpec) {
    this.spec = spec;
    this.plotHost = el('div', { class: 'plot' });
    this.valuesLine = el('div', { class: 'values' });
    this.noteLine = el('div', { class: 'note' }, spec.note ?? '');
    this.empty = el('div', { class: 'empty' }, 'not available yet');
    this.card = el('section', { class: 'card chart', 'data-chart': spec.key }, [
      el('h3', {}, `${spec.title} `, el('span', { class: 'unit' }, spec.unit)),
      this.noteLine,
      this.valuesLine,
      this.empty,
      this.plotHost,
    ]);
    this.ys = spec.series.map(() => []);
    new ResizeObserver(() => this.resize()).observe(this.plotHost);
  }

  setNote(note: string): void {
    if (this.noteLine.textContent !== note) this.noteLine.textContent = note;
  }

  /** Changes the series (e.g. a new shard appeared), keeping the history of the ones that stay. */
  setSeries(series: readonly SeriesSpec[]): void {
    const same =
      series.length === this.spec.series.length && series.every((s, i) => s.key === this.spec.series[i]?.key);
    if (same) return;
    const old = new Map(this.spec.series.map((s, i) => [s.key, this.ys[i] ?? []]));
    this.ys = series.map((s) => old.get(s.key) ?? this.xs.map(() => null));
    this.spec = { ...this.spec, series };
    this.plot?.destroy();
    this.plot = undefined;
    this.redraw();
  }

  push(t: number, values: ReadonlyArray<number | undefined>): void {
    this.xs.push(t);
    values.forEach((v, i) => {
      this.ys[i]?.push(v ?? null);
    });
    if (this.xs.length > WINDOW_POINTS) {
      this.xs.shift();
      for (const y of this.ys) y.shift();
    }
    if (values.some((v) => v !== undefined)) this.seenData = true;
    this.renderValues(values);
    this.redraw();
  }

  private renderValues(values: ReadonlyArray<number | undefined>): void {
    this.valuesLine.replaceChildren(
      ...this.spec.series.map((s, i) => {
        const v = values[i];
        const format = s.scale === 'y2' && this.spec.y2Format ? this.spec.y2Format : this.spec.format;
        return el(
          'span',
          { class: 'value', 'data-series': s.key, 'data-value': v === undefined ? '' : String(v) },
          el('i', { style: `background:${PALETTE[i % PALETTE.length]}` }),
          `${s.label}: `,
          el('b', {}, v === undefined ? '–' : format(v)),
        );
      }),
    );
  }

  private redraw(): void {
    this.empty.hidden = this.seenData;
    this.plotHost.hidden = !this.seenData;
    if (!this.seenData) return;
    const data = [this.xs, ...this.ys] as uPlot.AlignedData;
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    const width = Math.max(200, this.plotHost.clientWidth);
    const hasY2 = this.spec.series.some((s) => s.scale === 'y2');
    const format = this.spec.format;
    const minMax = this.spec.minMax ?? 1;
    const y2Format = this.spec.y2Format ?? format;
    this.plot = new uPlot(
      {
        width,
        height: 160,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          y: { range: (_u, min, maxValue) => [Math.min(0, min), Math.max(minMax, maxValue)] },
        },
        axes: [
          { stroke: '#64748b', grid: { stroke: '#e2e8f0' } },
          {
            stroke: '#64748b',
            grid: { stroke: '#e2e8f0' },
            size: 60,
            values: (_u, ticks) => ticks.map(format),
          },
          ...(hasY2
            ? [
                {
                  scale: 'y2',
                  side: 1,
                  stroke: '#64748b',
                  grid: { show: false },
                  size: 60,
                  values: (_u: uPlot, ticks: number[]) => ticks.map(y2Format),
                },
              ]
            : []),
        ],
        series: [
          {},
          ...this.spec.series.map((s, i) => ({
            label: s.label,
            scale: s.scale ?? 'y',
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            spanGaps: true,
          })),
        ],
      },
      data,
      this.plotHost,
    );
  }

  private resize(): void {
    if (!this.plot) return;
    const width = Math.max(200, this.plotHost.clientWidth);
    if (width !== this.plot.width) this.plot.setSize({ width, height: 160 });
  }
}
