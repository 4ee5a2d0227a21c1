/**
 * Child process of the bench's `thousand` section: runs scenarios/thousand-dbs.yaml (or `N` of its DBs, the
 * generators keeping their shares: sim/scaleScenario.ts) and prints the scale summary as one JSON line.
 *   node --import tsx bench/thousandChild.ts [N]
 */
import { resolve } from "node:path";
import { polyfillPromiseWithResolvers } from "../sim/polyfills";
import { loadScaledScenario, summarizeScaleRun } from "../sim/scaleScenario";
import { simulate } from "../sim/simulate";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(): Promise<void> {
  polyfillPromiseWithResolvers();
  const dbs = Number(process.argv[2] ?? 1000);
  const scenario = loadScaledScenario(resolve(__dirname, "../scenarios/thousand-dbs.yaml"), dbs);
  const { report } = await simulate(scenario);
  console.log(JSON.stringify(summarizeScaleRun(report)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
