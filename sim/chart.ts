/**
 * A hand-written SVG line chart: recovery-point age over time, one line per DB and DR stage, against each RPO.
 * No dependencies, deterministic output (same samples -> same bytes).
 */

/** One line of the chart. */
export interface ChartSeries {
  readonly label: string;
  readonly rpoMinutes: number;
  /** `[epoch ms, age minutes]`, in time order. */
  readonly points: readonly (readonly [number, number])[];
}

const W = 960;
const H = 420;
const M = { top: 40, right: 20, bottom: 110, left: 60 };
const COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];
/** Most points per line: longer series are reduced to per-bucket maxima so peaks survive. */
const MAX_POINTS = 1500;

/** Renders the chart. `title` goes on top. */
export function renderChart(title: string, series: readonly ChartSeries[]): string {
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p[0]), Number.POSITIVE_INFINITY);
  const t1 = Math.max(...all.map((p) => p[0]), Number.NEGATIVE_INFINITY);
  const rpoMax = Math.max(0, ...series.map((s) => s.rpoMinutes));
  const yMax = niceCeil(Math.max(rpoMax * 1.25, ...all.map((p) => p[1]), 1));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t: number) => M.left + (t1 > t0 ? ((t - t0) / (t1 - t0)) * pw : 0);
  const y = (v: number) => M.top + ph - (Math.min(v, yMax) / yMax) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  // Axes and grid.
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${f(v)}</text>`);
  }
  if (t1 > t0) {
    const days = (t1 - t0) / 86_400_000;
    const step = days > 2 ? 86_400_000 : 6 * 3_600_000;
    for (let t = t0; t <= t1 + 1; t += step) {
      out.push(`<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`);
      const label = new Date(t)
        .toISOString()
        .slice(days > 2 ? 5 : 5, days > 2 ? 10 : 16)
        .replace("T", " ");
      out.push(`<text x="${f(x(t))}" y="${M.top + ph + 14}" text-anchor="middle">${label}</text>`);
    }
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(
    `<text x="16" y="${M.top + ph / 2}" transform="rotate(-90 16 ${M.top + ph / 2})" text-anchor="middle">recovery-point age (minutes)</text>`,
  );
  // RPO lines (one per distinct RPO).
  for (const rpo of [...new Set(series.map((s) => s.rpoMinutes))].sort((a, b) => a - b)) {
    out.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${f(y(rpo))}" y2="${f(y(rpo))}" stroke="#d00" stroke-dasharray="6 4"/>`,
    );
    out.push(`<text x="${M.left + pw - 4}" y="${f(y(rpo) - 4)}" text-anchor="end" fill="#d00">RPO ${rpo} min</text>`);
  }
  // Lines and legend.
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = reduce(s.points);
    const d = pts.map((p, j) => `${j === 0 ? "M" : "L"}${f(x(p[0]))},${f(y(p[1]))}`).join("");
    if (d)
      out.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.2"${i % 2 === 1 ? ' stroke-dasharray="3 2"' : ""}/>`,
      );
    const col = i % 3;
    const row = Math.floor(i / 3);
    const lx = M.left + col * 300;
    const ly = M.top + ph + 36 + row * 16;
    out.push(`<line x1="${lx}" x2="${lx + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 26}" y="${ly}">${esc(s.label)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function reduce(points: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  if (points.length <= MAX_POINTS) return [...points];
  const size = Math.ceil(points.length / MAX_POINTS);
  const out: (readonly [number, number])[] = [];
  for (let i = 0; i < points.length; i += size) {
    let best = points[i]!;
    for (let j = i; j < Math.min(points.length, i + size); j++) if (points[j]![1] > best[1]) best = points[j]!;
    out.push(best);
  }
  return out;
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function f(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
