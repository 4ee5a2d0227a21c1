/**
 * Child process of the bench's `thousand` section: runs scenarios/thousand-dbs.yaml (or `N` of its DBs, the
 * generators keeping their shares: sim/scaleScenario.ts) and prints the scale summary as one JSON line.
 *   node --import tsx bench/thousandChild.ts [N] [--days D] [--json | --text] [--executor fast|reference]
 * `--json` prints the whole report as JSON instead (what `npm run simulate -- --json` prints; compare it before and
 * after a change meant to keep results), `--text` the text report; `--executor` picks the simulator's executor
 * (default fast; both give the same report). The bench runs an esbuild bundle of this file
 * (bench/thousand.ts).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { polyfillPromiseWithResolvers } from "../sim/polyfills";
import { renderReport } from "../sim/report";
import { loadScaledScenario, summarizeScaleRun } from "../sim/scaleScenario";
import { simulate } from "../sim/simulate";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** The scenario file; `RPL_THOUSAND_SCENARIO` overrides it (a bundle does not sit next to `scenarios/`). */
const SCENARIO = process.env.RPL_THOUSAND_SCENARIO ?? resolve(__dirname, "../scenarios/thousand-dbs.yaml");

async function main(): Promise<void> {
  polyfillPromiseWithResolvers();
  const { values, positionals } = parseArgs({
    options: {
      days: { type: "string" },
      json: { type: "boolean" },
      text: { type: "boolean" },
      executor: { type: "string" },
    },
    allowPositionals: true,
  });
  const dbs = Number(positionals[0] ?? 1000);
  const scenario = loadScaledScenario(SCENARIO, dbs);
  const days = values.days === undefined ? scenario.days : Number(values.days);
  if (!Number.isFinite(days) || days <= 0) throw new Error(`--days must be a number of days > 0 (got ${values.days})`);
  const executor = values.executor ?? "fast";
  if (executor !== "fast" && executor !== "reference") throw new Error(`--executor must be fast or reference`);
  const { report } = await simulate({ ...scenario, days }, { executor });
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (values.text) process.stdout.write(`${renderReport(report, false)}\n`);
  else console.log(JSON.stringify(summarizeScaleRun(report)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
