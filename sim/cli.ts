/**
 * `npm run simulate [-- options]`: runs a scenario (default: the embedded scenarios/default.yaml) and prints the
 * report. Exit code 0 when every DB met its RPO, 1 when a DB whose RPO is feasible missed it, 3 when only DBs whose
 * RPO is below their feasible floor missed (INFEASIBLE, sim/feasibilityReport.ts), 2 on bad input (one line; stack
 * trace with --debug). See docs/simulation.md and docs/copy-topology.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { parseArgs } from "node:util";
import pc from "picocolors";
import { ConfigError } from "../functions/lib/errors";
import { infeasibleMisses } from "./feasibilityReport";
import { renderHtmlReport } from "./htmlReport";
import { EXECUTORS, type Executor } from "./localStepFunctions";
import { polyfillPromiseWithResolvers } from "./polyfills";
import { renderReport, type SimulationReport } from "./report";
import { defaultScenario, loadScenario, type Scenario } from "./scenario";
import { simulate } from "./simulate";

// The SDK warns once per process on Node.js 20 that future versions need Node.js 22; the simulator's output is
// its report, so silence it with the SDK's documented switch (aws/aws-sdk-js-v3#7983) unless the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE = `Usage: npm run simulate -- [--scenario FILE] [--days N] [--seed N] [--out FILE|DIR] [--json] [--no-progress] [--debug] [--executor fast|reference]

  --scenario FILE  scenario YAML (default: the embedded scenarios/default.yaml)
  --days N         override the scenario's number of virtual days
  --seed N         override the scenario's seed
  --out FILE.html  write a self-contained HTML report (charts of the recovery-point age; opens offline)
  --out FILE.json  write the report as JSON
  --out DIR        write DIR/report.html and DIR/report.json
  --json           print the report as JSON on stdout instead of tables
  --no-progress    no progress bar on stderr
  --debug          stack traces on errors; RPL_SIM_DEBUG=1 also prints every execution and handler warning
  --executor E     Step Functions executor: fast (sim/aslInterpreter.ts, default) or reference (aws-local-stepfunctions);
                   both give the same report

Exit code: 0 every DB met its RPO, 1 some DB missed a feasible RPO, 2 bad input,
           3 no feasible RPO missed but some DB's RPO is INFEASIBLE (below its feasible floor).`;

/** Parsed command line. */
export interface CliOptions {
  scenario?: string;
  days?: number;
  seed?: number;
  out?: string;
  json: boolean;
  progress: boolean;
  debug: boolean;
  help: boolean;
  executor?: Executor;
}

/** Parses argv (without node and script); throws a ConfigError naming the bad option. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        scenario: { type: "string" },
        days: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        json: { type: "boolean", default: false },
        "no-progress": { type: "boolean", default: false },
        debug: { type: "boolean", default: false },
        executor: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${USAGE}`);
  }
  const num = (name: string, v: unknown, integer: boolean): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || (name === "--days" && n <= 0)) {
      throw new ConfigError(
        `${name} must be ${name === "--days" ? "a number of days > 0" : "a whole number"} (got ${JSON.stringify(v)})`,
      );
    }
    return n;
  };
  const days = num("--days", values.days, false);
  const seed = num("--seed", values.seed, true);
  const executor = values.executor;
  if (executor !== undefined && !EXECUTORS.includes(executor as Executor)) {
    throw new ConfigError(`--executor must be one of ${EXECUTORS.join(", ")} (got ${JSON.stringify(executor)})`);
  }
  return {
    ...(executor !== undefined ? { executor: executor as Executor } : {}),
    ...(typeof values.scenario === "string" ? { scenario: values.scenario } : {}),
    ...(days !== undefined ? { days } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(typeof values.out === "string" ? { out: values.out } : {}),
    json: values.json === true,
    progress: values["no-progress"] !== true,
    debug: values.debug === true,
    help: values.help === true,
  };
}

/**
 * Why the run fails, if it does: DBs that missed the RPO other than the scenario's `recovery.expectMissedRpo` (or
 * expected misses that did not happen), and failovers that did not succeed within the RTO. Empty = exit 0.
 */
export function verdict(report: SimulationReport, expectMissedRpo: readonly string[]): string[] {
  const out: string[] = [];
  const expected = new Set(expectMissedRpo);
  const missed = new Set(report.missedRpo);
  const unexpected = [...missed].filter((d) => !expected.has(d));
  const notMissed = [...expected].filter((d) => !missed.has(d));
  if (unexpected.length > 0) out.push(`missed the RPO: ${unexpected.join(", ")}`);
  if (notMissed.length > 0)
    out.push(`expected to miss the RPO (recovery.expectMissedRpo) but met it: ${notMissed.join(", ")}`);
  for (const f of report.recovery.failovers) {
    if (!f.withinRto)
      out.push(`failover started ${f.startedAt} did not complete within the RTO: ${f.status} ${f.error ?? ""}`.trim());
  }
  return out;
}

/**
 * The exit code and the problems behind it: 1 when {@link verdict} finds a problem (a DB missed an RPO it can reach,
 * an expected miss did not happen, a failover overran the RTO); else 3 when DBs missed an RPO below their feasible
 * floor (INFEASIBLE, sim/feasibilityReport.ts: a configuration to change, not a pipeline failure); else 0.
 */
export function exitCodeOf(
  report: SimulationReport,
  expectMissedRpo: readonly string[],
): { code: 0 | 1 | 3; problems: string[] } {
  const infeasible = infeasibleMisses(report, report.feasibility ?? []);
  const problems = verdict(report, [...expectMissedRpo, ...infeasible]);
  return { code: problems.length > 0 ? 1 : infeasible.length > 0 ? 3 : 0, problems };
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  polyfillPromiseWithResolvers();
  let opts: CliOptions | undefined;
  try {
    opts = parseCliArgs(argv);
    const outputs = opts.out !== undefined ? outputFiles(opts.out) : undefined;
    if (opts.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    let scenario: Scenario = opts.scenario ? loadScenario(opts.scenario) : defaultScenario();
    if (opts.days !== undefined) scenario = { ...scenario, days: opts.days };
    if (opts.seed !== undefined) scenario = { ...scenario, seed: opts.seed };
    const bar = opts.progress && process.stderr.isTTY ? progressBar(scenario.name) : undefined;
    const executor = opts.executor;
    const result = await withoutStackTraces(!opts.debug, () =>
      simulate(scenario, { ...(bar ? { onProgress: bar.update } : {}), ...(executor ? { executor } : {}) }),
    );
    bar?.done();
    const { report } = result;
    if (outputs) {
      for (const file of [outputs.html, outputs.json]) if (file) mkdirSync(dirname(file), { recursive: true });
      if (outputs.json) writeFileSync(outputs.json, `${JSON.stringify(report, null, 2)}\n`);
      if (outputs.html) writeFileSync(outputs.html, renderHtmlReport({ report, samples: result.samples, scenario }));
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      process.stdout.write(`${renderReport(report, process.stdout.isTTY === true)}\n`);
      process.stdout.write(`(simulated ${scenario.days} days in ${(result.wallMs / 1000).toFixed(1)} s)\n`);
      if (outputs) process.stdout.write(`Wrote ${[outputs.html, outputs.json].filter(Boolean).join(" and ")}\n`);
    }
    const { code, problems } = exitCodeOf(report, scenario.recovery.expectMissedRpo);
    for (const p of problems)
      process.stderr.write(`${pc.red("simulate:")} ${p}
`);
    return code;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${pc.red("simulate:")} ${opts?.debug && err instanceof Error ? (err.stack ?? msg) : msg}\n`);
    return 2;
  }
}

/**
 * Runs `fn` with `Error.stackTraceLimit` 0 when `quiet`: no error made during the run captures a stack trace. The CLI
 * prints one only with `--debug`, and no report holds one (sim/localStepFunctions.ts passes Lambda errors on without
 * it), yet every SDK call builds an `Error` in the SDK's retry middleware and every refused model call builds an SDK
 * exception: capturing their stacks cost about 7 % of a twenty-dbs run's CPU (docs/performance.md).
 */
export async function withoutStackTraces<T>(quiet: boolean, fn: () => Promise<T>): Promise<T> {
  if (!quiet) return fn();
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await fn();
  } finally {
    Error.stackTraceLimit = saved;
  }
}

/**
 * What `--out` writes: `*.html` the HTML report, `*.json` the JSON report, anything else a directory receiving both.
 * `*.svg` (the hand-drawn chart the HTML report replaced) is refused with a ConfigError saying what to use instead.
 */
export function outputFiles(out: string): { html?: string; json?: string } {
  const ext = extname(out).toLowerCase();
  if (ext === ".html" || ext === ".htm") return { html: out };
  if (ext === ".json") return { json: out };
  if (ext === ".svg") {
    throw new ConfigError(
      `--out ${out}: the SVG chart was replaced by the HTML report; use --out ${out.slice(0, -ext.length)}.html (charts, opens offline) or --out DIR for report.html and report.json`,
    );
  }
  if (ext !== "")
    throw new ConfigError(`--out must be a .html file, a .json file or a directory (got ${JSON.stringify(out)})`);
  return { html: join(out, "report.html"), json: join(out, "report.json") };
}

function progressBar(name: string): { update: (fraction: number) => void; done: () => void } {
  const width = 30;
  let last = -1;
  const draw = (fraction: number) => {
    const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
    if (pct === last) return;
    last = pct;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(`\r${name} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(pct).padStart(3)}%`);
  };
  return { update: draw, done: () => process.stderr.write("\r\u001b[2K") };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`simulate: ${String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
