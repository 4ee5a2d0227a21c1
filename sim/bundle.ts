/**
 * The simulator as one esbuild bundle (`sim/cli.ts` and everything it imports, CommonJS), for running without tsx's
 * per-process compile and its `__name` wrappers around every closure (docs/performance.md measures the difference).
 *
 * aws-local-stepfunctions is aliased to its CommonJS build: the JSONPath fast path (sim/fastJsonPath.ts) replaces an
 * export of jsonpath-plus's CommonJS module object, which only the CommonJS build reads at each call. A bundle must
 * print the same report as `npm run simulate` for the same scenario and seed; tests/sim/bundledSimulator.test.ts
 * checks that (a bundler renames classes, so nothing may depend on `constructor.name`: see `operationName` in
 * sim/aws/rdsModel.ts).
 */
import { resolve } from "node:path";
import { build } from "esbuild";

const ROOT = resolve(__dirname, "..");

/**
 * Builds the simulator CLI (or another `entry` that runs the simulator, e.g. bench/thousandChild.ts) into `outfile`
 * (CommonJS, Node.js). Relative paths inside the bundle (the embedded default
 * scenario) resolve against the bundle's own directory, so put it one level below the repository (e.g. `dist/`) or
 * pass `--scenario` with an absolute path.
 */
export async function buildSimulatorBundle(outfile: string, entry = resolve(ROOT, "sim", "cli.ts")): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    logLevel: "silent",
    alias: {
      "aws-local-stepfunctions": resolve(ROOT, "node_modules", "aws-local-stepfunctions", "build", "main.node.cjs"),
    },
  });
}
