// The run webviews' script (bundled with uPlot into dist/webview/chart.js): draws the charts the
// page describes in #greenml-data, in the theme's chart colours, and sends the buttons' actions to
// the extension.
import uPlot from 'uplot';

interface LineSpec {
  label: string;
  color: string;
  y: number[];
}
interface ChartSpec {
  id: string;
  x?: number[];
  series?: LineSpec[];
  /** Series with x values of their own, joined onto one axis. */
  joined?: (LineSpec & { x: number[] })[];
}

declare function acquireVsCodeApi(): { postMessage(msg: unknown): void };
const vscode = acquireVsCodeApi();

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const COLORS: Record<string, string> = {
  blue: css('--vscode-charts-blue', '#3794ff'),
  red: css('--vscode-charts-red', '#f14c4c'),
  yellow: css('--vscode-charts-yellow', '#cca700'),
  green: css('--vscode-charts-green', '#89d185'),
};
const fg = css('--vscode-foreground', '#cccccc');
const grid = css('--vscode-widget-border', 'rgba(128,128,128,0.25)');

const fmtS = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} h` : s >= 60 ? `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}` : `${Math.round(s * 10) / 10} s`);
const fmtW = (w: number | null) => (w === null || w === undefined ? '—' : w === 0 ? '0 W' : w >= 100 ? `${Math.round(w)} W` : w >= 0.1 ? `${w.toFixed(1)} W` : `${Math.round(w * 1000)} mW`);

function draw(spec: ChartSpec): void {
  const el = document.getElementById(spec.id);
  if (!el) return;
  let data: uPlot.AlignedData;
  let lines: LineSpec[];
  if (spec.joined) {
    lines = spec.joined;
    data = uPlot.join(spec.joined.map((s) => [s.x, s.y] as uPlot.AlignedData));
  } else {
    lines = spec.series ?? [];
    data = [spec.x ?? [], ...lines.map((s) => s.y)];
  }
  const width = () => Math.max(320, Math.min(1000, el.clientWidth || document.body.clientWidth - 40));
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const plot = new uPlot(
    {
      width: width(),
      height: 260,
      scales: { x: { time: false } },
      axes: [
        { ...axis, values: (_u, ticks) => ticks.map(fmtS), label: 'time since start' },
        { ...axis, values: (_u, ticks) => ticks.map((t) => fmtW(t)), size: 60, label: 'power' },
      ],
      series: [
        { label: 'time', value: (_u, v) => (v === null ? '—' : fmtS(v)) },
        ...lines.map((s) => ({ label: s.label, stroke: COLORS[s.color] ?? s.color, width: 2, spanGaps: true, value: (_u: uPlot, v: number | null) => fmtW(v) })),
      ],
      legend: { live: true },
    },
    data,
    el,
  );
  el.setAttribute('data-points', String(data[0].length));
  window.addEventListener('resize', () => plot.setSize({ width: width(), height: 260 }));
}

const page = JSON.parse(document.getElementById('greenml-data')?.textContent ?? '{}') as { charts?: ChartSpec[] };
for (const c of page.charts ?? []) draw(c);
document.body.setAttribute('data-charts-ready', String(page.charts?.length ?? 0));

document.addEventListener('click', (e) => {
  const action = (e.target as HTMLElement | null)?.closest('[data-action]')?.getAttribute('data-action');
  if (action) vscode.postMessage({ action });
});
