/**
 * The simulator's HTML report: one self-contained file (Vega, Vega-Lite and vega-embed inlined, no network) with
 * - recovery-point age against the RPO per DB and stage: small multiples (one panel per DB) up to
 *   {@link MAX_PANELS} DBs, a heatmap (rows = DB and stage, colour = age / RPO) beyond;
 * - the warm-up and the scenario's fault windows shaded, alarms and drills marked;
 * - the cumulative distribution of the age per stage (scored samples only, i.e. after the warm-up);
 * - the report's tables (per-DB statistics, alarms, drills, faults).
 * Pure: the same inputs give the same bytes. The specs are plain Vega-Lite JSON, built here from the simulator's
 * samples; the charting itself is Vega-Lite's.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pc from "picocolors";
import { renderApiUsage } from "./apiUsage";
import type { SimulationReport } from "./report";
import type { Scenario } from "./scenario";

/** Most DBs drawn as one panel each; more are drawn as a heatmap. */
export const MAX_PANELS = 12;
/** Time buckets per series in the panels (each keeps its min and max, so the sawtooth's peaks survive). */
const PANEL_BUCKETS = 400;
/** Time buckets of the heatmap. */
const HEATMAP_BUCKETS = 168;
/** Points per stage in the CDF. */
const CDF_POINTS = 200;
const HOUR = 3_600_000;

/** Per `account/db stage`: every sample as `[epoch ms, age minutes]`, and the DB's RPO (SimulationResult.samples). */
export type Samples = ReadonlyMap<
  string,
  { readonly rpoMinutes: number; readonly points: readonly (readonly [number, number])[] }
>;

/** A shaded time window. `db` set: only that DB's panel. */
export interface ReportWindow {
  readonly kind: "warm-up" | "fault";
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly db?: string;
}

/** A marked instant (alarm fired, drill started, DB deleted). */
export interface ReportEvent {
  readonly kind: "alarm" | "drill ok" | "drill failed" | "fault";
  readonly label: string;
  readonly at: number;
  readonly db?: string;
}

/** What the report draws. */
export interface HtmlReportInput {
  readonly report: SimulationReport;
  readonly samples: Samples;
  /** The scenario, for its fault timetable; without it only the warm-up is shaded. */
  readonly scenario?: Pick<Scenario, "faults">;
}

/** Colours of every category on the charts' one shared colour scale. */
export const CATEGORY_COLORS: Readonly<Record<string, string>> = {
  dr: "#1f77b4",
  "dr-region": "#ff7f0e",
  RPO: "#d62728",
  "warm-up": "#9e9e9e",
  fault: "#e6a23c",
  alarm: "#c2185b",
  "drill ok": "#2e7d32",
  "drill failed": "#b71c1c",
};

/** Splits a sample key `account/db stage` into its DB and stage. */
export function splitKey(key: string): { db: string; stage: string } {
  const i = key.lastIndexOf(" ");
  return i < 0 ? { db: key, stage: "" } : { db: key.slice(0, i), stage: key.slice(i + 1) };
}

/** Warm-up and fault windows, and alarm, drill and DB-deletion instants, from the report and the scenario. */
export function timeline(input: HtmlReportInput): { windows: ReportWindow[]; events: ReportEvent[] } {
  const { report, scenario } = input;
  const start = Date.parse(report.scenario.start);
  const end = Date.parse(report.scenario.end);
  const at = (h: number) => Math.min(end, start + h * HOUR);
  const windows: ReportWindow[] = [];
  const events: ReportEvent[] = [];
  if (report.scenario.warmupHours > 0) {
    windows.push({
      kind: "warm-up",
      label: `warm-up (${report.scenario.warmupHours} h, not scored)`,
      start,
      end: at(report.scenario.warmupHours),
    });
  }
  const f = scenario?.faults;
  for (const o of f?.outages ?? []) {
    const what = o.account
      ? `account ${o.account} down`
      : o.region
        ? `region ${o.region} down`
        : `state machine ${o.stateMachine}${o.inAccount ? ` in ${o.inAccount}` : ""} down`;
    windows.push({ kind: "fault", label: what, start: at(o.startHours), end: at(o.startHours + o.hours) });
  }
  for (const q of f?.snapshotQuotas ?? []) {
    windows.push({
      kind: "fault",
      label: `snapshot quota of ${q.account}${q.region ? `/${q.region}` : ""} left to the tool: ${q.max}`,
      start: at(q.startHours),
      end: q.hours !== undefined ? at(q.startHours + q.hours) : end,
    });
  }
  for (const d of f?.deleteDbs ?? []) {
    events.push({
      kind: "fault",
      label: `DB ${d.account}/${d.id} deleted`,
      at: at(d.atHours),
      db: `${d.account}/${d.id}`,
    });
  }
  for (const a of report.alarms) {
    for (const e of a.episodes) {
      events.push({
        kind: "alarm",
        label: `${a.name} (${a.kind}) fired ${e.firedAt}${e.resolvedAt ? `, OK ${e.resolvedAt}` : ", still in ALARM"}`,
        at: Date.parse(e.firedAt),
      });
    }
  }
  for (const d of report.recovery.drills) {
    events.push({
      kind: d.status === "SUCCEEDED" && !d.rtoAlarm ? "drill ok" : "drill failed",
      label: `drill ${d.machine}: ${d.status}${d.error ? ` (${d.error})` : ""}${d.restoreMinutes !== null ? `, ${d.restoreMinutes} min to restore` : ""}`,
      at: Date.parse(d.startedAt),
    });
  }
  for (const f of report.recovery.failovers ?? []) {
    events.push({
      kind: f.status === "SUCCEEDED" && f.withinRto ? "drill ok" : "drill failed",
      label: `failover ${f.machine}: ${f.status}${f.error ? ` (${f.error})` : ""}${f.elapsedMinutes !== null ? `, ${f.elapsedMinutes} min` : ""}`,
      at: Date.parse(f.startedAt),
    });
  }
  return { windows, events };
}

/** The DBs in report order, with their RPO. */
function dbList(input: HtmlReportInput): { db: string; rpo: number }[] {
  const seen = new Map<string, number>();
  for (const d of input.report.dbs) seen.set(`${d.account}/${d.id}`, d.rpoMinutes);
  for (const [key, s] of input.samples) {
    const { db } = splitKey(key);
    if (!seen.has(db)) seen.set(db, s.rpoMinutes);
  }
  return [...seen].map(([db, rpo]) => ({ db, rpo }));
}

/** Per-bucket minimum and maximum of a series, in time order (what a line at this resolution shows). */
export function downsample(
  points: readonly (readonly [number, number])[],
  t0: number,
  t1: number,
  buckets: number,
): [number, number][] {
  if (points.length <= buckets * 2) return points.map((p) => [p[0], p[1]]);
  const width = Math.max(1, (t1 - t0) / buckets);
  const out: [number, number][] = [];
  let bucket = Number.NaN;
  let min: readonly [number, number] | undefined;
  let max: readonly [number, number] | undefined;
  const flush = () => {
    if (!min || !max) return;
    if (min === max) out.push([min[0], min[1]]);
    else if (min[0] < max[0]) out.push([min[0], min[1]], [max[0], max[1]]);
    else out.push([max[0], max[1]], [min[0], min[1]]);
  };
  for (const p of points) {
    const b = Math.floor((p[0] - t0) / width);
    if (b !== bucket) {
      flush();
      bucket = b;
      min = p;
      max = p;
    } else {
      if (p[1] < min![1]) min = p;
      if (p[1] > max![1]) max = p;
    }
  }
  flush();
  return out;
}

/** Empirical CDF of `values` as at most `n` points `[value, fraction <= value]` (always ends at the maximum). */
export function cdf(values: readonly number[], n: number): [number, number][] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const out: [number, number][] = [];
  const step = Math.max(1, Math.ceil(sorted.length / n));
  for (let i = step - 1; i < sorted.length; i += step) out.push([sorted[i]!, (i + 1) / sorted.length]);
  if (out[out.length - 1]![1] !== 1) out.push([sorted[sorted.length - 1]!, 1]);
  return out;
}

type Spec = Record<string, unknown>;

const round = (v: number) => Math.round(v * 10) / 10;

/** The colour scale shared by every layer (one legend for stages, RPO, windows and events), or for `keys` only. */
function colorScale(keys: readonly string[] = Object.keys(CATEGORY_COLORS)): Spec {
  return { domain: [...keys], range: keys.map((k) => CATEGORY_COLORS[k] ?? "#000") };
}

/** Categories of the shaded windows and event lines. */
const TIMELINE_KEYS = ["warm-up", "fault", "alarm", "drill ok", "drill failed"] as const;

/**
 * An x channel on a UTC time scale. Only one layer of a chart, one without `x2`, fixes the domain to the run
 * (`xDomain`) and formats the axis: Vega-Lite warns about conflicting domains when several layers state it, or a
 * layer with `x2` does.
 */
function timeX(field: string, xDomain?: [number, number]): Spec {
  if (!xDomain) return { field, type: "temporal", title: null, scale: { type: "utc" } };
  const days = (xDomain[1] - xDomain[0]) / 86_400_000;
  const axis = { format: days > 2 ? "%a %d" : "%d %H:%M", labelAngle: 0 };
  return { field, type: "temporal", title: null, axis, scale: { type: "utc", domain: xDomain } };
}

/**
 * Layers drawn over every time axis: shaded windows and event rules, filtered to `db` when given. In the panels
 * they share the `color` scale with the lines; over the heatmap (whose `color` is the age) they use `fill`/`stroke`.
 */
function overlayLayers(db: string | undefined, heatmap = false, xDomain?: [number, number]): Spec[] {
  const only = db === undefined ? "true" : `datum.db === '' || datum.db === ${JSON.stringify(db)}`;
  const x = timeX("start");
  const category = heatmap
    ? { field: "kind", type: "nominal", scale: colorScale(TIMELINE_KEYS), title: "windows and events" }
    : { field: "kind", type: "nominal", scale: colorScale(), title: null };
  return [
    {
      data: { name: "windows" },
      transform: [{ filter: only }],
      mark: { type: "rect", opacity: 0.18 },
      encoding: {
        x,
        x2: { field: "end" },
        [heatmap ? "fill" : "color"]: category,
        tooltip: [{ field: "label", title: "window" }],
      },
    },
    {
      data: { name: "events" },
      transform: [{ filter: only }],
      mark: { type: "rule", strokeWidth: 1.5, strokeDash: [4, 2] },
      encoding: {
        x: timeX("at", xDomain),
        [heatmap ? "stroke" : "color"]: category,
        tooltip: [{ field: "label", title: "event" }],
      },
    },
  ];
}

/** Vega-Lite spec of the age chart: panels per DB, or a heatmap beyond {@link MAX_PANELS} DBs. */
export function ageSpec(input: HtmlReportInput): Spec {
  const { report, samples } = input;
  const t0 = Date.parse(report.scenario.start);
  const t1 = Date.parse(report.scenario.end);
  const { windows, events } = timeline(input);
  const dbs = dbList(input);
  const datasets: Record<string, unknown[]> = {
    windows: windows.map((w) => ({ ...w, db: w.db ?? "" })),
    events: events.map((e) => ({ ...e, db: e.db ?? "" })),
  };
  const xDomain: [number, number] = [t0, t1];
  if (dbs.length <= MAX_PANELS) {
    const ages: unknown[] = [];
    for (const [key, s] of samples) {
      const { db, stage } = splitKey(key);
      for (const [t, a] of downsample(s.points, t0, t1, PANEL_BUCKETS)) ages.push({ db, stage, t, age: round(a) });
    }
    datasets.ages = ages;
    datasets.rpo = dbs.map((d) => ({ db: d.db, rpo: d.rpo, kind: "RPO" }));
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      datasets,
      columns: Math.min(3, dbs.length),
      concat: dbs.map((d) => ({
        title: { text: `${d.db} (RPO ${d.rpo} min)`, fontSize: 12 },
        width: 320,
        height: 160,
        layer: [
          ...overlayLayers(d.db),
          {
            data: { name: "ages" },
            transform: [{ filter: `datum.db === ${JSON.stringify(d.db)}` }],
            mark: { type: "line", strokeWidth: 1.2, interpolate: "linear" },
            encoding: {
              x: timeX("t", xDomain),
              y: { field: "age", type: "quantitative", title: "recovery-point age (min)" },
              color: { field: "stage", type: "nominal", scale: colorScale(), title: null },
              detail: { field: "stage" },
              tooltip: [{ field: "stage" }, { field: "age", title: "age (min)" }],
            },
          },
          {
            data: { name: "rpo" },
            transform: [{ filter: `datum.db === ${JSON.stringify(d.db)}` }],
            mark: { type: "rule", strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: {
              y: { field: "rpo", type: "quantitative" },
              color: { field: "kind", type: "nominal", scale: colorScale(), title: null },
              tooltip: [{ field: "rpo", title: "RPO (min)" }],
            },
          },
        ],
      })),
      config: { timeFormat: "%m-%d %H:%M", legend: { orient: "top" } },
    };
  }
  // Heatmap: one row per DB and stage, hourly-or-coarser cells coloured by the worst age / RPO in the cell.
  const width = Math.max(HOUR, Math.ceil((t1 - t0) / HEATMAP_BUCKETS / HOUR) * HOUR);
  const lastCell = Math.max(0, Math.ceil((t1 - t0) / width) - 1);
  const cells: unknown[] = [];
  const rows: string[] = [];
  for (const [key, s] of samples) {
    rows.push(key);
    const worst = new Map<number, number>();
    for (const [t, a] of s.points) {
      // A sample at the very end belongs to the last cell, not to a cell of its own.
      const b = Math.min(Math.floor((t - t0) / width), lastCell);
      worst.set(b, Math.max(worst.get(b) ?? 0, a));
    }
    for (const [b, a] of worst) {
      cells.push({
        row: key,
        from: new Date(t0 + b * width).toISOString().slice(0, 16).replace("T", " "),
        start: t0 + b * width,
        end: Math.min(t1, t0 + (b + 1) * width),
        ratio: round((a / s.rpoMinutes) * 100),
        age: round(a),
        rpo: s.rpoMinutes,
      });
    }
  }
  datasets.cells = cells;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    datasets,
    width: 900,
    height: { step: 12 },
    layer: [
      {
        data: { name: "cells" },
        mark: { type: "rect" },
        encoding: {
          x: timeX("start"),
          x2: { field: "end" },
          y: { field: "row", type: "nominal", title: null, sort: rows },
          color: {
            field: "ratio",
            type: "quantitative",
            title: "worst age, % of RPO",
            scale: { domain: [0, 100, 200], range: ["#e8f5e9", "#fff59d", "#b71c1c"], clamp: true },
          },
          tooltip: [
            { field: "row", title: "DB stage" },
            { field: "from", title: "from (UTC)" },
            { field: "age", title: "worst age (min)" },
            { field: "rpo", title: "RPO (min)" },
          ],
        },
      },
      ...overlayLayers(undefined, true, xDomain),
    ],
    config: { timeFormat: "%m-%d %H:%M", legend: { orient: "top" } },
  };
}

/** Vega-Lite spec of the CDF of the scored recovery-point age (after the warm-up), one line per stage. */
export function cdfSpec(input: HtmlReportInput): Spec {
  const { report, samples } = input;
  const scoredFrom = Date.parse(report.scenario.start) + report.scenario.warmupHours * HOUR;
  const rpos = new Set([...samples.values()].map((s) => s.rpoMinutes));
  const relative = rpos.size > 1;
  const byStage = new Map<string, number[]>();
  for (const [key, s] of samples) {
    const { stage } = splitKey(key);
    const list = byStage.get(stage) ?? [];
    for (const [t, a] of s.points) if (t >= scoredFrom) list.push(relative ? (a / s.rpoMinutes) * 100 : a);
    byStage.set(stage, list);
  }
  const points: unknown[] = [];
  for (const [stage, values] of [...byStage].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [v, p] of cdf(values, CDF_POINTS))
      points.push({ stage, value: round(v), fraction: Math.round(p * 10000) / 10000 });
  }
  const threshold = relative ? 100 : ([...rpos][0] ?? 0);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    datasets: { cdf: points, rpo: [{ value: threshold, kind: "RPO" }] },
    width: 480,
    height: 240,
    layer: [
      {
        data: { name: "cdf" },
        mark: { type: "line", interpolate: "step-after" },
        encoding: {
          x: {
            field: "value",
            type: "quantitative",
            title: relative ? "recovery-point age, % of the DB's RPO" : "recovery-point age (min)",
            scale: { zero: true },
          },
          y: { field: "fraction", type: "quantitative", title: "share of samples ≤ age", axis: { format: "%" } },
          color: { field: "stage", type: "nominal", scale: colorScale(["dr", "dr-region", "RPO"]), title: null },
          tooltip: [
            { field: "stage" },
            { field: "value", title: relative ? "% of RPO" : "age (min)" },
            { field: "fraction", format: ".1%" },
          ],
        },
      },
      {
        data: { name: "rpo" },
        mark: { type: "rule", strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: {
          x: { field: "value", type: "quantitative" },
          color: { field: "kind", type: "nominal", scale: colorScale(["dr", "dr-region", "RPO"]), title: null },
        },
      },
    ],
    config: { legend: { orient: "top" } },
  };
}

/** The minified Vega, Vega-Lite and vega-embed builds, read from node_modules (inlined into the page). */
export function chartLibraries(): string {
  const build = (pkg: string) => dirname(require.resolve(pkg));
  const files = [
    join(build("vega"), "vega.min.js"),
    join(build("vega-lite"), "vega-lite.min.js"),
    join(build("vega-embed"), "vega-embed.min.js"),
  ];
  return files.map((f) => `<script>\n${inlineScript(readFileSync(f, "utf8"))}\n</script>`).join("\n");
}

/** Makes text safe inside an inline `<script>`: no `</script` or `<!--` can close or confuse it. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function esc(s: string | number): string {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  if (rows.length === 0) return "<p>None.</p>";
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** The report's RDS API use per account and region vs the budget (sim/apiUsage.ts), as a table and a note. */
function apiUsageHtml(report: HtmlReportInput["report"]): string {
  if (!report.apiUsage) return "";
  const { title, rows, notes } = renderApiUsage(report.apiUsage, pc.createColors(false));
  return `<h2>${esc(title)}</h2>\n${table(rows[0]!, rows.slice(1))}\n${notes.map((n) => `<p>${esc(n.trim())}</p>`).join("")}`;
}

/**
 * The whole HTML page. `libraries` is the inlined chart code ({@link chartLibraries}); tests of the page structure
 * may pass an empty string.
 */
export function renderHtmlReport(input: HtmlReportInput, libraries: string = chartLibraries()): string {
  const { report } = input;
  const s = report.scenario;
  const dbs = dbList(input);
  const heatmap = dbs.length > MAX_PANELS;
  const dbRows = report.dbs.flatMap((d) =>
    Object.entries(d.stages).map(([stage, a]) => [
      `${d.account}/${d.id}`,
      stage,
      d.rpoMinutes,
      a?.p50 ?? "",
      a?.p95 ?? "",
      a?.max ?? "",
      a?.samplesOverRpo ?? "",
      d.missedRpo ? "missed" : "met",
    ]),
  );
  const alarmRows = report.alarms.flatMap((a) =>
    a.episodes.map((e) => [a.name, a.kind, e.firedAt, e.resolvedAt ?? "still in ALARM"]),
  );
  const drillRows = report.recovery.drills.map((d) => [
    d.machine,
    d.startedAt,
    d.status,
    d.restoreMinutes ?? "",
    d.rtoMinutes,
    d.rtoAlarm ? "yes" : "no",
  ]);
  const specs = { ages: ageSpec(input), cdf: cdfSpec(input) };
  const verdict =
    report.missedRpo.length === 0 ? "Every DB met its RPO." : `Missed the RPO: ${report.missedRpo.join(", ")}.`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rds-pilot-light simulation: ${esc(s.name)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; } th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
.verdict { font-weight: bold; } .chart-error { color: #b71c1c; white-space: pre-wrap; }
</style>
${libraries}
</head>
<body>
<h1>Simulation: ${esc(s.name)}</h1>
<p>${esc(s.days)} virtual days from ${esc(s.start)} to ${esc(s.end)}, seed ${esc(s.seed)}, a sample every ${esc(s.sampleMinutes)} min; stacks: ${esc(s.stacks.join("; "))}. Scenario: <code>${esc(s.source)}</code>.</p>
<p class="verdict">${esc(verdict)}</p>
<h2>Recovery-point age against the RPO</h2>
<p>${
    heatmap
      ? `${dbs.length} DBs: one row per DB and stage; each cell is the worst age in that time slot as a share of the DB's RPO (above 100% = RPO missed).`
      : "One panel per DB: the age of the newest available DR copy per stage, the RPO as a dashed line."
  } Shaded: the warm-up (not scored) and fault windows; dashed vertical lines: alarms firing, drills, DB deletions. Times are UTC.</p>
<div id="ages" class="chart" data-kind="${heatmap ? "heatmap" : "panels"}" data-panels="${heatmap ? 1 : dbs.length}"></div>
<h2>Distribution of the recovery-point age per stage (after the warm-up)</h2>
<div id="cdf" class="chart"></div>
<h2>Per DB and stage (minutes)</h2>
${table(["DB", "stage", "RPO", "p50", "p95", "max", "samples over RPO", "verdict"], dbRows)}
${apiUsageHtml(report)}
<h2>Alarms that would have fired</h2>
${table(["alarm", "kind", "fired", "back to OK"], alarmRows)}
<h2>Drills</h2>
${table(["machine", "started", "status", "restore (min)", "RTO (min)", "drill alarm"], drillRows)}
<h2>Faults</h2>
${report.faults.length ? `<ul>${report.faults.map((f) => `<li>${esc(f)}</li>`).join("")}</ul>` : "<p>None.</p>"}
<script id="specs" type="application/json">${inlineScript(JSON.stringify(specs).replace(/</g, "\\u003c"))}</script>
<script>
(function () {
  var specs = JSON.parse(document.getElementById("specs").textContent);
  var opts = { renderer: "svg", actions: false };
  function fail(id, err) {
    var el = document.getElementById(id);
    el.className += " chart-error";
    el.textContent = "The chart could not be drawn: " + (err && err.message ? err.message : String(err));
    console.error(err);
  }
  if (typeof vegaEmbed !== "function") { fail("ages", new Error("vega-embed is not loaded")); return; }
  Promise.all([
    vegaEmbed("#ages", specs.ages, opts).catch(function (e) { fail("ages", e); throw e; }),
    vegaEmbed("#cdf", specs.cdf, opts).catch(function (e) { fail("cdf", e); throw e; })
  ]).then(function () { document.body.setAttribute("data-rendered", "true"); },
          function () { document.body.setAttribute("data-rendered", "error"); });
})();
</script>
</body>
</html>
`;
}
